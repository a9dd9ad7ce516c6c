/**
 * Batches of labelled sequences of different lengths: each batch is time-major and padded to its
 * longest sequence, with the true `lengths` (which decide where a sequence ends, so padding never
 * changes a result), labels per sequence or per step (-1 past a sequence's end), or float
 * targets per sequence. Shuffled afresh each epoch from a seed, in an order a checkpoint resumes
 * exactly. Not a tokenizer and not a model: inputs are token ids or feature vectors already.
 */
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';

/** Labelled sequences, one entry per example in each field. */
export interface SequenceDataset {
  /** Each example's sequence: token ids, or with `features` its T × features values step by step. */
  inputs: readonly ArrayLike<number>[];
  /** Values per time step of float inputs; absent: the inputs are token ids. */
  features?: number;
  /** A class id per example (sequence classification), or a class id per step (tagging). */
  labels?: readonly number[] | Int32Array | readonly ArrayLike<number>[];
  /** Float targets per example (regression), all of one length. */
  targets?: readonly ArrayLike<number>[];
}

/** One batch: B examples padded to the longest, T steps. */
export interface SequenceBatch {
  /** [T, B] token ids or [T, B, F] features, zero past each length. */
  inputs: IntTensor | Tensor;
  /** [B] each sequence's length, 1..T. */
  lengths: Int32Array;
  /** [B] class ids, or [T * B] time-major per-step class ids with -1 past each length. */
  labels?: IntTensor;
  /** [B, O] float targets. */
  targets?: Tensor;
  /** [B] positions of the examples in the dataset. */
  indices: Int32Array;
}

/** The label index that marks padding in per-step labels (crossEntropy's ignoreIndex). */
export const PAD_LABEL = -1;

/** What kind of labels a dataset holds (after `checkSequenceDataset`). */
export type LabelKind = 'sequence' | 'step' | 'targets' | 'none';

/** Checks a dataset and says what its labels are; every error names `where` and the example. */
export function checkSequenceDataset(d: SequenceDataset, where = 'SequenceDataset'): LabelKind {
  if (!d || !Array.isArray(d.inputs)) throw new Error(`${where}: inputs must be an array of sequences, got ${d?.inputs === undefined ? 'nothing' : typeof d.inputs}`);
  const N = d.inputs.length;
  if (N === 0) throw new Error(`${where}: there are no examples`);
  const F = d.features;
  if (F !== undefined && !(Number.isInteger(F) && F > 0)) throw new Error(`${where}: features must be a positive integer, got ${F}`);
  for (let i = 0; i < N; i++) {
    const x = d.inputs[i];
    if (!x || typeof x.length !== 'number') throw new Error(`${where}: inputs[${i}] must be an array of numbers`);
    const steps = F === undefined ? x.length : x.length / F;
    if (steps < 1 || !Number.isInteger(steps)) {
      throw new Error(`${where}: inputs[${i}] must hold at least one step${F === undefined ? '' : ` of ${F} values (a multiple of ${F})`}, got ${x.length} values`);
    }
    if (F === undefined) {
      for (let t = 0; t < x.length; t++) if (!(Number.isInteger(x[t]) && x[t]! >= 0)) throw new Error(`${where}: inputs[${i}][${t}] = ${x[t]} is not a token id (an integer >= 0)`);
    }
  }
  if (d.labels !== undefined && d.targets !== undefined) throw new Error(`${where}: give labels or targets, not both`);
  if (d.targets !== undefined) {
    if (d.targets.length !== N) throw new Error(`${where}: ${N} inputs but ${d.targets.length} targets`);
    const O = d.targets[0]?.length;
    d.targets.forEach((y, i) => {
      if (!y || y.length !== O || O === 0) throw new Error(`${where}: targets[${i}] must hold ${O} numbers like targets[0], got ${y?.length}`);
    });
    return 'targets';
  }
  if (d.labels === undefined) return 'none';
  if (d.labels.length !== N) throw new Error(`${where}: ${N} inputs but ${d.labels.length} labels`);
  const perStep = typeof d.labels[0] !== 'number';
  for (let i = 0; i < N; i++) {
    const y = d.labels[i] as number | ArrayLike<number>;
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
    if (!perStep) {
      if (!ok(y)) throw new Error(`${where}: labels[${i}] = ${String(y)} is not a class id (an integer >= 0)`);
      continue;
    }
    const steps = F === undefined ? d.inputs[i]!.length : d.inputs[i]!.length / F;
    if (typeof y === 'number' || y.length !== steps) throw new Error(`${where}: labels[${i}] must hold one class id per step (${steps}), got ${typeof y === 'number' ? 'a number' : y.length}`);
    for (let t = 0; t < y.length; t++) if (!ok(y[t])) throw new Error(`${where}: labels[${i}][${t}] = ${y[t]} is not a class id (an integer >= 0)`);
  }
  return perStep ? 'step' : 'sequence';
}

/** Where the next batch starts: serialisable, restored with `seek`. */
export interface SequencePosition {
  epoch: number;
  index: number;
}

export interface SequenceBatcherOptions {
  batchSize: number;
  /** Shuffle the examples afresh each epoch (default true); needs `rng`. */
  shuffle?: boolean;
  /** Draws the shuffling seed once (randomness is an argument). */
  rng?: Rng;
}

