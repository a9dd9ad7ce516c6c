/**
 * Training batches of source/target pairs, bucketed by length (data/bucket-batcher.ts): pairs
 * of a batch are of similar source then target length (little padding), while batches still come
 * in a random order. Resumable: an epoch's order is a function of the seed and the epoch number.
 */
import { BucketBatcher } from '../../data/bucket-batcher.js';
import type { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';

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

/** Training batches of pairs, bucketed by source then target length. */
export class PairBatcher extends BucketBatcher<PairBatch> {
  constructor(readonly set: PairSet, batchSize: number, readonly goId: number, readonly eosId: number, rng: Rng) {
    if (set.sources.length === 0) throw new Error('PairBatcher: there are no training pairs');
    super(set.sources.length, (i) => set.sources[i]!.length * 4096 + set.targets[i]!.length, batchSize, (idx) => makePairBatch(set, idx, goId, eosId), rng, 'PairBatcher');
  }
}
