/**
 * The one record every task fills: its config (defaults, checks, which fields a resumed run may
 * change), how it reads its data, builds its model, batches and loss, evaluates and samples, what
 * it saves beside the weights, and how it describes itself at the start. `runTask` does the rest
 * (run directory, resume, checkpoints, Ctrl-C, best model, early stopping, events.jsonl).
 * A record, not a base class: a task is data plus a few functions.
 */
import type { ModelExtras } from '../io/model-file.js';
import type { Backend } from '../kernels/backend.js';
import type { SavedModule } from '../nn/model-kinds.js';
import type { Rng } from '../random/rng.js';
import type { MetricSpec, Monitor, StartDetails } from '../train/events.js';
import type { BatchSource, Evaluation, Objective } from '../train/objective.js';
import type { TrainConfig } from './train-config.js';

/** What identifies a run's training data, so that a resume can find it again and check it is the same. */
export interface SourceRecord {
  /** What the data is called in messages ('text', 'series', 'training file'). */
  what: string;
  /** The flag that names it on the command line ('--text'). */
  flag: string;
  /** The data in a few words for messages, e.g. `rhymes.txt, 3,210 characters`. */
  description: string;
  /** The absolute path it was read from, or null for data given in memory. */
  path: string | null;
  /** SHA-256 of the data as the task read it. */
  sha256: string;
}

/** A task's data once read and checked: its own part, and what runTask needs to know of it. */
export interface Prepared<D> {
  data: D;
  source: SourceRecord;
  /** Saved beside the weights in the model file and the checkpoint: vocabulary, normalisation ... */
  extras: ModelExtras;
  /** Items (in the task's unit) of the training and the validation data. */
  trainItems: number;
  validationItems: number;
}

/** When resuming: what the checkpoint recorded of the data. */
export interface Resumed {
  source: SourceRecord;
  extras: ModelExtras;
  /**
   * Throws unless `source` is the data the run was trained on (runTask checks it after `prepare`
   * in any case; a task calls it as soon as it has read the data, before parsing it, so that the
   * error is about the wrong file rather than about its contents).
   */
  checkSource(source: SourceRecord): void;
}

/** What `select` is told besides the config. */
export interface SelectOptions {
  /**
   * The run starts from these weights (`--init-from`): an 'auto' setting is settled to the model
   * they are (the file's metadata, when recur wrote it) and fit (`fits` says whether a model
   * config does), not by training candidates.
   */
  initFrom?: { path: string; metadata: Readonly<Record<string, string>>; fits(modelConfig: object): boolean };
}

/** What a task says of a run at its start; runTask adds the backend, directory, lr, counts and loss unit. */
export type TaskDescription<D extends StartDetails = StartDetails> = Omit<D, 'backend' | 'out' | 'lr' | 'lossUnit' | 'trainItems' | 'validationItems' | 'notes'>;

export interface Task<C extends TrainConfig, In, D, M extends SavedModule, B, S = null, Details extends StartDetails = StartDetails> {
  /** Recorded in checkpoints and model files ('char-lm'); a run directory of another task is refused. */
  readonly name: string;
  /** What the loss and throughput count, plural: 'characters', 'sequences', 'tokens', 'time steps'. */
  readonly unit: string;
  /** The training and validation loss's unit for display, e.g. 'nats/char'. */
  readonly lossUnit: string;
  /** Validation metrics besides the loss, and which figure decides the best model (default: the loss). */
  readonly metrics?: MetricSpec[];
  readonly monitor?: Monitor;
  readonly defaults: Readonly<C>;
  /** Task fields a resumed run may change besides the shared ones (`SHARED_RUN_CONTROL`). */
  readonly runControl: readonly (keyof C)[];
  /** Fills defaults and checks a config; every error names the field. Must not touch files. */
  normalizeConfig(partial: Partial<C>): C;
  /**
   * Reads and checks the data (every error that bad input can cause happens here, before any file
   * is written). When resuming, `resumed` holds the checkpoint's record of the data and extras
   * (a vocabulary to keep, say), and `input` is whatever the caller gave again.
   */
  prepare(config: C, input: In | undefined, resumed?: Resumed): Promise<Prepared<D>>;
  /**
   * New runs only, after `prepare`: settle what the config leaves to the task ('auto' settings),
   * e.g. by training candidates briefly and comparing them on validation data taken from the
   * training part. Returns the config to train (what a resume will use), its data prepared for
   * it, and lines saying what was chosen and why (shown at the start).
   */
  select?(config: C, prepared: Prepared<D>, backend: Backend, options?: SelectOptions): Promise<{ config: C; prepared: Prepared<D>; notes: string[] }>;
  /**
   * The config of the model `buildModel` builds (as given to its constructor; runTask normalises
   * it by its kind), computed without allocating anything: runTask checks a checkpoint's or an
   * `--init-from` file's header against the kind's parameter shapes before the model exists.
   */
  modelConfig(config: C, prepared: Prepared<D>): object;
  /** The model for a new run (`rng` draws its weights and dropout masks); a resumed run then loads the checkpoint's weights into it. */
  buildModel(config: C, prepared: Prepared<D>, rng: Rng): M;
  /** The training batches; `rng` (restored on resume) is for shuffling. */
  batches(config: C, prepared: Prepared<D>, rng: Rng): BatchSource<B>;
  /** The loss of a batch; `rng` (restored on resume) is for randomness inside it (teacher forcing, noise). */
  objective(model: M, config: C, prepared: Prepared<D>, rng: Rng): Objective<B, S>;
  /** A validation pass (dropout off, nothing recorded). */
  evaluate?(model: M, prepared: Prepared<D>, backend: Backend, config: C): Evaluation;
  /** A sample shown after each validation (generated text, a prediction ...), or undefined for none. */
  sample?(model: M, prepared: Prepared<D>, backend: Backend, rng: Rng, config: C): string | undefined;
  /** The run in a few words for the start event. */
  describe(config: C, prepared: Prepared<D>, model: M): TaskDescription<Details>;
}

/** Any task, for code that only passes tasks along. */
export type AnyTask = Task<any, any, any, any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
