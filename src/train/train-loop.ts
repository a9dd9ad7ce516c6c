/**
 * The training loop of recurrent sequence models with truncated BPTT: windows come in order,
 * the hidden state is carried from one window to the next and detached (gradients stop at the
 * window edge), and reset where the data source starts its streams over. Around the steps:
 * gradient clipping, the schedule, periodic evaluation and samples, periodic checkpoints,
 * stopping on steps, time or an abort signal. It reports only through typed events and the
 * callbacks it is given; it writes no files and prints nothing itself.
 */
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../nn/recurrent.js';
import { clipGradNorm } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Schedule } from '../optim/schedules.js';
import type { IntTensor } from '../tensor/tensor.js';
import type { CheckpointReason, EndReason, TrainEvent } from './events.js';

/** Where training windows come from (e.g. `StreamBatcher`). */
export interface WindowSource {
  /** The next window: inputs [T, B], targets [T * B]; `startsEpoch` resets the carried state. */
  next(): { inputs: IntTensor; targets: IntTensor; startsEpoch: boolean; epoch: number; window: number };
  readonly windowsPerEpoch: number;
  readonly tokensPerWindow: number;
}

/** The loop's own state, which a checkpoint must keep besides model, optimizer, schedule, data and RNGs. */
export interface LoopProgress {
  step: number;
  tokens: number;
  /** Wall time of all sessions of the run. */
  elapsedMs: number;
  bestValLoss: number | null;
  lastValLoss: number | null;
  /** The state carried into the next window, or null (next window starts from zeros). */
  carried: RecurrentState | null;
}

export interface TrainLoopOptions {
  model: RecurrentModel;
  backend: Backend;
  optimizer: Optimizer;
  /** Stepped once after every optimizer step. A schedule with `setTotalSteps` gets the horizon of a time budget. */
  schedule?: Schedule & { setTotalSteps?(n: number): void; totalSteps?: number };
  data: WindowSource;
  /** Global gradient-norm clipping threshold (undefined: no clipping; the norm is still reported). */
  clipNorm?: number;
  /** Stop when this many steps are done in total (resumed runs count earlier steps). */
  maxSteps?: number;
  /** Stop when the run's wall time reaches this (earlier sessions count). */
  maxTimeMs?: number;
  evalEvery?: number;
  /** Mean validation loss; called every `evalEvery` steps and at the end. */
  evaluate?: () => number;
  /** A text sample, emitted after every evaluation. */
  sample?: () => string;
  checkpointEvery?: number;
  /** Writes a checkpoint of `progress` and returns where; called every `checkpointEvery` steps, at the end and on abort. */
  checkpoint?: (progress: LoopProgress, reason: CheckpointReason) => Promise<string>;
  /** Aborting stops the run after the current step, with a checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** The state of a resumed run. */
  resumeFrom?: LoopProgress;
  /** Passed through in the start event. */
  details?: Record<string, unknown>;
}

