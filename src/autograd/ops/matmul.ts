/**
 * The 2-D matrix product C = op(A) op(B), op being identity or transpose, on one GEMM.
 * Not batched and not broadcasting; `linear` is the affine map with a bias.
 */
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';

export interface MatmulOptions {
  /** Use A^T: `a` is stored [K, M] (default false). */
  transA?: boolean;
  /** Use B^T: `b` is stored [N, K] (default false). */
  transB?: boolean;
}

/**
 * C = op(A) op(B) with op(A): [M, K], op(B): [K, N].
 *
 * Backward: d op(A) = dC op(B)^T, d op(B) = op(A)^T dC, each written back in the layout the
 * operand is stored in (so for transA, dA = op(B) dC^T).
 *
 * @param a - [M, K], or [K, M] when `transA`.
 * @param b - [K, N], or [N, K] when `transB`.
 * @returns C: [M, N].
 */
export function matmul(tape: Tape, a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  if (a.rank !== 2) throw new Error(`matmul: a must be [*, *], got ${formatShape(a.shape)}`);
  if (b.rank !== 2) throw new Error(`matmul: b must be [*, *], got ${formatShape(b.shape)}`);
  const m = transA ? a.shape[1]! : a.shape[0]!;
  const k = transA ? a.shape[0]! : a.shape[1]!;
  const kb = transB ? b.shape[1]! : b.shape[0]!;
  const n = transB ? b.shape[0]! : b.shape[1]!;
  if (kb !== k) {
    const want = transB ? `[*, ${k}]` : `[${k}, *]`;
    throw new Error(`matmul: b must be ${want} to match a ${formatShape(a.shape)}${transA ? ' (transA)' : ''}, got ${formatShape(b.shape)}`);
  }
  const lda = a.shape[1]!;
  const ldb = b.shape[1]!;

  const be = tape.backend;
  const c = tape.tensor([m, n]);
  be.gemm(transA, transB, m, n, k, 1, a.data, lda, b.data, ldb, 0, c.data, n);

  tape.record('matmul', { a, b }, { c }, () => {
    const dc = tape.gradIfAny(c);
    if (!dc) return;
    if (tape.needsGrad(a)) {
      const da = tape.grad(a).data;
      if (!transA) be.gemm(false, !transB, m, k, n, 1, dc.data, n, b.data, ldb, 1, da, k); // dA [M, K] = dC op(B)^T
      else be.gemm(transB, true, k, m, n, 1, b.data, ldb, dc.data, n, 1, da, m); // dA [K, M] = op(B) dC^T
    }
    if (tape.needsGrad(b)) {
      const db = tape.grad(b).data;
      if (!transB) be.gemm(!transA, false, k, n, m, 1, a.data, lda, dc.data, n, 1, db, n); // dB [K, N] = op(A)^T dC
      else be.gemm(true, transA, n, k, m, 1, dc.data, n, a.data, lda, 1, db, k); // dB [N, K] = dC^T op(A)
    }
  });
  return c;
}
