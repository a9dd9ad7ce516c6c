/**
 * When a training run has diverged (a NaN or Inf loss or gradient norm, or a smoothed loss grown
 * `factor` times above its best), which checkpoint state a rollback restores, and the error a
 * stopped run ends with. The rule's state is saved in checkpoints, so a resumed run judges as an
 * uninterrupted one would. The loop (train-loop.ts) applies all this; this file runs nothing.
 */
import type { DivergenceCause, DivergenceEvent } from './events.js';

/** What the loop does about divergence (`TrainLoopOptions.divergence`). */
export interface DivergenceOptions {
  /**
   * The growth rule: the run has diverged when the EMA of its training loss exceeds `factor`
   * times the lowest EMA so far (default 3). 0 turns the rule off; a NaN or Inf loss or
   * gradient norm still counts.
   */
  factor?: number;
  /**
   * 'stop' (default): the run ends with a `DivergenceError`, leaving the last checkpoint as it
   * is. 'rollback': the state of the last checkpoint written before the loss began to climb (or
   * where the session started) is restored, as a resume would restore it, and training goes on
   * at half the learning rate, at most `maxRollbacks` times in a run.
   */
  action?: DivergenceAction;
  /** Rollbacks in a run before a divergence stops it (default 3). */
  maxRollbacks?: number;
}

export type DivergenceAction = 'stop' | 'rollback';
export const DIVERGENCE_ACTIONS: readonly DivergenceAction[] = ['stop', 'rollback'];

/**
 * Three times its best: a smoothed loss there has given back most of what training won (a char
 * LM at 1.0 nats/char back at 3.0, near uniform guessing at 3.7), which a healthy run does not
 * do; lower factors catch slow divergence sooner at more risk of stopping a recoverable spike.
 */
export const DEFAULT_DIVERGENCE_FACTOR = 3;
export const DEFAULT_MAX_ROLLBACKS = 3;
/** What each rollback multiplies the learning rate by. */
export const ROLLBACK_LR_FACTOR = 0.5;
/**
 * Weight of the past in the EMA of the training loss: a time constant of 20 steps, so that one
 * noisy batch moves it by 5% of its excess (a single batch must be ~40 times the loss to trip a
 * factor of 3), while a loss that explodes trips it within a few steps.
 */
export const LOSS_EMA_BETA = 0.95;
/**
 * The growth rule applies from this step of the run on. The EMA starts at the first loss (an
 * untrained model's, usually the highest), so the best counts from step 1: a run that explodes
 * within its first steps is measured against where it started.
 */
export const DIVERGENCE_WARMUP_STEPS = 5;
/**
 * The best EMA never counts below this fraction of the first loss: at the default factor of 3, a
 * run trained far below where it started (a classifier at 0.07 from 0.69) stops only once its
 * smoothed loss is back above its first, not on a spike to 0.23 that it shakes off; near zero,
 * noise of no consequence would otherwise be a large factor.
 */
export const BEST_FLOOR_FRACTION = 1 / 3;
/** Gradient norms of recent steps kept for the diagnosis. */
export const GRAD_NORM_HISTORY = 10;

/** The growth rule's state after each step (JSON, saved in checkpoints). */
export interface LossWatch {
  /** EMA of the training loss. */
  ema: number;
  /** Its lowest value so far. */
  best: number;
  /** The first training loss the watch saw (of the run, or of the first session that kept a watch). */
  first: number;
}

/** The watch after a step with training loss `loss` (finite). */
export function watchLoss(w: LossWatch | null | undefined, loss: number): LossWatch {
  if (!w) return { ema: loss, best: loss, first: loss };
  const ema = LOSS_EMA_BETA * w.ema + (1 - LOSS_EMA_BETA) * loss;
  return { ema, best: Math.min(w.best, ema), first: w.first };
}

/**
 * The figure the EMA is compared with: the best EMA, floored at a third of the first loss; null
 * when the rule cannot apply (off, in the warm-up, or a loss that is not positive: a ratio of
 * losses means nothing there).
 */
export function growthReference(w: LossWatch, step: number, factor: number): number | null {
  if (!(factor > 0) || step < DIVERGENCE_WARMUP_STEPS) return null;
  const reference = Math.max(w.best, BEST_FLOOR_FRACTION * w.first);
  return reference > 0 ? reference : null;
}

