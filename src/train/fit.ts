/**
 * `fit`: training as one function call, the way `model.fit` serves Keras and TF.js users. Give it
 * labelled sequences (it batches, shuffles, picks the loss from the labels and the model, and
 * computes validation metrics) or any batch source with an objective; it runs the training loop
 * with epochs, steps or a time budget, clipping, gradient accumulation, early stopping and
 * callbacks that receive the typed events, and returns the history. Every `recur ... train`
 * command runs through it (tasks/run-task.ts adds the run directory). No files, no printing.
 */
import { packOf } from '../autograd/parameter.js';
import { type SequenceBatch, SequenceBatcher, type SequenceDataset, checkSequenceDataset } from '../data/sequence-batcher.js';
import type { Backend } from '../kernels/backend.js';
import type { Module } from '../nn/module.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Rng } from '../random/rng.js';
import type { EvalEvent, EndEvent, MetricSpec, StepEvent, TrainEvent } from './events.js';
import { METRIC_SPECS, type MetricName } from './metrics.js';
import type { BatchSource, Evaluation, Objective } from './objective.js';
import { evaluateSequences, sequenceObjective } from './sequence-objectives.js';
import { type TrainLoopOptions, type TrainLoopResult, trainLoop } from './train-loop.js';

/** Callbacks by event, for those who prefer them to one `onEvent`. */
export interface FitCallbacks {
  onStep?(event: StepEvent): void;
  onEvaluation?(event: EvalEvent): void;
  onEnd?(event: EndEvent): void;
}

export interface FitOptions<B, S = null> extends Omit<TrainLoopOptions<B, S>, 'model' | 'backend' | 'optimizer' | 'data' | 'objective' | 'unit' | 'evaluate' | 'maxEpochs' | 'metrics'> {
  /** Training data: labelled sequences, or batches of any kind with an `objective`. */
  data: SequenceDataset | BatchSource<B>;
  /** The loss of a batch; derived from the labels and the model for labelled sequences. */
  objective?: Objective<B, S>;
  /** Validation: labelled sequences (loss and `metrics` computed here) or a function. */
  validation?: SequenceDataset | (() => Evaluation | Promise<Evaluation>);
  /** Metrics of the validation predictions, by name (labelled sequences with class labels or multi-label targets). */
  metrics?: readonly MetricName[] | MetricSpec[];
  /**
   * Labelled sequences with class labels: [outputSize] weight of each class in the loss, for
   * training and validation alike (see `SequenceObjectiveOptions`, `balancedClassWeights`).
   */
  classWeights?: ArrayLike<number>;
  /** Labelled sequences with 0/1 targets per class: train with sigmoid + binary cross-entropy, validate with multi-label metrics. */
  multiLabel?: boolean;
  /** Default: the backend the model's parameters were moved to (`model.to(backend)`). */
  backend?: Backend;
  /** Default: Adam with `lr`. */
  optimizer?: Optimizer;
  /** Learning rate of the default optimizer (default 1e-3). */
  lr?: number;
  /** Passes over the training data. */
  epochs?: number;
  /** Sequences per batch of labelled sequences (default 32). */
  batchSize?: number;
  /** Shuffle labelled sequences each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling (default 0). */
  seed?: number;
  /** Stop after this many validations without improvement; `monitor` names the figure (default the loss). */
  earlyStopping?: { patience: number; monitor?: string; mode?: 'min' | 'max' };
  /** What items count in events (default: 'sequences', or 'batches' for a batch source). */
  unit?: string;
  callbacks?: FitCallbacks;
}

/** What `fit` saw, per step and per validation (steps undone by a divergence rollback left out). */
export interface History {
  /** Training loss of every step of this call (only the last with `keepLosses: false`). */
  loss: number[];
  validation: { step: number; epoch: number; loss: number; metrics: Record<string, number> }[];
}

export interface FitResult<S = unknown> extends TrainLoopResult<S> {
  history: History;
}

const isBatchSource = (d: unknown): d is BatchSource<unknown> =>
  !!d && typeof (d as BatchSource<unknown>).next === 'function' && typeof (d as BatchSource<unknown>).seek === 'function';

function backendOf(model: Module, given: Backend | undefined): Backend {
  if (given) return given;
  const pack = model.parameters().map(packOf).find((p) => p !== undefined);
  if (!pack) throw new Error('fit: move the model to a backend first (model.to(await createBackend(\'wasm\'))) or pass options.backend');
  return pack.backend;
}

