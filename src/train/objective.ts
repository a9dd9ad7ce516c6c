/**
 * The contracts between the training loop and whatever it trains: a batch source (batches of
 * any type, in a resumable order), an objective (the loss comes from the model and the batch,
 * nanoGPT's "the loss comes from the model", not from the loop) and an evaluation. A task fills
 * these; the loop knows nothing else of it.
 */
import type { Tape } from '../autograd/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Panel } from '../plot/panels.js';

/** One batch from a source, with where it stands in the data. */
export interface SourcedBatch<B> {
  batch: B;
  /** Completed passes over the data before this batch. */
  epoch: number;
  /** Index of this batch within its epoch, in [0, batchesPerEpoch). */
  index: number;
  /** The first batch of an epoch: a state carried between batches starts over. */
  startsEpoch: boolean;
}

/** Where training batches come from, in an order that a checkpoint can resume exactly. */
export interface BatchSource<B> {
  next(): SourcedBatch<B>;
  readonly batchesPerEpoch: number;
  /** Where the next batch starts: a JSON value, saved in checkpoints. */
  position(): unknown;
  /** Continues from a value of `position()`. */
  seek(position: unknown): void;
}

export interface ObjectiveInput<B, S> {
  /** A recording tape, reset before each batch. */
  tape: Tape;
  batch: B;
  /** The state the previous batch carried (truncated BPTT), or null at the start of an epoch. */
  carried: S | null;
  /** Optimizer steps completed before this batch (for schedules inside the loss, e.g. teacher forcing). */
  step: number;
}

export interface ObjectiveOutput<S> {
  /** The mean loss over the batch's items: a one-element tensor on the tape. */
  loss: Tensor;
  /** How many items (in the task's unit) the batch holds; weights the batch when gradients are accumulated. */
  items: number;
  /** State to carry into the next batch, already cut from the tape (e.g. `detachState`); absent or null: none. */
  carry?: S | null;
}

/** The loss of a batch: model forward and loss on the tape, nothing else. */
export type Objective<B, S = null> = (input: ObjectiveInput<B, S>) => ObjectiveOutput<S>;

/** What a validation pass reports. */
export interface Evaluation {
  /** Mean validation loss, in the same unit as the training loss. */
  loss: number;
  /** Further figures by name (accuracy, F1 ...), described by the run's `MetricSpec`s. */
  metrics?: Record<string, number>;
  /**
   * Pictures of this evaluation for the dashboard's task view (a confusion matrix, a forecast of
   * the validation part), as plain JSON (src/plot/panels.ts); copied into the `eval` event.
   */
  view?: Panel[];
}
