/**
 * The settings every task's training shares (optimisation, batch, seed, stopping, evaluation,
 * checkpoints), their checks with one clear error per bad field, and which of them a resumed run
 * may change. Each task's config extends `TrainConfig` with its own fields; the CLI maps the
 * shared flags (`--lr`, `--batch-size` ...) here once.
 */
import { DIVERGENCE_ACTIONS, type DivergenceAction } from '../train/divergence.js';

/** How often something happens during training: every n optimizer steps (0: only at the end), or once an epoch. */
export type Cadence = number | 'epoch';

/** The steps of a cadence: 'epoch' is the optimizer steps of one pass (batches / accumulate, rounded up). */
export function cadenceSteps(every: Cadence, batchesPerEpoch: number, accumulate: number): number {
  return every === 'epoch' ? Math.max(1, Math.ceil(batchesPerEpoch / accumulate)) : every;
}

export interface TrainConfig {
  /** Peak learning rate of Adam. */
  lr: number;
  /** Final learning rate as a fraction of `lr` (cosine decay ends there). */
  minLrRatio: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** Global gradient-norm clipping threshold (absent: no clipping). */
  clipNorm?: number;
  /** Sequences (or streams) per batch. */
  batchSize: number;
  /** Batches whose gradients make one optimizer step. */
  accumulate: number;
  /** Seed of initialisation, dropout, shuffling and samples. */
  seed: number;
  /** Stop after this many steps in total (the cosine decay ends here). */
  maxSteps?: number;
  /** Stop after this many passes over the training data. */
  maxEpochs?: number;
  /** Stop after this much wall time in total (the decay horizon is then estimated from the measured speed). */
  maxTimeMs?: number;
  /** Validate every this many steps, or once an epoch ('epoch'; 0: only at the end). */
  evalEvery: Cadence;
  /** Write a checkpoint every this many steps, or once an epoch ('epoch'; 0: only at the end). */
  checkpointEvery: Cadence;
  /** Stop after this many validations in a row without improvement (absent: never). */
  patience?: number;
  /** Halve the learning rate after this many validations in a row without improvement (absent: never). */
  reduceLrPatience?: number;
  /**
   * A new run starts from the weights of this model file (or run directory) instead of random
   * ones (init-from.ts); recorded in the checkpoint, never applied again on resume.
   */
  initFrom?: string;
  /** Parameters (full names, or name prefixes such as 'embedding' or 'rnn') that training leaves as they are. */
  freeze?: string[];
  /**
   * The run has diverged when the EMA of its training loss exceeds this many times its best
   * (train/divergence.ts); 0: only a NaN or Inf loss or gradient counts. Absent: 3.
   */
  divergenceFactor?: number;
  /** On divergence: stop (absent: the default) or roll back to the last checkpoint at half the learning rate. */
  onDivergence?: DivergenceAction;
}

/** Shared fields a resumed run may change: they steer the run, not the model or the optimisation. */
export const SHARED_RUN_CONTROL: readonly (keyof TrainConfig)[] = [
  'maxSteps', 'maxEpochs', 'maxTimeMs', 'evalEvery', 'checkpointEvery', 'patience', 'reduceLrPatience', 'divergenceFactor', 'onDivergence',
];

/** Shared fields the loop stops on: a new one given on resume replaces the others. */
export const STOPPING_FIELDS: readonly (keyof TrainConfig)[] = ['maxSteps', 'maxEpochs', 'maxTimeMs'];

/** Checks on one config's fields, each error naming `where`, the field, what it must be and what came. */
export interface FieldChecks<C> {
  int(name: keyof C, min: number): void;
  num(name: keyof C, lo: number, hi: number, loOpen: boolean, hiOpen: boolean): void;
  choice(name: keyof C, choices: readonly string[]): void;
}

export function fieldChecks<C extends object>(c: C, where: string): FieldChecks<C> {
  const value = (name: keyof C) => (c as Record<keyof C, unknown>)[name];
  return {
    int(name, min) {
      const v = value(name);
      if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new Error(`${where}: ${String(name)} must be an integer >= ${min}, got ${String(v)}`);
    },
    num(name, lo, hi, loOpen, hiOpen) {
      const v = value(name);
      const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
      if (!ok) throw new Error(`${where}: ${String(name)} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen ? ')' : ']'}, got ${String(v)}`);
    },
    choice(name, choices) {
      const v = value(name);
      if (!choices.includes(v as string)) throw new Error(`${where}: ${String(name)} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    },
  };
}

/**
 * Checks the shared fields of a config whose defaults are filled (fields left undefined stay so):
 * `where` names the task's config in errors, e.g. 'char-lm config'. With no step, epoch or time
 * limit, `defaultMaxTimeMs` becomes the limit.
 */
export function checkTrainConfig<C extends TrainConfig>(c: C, where: string, defaultMaxTimeMs: number): C {
  const f = fieldChecks<TrainConfig>(c, where);
  f.int('batchSize', 1); f.int('accumulate', 1); f.int('warmupSteps', 0); f.int('seed', 0);
  if (c.evalEvery !== 'epoch') f.int('evalEvery', 0);
  if (c.checkpointEvery !== 'epoch') f.int('checkpointEvery', 0);
  f.num('lr', 0, Infinity, true, true);
  f.num('minLrRatio', 0, 1, false, false);
  if (c.clipNorm !== undefined) f.num('clipNorm', 0, Infinity, true, true);
  if (c.maxSteps !== undefined) f.int('maxSteps', 1);
  if (c.maxEpochs !== undefined) f.int('maxEpochs', 1);
  if (c.maxTimeMs !== undefined) f.num('maxTimeMs', 0, Infinity, true, true);
  if (c.patience !== undefined) f.int('patience', 1);
  if (c.reduceLrPatience !== undefined) f.int('reduceLrPatience', 1);
  const d = c.divergenceFactor;
  if (d !== undefined && !(d === 0 || (typeof d === 'number' && Number.isFinite(d) && d > 1))) throw new Error(`${where}: divergenceFactor must be 0 (off) or a number > 1, got ${String(d)}`);
  if (c.onDivergence !== undefined) f.choice('onDivergence', DIVERGENCE_ACTIONS);
  if (c.initFrom !== undefined && (typeof c.initFrom !== 'string' || c.initFrom === '')) throw new Error(`${where}: initFrom must be a path, got ${JSON.stringify(c.initFrom)}`);
  if (c.freeze !== undefined && !(Array.isArray(c.freeze) && c.freeze.every((n) => typeof n === 'string' && n !== ''))) {
    throw new Error(`${where}: freeze must be a list of parameter names, got ${JSON.stringify(c.freeze)}`);
  }
  if (c.maxSteps === undefined && c.maxTimeMs === undefined && c.maxEpochs === undefined) c.maxTimeMs = defaultMaxTimeMs;
  return c;
}

/** `partial` without its undefined fields, so that spreading it over defaults keeps them. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
