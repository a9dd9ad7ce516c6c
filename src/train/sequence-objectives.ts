/**
 * Losses and evaluation of a `RecurrentModel` on batches of labelled sequences: classification
 * of whole sequences (cross-entropy on the head over the final or pooled state, optionally
 * class-weighted), a class per step (cross-entropy over the valid steps, padding ignored),
 * multi-label classification (sigmoid + binary cross-entropy on 0/1 targets) and regression
 * (mean squared error). Lengths reach the recurrent layers, so a padded batch gives the results
 * of the sequences alone. No task knowledge: labels are class ids, targets are numbers.
 */
import { Tape } from '../autograd/tape.js';
import { bceWithLogits, crossEntropy, mseLoss, reshape } from '../autograd/ops/index.js';
import { type LabelKind, PAD_LABEL, type SequenceBatch, SequenceBatcher, type SequenceDataset } from '../data/sequence-batcher.js';
import type { Backend } from '../kernels/backend.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MetricName, classificationReport, multiLabelReport, pickMetrics } from './metrics.js';
import type { Evaluation, Objective } from './objective.js';

export interface SequenceObjectiveOptions {
  /**
   * [outputSize] weight of each class for class labels (per sequence or per step), finite and
   * >= 0: an example (or step) with label y counts classWeights[y] times, and the mean divides
   * by the total weight, as PyTorch's `CrossEntropyLoss(weight=...)`. See `balancedClassWeights`.
   */
  classWeights?: ArrayLike<number>;
  /**
   * Float targets are 0/1 per class (multi-label classification): the loss is sigmoid + binary
   * cross-entropy (`bceWithLogits`, the mean over examples and classes) instead of the mean
   * squared error of regression.
   */
  multiLabel?: boolean;
}

interface LossSettings {
  classWeights: Float32Array | undefined;
  multiLabel: boolean;
}

/** Checks the options against the labels and the model once, with errors that name `where`. */
function lossSettings(where: string, model: RecurrentModel, kind: LabelKind, o: SequenceObjectiveOptions): LossSettings {
  if (!o || typeof o !== 'object') throw new Error(`${where}: options must be an object, got ${o === null ? 'null' : typeof o}`);
  const multiLabel = o.multiLabel ?? false;
  if (typeof multiLabel !== 'boolean') throw new Error(`${where}: multiLabel must be true or false, got ${String(multiLabel)}`);
  if (multiLabel && kind !== 'targets') throw new Error(`${where}: multiLabel needs float targets (0 or 1 per class), got ${kind === 'none' ? 'no labels' : 'class labels'}`);
  const given = o.classWeights;
  if (given === undefined) return { classWeights: undefined, multiLabel };
  if (kind !== 'sequence' && kind !== 'step') throw new Error(`${where}: classWeights weight class labels; this data has ${kind === 'targets' ? `${multiLabel ? 'multi-label' : 'regression'} targets` : 'no labels'}`);
  const O = model.config.outputSize;
  if (!given || typeof given.length !== 'number' || given.length !== O) {
    throw new Error(`${where}: classWeights must hold one weight per class (${O}), got ${given && typeof given.length === 'number' ? given.length : typeof given}`);
  }
  const classWeights = new Float32Array(O);
  for (let c = 0; c < O; c++) {
    const w = given[c]!;
    if (!(typeof w === 'number' && Number.isFinite(w) && w >= 0)) throw new Error(`${where}: classWeights[${c}] = ${w} must be a finite number >= 0`);
    classWeights[c] = w;
  }
  return { classWeights, multiLabel };
}

/** [N] weight of each label row for crossEntropy's mask: classWeights[label], 0 on padding. */
function labelWeights(tape: Tape, labels: Int32Array, classWeights: Float32Array): Tensor {
  const mask = tape.tensor([labels.length]);
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r]!;
    if (y === PAD_LABEL) continue;
    if (!(y >= 0 && y < classWeights.length)) throw new Error(`fit: label ${y} is not a class of the model's ${classWeights.length} outputs`);
    mask.data[r] = classWeights[y]!;
  }
  return mask;
}

/** Throws unless every multi-label target is 0 or 1, naming the example. */
function checkBinaryTargets(targets: Tensor, batch: SequenceBatch): void {
  const O = targets.shape[1]!;
  for (let i = 0; i < targets.size; i++) {
    const v = targets.data[i]!;
    if (v !== 0 && v !== 1) throw new Error(`fit: multi-label targets must be 0 or 1, got ${v} in targets[${batch.indices[Math.floor(i / O)]}][${i % O}]`);
  }
}

