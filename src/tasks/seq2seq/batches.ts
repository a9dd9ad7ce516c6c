/**
 * Training batches of source/target pairs, bucketed by length: each epoch shuffles the pairs
 * (seeded), cuts them into pools of 50 batches, sorts each pool by source then target length and
 * cuts it into batches, then shuffles the batches. Pairs of a batch are thus of similar length
 * (little padding), while batches still come in a random order. Resumable: an epoch's order is a
 * function of the seed and the epoch number.
 */
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import type { BatchSource, SourcedBatch } from '../../train/objective.js';

/** Token ids of a set of pairs (targets without [GO] or [EOS]). */
export interface PairSet {
  sources: Int32Array[];
  targets: Int32Array[];
}

export interface PairBatch {
  /** Source ids, one array per pair. */
  sources: Int32Array[];
  /** [Td, B]: [GO] then the target, 0 ([PAD]) past each length. */
  decoderInputs: IntTensor;
  /** [Td, B]: the target then [EOS], 0 past each length (the loss ignores it). */
  decoderTargets: IntTensor;
  /** Target tokens counted by the loss ([EOS] included). */
  tokens: number;
  /** Positions of the pairs in their set. */
  indices: Int32Array;
}

const POOL = 50;

/** A batch of the pairs at `indices`: decoder inputs and targets padded to the longest target + 1. */
export function makePairBatch(set: PairSet, indices: ArrayLike<number>, goId: number, eosId: number): PairBatch {
  const B = indices.length;
  let Td = 0;
  for (let i = 0; i < B; i++) Td = Math.max(Td, set.targets[indices[i]!]!.length + 1);
  const decoderInputs = IntTensor.zeros([Td, B]);
  const decoderTargets = IntTensor.zeros([Td, B]);
  let tokens = 0;
  const sources: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const k = indices[b]!;
    const tgt = set.targets[k]!;
    sources.push(set.sources[k]!);
    decoderInputs.data[b] = goId;
    for (let t = 0; t < tgt.length; t++) {
      decoderInputs.data[(t + 1) * B + b] = tgt[t]!;
      decoderTargets.data[t * B + b] = tgt[t]!;
    }
    decoderTargets.data[tgt.length * B + b] = eosId;
    tokens += tgt.length + 1;
  }
  return { sources, decoderInputs, decoderTargets, tokens, indices: Int32Array.from(indices) };
}

export interface PairPosition {
  epoch: number;
  index: number;
}

export class PairBatcher implements BatchSource<PairBatch> {
  readonly batchesPerEpoch: number;
  private readonly seed: number;
  private epoch = 0;
  private index = 0;
  private batches: Int32Array[];

  constructor(readonly set: PairSet, readonly batchSize: number, readonly goId: number, readonly eosId: number, rng: Rng) {
    if (set.sources.length === 0) throw new Error('PairBatcher: there are no training pairs');
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`PairBatcher: batchSize must be a positive integer, got ${batchSize}`);
    this.batchesPerEpoch = Math.ceil(set.sources.length / batchSize);
    this.seed = rng.nextU32();
    this.batches = this.batchesOf(0);
  }

  /** The batches of an epoch (pair indices), the same whenever asked for. */
  private batchesOf(epoch: number): Int32Array[] {
    const N = this.set.sources.length, B = this.batchSize;
    const rng = new Rng(this.seed * 4096 + epoch);
    const order = rng.shuffle(Int32Array.from({ length: N }, (_, i) => i)) as Int32Array;
    const len = (i: number) => this.set.sources[i]!.length * 4096 + this.set.targets[i]!.length;
    const out: Int32Array[] = [];
    for (let lo = 0; lo < N; lo += B * POOL) {
      const pool = Array.from(order.subarray(lo, Math.min(N, lo + B * POOL))).sort((a, b) => len(a) - len(b));
      for (let i = 0; i < pool.length; i += B) out.push(Int32Array.from(pool.slice(i, i + B)));
    }
    return rng.shuffle(out) as Int32Array[];
  }

  position(): PairPosition {
    return { epoch: this.epoch, index: this.index };
  }

  seek(position: unknown): void {
    const p = position as PairPosition;
    if (!p || !Number.isInteger(p.epoch) || p.epoch < 0 || !Number.isInteger(p.index) || p.index < 0 || p.index >= this.batchesPerEpoch) {
      throw new Error(`PairBatcher.seek: expected { epoch >= 0, index in [0, ${this.batchesPerEpoch}) }, got ${JSON.stringify(position)}`);
    }
    this.epoch = p.epoch;
    this.index = p.index;
    this.batches = this.batchesOf(p.epoch);
  }

  next(): SourcedBatch<PairBatch> {
    const { epoch, index } = this;
    const batch = makePairBatch(this.set, this.batches[index]!, this.goId, this.eosId);
    if (++this.index === this.batchesPerEpoch) {
      this.index = 0;
      this.batches = this.batchesOf(++this.epoch);
    }
    return { batch, epoch, index, startsEpoch: index === 0 };
  }
}
