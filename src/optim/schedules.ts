/**
 * Learning-rate schedules with torch.optim.lr_scheduler's closed forms. A schedule sets the
 * optimizer's lr when it is created (epoch 0) and at every `step()`; call `step()` after
 * `optimizer.step()`, as in PyTorch. Schedules never touch gradients or parameters.
 */
import type { Optimizer } from './optimizer.js';

/** A checkpoint of a schedule. */
export interface ScheduleStateDict {
  type: string;
  lastEpoch: number;
  baseLr: number;
  lastLr: number;
}

/**
 * PyTorch stores the lr an optimizer had before its first schedule as `initial_lr`, so that
 * several schedules on one optimizer share the same base; this is that record.
 */
const initialLr = new WeakMap<Optimizer, number>();

function check(fn: string, name: string, v: number, { integer = false, min = 0, minOpen = false, max = Infinity } = {}): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (integer ? Number.isInteger(v) : true) && (minOpen ? v > min : v >= min) && v <= max;
  if (!ok) {
    const kind = integer ? 'an integer' : 'a finite number';
    const range = `${minOpen ? '>' : '>='} ${min}${max === Infinity ? '' : ` and <= ${max}`}`;
    throw new Error(`${fn}: ${name} must be ${kind} ${range}, got ${String(v)}`);
  }
  return v;
}

export abstract class Schedule {
  readonly optimizer: Optimizer;
  /** The lr at epoch 0 (the optimizer's lr before its first schedule). */
  readonly baseLr: number;
  private epoch = 0;
  private last: number;

  constructor(optimizer: Optimizer) {
    if (!optimizer || typeof optimizer !== 'object' || !('lr' in optimizer)) {
      throw new Error(`${this.constructor.name}: optimizer must be an Optimizer, got ${String(optimizer)}`);
    }
    this.optimizer = optimizer;
    let base = initialLr.get(optimizer);
    if (base === undefined) initialLr.set(optimizer, (base = optimizer.lr));
    this.baseLr = base;
    this.last = base;
  }

  /** Sets the lr for epoch 0; subclasses call it at the end of their constructor. */
  protected start(): void {
    this.apply();
  }

  /** The lr of epoch `epoch` (closed form; pure). */
  abstract lrAt(epoch: number): number;

  /** Number of `step()` calls so far (PyTorch's `last_epoch`). */
  get lastEpoch(): number {
    return this.epoch;
  }

  /** The lr this schedule set last (PyTorch's `get_last_lr()[0]`). */
  get lastLr(): number {
    return this.last;
  }

  /** Advances one epoch (or step) and sets the optimizer's lr. */
  step(): void {
    this.epoch++;
    this.apply();
  }

  private apply(): void {
    this.last = this.lrAt(this.epoch);
    this.optimizer.lr = this.last;
  }

  stateDict(): ScheduleStateDict {
    return { type: this.constructor.name, lastEpoch: this.epoch, baseLr: this.baseLr, lastLr: this.last };
  }

  /** Restores the epoch count and sets the optimizer's lr to the saved `lastLr`. */
  loadStateDict(s: ScheduleStateDict): void {
    const fn = `${this.constructor.name}.loadStateDict`;
    if (!s || s.type !== this.constructor.name) throw new Error(`${fn}: type must be '${this.constructor.name}', got '${String(s?.type)}'`);
    check(fn, 'lastEpoch', s.lastEpoch, { integer: true });
    check(fn, 'baseLr', s.baseLr);
    check(fn, 'lastLr', s.lastLr);
    (this as { baseLr: number }).baseLr = s.baseLr;
    this.epoch = s.lastEpoch;
    this.last = s.lastLr;
    this.optimizer.lr = s.lastLr;
  }
}

/** lr_e = baseLr * gamma^floor(e / stepSize)  (torch.optim.lr_scheduler.StepLR). */
export class StepLR extends Schedule {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    this.stepSize = check('StepLR', 'stepSize', options?.stepSize, { integer: true, min: 0, minOpen: true });
    this.gamma = check('StepLR', 'gamma', options.gamma ?? 0.1);
    this.start();
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/** lr_e = baseLr * gamma^e  (torch.optim.lr_scheduler.ExponentialLR). */
export class ExponentialLR extends Schedule {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { gamma: number }) {
    super(optimizer);
    this.gamma = check('ExponentialLR', 'gamma', options?.gamma);
    this.start();
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** epoch;
  }
}

/**
 * lr_e = etaMin + (baseLr - etaMin) * (1 + cos(pi * e / tMax)) / 2
 * (torch.optim.lr_scheduler.CosineAnnealingLR's closed form; past tMax it rises again, as
 * PyTorch's does).
 */
export class CosineAnnealingLR extends Schedule {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    this.tMax = check('CosineAnnealingLR', 'tMax', options?.tMax, { integer: true, min: 0, minOpen: true });
    this.etaMin = check('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.start();
  }

  lrAt(epoch: number): number {
    return this.etaMin + (this.baseLr - this.etaMin) * (1 + Math.cos(Math.PI * epoch / this.tMax)) / 2;
  }
}

export interface LinearWarmupOptions {
  /** Number of steps over which the factor rises linearly to 1. */
  warmupSteps: number;
  /** Factor of baseLr at epoch 0, in (0, 1] (default 1/3, as torch's LinearLR). */
  startFactor?: number;
  /**
   * A schedule on the same optimizer to follow after warm-up, started at its own epoch 0
   * when warm-up ends (torch's SequentialLR with milestones = [warmupSteps]). Its lr is read
   * from its closed form; do not call its `step()` yourself.
   */
  then?: Schedule;
}

/**
 * lr_e = baseLr * (s + (1 - s) * min(e, W) / W) for e < W, with s = startFactor and
 * W = warmupSteps (torch.optim.lr_scheduler.LinearLR with end_factor 1, total_iters W);
 * from e = W on, `then.lrAt(e - W)` if a follow-up schedule is given, else baseLr.
 */
export class LinearWarmup extends Schedule {
  readonly warmupSteps: number;
  readonly startFactor: number;
  readonly then: Schedule | undefined;

  constructor(optimizer: Optimizer, options: LinearWarmupOptions) {
    super(optimizer);
    this.warmupSteps = check('LinearWarmup', 'warmupSteps', options?.warmupSteps, { integer: true, min: 0, minOpen: true });
    this.startFactor = check('LinearWarmup', 'startFactor', options.startFactor ?? 1 / 3, { min: 0, minOpen: true, max: 1 });
    if (options.then !== undefined) {
      if (!(options.then instanceof Schedule)) throw new Error(`LinearWarmup: then must be a Schedule, got ${String(options.then)}`);
      if (options.then.optimizer !== optimizer) throw new Error('LinearWarmup: then must schedule the same optimizer');
    }
    this.then = options.then;
    this.start();
  }

  lrAt(epoch: number): number {
    const w = this.warmupSteps;
    if (epoch >= w && this.then) return this.then.lrAt(epoch - w);
    const s = this.startFactor;
    return this.baseLr * (s + (1 - s) * Math.min(epoch, w) / w);
  }
}
