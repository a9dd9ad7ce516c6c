// WebAssembly SIMD GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, BLAS semantics.
// A GotoBLAS/BLIS-style loop nest around a 4x8 register tile (gemm-blocks.ts), with A and B
// packed per call into the `work` area the caller provides (see gemmWorkspaceBytes); products
// with fewer than 4 rows skip packing and stream B (matrix-vector style). Single-threaded: the
// JavaScript side splits C between threads (src/kernels/wasm/). Never allocates; argument
// checks happen in JavaScript (src/kernels/reference/gemm.ts).

import { hsum, madd } from './simd';

import { MC, MR, NC, NR, TILE_BYTES, blockedProduct, imin, kBlock, roundUp, scaleC, updateC } from './gemm-blocks';

/**
 * Bytes of scratch `gemm` needs at `work` (16-byte aligned) for these sizes, in floats:
 * - m >= 4: one 4 x 8 C tile (32) + packed A, 4 * roundUp(min(m, 64), 4) * kc (each value
 *   broadcast to a vector) + packed B, kc * roundUp(min(n, 2048), 8), where kc = kBlock(k) <= 256;
 *   at most (32 + 256 * (4 * 64 + 2048)) * 4 bytes, about 2.25 MiB, whatever the sizes.
 * - m < 4: nothing, except k floats (one row of A) when both transA and transB.
 */
export function gemmWorkspaceBytes(transA: i32, transB: i32, m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  if (m < MR) return transA && transB ? k << 2 : 0;
  const kc = kBlock(k);
  return TILE_BYTES + kc * (roundUp(imin(m, MC), MR) * 4 + roundUp(imin(n, NC), NR)) * 4;
}

/**
 * C = alpha * op(A) * op(B) + beta * C. Pointers are byte offsets, leading dimensions are in
 * elements. beta = 0 never reads C; alpha = 0 or k = 0 never reads A or B.
 */
export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = <usize>ldc << 2;
  if (k <= 0 || alpha == 0) {
    scaleC(m, n, beta, c, ldcBytes);
    return;
  }
  // Byte strides: op(A)(i, p) is at a + i * aRow + p * aCol; op(B)(p, j) at b + p * bRow + j * bCol.
  const aRow: usize = transA ? 4 : <usize>lda << 2;
  const aCol: usize = transA ? <usize>lda << 2 : 4;
  const bRow: usize = transB ? 4 : <usize>ldb << 2;
  const bCol: usize = transB ? <usize>ldb << 2 : 4;

  if (m < MR) {
    // Too few rows to pay for packing B: each row of C is a vector-matrix product
    // (m = 1, k = 256, n = 1024: 20-30 GFLOP/s here against 5 through the packed path).
    for (let i = 0; i < m; i++) {
      const ai = a + <usize>i * aRow;
      const ci = c + <usize>i * ldcBytes;
      if (transB) {
        let row = ai;
        if (aCol != 4) {
          // transA: gather the row of op(A) so the dot products read it contiguously.
          for (let p = 0; p < k; p++) store<f32>(work + (<usize>p << 2), load<f32>(ai + <usize>p * aCol));
          row = work;
        }
        rowDotRows(n, k, alpha, row, b, bCol, beta, ci);
      } else {
        rowTimesMatrix(n, k, alpha, ai, aCol, b, bRow, beta, ci);
      }
    }
    return;
  }

  blockedProduct(m, n, k, alpha, a, aRow, aCol, b, bRow, bCol, 0, 0, 0, beta, c, ldcBytes, work);
}

// ---- fewer than MR rows: vector-matrix products without packing ----------------------------

/**
 * c[0..n) = alpha * sum_p x(p) * B[p, 0..n) + beta * c, with x(p) at x + p * xs and row p of B
 * at b + p * ldb (contiguous along n). Four rows of B per pass over c keep the loads and
 * stores of c to a quarter.
 */
