// GEMM on a pre-packed B: a recurrent layer multiplies by the same weight matrix at every time
// step, so it packs op(B) once per pass (`gemmPackB`) and runs `gemmPacked` T times, instead of
// re-packing 1 MiB of weights per step. Products of MR or more rows go through the same loop
// nest as `gemm` (bit-identical to it); fewer rows (batch 1..3: inference) stream the packed
// panels with a dedicated matrix-vector kernel. Both take a column range [j0, j0 + n) of the
// packed matrix, so threads can split C by columns.

import { madd } from './simd';
import { MC, MR, NR, TILE_BYTES, blockedProduct, imin, kBlock, packB, roundUp, scaleC, storeRow, updateC } from './gemm-blocks';

/**
 * Floats of op(B) [k, n] in packed form: for each K block of depth kc (as in gemm), the
 * roundUp(n, NR) / NR panels of kc x NR floats, zero past column n.
 */
export function gemmPackedFloats(k: i32, n: i32): i32 {
  return k * roundUp(n, NR);
}

/**
 * Packs columns [j0, j1) of op(B) (B stored [k, n] with row stride ldb, or [n, k] when transB)
 * into `dst`, laid out for the whole [k, n]: j0 must be a multiple of NR, and j1 one too or n.
 */
export function gemmPackB(transB: i32, k: i32, n: i32, b: usize, ldb: i32, dst: usize, j0: i32, j1: i32): void {
  if (k <= 0 || j1 <= j0) return;
  const bRow: usize = transB ? 4 : <usize>ldb << 2;
  const bCol: usize = transB ? <usize>ldb << 2 : 4;
  const kStep = kBlock(k);
  const np = roundUp(n, NR);
  for (let pc = 0; pc < k; pc += kStep) {
    const kc = imin(kStep, k - pc);
    const block = dst + (<usize>(pc * np) << 2) + <usize>(j0 / NR) * (<usize>(kc * NR) << 2);
    packB(block, b + <usize>pc * bRow + <usize>j0 * bCol, bRow, bCol, kc, j1 - j0);
  }
}

/** Bytes of scratch `gemmPacked` needs at `work` for m rows of depth k. */
export function gemmPackedWorkspaceBytes(transA: i32, m: i32, k: i32): i32 {
  if (m <= 0 || k <= 0) return 0;
  if (m < MR) return TILE_BYTES + (transA ? k << 2 : 0);
  return TILE_BYTES + (roundUp(imin(m, MC), MR) * kBlock(k) << 4);
}

/**
 * C[:, 0..n) = alpha * op(A) * P[:, j0..j0+n) + beta * C, where P is op(B) [k, nTotal] packed
 * by gemmPackB and j0 is a multiple of NR. `c` points at the first column to write.
 * beta = 0 never reads C; alpha = 0 or k = 0 never reads A or P.
 */
export function gemmPacked(transA: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  packed: usize, nTotal: i32, j0: i32, beta: f32, c: usize, ldc: i32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = <usize>ldc << 2;
  if (k <= 0 || alpha == 0) {
    scaleC(m, n, beta, c, ldcBytes);
    return;
  }
  const aRow: usize = transA ? 4 : <usize>lda << 2;
  const aCol: usize = transA ? <usize>lda << 2 : 4;
  const np = roundUp(nTotal, NR);
  if (m >= MR) {
    blockedProduct(m, n, k, alpha, a, aRow, aCol, 0, 0, 0, packed, np, j0, beta, c, ldcBytes, work);
    return;
  }
  const tile = work;
  const row = work + <usize>TILE_BYTES;
  const kStep = kBlock(k);
  for (let i = 0; i < m; i++) {
    let x = a + <usize>i * aRow;
    if (aCol != 4) {
      // transA: gather the row of op(A) so the kernel reads it contiguously.
      for (let p = 0; p < k; p++) store<f32>(row + (<usize>p << 2), load<f32>(x + <usize>p * aCol));
      x = row;
    }
    const ci = c + <usize>i * ldcBytes;
    for (let pc = 0; pc < k; pc += kStep) {
      const kc = imin(kStep, k - pc);
      const panelB = <usize>(kc * NR) << 2;
      const block = packed + (<usize>(pc * np) << 2) + <usize>(j0 / NR) * panelB;
      rowTimesPanels(n, kc, alpha, x + (<usize>pc << 2), block, panelB, pc == 0 ? beta : 1, ci, tile);
    }
  }
}

