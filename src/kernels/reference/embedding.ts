/**
 * Reference embedding lookup (row gather) and its backward (row scatter-add).
 */
import type { F32, I32 } from '../backend.js';
import { badIdError } from '../checks.js';

/** out[r, :] = table[ids[r], :]; ids: [N], table: [V, D], out: [N, D]. Throws (before writing) on ids outside [0, V). */
export function embeddingForward(rows: number, dim: number, vocab: number, ids: I32, table: F32, out: F32): void {
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    if (id < 0 || id >= vocab) throw badIdError(ids, r, vocab);
  }
  for (let r = 0; r < rows; r++) {
    const src = ids[r] * dim;
    for (let d = 0; d < dim; d++) out[r * dim + d] = table[src + d];
  }
}

/**
 * dTable[ids[r], :] += dOut[r, :]; repeated ids accumulate. Rows whose id is paddingIdx are
 * skipped, and so are ids outside [0, V) (the forward already rejected them).
 */
export function embeddingBackward(rows: number, dim: number, vocab: number, ids: I32, dOut: F32, dTable: F32, paddingIdx: number): void {
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    if (id === paddingIdx || id < 0 || id >= vocab) continue;
    for (let d = 0; d < dim; d++) dTable[id * dim + d] += dOut[r * dim + d];
  }
}
