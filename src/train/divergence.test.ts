// Divergence in the training loop: a NaN loss or a loss grown past the factor stops the step
// before its update, with the first op that made NaN or Inf named; a rollback restores the last
// checkpoint's state exactly (the run then equals one resumed from that state at half the rate),
// goes further back when a restored state diverges again, and gives up after maxRollbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, mul, reshape, scale } from '../autograd/ops/index.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { type RecurrentState, detachState } from '../nn/recurrent.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import { WarmupCosineLR } from '../optim/warmup-cosine.js';
import { RestorableRng } from '../random/restorable-rng.js';
import { Rng, type RngState } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import {
  DivergenceError, HEALTHY_RATIO, evictionIndex, growthReference, healthRatio, rollbackTarget, watchLoss,
} from './divergence.js';
import type { DivergenceEvent, TrainEvent } from './events.js';
import { fit } from './fit.js';
import type { BatchSource, Objective } from './objective.js';
import { type LoopProgress, trainLoop } from './train-loop.js';

const backend = new ReferenceBackend();
const V = 5, T = 4, B = 2;
type Batch = { x: IntTensor; y: IntTensor };

/** Token windows read in order, epoch after epoch (as a stream batcher does). */
function source(batches = 6, seed = 1): BatchSource<Batch> {
  const rng = new Rng(seed);
  const all = Array.from({ length: batches }, () => Int32Array.from({ length: (T + 1) * B }, () => rng.int(V)));
  let epoch = 0, index = 0;
  return {
    batchesPerEpoch: batches,
    next() {
      const ids = all[index]!;
      const out = { batch: { x: new IntTensor(ids.slice(0, T * B), [T, B]), y: new IntTensor(ids.slice(B), [T * B]) }, epoch, index, startsEpoch: index === 0 };
      if (++index === batches) { index = 0; epoch++; }
      return out;
    },
    position: () => ({ epoch, index }),
    seek: (p) => { ({ epoch, index } = p as { epoch: number; index: number }); },
  };
}

/**
 * A GRU language model over the windows with a carried state, a loss scaled by a random factor
 * (from `rng`, so that a rollback that forgot the caller's RNG would show) and by `spike(step)`.
 */
function setup(spike: (step: number) => number = () => 1, seed = 3) {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: V }, cell: 'gru', hiddenSize: 6, outputSize: V }, { rng: new Rng(seed) }).to(backend);
  const optimizer = new Adam(model.parameters(), { lr: 0.02 });
  const schedule = new WarmupCosineLR(optimizer, { warmupSteps: 3, minLr: 0.002 });
  const rng = new RestorableRng(11);
  const objective: Objective<Batch, RecurrentState> = ({ tape, batch, carried, step }) => {
    const { logits, state } = model.forward(tape, batch.x, carried ? { initialState: carried } : {});
    const loss = crossEntropy(tape, reshape(tape, logits, [T * B, V]), batch.y);
    const spiked = mul(tape, loss, Tensor.from([spike(step)], loss.shape));
    return { loss: scale(tape, spiked, 1 + 0.1 * rng.next()), items: T * B, carry: detachState(state) };
  };
  const callerState = { save: () => rng.state(), restore: (s: unknown) => rng.restore(s as RngState) };
  return { model, optimizer, schedule, rng, objective, callerState, data: source() };
}

/** What a checkpoint holds, captured by the loop's checkpoint callback. */
interface Saved {
  progress: LoopProgress<RecurrentState>;
  weights: Map<string, Tensor>;
  optimizer: ReturnType<Adam['stateDict']>;
  schedule: ReturnType<WarmupCosineLR['stateDict']>;
  position: unknown;
  rng: RngState;
}

function capture(s: ReturnType<typeof setup>, saved: Map<number, Saved>) {
  return async (p: LoopProgress<RecurrentState>) => {
    saved.set(p.step, {
      progress: { ...p, carried: p.carried && detachState(p.carried) }, weights: s.model.stateDict(), optimizer: s.optimizer.stateDict(),
      schedule: s.schedule.stateDict(), position: s.data.position(), rng: s.rng.state(),
    });
    return `memory:${p.step}`;
  };
}

