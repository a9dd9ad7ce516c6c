/**
 * The typed events a training run emits. Front ends (the CLI's progress bar, JSON lines, the
 * `events.jsonl` of a run directory, a dashboard) render these and nothing else; they never
 * reach into the loop. Counts are in the unit the task names (characters, sequences, tokens,
 * time steps), given once in the start event.
 */
import type { Panel } from '../plot/panels.js';

/** How a metric is shown and which way is better (validation metrics besides the loss). */
export interface MetricSpec {
  /** Key in `EvalEvent.metrics`, e.g. 'accuracy'. */
  name: string;
  /** Shown after the value, e.g. 'accuracy', 'bits/char'. */
  label: string;
  /** 'percent' shows 0.912 as 91.20%; 'decimal' as 0.912. */
  format: 'percent' | 'decimal';
  /** Digits after the point. */
  digits: number;
  /** Which way is better, for early stopping and best checkpoints. */
  better: 'min' | 'max';
}

/** The validation figure that decides the best checkpoint and early stopping. */
export interface Monitor {
  /** 'loss' (the validation loss) or the name of a metric. */
  metric: string;
  mode: 'min' | 'max';
}

/** What every task says about a run at its start; tasks extend it with typed fields of their own. */
export interface StartDetails {
  /** The model in a few words, e.g. `2×256 lstm, embedding 64`. */
  model: string;
  /** Where the data comes from (a path or a description). */
  data: string;
  /** Items (in the run's unit) in the training and validation data. */
  trainItems: number;
  validationItems: number;
  /** The batch in a few words, e.g. `64 × 64` (streams × window) or `32`. */
  batch: string;
  lr: number;
  backend: string;
  /** The run directory, or null when nothing is written. */
  out: string | null;
  /** Unit of the loss for display, e.g. 'nats/char'. */
  lossUnit: string;
  /** Further facts shown at the start, in order: e.g. `[['vocabulary', 65]]`. */
  facts: [string, string | number][];
  /** What the task chose for settings left to it, and why (one line each). */
  notes?: string[];
}

export interface StartEvent<D extends StartDetails = StartDetails> {
  type: 'start';
  /** The task that trains ('char-lm', ...). */
  task: string;
  /** What `items` count, plural: 'characters', 'sequences', 'tokens', 'time steps'. */
  unit: string;
  /** Step the run starts from (0, or the checkpoint's step when resuming). */
  step: number;
  resumed: boolean;
  maxSteps?: number;
  maxTimeMs?: number;
  maxEpochs?: number;
  /** Batches whose gradients make one optimizer step. */
  accumulate: number;
  parameters: number;
  /** Validation metrics besides the loss, and the one that decides the best model. */
  metrics: MetricSpec[];
  monitor: Monitor;
  details: D;
}

export interface StepEvent {
  type: 'step';
  /** Optimizer steps completed. */
  step: number;
  /** Mean training loss of this step's batches. */
  loss: number;
  /** Learning rate used by this step. */
  lr: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Fractional passes over the training data. */
  epoch: number;
  /** Items trained on so far (the start event's unit). */
  items: number;
  /** Recent training throughput, items per second (evaluation excluded). */
  itemsPerSecond: number;
  /** Wall time of the run so far, earlier sessions of a resumed run included. */
  elapsedMs: number;
  /** Expected total steps: the step limit, or an estimate from the time budget. */
  totalSteps?: number;
  etaMs?: number;
  /** Resident memory of the process, where the runtime reports it. */
  memoryBytes?: number;
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  /** Mean validation loss. */
  valLoss: number;
  /** Validation metrics by name (see the start event's `metrics`). */
  metrics: Record<string, number>;
  /** The monitored figure of this evaluation, the best so far, and the step it came from. */
  value: number;
  best: number;
  bestStep: number;
  improved: boolean;
  /** Where the best model was written, when this evaluation improved it and the run keeps one. */
  savedBest?: string;
  /** Evaluations in a row without improvement (early stopping counts these). */
  staleEvals: number;
  evalMs: number;
  elapsedMs: number;
  /** The task's pictures of this evaluation (src/plot/panels.ts), when it makes any. */
  view?: Panel[];
}

export interface SampleEvent {
  type: 'sample';
  step: number;
  text: string;
}

export type CheckpointReason = 'periodic' | 'final' | 'interrupt';

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  reason: CheckpointReason;
  /** Where it was written. */
  path: string;
  ms: number;
}

export type EndReason = 'max-steps' | 'max-time' | 'max-epochs' | 'early-stopping' | 'interrupted';

export interface EndEvent {
  type: 'end';
  step: number;
  reason: EndReason;
  elapsedMs: number;
  items: number;
  /** Last training loss, if any step ran. */
  loss?: number;
  /** Last validation loss and the best monitored figure, if any evaluation ran. */
  valLoss?: number;
  best?: number;
  bestStep?: number;
}

/** What made a step count as divergence (train/divergence.ts). */
export type DivergenceCause = 'non-finite-loss' | 'non-finite-gradient' | 'loss-growth';

/**
 * A step diverged; its update was not applied. With `action` 'stop' the run ends here with an
 * error (no `end` event, no checkpoint of the diverged state); with 'rollback' it goes on from
 * the state of `restoredStep` at a lower learning rate, and the steps after `restoredStep` are
 * trained again (their new `step` events replace the old ones). NaN and Infinity figures are
 * written as null in JSON.
 */
export interface DivergenceEvent {
  type: 'divergence';
  /** The step that diverged (numbered as in `step` events). */
  step: number;
  cause: DivergenceCause;
  /** The step's training loss (for a non-finite loss: that of the batch that produced it). */
  loss: number;
  /** The step's gradient norm before clipping, when its backward pass ran. */
  gradNorm?: number;
  /** 'loss-growth': the EMA of the training loss with this step, the best EMA it is compared with (floored), and the factor. */
  smoothedLoss?: number;
  bestSmoothedLoss?: number;
  factor?: number;
  /** Gradient norms of the steps before it, oldest first (at most 10). */
  recentGradNorms: number[];
  /**
   * The first op that produced NaN or Inf (in an output, or in the gradient of an input) when
   * the step was replayed with every op checked (`Tape.checkFinite`), or a parameter that held
   * one already; null when the replay found none (a finite loss that grew).
   */
  firstNonFinite: string | null;
  /** The learning rate the step would have used, and the gradient-norm clipping threshold, if any. */
  lr: number;
  clipNorm?: number;
  action: 'stop' | 'rollback';
  /** The last checkpoint written (the state a stop leaves on disk), or null when none was. */
  checkpointStep: number | null;
  /** 'rollback': the step whose state was restored (the last checkpoint, or where the session started). */
  restoredStep?: number;
  /** 'rollback': what the learning rate is multiplied by from now on (halved by each rollback). */
  lrScale?: number;
  /** Rollbacks in the run so far (this one included), and the most it may take. */
  rollbacks: number;
  maxRollbacks: number;
  elapsedMs: number;
}

export type TrainEvent = StartEvent | StepEvent | EvalEvent | SampleEvent | CheckpointEvent | EndEvent | DivergenceEvent;