/** A `BatchSource` of `SequenceBatch`es over a dataset. */
export class SequenceBatcher {
  readonly dataset: SequenceDataset;
  readonly batchSize: number;
  readonly labelKind: LabelKind;
  readonly batchesPerEpoch: number;
  private readonly shuffleSeed: number | null;
  private epoch = 0;
  private index = 0;
  private order: Int32Array;

  constructor(dataset: SequenceDataset, options: SequenceBatcherOptions) {
    const where = 'SequenceBatcher';
    this.labelKind = checkSequenceDataset(dataset, where);
    const B = options?.batchSize;
    if (!(Number.isInteger(B) && B > 0)) throw new Error(`${where}: batchSize must be a positive integer, got ${B}`);
    const shuffle = options.shuffle ?? true;
    if (shuffle && !(options.rng instanceof Rng)) throw new Error(`${where}: shuffling needs options.rng (or pass shuffle: false)`);
    this.dataset = dataset;
    this.batchSize = B;
    this.batchesPerEpoch = Math.ceil(dataset.inputs.length / B);
    this.shuffleSeed = shuffle ? options.rng!.nextU32() : null;
    this.order = this.orderOf(0);
  }

  /** Examples in the dataset. */
  get size(): number {
    return this.dataset.inputs.length;
  }

  /** The example order of an epoch: a seeded permutation, the same whenever it is asked for. */
  private orderOf(epoch: number): Int32Array {
    const N = this.size;
    const order = Int32Array.from({ length: N }, (_, i) => i);
    if (this.shuffleSeed === null) return order;
    return new Rng(this.shuffleSeed * 4096 + epoch).shuffle(order) as Int32Array;
  }

  position(): SequencePosition {
    return { epoch: this.epoch, index: this.index };
  }

  seek(position: unknown): void {
    const p = position as SequencePosition;
    if (!p || !Number.isInteger(p.epoch) || p.epoch < 0 || !Number.isInteger(p.index) || p.index < 0 || p.index >= this.batchesPerEpoch) {
      throw new Error(`SequenceBatcher.seek: expected { epoch >= 0, index in [0, ${this.batchesPerEpoch}) }, got ${JSON.stringify(position)}`);
    }
    this.epoch = p.epoch;
    this.index = p.index;
    this.order = this.orderOf(p.epoch);
  }

  next(): { batch: SequenceBatch; epoch: number; index: number; startsEpoch: boolean } {
    const { epoch, index } = this;
    const lo = index * this.batchSize, hi = Math.min(lo + this.batchSize, this.size);
    const batch = makeSequenceBatch(this.dataset, this.order.subarray(lo, hi), this.labelKind);
    if (++this.index === this.batchesPerEpoch) {
      this.index = 0;
      this.order = this.orderOf(++this.epoch);
    }
    return { batch, epoch, index, startsEpoch: index === 0 };
  }

  /** Every example once, in dataset order, `batchSize` at a time (for evaluation). */
  *inOrder(): IterableIterator<SequenceBatch> {
    const all = Int32Array.from({ length: this.size }, (_, i) => i);
    for (let lo = 0; lo < this.size; lo += this.batchSize) {
      yield makeSequenceBatch(this.dataset, all.subarray(lo, Math.min(lo + this.batchSize, this.size)), this.labelKind);
    }
  }
}

/** Pads the examples at `indices` into one time-major batch. */
export function makeSequenceBatch(d: SequenceDataset, indices: Int32Array, labelKind: LabelKind = checkSequenceDataset(d)): SequenceBatch {
  const B = indices.length;
  const F = d.features;
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const n = d.inputs[indices[b]!]!.length;
    lengths[b] = F === undefined ? n : n / F;
  }
  const T = lengths.reduce((a, b) => Math.max(a, b), 0);
  let inputs: IntTensor | Tensor;
  if (F === undefined) {
    const ids = IntTensor.zeros([T, B]);
    for (let b = 0; b < B; b++) {
      const x = d.inputs[indices[b]!]!;
      for (let t = 0; t < lengths[b]!; t++) ids.data[t * B + b] = x[t]!;
    }
    inputs = ids;
  } else {
    const xs = Tensor.zeros([T, B, F]);
    for (let b = 0; b < B; b++) {
      const x = d.inputs[indices[b]!]!;
      for (let t = 0; t < lengths[b]!; t++) for (let f = 0; f < F; f++) xs.data[(t * B + b) * F + f] = x[t * F + f]!;
    }
    inputs = xs;
  }
  const batch: SequenceBatch = { inputs, lengths, indices: Int32Array.from(indices) };
  if (labelKind === 'sequence') {
    batch.labels = new IntTensor(Int32Array.from(indices, (i) => (d.labels as readonly number[])[i]!), [B]);
  } else if (labelKind === 'step') {
    const labels = IntTensor.zeros([T * B]);
    labels.data.fill(PAD_LABEL);
    for (let b = 0; b < B; b++) {
      const y = (d.labels as readonly ArrayLike<number>[])[indices[b]!]!;
      for (let t = 0; t < lengths[b]!; t++) labels.data[t * B + b] = y[t]!;
    }
    batch.labels = labels;
  } else if (labelKind === 'targets') {
    const O = d.targets![0]!.length;
    const targets = Tensor.zeros([B, O]);
    for (let b = 0; b < B; b++) targets.data.set(Array.from(d.targets![indices[b]!]!), b * O);
    batch.targets = targets;
  }
  return batch;
}
