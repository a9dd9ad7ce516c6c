/**
 * Batches of tagged sentences: word ids [T, B] padded with 0, the distinct word forms of the
 * batch for the character encoder (each form read once however often it occurs), gold tag ids
 * (-1 past each length and where the gold tag is unknown to the model). Training batches come
 * bucketed by length (data/bucket-batcher.ts): little padding, the same order on resume.
 */
import { BucketBatcher } from '../../data/bucket-batcher.js';
import type { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import type { TagBatch } from './model.js';

/** Encoded sentences. */
export interface SentenceSet {
  /** Word ids per sentence (1..: [UNK] is 1). */
  words: Int32Array[];
  /** Per sentence, per token: the character ids of its form (empty without character features). */
  chars: Int32Array[][];
  /** Per sentence, per token: the form as written (distinct forms share one character encoding per batch). */
  forms: string[][];
  /** Gold tag ids per sentence (-1 where the tag is unknown to the model), or undefined for unlabelled input. */
  tags?: Int32Array[];
}


/** The batch of the sentences at `indices`. */
export function makeTagBatch(set: SentenceSet, indices: ArrayLike<number>): TagBatch {
  const B = indices.length;
  if (B === 0) throw new Error('makeTagBatch: needs at least one sentence');
  const lengths = Int32Array.from({ length: B }, (_, b) => set.words[indices[b]!]!.length);
  const T = Math.max(...lengths);
  const words = IntTensor.zeros([T, B]);
  const formIndex = IntTensor.zeros([T, B]);
  const tags = set.tags ? IntTensor.from(new Array<number>(T * B).fill(-1)).reshape([T, B]) : undefined;
  const rowOf = new Map<string, number>();
  const forms: Int32Array[] = [];
  let tokens = 0;
  for (let b = 0; b < B; b++) {
    const k = indices[b]!;
    const w = set.words[k]!, f = set.forms[k]!, c = set.chars[k]!;
    for (let t = 0; t < w.length; t++) {
      words.data[t * B + b] = w[t]!;
      let row = rowOf.get(f[t]!);
      if (row === undefined) {
        row = forms.length;
        rowOf.set(f[t]!, row);
        forms.push(c[t]!);
      }
      formIndex.data[t * B + b] = row;
      if (tags) tags.data[t * B + b] = set.tags![k]![t]!;
    }
    tokens += w.length;
  }
  return { words, lengths, forms, formIndex, tags, tokens };
}

/** Training batches of sentences, bucketed by length. */
export class TagBatcher extends BucketBatcher<TagBatch> {
  constructor(readonly set: SentenceSet, batchSize: number, rng: Rng) {
    if (set.words.length === 0) throw new Error('TagBatcher: there are no training sentences');
    super(set.words.length, (i) => set.words[i]!.length, batchSize, (idx) => makeTagBatch(set, idx), rng, 'TagBatcher');
  }
}