/**
 * One row of C times packed panels: c[0..n) = alpha * x[0..kc) . P + beta * c, where panel q
 * (columns 8q .. 8q+7) starts at p + q * panelB and holds kc steps of NR floats. Four panels at
 * a time (8 accumulators, like the 4x8 tile) so the adds do not wait on each other; each
 * element is one running sum over k in order, so the grouping never changes a result.
 * The k loop is unrolled by four with x read as one vector and broadcast by shuffles, and the
 * four panels addressed from one pointer: 1x1024x256 went from 25 to 11 us (21 -> 48 GFLOP/s,
 * plain SIMD build), the per-iteration address and loop overhead having cost more than the
 * arithmetic.
 */
function rowTimesPanels(n: i32, kc: i32, alpha: f32, x: usize, p: usize, panelB: usize, beta: f32, c: usize, tile: usize): void {
  const end = <usize>kc << 5;
  const end4 = <usize>(kc & ~3) << 5;
  const b1 = panelB, b2 = panelB << 1, b3 = panelB * 3;
  let j = 0;
  for (; j + 4 * NR <= n; j += 4 * NR) {
    const p0 = p + <usize>(j / NR) * panelB;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
    let xp = x;
    let q = p0;
    for (const q4 = p0 + end4; q < q4; q += 128) {
      const xq = v128.load(xp);
      let xv = v128.shuffle<f32>(xq, xq, 0, 0, 0, 0);
      a0 = madd(xv, v128.load(q), a0);
      a1 = madd(xv, v128.load(q, 16), a1);
      a2 = madd(xv, v128.load(q + b1), a2);
      a3 = madd(xv, v128.load(q + b1, 16), a3);
      a4 = madd(xv, v128.load(q + b2), a4);
      a5 = madd(xv, v128.load(q + b2, 16), a5);
      a6 = madd(xv, v128.load(q + b3), a6);
      a7 = madd(xv, v128.load(q + b3, 16), a7);
      xv = v128.shuffle<f32>(xq, xq, 1, 1, 1, 1);
      a0 = madd(xv, v128.load(q, 32), a0);
      a1 = madd(xv, v128.load(q, 48), a1);
      a2 = madd(xv, v128.load(q + b1, 32), a2);
      a3 = madd(xv, v128.load(q + b1, 48), a3);
      a4 = madd(xv, v128.load(q + b2, 32), a4);
      a5 = madd(xv, v128.load(q + b2, 48), a5);
      a6 = madd(xv, v128.load(q + b3, 32), a6);
      a7 = madd(xv, v128.load(q + b3, 48), a7);
      xv = v128.shuffle<f32>(xq, xq, 2, 2, 2, 2);
      a0 = madd(xv, v128.load(q, 64), a0);
      a1 = madd(xv, v128.load(q, 80), a1);
      a2 = madd(xv, v128.load(q + b1, 64), a2);
      a3 = madd(xv, v128.load(q + b1, 80), a3);
      a4 = madd(xv, v128.load(q + b2, 64), a4);
      a5 = madd(xv, v128.load(q + b2, 80), a5);
      a6 = madd(xv, v128.load(q + b3, 64), a6);
      a7 = madd(xv, v128.load(q + b3, 80), a7);
      xv = v128.shuffle<f32>(xq, xq, 3, 3, 3, 3);
      a0 = madd(xv, v128.load(q, 96), a0);
      a1 = madd(xv, v128.load(q, 112), a1);
      a2 = madd(xv, v128.load(q + b1, 96), a2);
      a3 = madd(xv, v128.load(q + b1, 112), a3);
      a4 = madd(xv, v128.load(q + b2, 96), a4);
      a5 = madd(xv, v128.load(q + b2, 112), a5);
      a6 = madd(xv, v128.load(q + b3, 96), a6);
      a7 = madd(xv, v128.load(q + b3, 112), a7);
      xp += 16;
    }
    // The sums leave through the tile scratch: with the last kc % 4 steps or the alpha/beta
    // branches of storeRow in this function, V8 compiled the loop above 1.7x slower (20 vs
    // 12 us), so those live in functions of their own that pick the sums up from the tile.
    v128.store(tile, a0); v128.store(tile, a1, 16); v128.store(tile, a2, 32); v128.store(tile, a3, 48);
    v128.store(tile, a4, 64); v128.store(tile, a5, 80); v128.store(tile, a6, 96); v128.store(tile, a7, 112);
    if (q < p0 + end) panelsTail(tile, xp, q, panelB, p0 + end);
    storeTileRow(c + (<usize>j << 2), tile, alpha, beta);
  }
  for (; j < n; j += NR) onePanel(n - j, x, p + <usize>(j / NR) * panelB, end, alpha, beta, c + (<usize>j << 2), tile);
}

