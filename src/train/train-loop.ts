/**
 * The training loop, with no task in it: batches from a `BatchSource`, the loss from an
 * `Objective`, gradients accumulated over `accumulate` batches per optimizer step, clipping by
 * norm or value, the schedule, a state carried between batches (truncated BPTT) and reset where
 * the source starts an epoch over, periodic evaluation with a monitored metric (best model,
 * early stopping), samples, periodic checkpoints, and stopping on steps, epochs, time, patience
 * or an abort signal. It reports only through typed events and the callbacks it is given; it
 * writes no files and prints nothing itself.
 */
import { Tape } from '../autograd/tape.js';
import type { Backend } from '../kernels/backend.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm, clipGradValue, scaleGrads } from '../optim/clip.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Schedule } from '../optim/schedules.js';
import { Tensor } from '../tensor/tensor.js';
import { type CheckpointReason, type EndReason, type MetricSpec, type Monitor, type StartDetails, type TrainEvent } from './events.js';
import type { BatchSource, Evaluation, Objective } from './objective.js';

/** The loop's own state, which a checkpoint must keep besides model, optimizer, schedule, data and RNGs. */
export interface LoopProgress<S = unknown> {
  step: number;
  /** Items trained on (the task's unit). */
  items: number;
  /** Wall time of all sessions of the run. */
  elapsedMs: number;
  /** The last evaluation, if any. */
  lastEval: Evaluation | null;
  /** The best monitored figure so far and the step it came from. */
  best: { value: number; step: number } | null;
  /** Evaluations in a row without improvement. */
  staleEvals: number;
  /** The factor the learning rate (of the schedule, if any) is multiplied by after plateaus (1 until one). */
  lrScale?: number;
  /** The state carried into the next batch, or null (the next batch starts from zeros). */
  carried: S | null;
}

export interface TrainLoopOptions<B, S = null> {
  /** Its parameters are clipped and counted. */
  model: Module;
  backend: Backend;
  optimizer: Optimizer;
  /** Stepped once after every optimizer step. A schedule with `setTotalSteps` gets the horizon of a time budget. */
  schedule?: Schedule & { setTotalSteps?(n: number): void; totalSteps?: number };
  data: BatchSource<B>;
  objective: Objective<B, S>;
  /** What items count, plural ('characters', 'sequences' ...); for events. */
  unit: string;
  /** Batches whose gradients add up to one optimizer step (default 1), each weighted by its items. */
  accumulate?: number;
  /** Global gradient-norm clipping threshold (undefined: no clipping; the norm is still reported). */
  clipNorm?: number;
  /** Clamp every gradient element into [-clipValue, clipValue] (after norm clipping). */
  clipValue?: number;
  /** Stop when this many steps are done in total (resumed runs count earlier steps). */
  maxSteps?: number;
  /** Stop when the run's wall time reaches this (earlier sessions count). */
  maxTimeMs?: number;
  /** Stop at the end of this many passes over the data. */
  maxEpochs?: number;
  /** Evaluate every this many steps (0 or undefined: only at the end). */
  evalEvery?: number;
  /** A validation pass; called every `evalEvery` steps and at the end. */
  evaluate?: () => Evaluation | Promise<Evaluation>;
  /** Validation metrics besides the loss (for events). */
  metrics?: MetricSpec[];
  /** The figure that decides the best model and early stopping (default: the validation loss, lower is better). */
  monitor?: Monitor;
  /** Stop after this many evaluations in a row without improvement (early stopping). */
  patience?: number;
  /**
   * Multiply the learning rate by `factor` after every `patience` evaluations in a row without
   * improvement (Keras' ReduceLROnPlateau), on top of the schedule.
   */
  reduceLrOnPlateau?: { factor: number; patience: number };
  /** Called when an evaluation improves the monitored figure; returns where it saved the best model, if it did. */
  saveBest?: (progress: LoopProgress<S>) => Promise<string | undefined>;
  /** A text sample, emitted after every evaluation (undefined: none this time). */
  sample?: () => string | undefined;
  checkpointEvery?: number;
  /** Writes a checkpoint of `progress` and returns where; called every `checkpointEvery` steps, at the end and on abort. */
  checkpoint?: (progress: LoopProgress<S>, reason: CheckpointReason) => Promise<string>;
  /** Aborting stops the run after the current step, with a checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** The state of a resumed run. */
  resumeFrom?: LoopProgress<S>;
  /** For the start event. */
  task?: string;
  details?: StartDetails;
}

