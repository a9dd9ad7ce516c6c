/**
 * `WarmupCosineLR`: linear warm-up, then cosine decay to `minLr` at `totalSteps`, then flat
 * (nanoGPT's `get_lr`). Unlike `LinearWarmup` + `CosineAnnealingLR`, it never rises again past
 * the horizon, and the horizon may be set after construction: a time-budgeted run learns it
 * from its measured speed. The horizon is part of the state dict, so resumes follow the same curve.
 */
import { Schedule, type ScheduleStateDict } from './schedules.js';
import type { Optimizer } from './optimizer.js';

export interface WarmupCosineOptions {
  /** Steps of linear warm-up from baseLr / warmupSteps to baseLr (0: none). */
  warmupSteps: number;
  /** Step at which the decay reaches minLr; undefined holds baseLr until set. */
  totalSteps?: number;
  /** Final learning rate (default 0.1 × baseLr). */
  minLr?: number;
}

export interface WarmupCosineStateDict extends ScheduleStateDict {
  totalSteps: number | null;
}

/**
 * lr_e = baseLr (e + 1) / W                                  for e < W
 *      = minLr + (baseLr - minLr) (1 + cos(pi p)) / 2,  p = min(1, (e - W) / (S - W))   for e >= W
 * with W = warmupSteps and S = totalSteps (baseLr while S is unknown).
 */
export class WarmupCosineLR extends Schedule {
  readonly warmupSteps: number;
  readonly minLr: number;
  private total: number | undefined;

  constructor(optimizer: Optimizer, options: WarmupCosineOptions) {
    super(optimizer);
    const w = options?.warmupSteps;
    if (!(Number.isInteger(w) && w >= 0)) throw new Error(`WarmupCosineLR: warmupSteps must be an integer >= 0, got ${String(w)}`);
    this.warmupSteps = w;
    const minLr = options.minLr ?? 0.1 * this.baseLr;
    if (!(typeof minLr === 'number' && minLr >= 0 && minLr <= this.baseLr)) {
      throw new Error(`WarmupCosineLR: minLr must be in [0, baseLr = ${this.baseLr}], got ${String(minLr)}`);
    }
    this.minLr = minLr;
    if (options.totalSteps !== undefined) this.setTotalSteps(options.totalSteps);
    this.start();
  }

  /** The decay horizon (undefined until known). */
  get totalSteps(): number | undefined {
    return this.total;
  }

  /** Sets the decay horizon; the lr of the current step is not changed until the next `step()`. */
  setTotalSteps(totalSteps: number): void {
    if (!(Number.isInteger(totalSteps) && totalSteps > 0)) throw new Error(`WarmupCosineLR.setTotalSteps: totalSteps must be a positive integer, got ${String(totalSteps)}`);
    this.total = totalSteps;
  }

  lrAt(epoch: number): number {
    const W = this.warmupSteps;
    if (epoch < W) return this.baseLr * (epoch + 1) / W;
    if (this.total === undefined) return this.baseLr;
    const p = this.total <= W ? 1 : Math.min(1, (epoch - W) / (this.total - W));
    return this.minLr + (this.baseLr - this.minLr) * (1 + Math.cos(Math.PI * p)) / 2;
  }

  override stateDict(): WarmupCosineStateDict {
    return { ...super.stateDict(), totalSteps: this.total ?? null };
  }

  override loadStateDict(s: WarmupCosineStateDict): void {
    super.loadStateDict(s);
    if (s.totalSteps === null || s.totalSteps === undefined) this.total = undefined;
    else this.setTotalSteps(s.totalSteps);
  }
}