const divergences = (events: TrainEvent[]) => events.filter((e): e is DivergenceEvent => e.type === 'divergence');
const stepLosses = (events: TrainEvent[]) => events.filter((e) => e.type === 'step').map((e) => (e as { loss: number }).loss);

test('a NaN loss stops its step before the update, names the first op that made it, and leaves the last checkpoint as the last', async () => {
  const s = setup((step) => (step === 7 ? Number.NaN : 1));
  const saved = new Map<number, Saved>();
  const events: TrainEvent[] = [];
  let afterStep7: Map<string, Tensor> | undefined;
  const err = await trainLoop({
    model: s.model, backend, optimizer: s.optimizer, schedule: s.schedule, data: s.data, objective: s.objective, unit: 'tokens', maxSteps: 20,
    checkpointEvery: 5, checkpoint: capture(s, saved), callerState: s.callerState,
    onEvent: (e) => { events.push(e); if (e.type === 'step' && e.step === 7) afterStep7 = s.model.stateDict(); },
  }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DivergenceError, String(err));
  assert.equal(err.message, 'training diverged at step 8: the loss is NaN; the last checkpoint (step 5) is kept (lower the learning rate or clip gradients)');
  assert.deepEqual([...saved.keys()], [5], 'no checkpoint of the diverged state');
  assert.deepEqual(s.model.stateDict(), afterStep7, 'the diverged step was not applied');
  const [d] = divergences(events);
  assert.equal(events.at(-1), d, 'the divergence is the last event (no end event)');
  assert.equal(d!.step, 8);
  assert.equal(d!.cause, 'non-finite-loss');
  assert.equal(d!.action, 'stop');
  assert.equal(d!.checkpointStep, 5);
  assert.match(d!.firstNonFinite!, /^NaN in forward of 'mul': output 'out' \[\] has NaN at flat index 0$/);
  assert.equal(d!.recentGradNorms.length, 7);
  assert.ok(d!.recentGradNorms.every((g) => g > 0 && Number.isFinite(g)));
  assert.equal(d!.gradNorm, undefined, 'no backward pass ran');
  assert.deepEqual(err.event, d);
});

test('a parameter that already holds Inf is named as the first non-finite value', async () => {
  const s = setup();
  const err = await trainLoop({
    model: s.model, backend, optimizer: s.optimizer, data: s.data, objective: s.objective, unit: 'tokens', maxSteps: 5,
    onEvent: (e) => { if (e.type === 'step' && e.step === 2) s.model.head.bias!.data[1] = Infinity; },
  }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DivergenceError);
  assert.equal(err.event.step, 3);
  assert.equal(err.event.firstNonFinite, "parameter 'head.bias' holds Infinity at flat index 1");
  assert.equal(err.event.checkpointStep, null);
  assert.match(err.message, /no checkpoint of this run had been written/);
});

