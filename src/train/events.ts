/**
 * The typed events a training run emits. Front ends (the CLI's progress bar, JSON lines, a
 * dashboard) render these and nothing else; they never reach into the loop.
 */

export interface StartEvent {
  type: 'start';
  /** Step the run starts from (0, or the checkpoint's step when resuming). */
  step: number;
  resumed: boolean;
  maxSteps?: number;
  maxTimeMs?: number;
  /** Tokens per optimizer step (batch × window). */
  tokensPerStep: number;
  parameters: number;
  /** Task-specific facts for display (data sizes, vocabulary, output directory ...). */
  details: Record<string, unknown>;
}

export interface StepEvent {
  type: 'step';
  /** Optimizer steps completed. */
  step: number;
  /** Mean training loss of this step's window (nats per token). */
  loss: number;
  /** Learning rate used by this step. */
  lr: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
  /** Fractional passes over the training data. */
  epoch: number;
  /** Tokens trained on so far. */
  tokens: number;
  /** Recent training throughput (evaluation time excluded). */
  tokensPerSecond: number;
  /** Wall time of the run so far, earlier sessions of a resumed run included. */
  elapsedMs: number;
  /** Expected total steps: --max-steps, or an estimate from the time budget. */
  totalSteps?: number;
  etaMs?: number;
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  /** Mean validation loss (nats per token). */
  valLoss: number;
  bestValLoss: number;
  improved: boolean;
  evalMs: number;
  elapsedMs: number;
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

export type EndReason = 'max-steps' | 'max-time' | 'interrupted';

export interface EndEvent {
  type: 'end';
  step: number;
  reason: EndReason;
  elapsedMs: number;
  tokens: number;
  /** Last training loss, if any step ran. */
  loss?: number;
  valLoss?: number;
  bestValLoss?: number;
}

export type TrainEvent = StartEvent | StepEvent | EvalEvent | SampleEvent | CheckpointEvent | EndEvent;