/** The last kc % 4 steps of four panels (q up to qEnd), on the sums rowTimesPanels left in the tile. */
function panelsTail(tile: usize, xp: usize, q: usize, panelB: usize, qEnd: usize): void {
  let a0 = v128.load(tile), a1 = v128.load(tile, 16), a2 = v128.load(tile, 32), a3 = v128.load(tile, 48);
  let a4 = v128.load(tile, 64), a5 = v128.load(tile, 80), a6 = v128.load(tile, 96), a7 = v128.load(tile, 112);
  const b1 = panelB, b2 = panelB << 1, b3 = panelB * 3;
  for (; q < qEnd; q += 32) {
    const xv = v128.load32_splat(xp);
    a0 = madd(xv, v128.load(q), a0);
    a1 = madd(xv, v128.load(q, 16), a1);
    a2 = madd(xv, v128.load(q + b1), a2);
    a3 = madd(xv, v128.load(q + b1, 16), a3);
    a4 = madd(xv, v128.load(q + b2), a4);
    a5 = madd(xv, v128.load(q + b2, 16), a5);
    a6 = madd(xv, v128.load(q + b3), a6);
    a7 = madd(xv, v128.load(q + b3, 16), a7);
    xp += 4;
  }
  v128.store(tile, a0); v128.store(tile, a1, 16); v128.store(tile, a2, 32); v128.store(tile, a3, 48);
  v128.store(tile, a4, 64); v128.store(tile, a5, 80); v128.store(tile, a6, 96); v128.store(tile, a7, 112);
}

/**
 * c[0..min(cols, NR)) = alpha * x . panel + beta * c for one panel of `end` bytes (the columns
 * left over after the groups of four; the last panel may be partial).
 */
function onePanel(cols: i32, x: usize, p0: usize, end: usize, alpha: f32, beta: f32, cj: usize, tile: usize): void {
  const va = f32x4.splat(alpha);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let xp = x;
  for (let o: usize = 0; o < end; o += 32) {
    const xv = v128.load32_splat(xp);
    a0 = madd(xv, v128.load(p0 + o), a0);
    a1 = madd(xv, v128.load(p0 + o, 16), a1);
    xp += 4;
  }
  if (cols >= NR) {
    storeRow(cj, a0, a1, va, beta);
    return;
  }
  // The last, partial panel: only its first `cols` columns exist in C (as gemm's edge tiles).
  v128.store(tile, f32x4.mul(a0, va));
  v128.store(tile, f32x4.mul(a1, va), 16);
  for (let w = 0; w < cols; w++) updateC(cj + (<usize>w << 2), load<f32>(tile + (<usize>w << 2)), beta);
}

/** c[0..32) = alpha * tile[0..32) + beta * c: the four panels rowTimesPanels just summed. */
function storeTileRow(c: usize, tile: usize, alpha: f32, beta: f32): void {
  const va = f32x4.splat(alpha);
  for (let o: usize = 0; o < 128; o += 32) storeRow(c + o, v128.load(tile + o), v128.load(tile + o, 16), va, beta);
}
