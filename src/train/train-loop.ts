/**
 * The training loop, with no task in it: batches from a `BatchSource`, the loss from an
 * `Objective`, gradients accumulated over `accumulate` batches per optimizer step, clipping by
 * norm or value, the schedule, a state carried between batches (truncated BPTT) and reset where
 * the source starts an epoch over, periodic evaluation with a monitored metric (best model,
 * early stopping), samples, periodic checkpoints, and stopping on steps, epochs, time, patience
 * or an abort signal. A step whose loss or gradients diverge (divergence.ts) is not applied: the
 * loop replays it with every op checked to name the first that produced NaN or Inf, then stops
 * with a `DivergenceError` or rolls back to the state of its last checkpoint (kept in memory) at
 * half the learning rate. It reports only through typed events and the callbacks it is given; it
 * writes no files and prints nothing itself.
 */
import { Tape } from '../autograd/tape.js';
import type { Backend } from '../kernels/backend.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm, clipGradValue, scaleGrads } from '../optim/clip.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import type { Schedule, ScheduleStateDict } from '../optim/schedules.js';
import { Tensor } from '../tensor/tensor.js';
import {
  type DivergenceOptions, DivergenceError, GRAD_NORM_HISTORY, type LossWatch, ROLLBACK_LR_FACTOR, divergenceSettings, evictionIndex, growthReference,
  healthRatio, rollbackTarget, watchLoss,
} from './divergence.js';
import { type CheckpointReason, type DivergenceCause, type DivergenceEvent, type EndReason, type MetricSpec, type Monitor, type StartDetails, type TrainEvent } from './events.js';
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
  /** The factor the learning rate (of the schedule, if any) is multiplied by after plateaus and rollbacks (1 until one). */
  lrScale?: number;
  /** The divergence rule's state (EMA of the training loss); absent or null before the first step. */
  lossWatch?: LossWatch | null;
  /** Rollbacks after divergence so far. */
  rollbacks?: number;
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
  /** What counts as divergence besides a NaN or Inf loss or gradient norm, and what the loop does then (default: stop). */
  divergence?: DivergenceOptions;
  /**
   * State kept outside the model, optimizer, schedule, data and progress that a checkpoint saves
   * (runTask: its RNGs): a rollback restores it with the rest, and the replay of a diverged step
   * starts from it, so that dropout draws the same masks. `save` returns JSON.
   */
  callerState?: { save(): unknown; restore(saved: unknown): void };
  onEvent?: (event: TrainEvent) => void;
  /** The state of a resumed run. */
  resumeFrom?: LoopProgress<S>;
  /**
   * Write the final checkpoint even when this session trains no step (runTask: a resumed run
   * whose model file does not hold its checkpoint's weights, as a kill between the two files'
   * writes leaves it, is made whole again).
   */
  checkpointAtEnd?: boolean;
  /**
   * Keep the loss of every step in the result's `losses` (default true); false keeps only the
   * last, so that a run of millions of steps (the CLI's) does not grow by 8 bytes a step.
   */
  keepLosses?: boolean;
  /** For the start event. */
  task?: string;
  details?: StartDetails;
}

export interface TrainLoopResult<S = unknown> extends LoopProgress<S> {
  reason: EndReason;
  /** Training loss of every step of this session, in order (steps undone by a rollback left out); only the last with `keepLosses: false`. */
  losses: number[];
}

/** What a rollback restores: what a checkpoint holds, copied in memory when it is written. */
interface Snapshot<S> {
  /** Its smoothed loss over the reference when it was taken (`healthRatio`). */
  ratio: number;
  progress: LoopProgress<S>;
  weights: Map<string, Tensor>;
  optimizer: OptimizerStateDict;
  schedule: ScheduleStateDict | undefined;
  position: unknown;
  caller: unknown;
}

/** Checkpoint states a rollback may go back to (copies of weights and optimizer state, in memory). */
const SNAPSHOTS = 3;

/** Where a step started, to replay it. */
interface StepStart<S> {
  position: unknown;
  carried: S | null;
  caller: unknown;
}

/** A copy through JSON: what a checkpoint would store and a resume read back. */
const viaJson = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)) as T);