/** Trains `model` (see the file comment); resolves with the loop's result and the history. */
export async function fit<B = SequenceBatch, S = null>(model: Module, options: FitOptions<B, S>): Promise<FitResult<S>> {
  const o = options;
  if (!o || typeof o !== 'object') throw new Error('fit: options { data, ... } are required');
  const backend = backendOf(model, o.backend);
  if (!packOf(model.parameters()[0]!)) model.to(backend);
  const optimizer = o.optimizer ?? new Adam(model.parameters(), { lr: o.lr ?? 1e-3 });
  let data: BatchSource<B>;
  let objective: Objective<B, S>;
  let evaluate: (() => Evaluation | Promise<Evaluation>) | undefined;
  let metrics: MetricSpec[] = [];
  const names = (o.metrics ?? []).filter((m): m is MetricName => typeof m === 'string');
  if (isBatchSource(o.data)) {
    if (!o.objective) throw new Error('fit: a batch source needs an objective (the loss of a batch)');
    if (names.length) throw new Error(`fit: metrics by name (${names.join(', ')}) are computed on labelled sequences; with a batch source pass a validation function that reports them, and their MetricSpecs`);
    if (o.classWeights !== undefined || o.multiLabel !== undefined) throw new Error('fit: classWeights and multiLabel shape the loss of labelled sequences; a batch source brings its own objective');
    data = o.data;
    objective = o.objective;
    metrics = (o.metrics ?? []) as MetricSpec[];
    if (typeof o.validation === 'function') evaluate = o.validation;
    else if (o.validation) throw new Error('fit: with a batch source, validation must be a function returning { loss, metrics }');
  } else {
    if (!(model instanceof RecurrentModel)) throw new Error('fit: labelled sequences train a RecurrentModel; for another module pass a batch source and an objective');
    const kind = checkSequenceDataset(o.data, 'fit: data');
    const batcher = new SequenceBatcher(o.data, { batchSize: o.batchSize ?? 32, shuffle: o.shuffle ?? true, rng: new Rng(o.seed ?? 0) });
    data = batcher as unknown as BatchSource<B>;
    const lossOptions = { classWeights: o.classWeights, multiLabel: o.multiLabel };
    if (o.objective && o.classWeights !== undefined) throw new Error('fit: classWeights weight the loss fit derives; with your own objective, weight it there');
    objective = (o.objective ?? sequenceObjective(model, kind, lossOptions)) as Objective<B, S>;
    metrics = names.map((n) => {
      if (!METRIC_SPECS[n]) throw new Error(`fit: unknown metric '${String(n)}' (known: ${Object.keys(METRIC_SPECS).join(', ')})`);
      return METRIC_SPECS[n];
    });
    const validation = o.validation;
    if (typeof validation === 'function') evaluate = validation;
    else if (validation) {
      checkSequenceDataset(validation, 'fit: validation');
      evaluate = () => evaluateSequences(model, backend, validation, { batchSize: o.batchSize ?? 32, metrics: names, ...lossOptions });
    }
  }
  const monitor = o.earlyStopping?.monitor
    ? { metric: o.earlyStopping.monitor, mode: o.earlyStopping.mode ?? metrics.find((m) => m.name === o.earlyStopping!.monitor)?.better ?? 'min' }
    : o.monitor;
  let evaluations: History['validation'] = [];
  let lastEpoch = 0;
  const onEvent = (e: TrainEvent) => {
    // A rollback undoes the steps after the state it restores: they are trained again.
    if (e.type === 'divergence' && e.action === 'rollback') evaluations = evaluations.filter((v) => v.step <= e.restoredStep!);
    if (e.type === 'step') { lastEpoch = e.epoch; o.callbacks?.onStep?.(e); }
    if (e.type === 'eval') { evaluations.push({ step: e.step, epoch: lastEpoch, loss: e.valLoss, metrics: e.metrics }); o.callbacks?.onEvaluation?.(e); }
    if (e.type === 'end') o.callbacks?.onEnd?.(e);
    o.onEvent?.(e);
  };
  const accumulate = o.accumulate ?? 1;
  const result = await trainLoop<B, S>({
    ...o, model, backend, optimizer, data, objective, evaluate, metrics, monitor, onEvent,
    unit: o.unit ?? (isBatchSource(o.data) ? 'batches' : 'sequences'),
    maxEpochs: o.epochs,
    evalEvery: o.evalEvery ?? (evaluate ? Math.max(1, Math.ceil(data.batchesPerEpoch / accumulate)) : undefined),
    patience: o.earlyStopping?.patience ?? o.patience,
  });
  // The loop's own list of step losses (rollbacks and keepLosses already applied).
  return { ...result, history: { loss: result.losses, validation: evaluations } };
}
