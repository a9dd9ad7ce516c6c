/**
 * Test helper: a tiny many-to-one task for sequence classifiers. Sequences of 3 to 9 tokens of
 * 4; the label says whether token 3 occurs, which needs memory of the whole sequence. Only for
 * tests; not part of the public API.
 */
import type { SequenceDataset } from '../data/sequence-batcher.js';
import { Rng } from '../random/rng.js';

/** `n` labelled sequences from `seed`; each holds a 3 (label 1) with probability `pThree` (default 0.5). */
export function containsThree(n: number, seed: number, pThree = 0.5): SequenceDataset {
  const rng = new Rng(seed);
  const inputs: number[][] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 3 + rng.int(7) }, () => rng.int(3));
    if (rng.next() < pThree) x[rng.int(x.length)] = 3;
    inputs.push(x);
    labels.push(x.includes(3) ? 1 : 0);
  }
  return { inputs, labels };
}
