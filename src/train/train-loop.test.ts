import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import { Sgd } from '../optim/sgd.js';
import { Rng } from '../random/rng.js';
import { IntTensor } from '../tensor/tensor.js';
import type { EvalEvent, TrainEvent } from './events.js';
import type { BatchSource, Objective } from './objective.js';
import { trainLoop } from './train-loop.js';

const backend = new ReferenceBackend();
const V = 5;

/** Fixed random token sequences [T, B] cut into batches of `batchSize` columns, in order. */
function source(batchSize: number, batches: number, seed = 1): BatchSource<{ x: IntTensor; y: IntTensor }> {
  const rng = new Rng(seed);
  const T = 4;
  const all = Array.from({ length: batches }, () => Int32Array.from({ length: (T + 1) * batchSize }, () => rng.int(V)));
  let epoch = 0, index = 0;
  return {
    batchesPerEpoch: batches,
    next() {
      const ids = all[index]!;
      const out = { batch: { x: new IntTensor(ids.slice(0, T * batchSize), [T, batchSize]), y: new IntTensor(ids.slice(batchSize), [T * batchSize]) }, epoch, index, startsEpoch: index === 0 };
      if (++index === batches) { index = 0; epoch++; }
      return out;
    },
    position: () => ({ epoch, index }),
    seek: (p) => { ({ epoch, index } = p as { epoch: number; index: number }); },
  };
}

const model = (seed = 3) => new RecurrentModel({ input: { kind: 'one-hot', vocabSize: V }, cell: 'gru', hiddenSize: 6, outputSize: V }, { rng: new Rng(seed) }).to(backend);

const objective = (m: RecurrentModel): Objective<{ x: IntTensor; y: IntTensor }> => ({ tape, batch }) => {
  const { logits } = m.forward(tape, batch.x);
  const [T, B] = batch.x.shape as [number, number];
  return { loss: crossEntropy(tape, reshape(tape, logits, [T * B, V]), batch.y), items: T * B };
};

test('trainLoop: accumulating the gradients of 2 half batches is the step of one whole batch (each weighted by its items)', async () => {
  // A whole batch of 8 columns vs the same columns as two batches of 4: the mean loss over all items has the same gradient.
  const whole = model(), halves = model();
  const wholeData = source(8, 1, 5);
  const b = wholeData.next().batch;
  const halfBatches = [0, 4].map((c0) => {
    const T = 4;
    const x = IntTensor.zeros([T, 4]), y = IntTensor.zeros([T * 4]);
    for (let t = 0; t < T; t++) for (let c = 0; c < 4; c++) { x.data[t * 4 + c] = b.x.data[t * 8 + c0 + c]!; y.data[t * 4 + c] = b.y.data[t * 8 + c0 + c]!; }
    return { x, y };
  });
  let k = 0;
  const halfSource: BatchSource<{ x: IntTensor; y: IntTensor }> = {
    batchesPerEpoch: 2, next: () => ({ batch: halfBatches[k % 2]!, epoch: Math.floor(k / 2), index: k++ % 2, startsEpoch: k % 2 === 1 }),
    position: () => k, seek: () => {},
  };
  const a = await trainLoop({ model: whole, backend, optimizer: new Sgd(whole.parameters(), { lr: 0.5 }), data: source(8, 1, 5), objective: objective(whole), unit: 'tokens', maxSteps: 1 });
  const h = await trainLoop({ model: halves, backend, optimizer: new Sgd(halves.parameters(), { lr: 0.5 }), data: halfSource, objective: objective(halves), unit: 'tokens', maxSteps: 1, accumulate: 2 });
  assert.ok(Math.abs(a.losses[0]! - h.losses[0]!) < 1e-6, `loss ${a.losses[0]} vs ${h.losses[0]}`);
  assert.equal(h.items, a.items);
  const pa = whole.parameters(), ph = halves.parameters();
  for (let i = 0; i < pa.length; i++) {
    for (let j = 0; j < pa[i]!.size; j++) assert.ok(Math.abs(pa[i]!.data[j]! - ph[i]!.data[j]!) < 1e-6, `parameter ${i}[${j}]`);
  }
});