test('a loss that grows past the factor stops (later with a larger factor, never with 0); a finite replay names no op', async () => {
  const spike = (step: number) => (step >= 10 ? 100 : 1);
  const run = async (factor: number | undefined) => {
    const s = setup(spike);
    const events: TrainEvent[] = [];
    const r = await trainLoop({
      model: s.model, backend, optimizer: s.optimizer, schedule: s.schedule, data: s.data, objective: s.objective, unit: 'tokens', maxSteps: 40,
      divergence: factor === undefined ? undefined : { factor }, callerState: s.callerState, onEvent: (e) => events.push(e),
    }).then(() => null, (e: unknown) => e as DivergenceError);
    return { err: r, events };
  };
  const byDefault = await run(undefined);
  const d = byDefault.err!.event;
  assert.equal(d.cause, 'loss-growth');
  assert.equal(d.step, 11, 'the first step with the loss ×100');
  assert.equal(d.factor, 3, 'the default');
  assert.ok(d.smoothedLoss! > 3 * d.bestSmoothedLoss!, `${d.smoothedLoss} vs ${d.bestSmoothedLoss}`);
  assert.equal(d.firstNonFinite, null);
  assert.ok(Number.isFinite(d.gradNorm!));
  assert.match(byDefault.err!.message, /^training diverged at step 11: the smoothed loss [\d.]+ is [\d.]+× its best [\d.]+ \(this step's loss [\d.]+\); no checkpoint/);
  // The EMA: each step's loss enters with weight 0.05; the best EMA is its lowest value.
  const losses = stepLosses(byDefault.events);
  let w = watchLoss(null, losses[0]!);
  for (const l of losses.slice(1)) w = watchLoss(w, l);
  w = watchLoss(w, d.loss);
  assert.ok(Math.abs(w.ema - d.smoothedLoss!) < 1e-12 && Math.abs(w.best - d.bestSmoothedLoss!) < 1e-12);

  const loose = await run(10);
  assert.ok(loose.err!.event.step > 11, `factor 10 stops later, at step ${loose.err!.event.step}`);
  const off = await run(0);
  assert.equal(off.err, null, 'factor 0: a finite loss never counts');
  assert.equal(stepLosses(off.events).length, 40);
});

test('rollback: the state of the last checkpoint is restored exactly, and the run goes on at half the learning rate', async () => {
  // The loss spikes once, the first time step 13 runs.
  let spiked = false;
  const a = setup((step) => (step === 12 && !spiked ? (spiked = true, 1e3) : 1));
  const saved = new Map<number, Saved>();
  const events: TrainEvent[] = [];
  const r = await fit(a.model, {
    backend, optimizer: a.optimizer, schedule: a.schedule, data: a.data, objective: a.objective, unit: 'tokens', maxSteps: 20,
    checkpointEvery: 5, checkpoint: capture(a, saved), callerState: a.callerState, divergence: { action: 'rollback' }, onEvent: (e) => events.push(e),
  });
  assert.equal(r.reason, 'max-steps');
  assert.equal(r.step, 20);
  assert.equal(r.rollbacks, 1);
  assert.equal(r.lrScale, 0.5);
  const [d, more] = divergences(events);
  assert.equal(more, undefined);
  assert.deepEqual([d!.step, d!.cause, d!.action, d!.restoredStep, d!.lrScale, d!.rollbacks, d!.maxRollbacks, d!.checkpointStep], [13, 'loss-growth', 'rollback', 10, 0.5, 1, 3, 10]);
  assert.equal(r.losses.length, 20, 'the losses of the undone steps are left out');
  assert.equal(r.history.loss.length, 20);
  assert.deepEqual(r.losses.slice(0, 10), stepLosses(events).slice(0, 10));
  // Steps 11-12 ran twice; after the rollback their learning rate is halved.
  const steps = events.filter((e) => e.type === 'step') as { step: number; lr: number; loss: number }[];
  assert.deepEqual(steps.map((e) => e.step), [...Array(12).keys()].map((i) => i + 1).concat([...Array(10).keys()].map((i) => i + 11)));
  assert.ok(Math.abs(steps[12]!.lr - steps[10]!.lr / 2) < 1e-15, `${steps[12]!.lr} vs ${steps[10]!.lr}`);
  assert.deepEqual([...saved.keys()], [5, 10, 15, 20]);

  // The same as resuming from the checkpoint of step 10 with the rate halved: every loss and weight.
  const b = setup();
  const at10 = saved.get(10)!;
  b.model.loadStateDict(at10.weights);
  b.optimizer.loadStateDict(at10.optimizer);
  b.schedule.loadStateDict(at10.schedule);
  b.data.seek(at10.position);
  b.rng.restore(at10.rng);
  const resumed = await trainLoop({
    model: b.model, backend, optimizer: b.optimizer, schedule: b.schedule, data: b.data, objective: b.objective, unit: 'tokens', maxSteps: 20,
    resumeFrom: { ...at10.progress, lrScale: 0.5, rollbacks: 1 },
  });
  assert.deepEqual(resumed.losses, r.losses.slice(10));
  assert.deepEqual(b.model.stateDict(), a.model.stateDict());
});

test('rollback: a restored state that diverges again before the next checkpoint is dropped for an older one; after maxRollbacks the run stops', async () => {
  // From step 13 on the loss is always ×1000: back to 10, diverged again before a checkpoint, so
  // back to 5; past the checkpoint of step 10 (written anew) and diverged again, so back to it.
  const s = setup((step) => (step >= 12 ? 1e3 : 1));
  const events: TrainEvent[] = [];
  const saved = new Map<number, Saved>();
  const err = await trainLoop({
    model: s.model, backend, optimizer: s.optimizer, schedule: s.schedule, data: s.data, objective: s.objective, unit: 'tokens', maxSteps: 30,
    checkpointEvery: 5, checkpoint: capture(s, saved), callerState: s.callerState, divergence: { action: 'rollback' }, onEvent: (e) => events.push(e),
  }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DivergenceError);
  const ds = divergences(events);
  assert.deepEqual(ds.map((d) => [d.step, d.action, d.restoredStep, d.rollbacks, d.lrScale]), [
    [13, 'rollback', 10, 1, 0.5], [13, 'rollback', 5, 2, 0.25], [13, 'rollback', 10, 3, 0.125], [13, 'stop', undefined, 3, undefined],
  ]);
  assert.deepEqual(ds.map((d) => d.checkpointStep), [10, 10, 10, 10]);
  assert.match(err.message, /^training diverged at step 13 after 3 rollbacks: /);
  assert.deepEqual([...saved.keys()], [5, 10]);
  assert.equal(saved.get(10)!.progress.lrScale, 0.25, 'step 10 written again after going back to 5, at the lower rate');
  // maxRollbacks 0: a rollback run that may not roll back stops at once.
  const t = setup((step) => (step >= 12 ? 1e3 : 1));
  await assert.rejects(trainLoop({
    model: t.model, backend, optimizer: t.optimizer, data: t.data, objective: t.objective, unit: 'tokens', maxSteps: 30,
    divergence: { action: 'rollback', maxRollbacks: 0 },
  }), /^DivergenceError: training diverged at step 13: /);
});

test('divergence rule: EMA, floor, warm-up, health and which kept state a rollback restores', () => {
  let w = watchLoss(undefined, 4);
  assert.deepEqual(w, { ema: 4, best: 4, first: 4 });
  w = watchLoss(w, 2);
  assert.ok(Math.abs(w.ema - 3.9) < 1e-12 && w.best === w.ema);
  assert.equal(growthReference(w, 4, 4), null, 'in the warm-up');
  assert.equal(growthReference(w, 5, 4), w.best);
  assert.equal(growthReference(w, 5, 0), null, 'off');
  // Near zero, the best counts as a third of the first loss.
  assert.ok(Math.abs(growthReference({ ema: 0.001, best: 0.0001, first: 0.6 }, 50, 4)! - 0.2) < 1e-15);
  assert.equal(growthReference({ ema: -1, best: -2, first: -0.5 }, 50, 4), null, 'a loss that is not positive: no ratio');
  assert.equal(healthRatio(null), 1);
  assert.equal(healthRatio({ ema: 6, best: 2, first: 4 }), 3);
  assert.equal(HEALTHY_RATIO, 1.5);
  assert.equal(rollbackTarget([1, 1.2, 3]), 1, 'the newest healthy state');
  assert.equal(rollbackTarget([2, 3]), 0, 'none healthy: the oldest');
  assert.equal(evictionIndex([1, 2, 3]), 1, 'the only healthy state stays');
  assert.equal(evictionIndex([1, 1, 3]), 0);
});

test('bad divergence options get one clear error each', async () => {
  const s = setup();
  const base = { model: s.model, backend, optimizer: s.optimizer, data: s.data, objective: s.objective, unit: 'tokens', maxSteps: 1 };
  await assert.rejects(trainLoop({ ...base, divergence: { factor: 0.5 } }), { message: 'trainLoop: divergence.factor must be 0 (off) or a number > 1, got 0.5' });
  await assert.rejects(trainLoop({ ...base, divergence: { action: 'maybe' as never } }), { message: 'trainLoop: divergence.action must be one of stop, rollback, got "maybe"' });
  await assert.rejects(trainLoop({ ...base, divergence: { maxRollbacks: -1 } }), { message: 'trainLoop: divergence.maxRollbacks must be an integer >= 0, got -1' });
  await assert.rejects(trainLoop({ ...base, callerState: {} as never }), { message: 'trainLoop: callerState must have save() and restore(saved)' });
});
