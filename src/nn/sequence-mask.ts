/**
 * The time-major mask of a right-padded batch: 1 where step t is inside sequence b (t <
 * lengths[b]), else 0. Pass it (flattened) as the `mask` of a loss so padded steps neither
 * count in the mean nor send gradients.
 */
import { Tensor } from '../tensor/tensor.js';

/** [T, B] mask from per-sequence lengths (each 0..T). */
export function sequenceMask(lengths: ArrayLike<number>, T: number): Tensor {
  if (!Number.isInteger(T) || T < 0) throw new Error(`sequenceMask: T must be a non-negative integer, got ${T}`);
  const B = lengths.length;
  const m = Tensor.zeros([T, B]);
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    if (!Number.isInteger(L) || L < 0 || L > T) throw new Error(`sequenceMask: lengths[${b}] = ${L} must be an integer between 0 and T = ${T}`);
    for (let t = 0; t < L; t++) m.data[t * B + b] = 1;
  }
  return m;
}
