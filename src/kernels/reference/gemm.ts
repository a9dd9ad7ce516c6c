/**
 * Reference GEMM: C = alpha * op(A) * op(B) + beta * C in plain loops, the oracle the wasm
 * kernel is tested against. Precision-agnostic on purpose: it sums in JS numbers and never
 * allocates, so gradient checks may pass Float64Array buffers through the same code.
 * Not fast (about 1 GFLOP/s); see `../assembly/gemm.ts` for the optimised kernel.
 */
import type { F32 } from '../backend.js';

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

/**
 * Throws `gemm: ...` unless the sizes, leading dimensions and buffer lengths describe valid
 * matrices. Shared by every backend so that a bad call fails the same way everywhere (the
 * wasm kernel would otherwise read or write outside the arrays it was given).
 */
export function checkGemmArgs(transA: boolean, transB: boolean, m: number, n: number, k: number,
  aLength: number, lda: number, bLength: number, ldb: number, cLength: number, ldc: number): void {
  for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${name} must be a non-negative integer, got ${v}`);
  }
  checkMatrix('A', transA ? k : m, transA ? m : k, aLength, lda, transA ? 'm (transA)' : 'k');
  checkMatrix('B', transB ? n : k, transB ? k : n, bLength, ldb, transB ? 'k (transB)' : 'n');
  checkMatrix('C', m, n, cLength, ldc, 'n');
}

function checkMatrix(name: string, rows: number, cols: number, length: number, ld: number, colsName: string): void {
  const ldName = `ld${name.toLowerCase()}`;
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new Error(`gemm: ${ldName} must be an integer >= ${colsName} = ${cols}, got ${ld}`);
  }
  if (rows === 0 || cols === 0) return;
  const need = (rows - 1) * ld + cols;
  if (length < need) {
    throw new Error(`gemm: ${name} holds ${length} elements but a [${rows}, ${cols}] matrix with ${ldName} ${ld} needs ${need}`);
  }
}

// ---- pre-packed B ------------------------------------------------------------------------------
// The reference "packs" op(B) as a plain row-major [k, n] copy; gemmPacked is then gemm on it.

export function gemmPackedSize(k: number, n: number): number {
  checkPackedSizes('gemmPackedSize', k, n);
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

function checkPackedSizes(fn: string, k: number, n: number): void {
  for (const [name, v] of [['k', k], ['n', n]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${fn}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/** Throws `gemmPackB: ...` unless B and the packed buffer fit the sizes (`need` = gemmPackedSize). */
export function checkPackBArgs(transB: boolean, k: number, n: number, bLength: number, ldb: number, packedLength: number, need: number): void {
  checkPackedSizes('gemmPackB', k, n);
  try {
    checkMatrix('B', transB ? n : k, transB ? k : n, bLength, ldb, transB ? 'k (transB)' : 'n');
  } catch (e) {
    throw new Error((e as Error).message.replace(/^gemm:/, 'gemmPackB:'));
  }
  if (packedLength < need) throw new Error(`gemmPackB: packed holds ${packedLength} floats but op(B) [${k}, ${n}] needs gemmPackedSize = ${need}`);
}

/** Throws `gemmPacked: ...` unless A, C and the packed buffer fit the sizes (`need` = gemmPackedSize). */
export function checkPackedGemmArgs(transA: boolean, m: number, n: number, k: number, aLength: number, lda: number,
  packedLength: number, need: number, cLength: number, ldc: number): void {
  try {
    for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`gemm: ${name} must be a non-negative integer, got ${v}`);
    }
    checkMatrix('A', transA ? k : m, transA ? m : k, aLength, lda, transA ? 'm (transA)' : 'k');
    checkMatrix('C', m, n, cLength, ldc, 'n');
  } catch (e) {
    throw new Error((e as Error).message.replace(/^gemm:/, 'gemmPacked:'));
  }
  if (packedLength < need) throw new Error(`gemmPacked: packed holds ${packedLength} floats but op(B) [${k}, ${n}] needs gemmPackedSize = ${need}`);
}