/**
 * The loss of a batch, the logits it came from, the items it counts (examples, or valid steps)
 * and the weight its mean divides by (the total class weight, or the number of examples, steps
 * or target values), so that sums over batches divided by summed weights give the dataset's mean.
 */
function lossOf(tape: Tape, model: RecurrentModel, batch: SequenceBatch, kind: LabelKind, reduction: 'mean' | 'sum', s: LossSettings): { loss: Tensor; logits: Tensor; items: number; weight: number } {
  const where = 'fit';
  const { logits } = model.forward(tape, batch.inputs, { lengths: batch.lengths });
  const B = batch.lengths.length;
  const O = model.config.outputSize;
  const output = model.config.output;
  const weighted = (rows: Tensor, labels: NonNullable<SequenceBatch['labels']>, count: number) => {
    const mask = s.classWeights ? labelWeights(tape, labels.data, s.classWeights) : undefined;
    const loss = crossEntropy(tape, rows, labels, { ignoreIndex: PAD_LABEL, reduction, mask });
    return { loss, logits, items: count, weight: mask ? mask.data.reduce((a, w) => a + w, 0) : count };
  };
  if (kind === 'sequence') {
    if (output !== 'last') throw new Error(`${where}: one label per sequence needs a model with output 'last', got '${output}'`);
    return weighted(logits, batch.labels!, B);
  }
  if (kind === 'step') {
    if (output !== 'sequence') throw new Error(`${where}: a label per step needs a model with output 'sequence', got '${output}'`);
    const T = logits.shape[0]!;
    return weighted(reshape(tape, logits, [T * B, O]), batch.labels!, batch.lengths.reduce((a, b) => a + b, 0));
  }
  if (kind === 'targets') {
    const what = s.multiLabel ? 'multi-label targets' : 'regression targets';
    if (output !== 'last') throw new Error(`${where}: ${what} per sequence need a model with output 'last', got '${output}'`);
    const targets = batch.targets!;
    if (targets.shape[1] !== O) throw new Error(`${where}: targets hold ${targets.shape[1]} values per example but the model outputs ${O}`);
    if (s.multiLabel) checkBinaryTargets(targets, batch);
    const loss = s.multiLabel ? bceWithLogits(tape, logits, targets, { reduction }) : mseLoss(tape, logits, targets, { reduction });
    return { loss, logits, items: B, weight: B * O };
  }
  throw new Error(`${where}: the training data has neither labels nor targets`);
}

/**
 * The training objective of a model on batches of labelled sequences (no state carried between
 * batches): cross-entropy for class labels (weighted with `classWeights`), binary cross-entropy
 * for `multiLabel` 0/1 targets, mean squared error for other targets. A batch counts its
 * examples (valid steps for per-step labels) as items, whatever the class weights.
 */
export function sequenceObjective(model: RecurrentModel, kind: LabelKind, options: SequenceObjectiveOptions = {}): Objective<SequenceBatch> {
  const settings = lossSettings('sequenceObjective', model, kind, options);
  return ({ tape, batch }) => {
    const { loss, items } = lossOf(tape, model, batch, kind, 'mean', settings);
    return { loss, items };
  };
}

export interface EvaluateSequencesOptions extends SequenceObjectiveOptions {
  /** Sequences per batch (default 64); padding changes no result. */
  batchSize?: number;
  /** Metrics of the predictions, by name (class labels or multi-label targets). */
  metrics?: readonly MetricName[];
  /** multiLabel only: a class is predicted when its probability sigmoid(logit) > threshold (default 0.5, in (0, 1)). */
  threshold?: number;
}

/** What `evaluateSequences` reports. */
export interface SequenceEvaluation extends Evaluation {
  metrics: Record<string, number>;
  /**
   * Class labels per sequence: [N] arg-max class ids in dataset order; per step: one id per valid
   * step, example by example; multi-label: [N, C] row-major 0/1 (probability > threshold);
   * regression: empty.
   */
  predictions: Int32Array;
  /**
   * Row-major [rows, C] in the order of `predictions`: the softmax of the logits for class labels
   * (one row per example, or per valid step), the sigmoid of each logit for multi-label; empty
   * for regression.
   */
  probabilities: Float32Array;
}