export interface TrainLoopResult extends LoopProgress {
  reason: EndReason;
  /** Training loss of every step of this session, in order. */
  losses: number[];
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs the loop until `maxSteps`, `maxTimeMs` or the abort signal (at least one of the first two is required). */
export async function trainLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const where = 'trainLoop';
  if (o.maxSteps === undefined && o.maxTimeMs === undefined) throw new Error(`${where}: give maxSteps or maxTimeMs (or both)`);
  for (const [name, v] of [['maxSteps', o.maxSteps], ['evalEvery', o.evalEvery], ['checkpointEvery', o.checkpointEvery]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`${where}: ${name} must be an integer >= 0, got ${v}`);
  }
  if (o.maxTimeMs !== undefined && !(o.maxTimeMs > 0)) throw new Error(`${where}: maxTimeMs must be > 0, got ${o.maxTimeMs}`);
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) throw new Error(`${where}: clipNorm must be > 0, got ${o.clipNorm}`);
  const emit = (e: TrainEvent) => o.onEvent?.(e);
  const { model, optimizer, schedule, data } = o;
  const params = model.parameters();
  const p: LoopProgress = o.resumeFrom
    ? { ...o.resumeFrom }
    : { step: 0, tokens: 0, elapsedMs: 0, bestValLoss: null, lastValLoss: null, carried: null };
  const startStep = p.step;
  const baseElapsed = p.elapsedMs;
  const t0 = performance.now();
  const elapsed = () => baseElapsed + (performance.now() - t0);
  const timeBudget = o.maxTimeMs !== undefined && o.maxSteps === undefined;
  if (o.maxSteps !== undefined) schedule?.setTotalSteps?.(Math.max(1, o.maxSteps));

  emit({
    type: 'start', step: p.step, resumed: !!o.resumeFrom, maxSteps: o.maxSteps, maxTimeMs: o.maxTimeMs,
    tokensPerStep: data.tokensPerWindow, parameters: model.numParameters(), details: o.details ?? {},
  });

  const tape = new Tape(o.backend);
  const losses: number[] = [];
  const stepMs: number[] = []; // recent training-step durations (evaluation excluded)
  let trainMs = 0, trainSteps = 0; // this session, first two (warm-up) steps excluded
  let evalMs = 0, checkpointMs = 0;
  let lastEvalStep = -1, lastCheckpointStep = p.step;
  let totalSteps = o.maxSteps ?? schedule?.totalSteps;

  // For a time budget: steps that still fit, from the measured cost of a step, an evaluation and a checkpoint.
  const estimateHorizon = () => {
    if (!timeBudget || trainSteps === 0) return;
    const perStep = trainMs / trainSteps + (o.evalEvery && o.evaluate ? evalMs / o.evalEvery : 0)
      + (o.checkpointEvery && o.checkpoint ? checkpointMs / o.checkpointEvery : 0);
    totalSteps = Math.max(p.step + 1, p.step + Math.floor((o.maxTimeMs! - elapsed()) / perStep));
    schedule?.setTotalSteps?.(totalSteps);
  };

  const runEval = () => {
    if (!o.evaluate) return;
    const e0 = performance.now();
    const valLoss = o.evaluate();
    evalMs = performance.now() - e0;
    const improved = p.bestValLoss === null || valLoss < p.bestValLoss;
    if (improved) p.bestValLoss = valLoss;
    p.lastValLoss = valLoss;
    lastEvalStep = p.step;
    emit({ type: 'eval', step: p.step, valLoss, bestValLoss: p.bestValLoss!, improved, evalMs, elapsedMs: elapsed() });
    if (o.sample) emit({ type: 'sample', step: p.step, text: o.sample() });
  };

  const save = async (reason: CheckpointReason) => {
    if (!o.checkpoint) return;
    const c0 = performance.now();
    p.elapsedMs = elapsed();
    const path = await o.checkpoint({ ...p }, reason);
    checkpointMs = performance.now() - c0;
    lastCheckpointStep = p.step;
    emit({ type: 'checkpoint', step: p.step, reason, path, ms: checkpointMs });
  };

  let reason: EndReason;
  for (;;) {
    if (o.maxSteps !== undefined && p.step >= o.maxSteps) { reason = 'max-steps'; break; }
    if (o.maxTimeMs !== undefined && elapsed() >= o.maxTimeMs) { reason = 'max-time'; break; }
    if (o.signal?.aborted) { reason = 'interrupted'; break; }

    const s0 = performance.now();
    const w = data.next();
    if (w.startsEpoch) p.carried = null;
    tape.reset();
    optimizer.zeroGrad();
    const { logits, state } = model.forward(tape, w.inputs, p.carried ? { initialState: p.carried } : {});
    const [T, B, V] = logits.shape as [number, number, number];
    const lossT = crossEntropy(tape, reshape(tape, logits, [T * B, V]), w.targets);
    const loss = lossT.item();
    if (!Number.isFinite(loss)) {
      throw new Error(`training diverged at step ${p.step + 1}: the loss is ${loss} (lower the learning rate or clip gradients; the last checkpoint is untouched)`);
    }
    tape.backward(lossT);
    const gradNorm = clipGradNorm(params, o.clipNorm ?? Infinity);
    const lr = optimizer.lr;
    optimizer.step();
    schedule?.step();
    p.carried = detachState(state);
    p.step++;
    p.tokens += T * B;
    losses.push(loss);

    const ms = performance.now() - s0;
    stepMs.push(ms);
    if (stepMs.length > 20) stepMs.shift();
    if (p.step - startStep > 2) { trainMs += ms; trainSteps++; }
    if (timeBudget && p.step - startStep === 22) estimateHorizon();
    const recentMs = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
    let etaMs: number | undefined;
    if (totalSteps !== undefined) {
      const evalsLeft = o.evalEvery && o.evaluate ? Math.floor(totalSteps / o.evalEvery) - Math.floor(p.step / o.evalEvery) : 0;
      etaMs = Math.max(0, (totalSteps - p.step) * recentMs + evalsLeft * evalMs);
    }
    if (o.maxTimeMs !== undefined) etaMs = Math.min(etaMs ?? Infinity, Math.max(0, o.maxTimeMs - elapsed()));
    emit({
      type: 'step', step: p.step, loss, lr, gradNorm, epoch: (w.epoch * data.windowsPerEpoch + w.window + 1) / data.windowsPerEpoch,
      tokens: p.tokens, tokensPerSecond: (T * B) / (recentMs / 1000), elapsedMs: elapsed(), totalSteps, etaMs,
    });

    if (o.evalEvery && p.step % o.evalEvery === 0) {
      runEval();
      estimateHorizon();
    }
    if (o.checkpointEvery && p.step % o.checkpointEvery === 0) await save('periodic');
    await nextTurn(); // lets signal handlers (Ctrl-C) and progress timers run
  }

  if (reason !== 'interrupted' && p.step > startStep && lastEvalStep !== p.step) runEval();
  if (p.step > lastCheckpointStep) await save(reason === 'interrupted' ? 'interrupt' : 'final');
  p.elapsedMs = elapsed();
  emit({
    type: 'end', step: p.step, reason, elapsedMs: p.elapsedMs, tokens: p.tokens,
    loss: losses.at(-1), valLoss: p.lastValLoss ?? undefined, bestValLoss: p.bestValLoss ?? undefined,
  });
  return { ...p, reason, losses };
}