/** A copy of a carried state: its tensors cloned (plain objects and arrays of them walked). */
function cloneCarried<S>(c: S | null): S | null {
  const clone = (v: unknown): unknown => {
    if (v instanceof Tensor) return v.clone();
    if (Array.isArray(v)) return v.map(clone);
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
    return v;
  };
  return clone(c) as S | null;
}

/** `parameter 'head.weight' holds Inf at flat index 3`, for the first parameter holding NaN or Inf; undefined if none does. */
function nonFiniteParameter(model: Module): string | undefined {
  for (const [name, prm] of model.namedParameters()) {
    const d = prm.data;
    for (let i = 0; i < d.length; i++) if (d[i]! - d[i]! !== 0) return `parameter '${name}' holds ${d[i]} at flat index ${i}`;
  }
  return undefined;
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
  divergenceSettings(o.divergence, where);
  const c = o.callerState;
  if (c !== undefined && !(typeof c?.save === 'function' && typeof c.restore === 'function')) throw new Error(`${where}: callerState must have save() and restore(saved)`);
}

/** Runs the loop until a step, epoch or time limit, early stopping or the abort signal. */
export async function trainLoop<B, S = null>(o: TrainLoopOptions<B, S>): Promise<TrainLoopResult<S>> {
  checkOptions(o as TrainLoopOptions<unknown, unknown>);
  const emit = (e: TrainEvent) => o.onEvent?.(e);
  const { model, optimizer, schedule, data } = o;
  const accumulate = o.accumulate ?? 1;
  const div = divergenceSettings(o.divergence, 'trainLoop');
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
  let lastEvalStep = -1, lastCheckpointStep = o.checkpointAtEnd ? -1 : p.step;
  let totalSteps = stepLimit !== Infinity ? stepLimit : schedule?.totalSteps;
  let epochsDone = false;
  const memoryBytes = memoryMeter();
  const gradNorms: number[] = []; // of the last accepted steps, for a divergence's diagnosis
  /** The step of the last checkpoint written (a resumed run's is where it starts), null before one. */
  let checkpointStep: number | null = o.resumeFrom && o.checkpoint ? p.step : null;
  /**
   * What a rollback restores (only with action 'rollback'): the states where the session started
   * and at its checkpoints, oldest first, at most `SNAPSHOTS`, the newest healthy one always
   * among them (divergence.ts); the restored one is then the last. If it diverges again before
   * the next checkpoint, it is dropped: the next rollback goes further back.
   */
  const snapshots: Snapshot<S>[] = [];
  /** The snapshot the last rollback restored, while no checkpoint has come since. */
  let retrying: Snapshot<S> | null = null;

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
    checkpointStep = p.step;
    emit({ type: 'checkpoint', step: p.step, reason, path, ms: checkpointMs });
  };

  /**
   * Forward and backward passes of one optimizer step: `accumulate` batches, each loss weighted
   * by its items, then the gradient norm (before clipping). No update. Stops at a batch whose
   * loss is not finite, before its backward pass.
   */
  const computeStep = () => {
    optimizer.zeroGrad();
    let lossSum = 0, itemSum = 0, epochPos = 0, endsRun = false;
    for (let k = 0; k < accumulate; k++) {
      const b = data.next();
      if (b.startsEpoch) p.carried = null;
      tape.reset();
      const out = o.objective({ tape, batch: b.batch, carried: p.carried, step: p.step });
      if (!(out?.loss instanceof Tensor) || out.loss.size !== 1) throw new Error('trainLoop: the objective must return { loss: a one-element Tensor, items }');
      if (!(Number.isInteger(out.items) && out.items > 0)) throw new Error(`trainLoop: the objective must count the batch's items (a positive integer), got ${out.items}`);
      const loss = out.loss.item();
      if (!Number.isFinite(loss)) return { loss, items: itemSum + out.items, gradNorm: undefined, epochPos, endsRun };
      // A single batch backpropagates its mean as it is; accumulated batches their sums, divided by all items below.
      tape.backward(out.loss, accumulate === 1 ? undefined : Tensor.from([out.items], [1]));
      p.carried = out.carry ?? null;
      lossSum += loss * out.items;
      itemSum += out.items;
      epochPos = b.epoch + (b.index + 1) / data.batchesPerEpoch;
      if (b.index + 1 === data.batchesPerEpoch && o.maxEpochs !== undefined && b.epoch + 1 >= o.maxEpochs) { endsRun = true; break; }
    }
    if (accumulate > 1) scaleGrads(params, 1 / itemSum);
    tape.reset();
    const gradNorm: number | undefined = clipGradNorm(params, o.clipNorm ?? Infinity);
    return { loss: lossSum / itemSum, items: itemSum, gradNorm, epochPos, endsRun };
  };

  /** The update of a computed step; returns the learning rate it used. */
  const applyStep = () => {
    if (o.clipValue !== undefined) clipGradValue(params, o.clipValue);
    // The plateau (and rollback) factor scales this step's rate only: the schedule keeps its own closed form.
    const unscaled = optimizer.lr;
    const lr = unscaled * (p.lrScale ?? 1);
    optimizer.lr = lr;
    optimizer.step();
    optimizer.lr = unscaled;
    schedule?.step();
    return lr;
  };

  const takeSnapshot = () => {
    if (div.action !== 'rollback') return;
    retrying = null;
    if (snapshots.length === SNAPSHOTS) snapshots.splice(evictionIndex(snapshots.map((x) => x.ratio)), 1);
    snapshots.push({
      ratio: healthRatio(p.lossWatch), progress: { ...p, carried: cloneCarried(p.carried) }, weights: model.stateDict(), optimizer: optimizer.stateDict(),
      schedule: viaJson(schedule?.stateDict()), position: viaJson(data.position()), caller: viaJson(o.callerState?.save()),
    });
  };

  /**
   * The first NaN or Inf of a diverged step: in a parameter, else in the outputs or input
   * gradients of the ops when the step is run again from where it started with every op
   * checked (torch.autograd.detect_anomaly's idea). Null when there is none (a loss that grew).
   * Leaves data, state and gradients wherever the replay stopped: a stop or a rollback follows.
   */
  const diagnose = (start: StepStart<S>): string | null => {
    const bad = nonFiniteParameter(model);
    if (bad !== undefined) return bad;
    data.seek(viaJson(start.position));
    if (start.caller !== undefined) o.callerState?.restore(viaJson(start.caller));
    p.carried = start.carried;
    const was = tape.checkFinite;
    tape.checkFinite = true;
    try {
      computeStep();
      return null;
    } catch (e) {
      const message = (e as Error).message;
      if (/^(NaN|Inf) in /.test(message)) return message;
      throw e;
    } finally {
      tape.checkFinite = was;
      tape.reset();
      optimizer.zeroGrad();
    }
  };

  /**
   * Restores the snapshot (as a resume from its checkpoint would) and scales the learning rate
   * down. The best-model file is not the loop's: a better model the undone steps saved there stays.
   */
  const rollBack = (s: Snapshot<S>) => {
    model.loadStateDict(s.weights);
    optimizer.loadStateDict(s.optimizer);
    if (s.schedule !== undefined) schedule?.loadStateDict(viaJson(s.schedule));
    if (stepLimit !== Infinity) schedule?.setTotalSteps?.(Math.max(1, stepLimit));
    data.seek(viaJson(s.position));
    if (s.caller !== undefined) o.callerState?.restore(viaJson(s.caller));
    // The count and the rate go on from the diverged run's, so that rollbacks add up.
    const lrScale = (p.lrScale ?? 1) * ROLLBACK_LR_FACTOR;
    const rollbacks = (p.rollbacks ?? 0) + 1;
    Object.assign(p, s.progress, { carried: cloneCarried(s.progress.carried), lrScale, rollbacks });
    losses.length = o.keepLosses === false ? 0 : p.step - startStep;
    // The checkpoint on disk may be of a later (dropped) state, and holds the old rate: an interrupt or the end writes one.
    lastCheckpointStep = -1;
    if (lastEvalStep > p.step) lastEvalStep = -1;
    epochsDone = false;
    gradNorms.length = 0; // the history of the kept trajectory is not in memory: start it again
    estimateHorizon();
  };

  /** Reports a diverged step; rolls back if the run may. Returns the event (action 'stop': the caller throws). */
  const onDivergence = (cause: DivergenceCause, s: ReturnType<typeof computeStep>, lr: number, start: StepStart<S>, growth: Partial<DivergenceEvent>): DivergenceEvent => {
    const step = p.step + 1;
    const firstNonFinite = diagnose(start);
    const base = {
      type: 'divergence' as const, step, cause, loss: s.loss, ...(s.gradNorm !== undefined ? { gradNorm: s.gradNorm } : {}), ...growth,
      recentGradNorms: [...gradNorms], firstNonFinite, lr, ...(o.clipNorm !== undefined ? { clipNorm: o.clipNorm } : {}), checkpointStep,
    };
    let e: DivergenceEvent;
    if (div.action === 'rollback' && snapshots.length > 0 && (p.rollbacks ?? 0) < div.maxRollbacks) {
      // The state restored last diverged again before a checkpoint came: go further back.
      if (retrying && snapshots.length > 1) snapshots.pop();
      const i = rollbackTarget(snapshots.map((x) => x.ratio));
      snapshots.length = i + 1; // later states belong to the steps undone
      retrying = snapshots[i]!;
      rollBack(retrying);
      e = { ...base, action: 'rollback', restoredStep: p.step, lrScale: p.lrScale!, rollbacks: p.rollbacks!, maxRollbacks: div.maxRollbacks, elapsedMs: elapsed() };
    } else {
      e = { ...base, action: 'stop', rollbacks: p.rollbacks ?? 0, maxRollbacks: div.maxRollbacks, elapsedMs: elapsed() };
    }
    emit(e);
    return e;
  };

  takeSnapshot();
  let reason: EndReason;
  for (;;) {
    if (epochsDone) { reason = 'max-epochs'; break; }
    if (p.step >= stepLimit) { reason = o.maxSteps !== undefined && p.step >= o.maxSteps ? 'max-steps' : 'max-epochs'; break; }
    if (o.maxTimeMs !== undefined && elapsed() >= o.maxTimeMs) { reason = 'max-time'; break; }
    if (o.patience !== undefined && p.staleEvals >= o.patience) { reason = 'early-stopping'; break; }
    if (o.signal?.aborted) { reason = 'interrupted'; break; }

    const s0 = performance.now();
    const start: StepStart<S> = { position: viaJson(data.position()), carried: p.carried, caller: viaJson(o.callerState?.save()) };
    const s = computeStep();
    // The step is judged before its update: a diverged one never reaches the weights or a checkpoint.
    const lrNow = optimizer.lr * (p.lrScale ?? 1);
    let cause: DivergenceCause | null = null;
    let watch = p.lossWatch;
    let growth: Partial<DivergenceEvent> = {};
    if (!Number.isFinite(s.loss)) cause = 'non-finite-loss';
    else if (!Number.isFinite(s.gradNorm!)) cause = 'non-finite-gradient';
    else {
      watch = watchLoss(p.lossWatch, s.loss);
      const reference = growthReference(watch, p.step + 1, div.factor);
      if (reference !== null && watch.ema > div.factor * reference) {
        cause = 'loss-growth';
        growth = { smoothedLoss: watch.ema, bestSmoothedLoss: reference, factor: div.factor };
      }
    }
    if (cause !== null) {
      const e = onDivergence(cause, s, lrNow, start, growth);
      if (e.action === 'stop') throw new DivergenceError(e);
      await nextTurn();
      continue;
    }
    p.lossWatch = watch;
    const lr = applyStep();
    gradNorms.push(s.gradNorm!);
    if (gradNorms.length > GRAD_NORM_HISTORY) gradNorms.shift();
    if (s.endsRun) epochsDone = true;
    p.step++;
    p.items += s.items;
    if (o.keepLosses === false) losses.length = 0;
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
      type: 'step', step: p.step, loss: s.loss, lr, gradNorm: s.gradNorm!, epoch: s.epochPos, items: p.items,
      itemsPerSecond: recentItems / (recentMs / 1000), elapsedMs: elapsed(), totalSteps, etaMs, ...(memory === undefined ? {} : { memoryBytes: memory }),
    });

    if (o.evalEvery && p.step % o.evalEvery === 0) {
      await runEval();
      estimateHorizon();
    }
    if (o.checkpointEvery && p.step % o.checkpointEvery === 0) {
      await save('periodic');
      takeSnapshot();
    }
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