function rowTimesMatrix(n: i32, k: i32, alpha: f32, x: usize, xs: usize, b: usize, ldb: usize, beta: f32, c: usize): void {
  scaleC(1, n, beta, c, 0);
  const n4 = n & ~3;
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const s0 = alpha * load<f32>(x), s1 = alpha * load<f32>(x + xs);
    const s2 = alpha * load<f32>(x + 2 * xs), s3 = alpha * load<f32>(x + 3 * xs);
    const v0 = f32x4.splat(s0), v1 = f32x4.splat(s1), v2 = f32x4.splat(s2), v3 = f32x4.splat(s3);
    const b1 = b + ldb, b2 = b + 2 * ldb, b3 = b + 3 * ldb;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let acc = v128.load(c + o);
      acc = madd(v0, v128.load(b + o), acc);
      acc = madd(v1, v128.load(b1 + o), acc);
      acc = madd(v2, v128.load(b2 + o), acc);
      acc = madd(v3, v128.load(b3 + o), acc);
      v128.store(c + o, acc);
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(c + o, load<f32>(c + o) + s0 * load<f32>(b + o) + s1 * load<f32>(b1 + o)
        + s2 * load<f32>(b2 + o) + s3 * load<f32>(b3 + o));
    }
    x += 4 * xs;
    b += 4 * ldb;
  }
  for (; p < k; p++) {
    const s = alpha * load<f32>(x);
    const v = f32x4.splat(s);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(c + o, madd(v, v128.load(b + o), v128.load(c + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(c + o, load<f32>(c + o) + s * load<f32>(b + o));
    }
    x += xs;
    b += ldb;
  }
}

/**
 * c[j] = alpha * dot(x[0..k), row j of B) + beta * c[j] for j < n, with x contiguous and row j
 * at b + j * ldb (contiguous along k): four rows at a time, two accumulators each.
 */
function rowDotRows(n: i32, k: i32, alpha: f32, x: usize, b: usize, ldb: usize, beta: f32, c: usize): void {
  const k8 = k & ~7;
  const k4 = k & ~3;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r0 = b + <usize>j * ldb, r1 = r0 + ldb, r2 = r1 + ldb, r3 = r2 + ldb;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let e0 = f32x4.splat(0), e1 = f32x4.splat(0), e2 = f32x4.splat(0), e3 = f32x4.splat(0);
    let p = 0;
    for (; p < k8; p += 8) {
      const o = <usize>p << 2;
      const xv = v128.load(x + o), xw = v128.load(x + o, 16);
      a0 = madd(xv, v128.load(r0 + o), a0);
      e0 = madd(xw, v128.load(r0 + o, 16), e0);
      a1 = madd(xv, v128.load(r1 + o), a1);
      e1 = madd(xw, v128.load(r1 + o, 16), e1);
      a2 = madd(xv, v128.load(r2 + o), a2);
      e2 = madd(xw, v128.load(r2 + o, 16), e2);
      a3 = madd(xv, v128.load(r3 + o), a3);
      e3 = madd(xw, v128.load(r3 + o, 16), e3);
    }
    if (p < k4) {
      const o = <usize>p << 2;
      const xv = v128.load(x + o);
      a0 = madd(xv, v128.load(r0 + o), a0);
      a1 = madd(xv, v128.load(r1 + o), a1);
      a2 = madd(xv, v128.load(r2 + o), a2);
      a3 = madd(xv, v128.load(r3 + o), a3);
      p += 4;
    }
    let d0 = hsum(f32x4.add(a0, e0)), d1 = hsum(f32x4.add(a1, e1));
    let d2 = hsum(f32x4.add(a2, e2)), d3 = hsum(f32x4.add(a3, e3));
    for (; p < k; p++) {
      const o = <usize>p << 2;
      const xp = load<f32>(x + o);
      d0 += xp * load<f32>(r0 + o);
      d1 += xp * load<f32>(r1 + o);
      d2 += xp * load<f32>(r2 + o);
      d3 += xp * load<f32>(r3 + o);
    }
    const cj = c + (<usize>j << 2);
    updateC(cj, alpha * d0, beta);
    updateC(cj + 4, alpha * d1, beta);
    updateC(cj + 8, alpha * d2, beta);
    updateC(cj + 12, alpha * d3, beta);
  }
  for (; j < n; j++) {
    const r = b + <usize>j * ldb;
    let acc = f32x4.splat(0);
    let p = 0;
    for (; p < k4; p += 4) acc = madd(v128.load(x + (<usize>p << 2)), v128.load(r + (<usize>p << 2)), acc);
    let d = hsum(acc);
    for (; p < k; p++) d += load<f32>(x + (<usize>p << 2)) * load<f32>(r + (<usize>p << 2));
    updateC(c + (<usize>j << 2), alpha * d, beta);
  }
}

