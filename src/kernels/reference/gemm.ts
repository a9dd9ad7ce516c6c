/**
 * Reference GEMM: C = alpha * op(A) * op(B) + beta * C in plain loops, the oracle the wasm
 * kernel is tested against. Precision-agnostic on purpose: it sums in JS numbers and never
 * allocates, so gradient checks may pass Float64Array buffers through the same code.
 * Not fast (about 1 GFLOP/s); see `../assembly/gemm.ts` for the optimised kernel.
 */
import type { F32 } from '../backend.js';
import { checkGemmArgs, checkPackBArgs, checkPackedGemmArgs, checkPackedSize } from '../checks.js';

/**
 * Row-major BLAS sgemm. op(A) is [m, k], op(B) is [k, n], C is [m, n].
 * A is stored [m, k] with row stride lda >= k, or, when transA, [k, m] with lda >= m; likewise
 * B is [k, n] (ldb >= n) or, when transB, [n, k] (ldb >= k). C is [m, n] with ldc >= n.
 * beta = 0 overwrites C without reading it (NaN/Inf already in C are ignored); alpha = 0 or
 * k = 0 leaves C = beta * C without reading A or B, as BLAS does.
 */
export function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void {
  checkGemmArgs(transA, transB, m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
  if (m === 0 || n === 0) return;

  // Element (i, p) of op(A) is a[i * aRow + p * aCol]; element (p, j) of op(B) is b[p * bRow + j * bCol].
  const aRow = transA ? 1 : lda;
  const aCol = transA ? lda : 1;
  const bRow = transB ? 1 : ldb;
  const bCol = transB ? ldb : 1;
  const skipProduct = alpha === 0 || k === 0;

  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      if (!skipProduct) {
        for (let p = 0; p < k; p++) sum += a[i * aRow + p * aCol]! * b[p * bRow + j * bCol]!;
      }
      const ij = i * ldc + j;
      const product = skipProduct ? 0 : alpha * sum;
      c[ij] = beta === 0 ? product : product + beta * c[ij]!;
    }
  }
}

// ---- pre-packed B ------------------------------------------------------------------------------
// The reference "packs" op(B) as a plain row-major [k, n] copy; gemmPacked is then gemm on it.

export function gemmPackedSize(k: number, n: number): number {
  checkPackedSize(k, n);
  return k * n;
}

export function gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, packed: F32): void {
  checkPackBArgs(transB, k, n, b.length, ldb, packed.length, k * n);
  const bRow = transB ? 1 : ldb;
  const bCol = transB ? ldb : 1;
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) packed[p * n + j] = b[p * bRow + j * bCol]!;
}

export function gemmPacked(transA: boolean, m: number, n: number, k: number, alpha: number, a: F32, lda: number,
  packed: F32, beta: number, c: F32, ldc: number): void {
  checkPackedGemmArgs(transA, m, n, k, a.length, lda, packed.length, k * n, c.length, ldc);
  gemm(transA, false, m, n, k, alpha, a, lda, packed, Math.max(n, 1), beta, c, ldc);
}