test('trainLoop: early stopping after `patience` evaluations without improvement, on a metric where higher is better', async () => {
  const m = model();
  const accuracies = [0.5, 0.6, 0.55, 0.6, 0.58, 0.9];
  let n = 0;
  const events: TrainEvent[] = [];
  const saved: number[] = [];
  const r = await trainLoop({
    model: m, backend, optimizer: new Adam(m.parameters(), { lr: 1e-3 }), data: source(2, 3), objective: objective(m), unit: 'tokens',
    maxSteps: 100, evalEvery: 2, patience: 3, evaluate: () => ({ loss: 1, metrics: { accuracy: accuracies[n++]! } }),
    metrics: [{ name: 'accuracy', label: 'accuracy', format: 'percent', digits: 1, better: 'max' }], monitor: { metric: 'accuracy', mode: 'max' },
    saveBest: async (p) => { saved.push(p.step); return `best-${p.step}`; },
    onEvent: (e) => events.push(e),
  });
  assert.equal(r.reason, 'early-stopping');
  assert.equal(r.step, 10, '5 evaluations: best at the 2nd, then 3 without improvement (0.6 ties do not count)');
  assert.deepEqual(r.best, { value: 0.6, step: 4 });
  assert.deepEqual(saved, [2, 4]);
  const evals = events.filter((e): e is EvalEvent => e.type === 'eval');
  assert.deepEqual(evals.map((e) => e.staleEvals), [0, 0, 1, 2, 3]);
  assert.deepEqual(evals.map((e) => e.savedBest), ['best-2', 'best-4', undefined, undefined, undefined]);
  const end = events.at(-1)!;
  assert.ok(end.type === 'end' && end.reason === 'early-stopping' && end.best === 0.6 && end.bestStep === 4);
});

test('trainLoop: maxEpochs stops at the end of the last pass; items and epochs are counted from the batches', async () => {
  const m = model();
  const steps: number[] = [];
  const r = await trainLoop({
    model: m, backend, optimizer: new Adam(m.parameters(), { lr: 1e-3 }), data: source(3, 4), objective: objective(m), unit: 'tokens',
    maxEpochs: 2, onEvent: (e) => { if (e.type === 'step') steps.push(e.epoch); },
  });
  assert.equal(r.reason, 'max-epochs');
  assert.equal(r.step, 8);
  assert.equal(r.items, 8 * 4 * 3);
  assert.deepEqual(steps, [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
});

test('trainLoop: keepLosses false keeps only the last step\'s loss (a long run does not grow), the same training otherwise', async () => {
  const run = async (keepLosses?: boolean) => {
    const m = model();
    return trainLoop({ model: m, backend, optimizer: new Adam(m.parameters(), { lr: 1e-3 }), data: source(3, 4), objective: objective(m), unit: 'tokens', maxSteps: 9, keepLosses });
  };
  const all = await run();
  const last = await run(false);
  assert.equal(all.losses.length, 9);
  assert.deepEqual(last.losses, [all.losses.at(-1)]);
});

test('trainLoop: clipValue clamps every gradient element; bad options and objectives get clear errors', async () => {
  const m = model();
  const grads: number[] = [];
  const opt = new Sgd(m.parameters(), { lr: 0 });
  const orig = opt.step.bind(opt);
  opt.step = () => { for (const p of m.parameters()) for (const g of p.grad.data) grads.push(Math.abs(g)); orig(); };
  await trainLoop({ model: m, backend, optimizer: opt, data: source(2, 1), objective: objective(m), unit: 'tokens', maxSteps: 1, clipValue: 1e-3 });
  assert.ok(grads.length > 0 && Math.max(...grads) <= 1e-3 + 1e-9);
  const base = { model: m, backend, optimizer: opt, data: source(2, 1), objective: objective(m), unit: 'tokens' };
  await assert.rejects(trainLoop({ ...base }), /trainLoop: give maxSteps, maxEpochs or maxTimeMs/);
  await assert.rejects(trainLoop({ ...base, maxSteps: 1, accumulate: 0 }), /accumulate must be an integer >= 1, got 0/);
  await assert.rejects(trainLoop({ ...base, maxSteps: 1, patience: 2 }), /patience needs an evaluate function/);
  await assert.rejects(trainLoop({ ...base, maxSteps: 1, monitor: { metric: 'f1', mode: 'max' } }), /monitor.metric must be 'loss' or one of the metrics \(none\), got 'f1'/);
  await assert.rejects(trainLoop({ ...base, maxSteps: 1, objective: () => ({ loss: undefined as never, items: 1 }) }), /the objective must return \{ loss: a one-element Tensor, items \}/);
  await assert.rejects(trainLoop({ ...base, maxSteps: 1, objective: (i) => ({ ...objective(m)(i), items: 0 }) }), /count the batch's items \(a positive integer\), got 0/);
});