/**
 * A checkpoint state is healthy when its smoothed loss was at most this many times the
 * reference when it was written: divergence had not begun. A rollback restores the newest
 * healthy state it keeps, so that a slow divergence, seen only once well under way, is undone
 * from before it began; a plateau's noise stays far below this.
 */
export const HEALTHY_RATIO = 1.5;

/** The smoothed loss over the reference of a state with watch `w` (1 before the first step: a run's start is healthy). */
export function healthRatio(w: LossWatch | null | undefined): number {
  if (!w) return 1;
  const reference = Math.max(w.best, BEST_FLOOR_FRACTION * w.first);
  return reference > 0 ? w.ema / reference : 1;
}

/** Of states kept oldest first, with these health ratios, the one a rollback restores: the newest healthy one, else the oldest. */
export function rollbackTarget(ratios: readonly number[]): number {
  for (let i = ratios.length - 1; i >= 0; i--) if (ratios[i]! <= HEALTHY_RATIO) return i;
  return 0;
}

/** Of states kept oldest first, the one to forget to make room: the oldest, unless it is the rollback target (then the next). */
export function evictionIndex(ratios: readonly number[]): number {
  return ratios.length > 1 && rollbackTarget(ratios) === 0 ? 1 : 0;
}

/** Checks `DivergenceOptions` and fills the defaults; errors name the option. */
export function divergenceSettings(o: DivergenceOptions | undefined, where: string): Required<DivergenceOptions> {
  const factor = o?.factor ?? DEFAULT_DIVERGENCE_FACTOR;
  const action = o?.action ?? 'stop';
  const maxRollbacks = o?.maxRollbacks ?? DEFAULT_MAX_ROLLBACKS;
  if (!(factor === 0 || (typeof factor === 'number' && factor > 1))) {
    throw new Error(`${where}: divergence.factor must be 0 (off) or a number > 1, got ${String(factor)}`);
  }
  if (!DIVERGENCE_ACTIONS.includes(action)) throw new Error(`${where}: divergence.action must be one of ${DIVERGENCE_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  if (!(Number.isInteger(maxRollbacks) && maxRollbacks >= 0)) throw new Error(`${where}: divergence.maxRollbacks must be an integer >= 0, got ${String(maxRollbacks)}`);
  return { factor, action, maxRollbacks };
}

/** What a divergence was, in a few words: `the loss is NaN`, `the smoothed loss 45.2 is 12.3× its best 3.66`. */
export function describeCause(e: Pick<DivergenceEvent, 'cause' | 'loss' | 'gradNorm' | 'smoothedLoss' | 'bestSmoothedLoss'>): string {
  switch (e.cause) {
    case 'non-finite-loss': return `the loss is ${e.loss}`;
    case 'non-finite-gradient': return `the gradient norm is ${e.gradNorm} (loss ${formatFigure(e.loss)})`;
    case 'loss-growth': {
      const ratio = e.smoothedLoss! / e.bestSmoothedLoss!;
      return `the smoothed loss ${formatFigure(e.smoothedLoss!)} is ${ratio.toFixed(1)}× its best ${formatFigure(e.bestSmoothedLoss!)} (this step's loss ${formatFigure(e.loss)})`;
    }
  }
}

/** 3.66, 45.2, 1,670, 2.3e+9: enough digits to read a loss or norm at a glance. */
export function formatFigure(v: number | undefined): string {
  if (v === undefined) return '?';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(2);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(3)));
}

/** A run stopped by divergence; `event` holds the diagnosis (also emitted as a `divergence` event). */
export class DivergenceError extends Error {
  readonly event: DivergenceEvent;

  constructor(event: DivergenceEvent) {
    const kept = event.checkpointStep === null ? 'no checkpoint of this run had been written' : `the last checkpoint (step ${event.checkpointStep}) is kept`;
    const after = event.rollbacks > 0 ? ` after ${event.rollbacks} rollback${event.rollbacks > 1 ? 's' : ''}` : '';
    super(`training diverged at step ${event.step}${after}: ${describeCause(event)}; ${kept} (lower the learning rate${event.clipNorm === undefined ? ' or clip gradients' : ''})`);
    this.name = 'DivergenceError';
    this.event = event;
  }
}

export type { DivergenceCause };