/**
 * Mean loss over every example (or every valid step) of a dataset, weighted as the objective
 * weights it (`classWeights`, `multiLabel`), with the named metrics and the predictions and
 * probabilities of every example. Dropout off, nothing recorded.
 */
export function evaluateSequences(model: RecurrentModel, backend: Backend, data: SequenceDataset, options: EvaluateSequencesOptions = {}): SequenceEvaluation {
  const where = 'evaluateSequences';
  const batcher = new SequenceBatcher(data, { batchSize: options.batchSize ?? 64, shuffle: false });
  const kind = batcher.labelKind;
  const settings = lossSettings(where, model, kind, options);
  const threshold = options.threshold ?? 0.5;
  if (options.threshold !== undefined && !settings.multiLabel) throw new Error(`${where}: threshold applies to multiLabel predictions only`);
  if (!(typeof threshold === 'number' && threshold > 0 && threshold < 1)) throw new Error(`${where}: threshold must be a number in (0, 1), got ${String(threshold)}`);
  const classes = kind === 'sequence' || kind === 'step' || settings.multiLabel;
  const names = options.metrics ?? [];
  if (names.length && !classes) throw new Error(`${where}: metrics ${names.join(', ')} need class labels or multiLabel targets`);
  const C = model.config.outputSize;
  const got: Collected = { truth: [], predicted: [], probabilities: [], truthRows: [], predictedRows: [] };
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  let total = 0, weight = 0;
  try {
    for (const batch of batcher.inOrder()) {
      tape.reset();
      const r = lossOf(tape, model, batch, kind, 'sum', settings);
      total += r.loss.item();
      weight += r.weight;
      if (classes) collect(r.logits, batch, kind, settings.multiLabel ? threshold : undefined, got);
    }
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
  const metrics = !names.length ? {}
    : settings.multiLabel ? pickMetrics(multiLabelReport(got.truthRows, got.predictedRows, C), names)
      : pickMetrics(classificationReport(got.truth, got.predicted, C), names);
  return {
    loss: weight ? total / weight : 0, metrics,
    predictions: settings.multiLabel ? Int32Array.from(got.predictedRows.flatMap((row) => [...row])) : Int32Array.from(got.predicted),
    probabilities: Float32Array.from(got.probabilities),
  };
}

/** Predictions collected batch by batch, in dataset order (`inOrder`). */
interface Collected {
  /** Class labels: true and arg-max ids, one per example or valid step. */
  truth: number[];
  predicted: number[];
  /** Row-major probabilities, one row of C per prediction. */
  probabilities: number[];
  /** Multi-label: true and predicted 0/1 rows. */
  truthRows: Int32Array[];
  predictedRows: Int32Array[];
}

/**
 * Adds a batch's predictions: the softmax and arg-max of each row of logits for class labels,
 * or with a `threshold` (multi-label) the sigmoid of each logit and whether it passes.
 */
function collect(logits: Tensor, batch: SequenceBatch, kind: LabelKind, threshold: number | undefined, got: Collected): void {
  const B = batch.lengths.length;
  const C = logits.shape.at(-1)!;
  const row = (r: number) => logits.data.subarray(r * C, (r + 1) * C);
  if (threshold !== undefined) {
    const targets = batch.targets!.data;
    for (let b = 0; b < B; b++) {
      const p = Array.from(row(b), (z) => 1 / (1 + Math.exp(-z)));
      got.probabilities.push(...p);
      got.predictedRows.push(Int32Array.from(p, (v) => (v > threshold ? 1 : 0)));
      got.truthRows.push(Int32Array.from(targets.subarray(b * C, (b + 1) * C)));
    }
    return;
  }
  const add = (r: number, label: number) => {
    const z = row(r);
    let best = 0;
    for (let c = 1; c < C; c++) if (z[c]! > z[best]!) best = c;
    const exps = Array.from(z, (v) => Math.exp(v - z[best]!));
    const sum = exps.reduce((a, e) => a + e, 0);
    got.probabilities.push(...exps.map((e) => e / sum));
    got.truth.push(label);
    got.predicted.push(best);
  };
  const labels = batch.labels!.data;
  if (kind === 'sequence') {
    for (let b = 0; b < B; b++) add(b, labels[b]!);
    return;
  }
  for (let b = 0; b < B; b++) for (let t = 0; t < batch.lengths[b]!; t++) add(t * B + b, labels[t * B + b]!);
}
