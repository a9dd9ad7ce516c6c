/**
 * Losses and evaluation of a `RecurrentModel` on batches of labelled sequences: classification
 * of whole sequences (cross-entropy on the head over the final state), a class per step
 * (cross-entropy over the valid steps, padding ignored) and regression (mean squared error).
 * Lengths reach the recurrent layers, so a padded batch gives the results of the sequences alone.
 */
import { Tape } from '../autograd/tape.js';
import { crossEntropy, mseLoss, reshape } from '../autograd/ops/index.js';
import { type LabelKind, PAD_LABEL, type SequenceBatch, SequenceBatcher, type SequenceDataset } from '../data/sequence-batcher.js';
import type { Backend } from '../kernels/backend.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import type { Tensor } from '../tensor/tensor.js';
import { type MetricName, classificationReport, pickMetrics } from './metrics.js';
import type { Evaluation, Objective } from './objective.js';

/** The loss of a batch and the logits it came from. */
function lossOf(tape: Tape, model: RecurrentModel, batch: SequenceBatch, kind: LabelKind, reduction: 'mean' | 'sum'): { loss: Tensor; logits: Tensor; items: number } {
  const where = 'fit';
  const { logits } = model.forward(tape, batch.inputs, { lengths: batch.lengths });
  const B = batch.lengths.length;
  const O = model.config.outputSize;
  const output = model.config.output;
  if (kind === 'sequence') {
    if (output !== 'last') throw new Error(`${where}: one label per sequence needs a model with output 'last', got '${output}'`);
    return { loss: crossEntropy(tape, logits, batch.labels!, { reduction }), logits, items: B };
  }
  if (kind === 'step') {
    if (output !== 'sequence') throw new Error(`${where}: a label per step needs a model with output 'sequence', got '${output}'`);
    const T = logits.shape[0]!;
    const items = batch.lengths.reduce((a, b) => a + b, 0);
    return { loss: crossEntropy(tape, reshape(tape, logits, [T * B, O]), batch.labels!, { ignoreIndex: PAD_LABEL, reduction }), logits, items };
  }
  if (kind === 'targets') {
    if (output !== 'last') throw new Error(`${where}: regression targets per sequence need a model with output 'last', got '${output}'`);
    if (batch.targets!.shape[1] !== O) throw new Error(`${where}: targets hold ${batch.targets!.shape[1]} values per example but the model outputs ${O}`);
    return { loss: mseLoss(tape, logits, batch.targets!, { reduction }), logits, items: B };
  }
  throw new Error(`${where}: the training data has neither labels nor targets`);
}

/** The training objective of a model on batches of labelled sequences (no state carried between batches). */
export function sequenceObjective(model: RecurrentModel, kind: LabelKind): Objective<SequenceBatch> {
  return ({ tape, batch }) => {
    const { loss, items } = lossOf(tape, model, batch, kind, 'mean');
    return { loss, items };
  };
}

/**
 * Mean loss over every example (or every valid step) of a dataset, and the named metrics of its
 * arg-max predictions for class labels. Dropout off, nothing recorded.
 */
export function evaluateSequences(model: RecurrentModel, backend: Backend, data: SequenceDataset,
  options: { batchSize?: number; metrics?: readonly MetricName[] } = {}): Evaluation & { predictions: Int32Array } {
  const batcher = new SequenceBatcher(data, { batchSize: options.batchSize ?? 64, shuffle: false });
  const kind = batcher.labelKind;
  const names = options.metrics ?? [];
  if (names.length && kind !== 'sequence' && kind !== 'step') throw new Error(`evaluateSequences: metrics ${names.join(', ')} need class labels`);
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  const truth: number[] = [], predicted: number[] = [];
  const perExample: number[] = new Array(batcher.size).fill(-1);
  let total = 0, items = 0;
  try {
    for (const batch of batcher.inOrder()) {
      tape.reset();
      const r = lossOf(tape, model, batch, kind, 'sum');
      total += r.loss.item();
      items += r.items;
      if (kind === 'sequence' || kind === 'step') collectPredictions(r.logits, batch, kind, truth, predicted, perExample);
    }
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
  const metrics = names.length ? pickMetrics(classificationReport(truth, predicted, model.config.outputSize), names) : {};
  return { loss: total / items, metrics, predictions: Int32Array.from(kind === 'sequence' ? perExample : predicted) };
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

function collectPredictions(logits: Tensor, batch: SequenceBatch, kind: LabelKind, truth: number[], predicted: number[], perExample: number[]): void {
  const B = batch.lengths.length;
  const O = logits.shape.at(-1)!;
  if (kind === 'sequence') {
    for (let b = 0; b < B; b++) {
      const p = argmax(logits.data.subarray(b * O, (b + 1) * O));
      truth.push(batch.labels!.data[b]!);
      predicted.push(p);
      perExample[batch.indices[b]!] = p;
    }
    return;
  }
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < batch.lengths[b]!; t++) {
      const r = t * B + b;
      truth.push(batch.labels!.data[r]!);
      predicted.push(argmax(logits.data.subarray(r * O, (r + 1) * O)));
    }
  }
}