export interface TrainLoopResult<S = unknown> extends LoopProgress<S> {
  reason: EndReason;
  /** Training loss of every step of this session, in order. */
  losses: number[];
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resident memory where the runtime reports it, read at most once a second (a read costs ~15 us). */
function memoryMeter(): () => number | undefined {
  if (typeof process === 'undefined' || typeof process.memoryUsage?.rss !== 'function') return () => undefined;
  let last = 0, value = 0;
  return () => {
    const now = performance.now();
    if (now - last >= 1000) { value = process.memoryUsage.rss(); last = now; }
    return value;
  };
}

/** Checks the options that are plain numbers; every error names the option. */
function checkOptions(o: TrainLoopOptions<unknown, unknown>): void {
  const where = 'trainLoop';
  if (o.maxSteps === undefined && o.maxTimeMs === undefined && o.maxEpochs === undefined) throw new Error(`${where}: give maxSteps, maxEpochs or maxTimeMs`);
  for (const [name, v, min] of [['maxSteps', o.maxSteps, 0], ['maxEpochs', o.maxEpochs, 1], ['evalEvery', o.evalEvery, 0], ['checkpointEvery', o.checkpointEvery, 0],
    ['accumulate', o.accumulate, 1], ['patience', o.patience, 1]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${v}`);
  }
  if (o.maxTimeMs !== undefined && !(o.maxTimeMs > 0)) throw new Error(`${where}: maxTimeMs must be > 0, got ${o.maxTimeMs}`);
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) throw new Error(`${where}: clipNorm must be > 0, got ${o.clipNorm}`);
  if (o.clipValue !== undefined && !(o.clipValue > 0)) throw new Error(`${where}: clipValue must be > 0, got ${o.clipValue}`);
  if (o.patience !== undefined && !o.evaluate) throw new Error(`${where}: patience needs an evaluate function (early stopping watches validation)`);
  const r = o.reduceLrOnPlateau;
  if (r && (!(r.factor > 0 && r.factor < 1) || !(Number.isInteger(r.patience) && r.patience >= 1))) {
    throw new Error(`${where}: reduceLrOnPlateau needs a factor in (0, 1) and an integer patience >= 1, got ${JSON.stringify(r)}`);
  }
  if (r && !o.evaluate) throw new Error(`${where}: reduceLrOnPlateau needs an evaluate function (it watches validation)`);
  const m = o.monitor;
  if (m && m.metric !== 'loss' && !(o.metrics ?? []).some((s) => s.name === m.metric)) {
    throw new Error(`${where}: monitor.metric must be 'loss' or one of the metrics (${(o.metrics ?? []).map((s) => s.name).join(', ') || 'none'}), got '${m.metric}'`);
  }
  if (!(o.data?.batchesPerEpoch > 0)) throw new Error(`${where}: data.batchesPerEpoch must be > 0, got ${o.data?.batchesPerEpoch}`);
}

/** Runs the loop until a step, epoch or time limit, early stopping or the abort signal. */
export async function trainLoop<B, S = null>(o: TrainLoopOptions<B, S>): Promise<TrainLoopResult<S>> {
  checkOptions(o as TrainLoopOptions<unknown, unknown>);
  const emit = (e: TrainEvent) => o.onEvent?.(e);
  const { model, optimizer, schedule, data } = o;
  const accumulate = o.accumulate ?? 1;
  const monitor: Monitor = o.monitor ?? { metric: 'loss', mode: 'min' };
  const params = model.parameters();
  const p: LoopProgress<S> = o.resumeFrom
    ? { ...o.resumeFrom }
    : { step: 0, items: 0, elapsedMs: 0, lastEval: null, best: null, staleEvals: 0, carried: null };
  const startStep = p.step;
  const baseElapsed = p.elapsedMs;
  const t0 = performance.now();
  const elapsed = () => baseElapsed + (performance.now() - t0);
  const stepsPerEpoch = Math.ceil(data.batchesPerEpoch / accumulate);
  const stepLimit = Math.min(o.maxSteps ?? Infinity, o.maxEpochs !== undefined ? o.maxEpochs * stepsPerEpoch : Infinity);
  const timeBudget = o.maxTimeMs !== undefined && stepLimit === Infinity;
  if (stepLimit !== Infinity) schedule?.setTotalSteps?.(Math.max(1, stepLimit));

  emit({
    type: 'start', task: o.task ?? 'custom', unit: o.unit, step: p.step, resumed: !!o.resumeFrom, maxSteps: o.maxSteps, maxTimeMs: o.maxTimeMs,
    maxEpochs: o.maxEpochs, accumulate, parameters: model.numParameters(), metrics: o.metrics ?? [], monitor,
    details: o.details ?? { model: model.constructor.name, data: '', trainItems: 0, validationItems: 0, batch: '', lr: optimizer.lr, backend: o.backend.description, out: null, lossUnit: '', facts: [] },
  });

  const tape = new Tape(o.backend);
  const losses: number[] = [];
  const stepMs: number[] = []; // recent training-step durations (evaluation excluded)
  const stepItems: number[] = [];
  let trainMs = 0, trainSteps = 0; // this session, first two (warm-up) steps excluded
  let evalMs = 0, checkpointMs = 0;
  let lastEvalStep = -1, lastCheckpointStep = p.step;
  let totalSteps = stepLimit !== Infinity ? stepLimit : schedule?.totalSteps;
  let epochsDone = false;
  const memoryBytes = memoryMeter();

  // For a time budget: steps that still fit, from the measured cost of a step, an evaluation and a checkpoint.
  const estimateHorizon = () => {
    if (!timeBudget || trainSteps === 0) return;
    const perStep = trainMs / trainSteps + (o.evalEvery && o.evaluate ? evalMs / o.evalEvery : 0)
      + (o.checkpointEvery && o.checkpoint ? checkpointMs / o.checkpointEvery : 0);
    totalSteps = Math.max(p.step + 1, p.step + Math.floor((o.maxTimeMs! - elapsed()) / perStep));
    schedule?.setTotalSteps?.(totalSteps);
  };

  const runEval = async () => {
    if (!o.evaluate) return;
    const e0 = performance.now();
    const ev = await o.evaluate();
    const metrics = { ...ev.metrics };
    const value = monitor.metric === 'loss' ? ev.loss : metrics[monitor.metric];
    if (typeof value !== 'number') throw new Error(`trainLoop: the evaluation reported no '${monitor.metric}' (the monitored metric)`);
    evalMs = performance.now() - e0;
    const improved = p.best === null || (monitor.mode === 'min' ? value < p.best.value : value > p.best.value);
    p.lastEval = { loss: ev.loss, metrics };
    lastEvalStep = p.step;
    let savedBest: string | undefined;
    if (improved) {
      p.best = { value, step: p.step };
      p.staleEvals = 0;
      if (o.saveBest) savedBest = await o.saveBest({ ...p });
    } else {
      p.staleEvals++;
      const r = o.reduceLrOnPlateau;
      if (r && p.staleEvals % r.patience === 0) p.lrScale = (p.lrScale ?? 1) * r.factor;
    }
    emit({
      type: 'eval', step: p.step, valLoss: ev.loss, metrics, value, best: p.best!.value, bestStep: p.best!.step, improved,
      ...(savedBest ? { savedBest } : {}), staleEvals: p.staleEvals, evalMs, elapsedMs: elapsed(),
      ...(ev.view ? { view: ev.view } : {}),
    });
    const text = o.sample?.();
    if (text !== undefined) emit({ type: 'sample', step: p.step, text });
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

  // One optimizer step: `accumulate` batches, each loss weighted by its items.
  const trainStep = () => {
    optimizer.zeroGrad();
    let lossSum = 0, itemSum = 0, epochPos = 0;
    for (let k = 0; k < accumulate; k++) {
      const b = data.next();
      if (b.startsEpoch) p.carried = null;
      tape.reset();
      const out = o.objective({ tape, batch: b.batch, carried: p.carried, step: p.step });
      if (!(out?.loss instanceof Tensor) || out.loss.size !== 1) throw new Error('trainLoop: the objective must return { loss: a one-element Tensor, items }');
      if (!(Number.isInteger(out.items) && out.items > 0)) throw new Error(`trainLoop: the objective must count the batch's items (a positive integer), got ${out.items}`);
      const loss = out.loss.item();
      if (!Number.isFinite(loss)) {
        throw new Error(`training diverged at step ${p.step + 1}: the loss is ${loss} (lower the learning rate or clip gradients; the last checkpoint is untouched)`);
      }
      // A single batch backpropagates its mean as it is; accumulated batches their sums, divided by all items below.
      tape.backward(out.loss, accumulate === 1 ? undefined : Tensor.from([out.items], [1]));
      p.carried = out.carry ?? null;
      lossSum += loss * out.items;
      itemSum += out.items;
      epochPos = b.epoch + (b.index + 1) / data.batchesPerEpoch;
      if (b.index + 1 === data.batchesPerEpoch && o.maxEpochs !== undefined && b.epoch + 1 >= o.maxEpochs) { epochsDone = true; break; }
    }
    if (accumulate > 1) scaleGrads(params, 1 / itemSum);
    tape.reset();
    const gradNorm = clipGradNorm(params, o.clipNorm ?? Infinity);
    if (o.clipValue !== undefined) clipGradValue(params, o.clipValue);
    // The plateau factor scales this step's rate only: the schedule keeps its own closed form.
    const unscaled = optimizer.lr;
    const lr = unscaled * (p.lrScale ?? 1);
    optimizer.lr = lr;
    optimizer.step();
    optimizer.lr = unscaled;
    schedule?.step();
    return { loss: lossSum / itemSum, items: itemSum, gradNorm, lr, epochPos };
  };

  let reason: EndReason;
  for (;;) {
    if (epochsDone) { reason = 'max-epochs'; break; }
    if (p.step >= stepLimit) { reason = o.maxSteps !== undefined && p.step >= o.maxSteps ? 'max-steps' : 'max-epochs'; break; }
    if (o.maxTimeMs !== undefined && elapsed() >= o.maxTimeMs) { reason = 'max-time'; break; }
    if (o.patience !== undefined && p.staleEvals >= o.patience) { reason = 'early-stopping'; break; }
    if (o.signal?.aborted) { reason = 'interrupted'; break; }

    const s0 = performance.now();
    const s = trainStep();
    p.step++;
    p.items += s.items;
    losses.push(s.loss);

    const ms = performance.now() - s0;
    stepMs.push(ms);
    stepItems.push(s.items);
    if (stepMs.length > 20) { stepMs.shift(); stepItems.shift(); }
    if (p.step - startStep > 2) { trainMs += ms; trainSteps++; }
    if (timeBudget && p.step - startStep === 22) estimateHorizon();
    const recentMs = stepMs.reduce((a, b) => a + b, 0);
    const recentItems = stepItems.reduce((a, b) => a + b, 0);
    let etaMs: number | undefined;
    if (totalSteps !== undefined) {
      const evalsLeft = o.evalEvery && o.evaluate ? Math.floor(totalSteps / o.evalEvery) - Math.floor(p.step / o.evalEvery) : 0;
      etaMs = Math.max(0, (totalSteps - p.step) * (recentMs / stepMs.length) + evalsLeft * evalMs);
    }
    if (o.maxTimeMs !== undefined) etaMs = Math.min(etaMs ?? Infinity, Math.max(0, o.maxTimeMs - elapsed()));
    const memory = memoryBytes();
    emit({
      type: 'step', step: p.step, loss: s.loss, lr: s.lr, gradNorm: s.gradNorm, epoch: s.epochPos, items: p.items,
      itemsPerSecond: recentItems / (recentMs / 1000), elapsedMs: elapsed(), totalSteps, etaMs, ...(memory === undefined ? {} : { memoryBytes: memory }),
    });

    if (o.evalEvery && p.step % o.evalEvery === 0) {
      await runEval();
      estimateHorizon();
    }
    if (o.checkpointEvery && p.step % o.checkpointEvery === 0) await save('periodic');
    await nextTurn(); // lets signal handlers (Ctrl-C) and progress timers run
  }

  if (reason !== 'interrupted' && p.step > startStep && lastEvalStep !== p.step) await runEval();
  if (p.step > lastCheckpointStep) await save(reason === 'interrupted' ? 'interrupt' : 'final');
  p.elapsedMs = elapsed();
  emit({
    type: 'end', step: p.step, reason, elapsedMs: p.elapsedMs, items: p.items,
    ...(losses.length ? { loss: losses.at(-1) } : {}),
    ...(p.lastEval ? { valLoss: p.lastEval.loss } : {}),
    ...(p.best ? { best: p.best.value, bestStep: p.best.step } : {}),
  });
  return { ...p, reason, losses };
}
