/**
 * Embedding lookup as an op: rows of a table gathered by integer ids, and a scatter-add of the
 * gradient back into the table. Not a module: `nn/Embedding` owns the table.
 */
import { expectShape } from '../../tensor/shape.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';

/**
 * out[..., :] = table[ids[...], :].
 *
 * Backward: dTable[ids[...], :] += dout[..., :] (repeated ids accumulate); the row
 * `paddingIdx` receives no gradient, as in PyTorch (its value is still looked up).
 * The ids are copied at call time, so the caller may reuse its id buffer before backward.
 *
 * @param ids - any shape, values in [0, V).
 * @param table - [V, D].
 * @param paddingIdx - a row in [0, V) that gets no gradient, or -1 for none (default).
 * @returns out: [...ids.shape, D].
 */
export function embedding(tape: Tape, ids: IntTensor, table: Tensor, paddingIdx = -1): Tensor {
  expectShape('embedding', 'table', table.shape, [null, null]);
  const vocab = table.shape[0]!;
  const dim = table.shape[1]!;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -1 || paddingIdx >= vocab) {
    throw new Error(`embedding: paddingIdx must be -1 (none) or in [0, ${vocab}), got ${paddingIdx}`);
  }
  const rows = ids.size;
  const be = tape.backend;
  const savedIds = tape.ints(ids.shape);
  savedIds.data.set(ids.data);
  const out = tape.tensor([...ids.shape, dim]);
  be.embeddingForward(rows, dim, vocab, savedIds.data, table.data, out.data);
  tape.record('embedding', { table }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout) return;
    if (tape.needsGrad(table)) be.embeddingBackward(rows, dim, vocab, savedIds.data, dout.data, tape.grad(table).data, paddingIdx);
  });
  return out;
}
