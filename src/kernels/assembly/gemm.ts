// WebAssembly SIMD GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, BLAS semantics.
// A GotoBLAS/BLIS-style loop nest around a 4x8 register tile (8 v128 accumulators), with A and B
// packed per call into the `work` area the caller provides (see gemmWorkspaceBytes); products
// with fewer than 4 rows skip packing and stream B (matrix-vector style). Not threaded, never
// allocates; argument checks happen in JavaScript (src/kernels/reference/gemm.ts).

import { hsum, madd } from './simd';

// Register tile: MR rows of C by NR columns (two v128 per row).
const MR: i32 = 4;
const NR: i32 = 8;
// Cache blocking (measured flat between KC 256..512 and MC 64..256 at the benchmark shapes).
// A KC x NR panel of packed B (8 KiB) stays in L1 while the MC x KC block of packed A
// (128 KiB) streams from L2, and the KC x NC block of packed B (up to 2 MiB) from L2/L3.
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;
// Scratch for one partial C tile (edges), at the start of the work area.
const TILE_BYTES: i32 = MR * NR * 4;

// @ts-ignore: decorator
@inline function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

// @ts-ignore: decorator
@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Depth of the K blocks: k split into equal blocks of at most KC (320 -> 160 + 160, not 256 + 64). */
// @ts-ignore: decorator
@inline function kBlock(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

/**
 * Bytes of scratch `gemm` needs at `work` (16-byte aligned) for these sizes, in floats:
 * - m >= 4: one 4 x 8 C tile + a packed roundUp(min(m, 128), 4) x kc block of A + a packed
 *   kc x roundUp(min(n, 2048), 8) block of B, with kc = min(k, 256) (K split evenly);
 *   at most (32 + 256 * (128 + 2048)) * 4 bytes, about 2.1 MiB.
 * - m < 4: nothing, except k floats (one row of A) when both transA and transB.
 */
export function gemmWorkspaceBytes(transA: i32, transB: i32, m: i32, n: i32, k: i32): i32 {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  if (m < MR) return transA && transB ? k << 2 : 0;
  const kc = kBlock(k);
  return TILE_BYTES + kc * (roundUp(imin(m, MC), MR) + roundUp(imin(n, NC), NR)) * 4;
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
    // Too few rows to pay for packing B: each row of C is a vector-matrix product.
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

  const tile = work;
  const kStep = kBlock(k);
  const packA = work + <usize>TILE_BYTES;
  const packB = packA + (<usize>(roundUp(imin(m, MC), MR) * kStep) << 2);

  for (let jc = 0; jc < n; jc += NC) {
    const nc = imin(NC, n - jc);
    for (let pc = 0; pc < k; pc += kStep) {
      const kc = imin(kStep, k - pc);
      const panelB = <usize>(kc * NR) << 2; // bytes of one packed B panel
      const panelA = <usize>(kc * MR) << 2;
      packBlock(packB, NR, b + <usize>pc * bRow + <usize>jc * bCol, bRow, bCol, kc, nc);
      // Later K blocks add to what the first one stored.
      const betaBlock: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = imin(MC, m - ic);
        packBlock(packA, MR, a + <usize>ic * aRow + <usize>pc * aCol, aCol, aRow, kc, mc);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packB + <usize>(jr / NR) * panelB;
          const cols = imin(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x8(packA + <usize>(ir / MR) * panelA, pb, kc, alpha, betaBlock,
              c + <usize>(ic + ir) * ldcBytes + (<usize>(jc + jr) << 2), ldcBytes, imin(MR, mc - ir), cols, tile);
          }
        }
      }
    }
  }
}

/**
 * The register tile: C[0..rows, 0..cols) = alpha * (packed A panel) x (packed B panel) + beta * C.
 * pa holds kc steps of MR floats, pb kc steps of NR floats (zero-padded past rows/cols).
 */
function kernel4x8(pa: usize, pb: usize, kc: i32, alpha: f32, beta: f32, c: usize, ldc: usize,
  rows: i32, cols: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += 16;
    pb += 32;
  }
  const va = f32x4.splat(alpha);
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, va, beta);
    storeRow(c + ldc, c10, c11, va, beta);
    storeRow(c + 2 * ldc, c20, c21, va, beta);
    storeRow(c + 3 * ldc, c30, c31, va, beta);
    return;
  }
  // Edge tile: spill alpha * acc to scratch, then update only the valid part of C.
  v128.store(tile, f32x4.mul(c00, va), 0);
  v128.store(tile, f32x4.mul(c01, va), 16);
  v128.store(tile, f32x4.mul(c10, va), 32);
  v128.store(tile, f32x4.mul(c11, va), 48);
  v128.store(tile, f32x4.mul(c20, va), 64);
  v128.store(tile, f32x4.mul(c21, va), 80);
  v128.store(tile, f32x4.mul(c30, va), 96);
  v128.store(tile, f32x4.mul(c31, va), 112);
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * ldc;
    const tr = tile + (<usize>(r * NR) << 2);
    for (let j = 0; j < cols; j++) {
      updateC(cr + (<usize>j << 2), load<f32>(tr + (<usize>j << 2)), beta);
    }
  }
}

/** C[0..8) of one row = alpha * (x0, x1) + beta * C, reading C only when beta != 0. */
// @ts-ignore: decorator
@inline function storeRow(cp: usize, x0: v128, x1: v128, va: v128, beta: f32): void {
  if (beta == 0) {
    v128.store(cp, f32x4.mul(x0, va));
    v128.store(cp, f32x4.mul(x1, va), 16);
  } else if (beta == 1) {
    v128.store(cp, madd(x0, va, v128.load(cp)));
    v128.store(cp, madd(x1, va, v128.load(cp, 16)), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(cp, madd(x0, va, f32x4.mul(v128.load(cp), vb)));
    v128.store(cp, madd(x1, va, f32x4.mul(v128.load(cp, 16), vb)), 16);
  }
}

/**
 * Packs a kc x width block (element (p, w) at src + p * sp + w * sw) into consecutive kc x W
 * panels (see packPanel). When the W values of a step are contiguous (sw = 4), 64 bytes of a
 * source row are copied per step so each cache line is read once: the rows are usually a
 * multiple of 4 KiB apart, so they all fall into one L1 set and a line is gone before the
 * next panel would come back for its other half.
 */
function packBlock(dst: usize, W: i32, src: usize, sp: usize, sw: usize, kc: i32, width: i32): void {
  const panelBytes = <usize>(kc * W) << 2;
  let q = 0;
  if (sw == 4) {
    const G = 16 / W; // panels per 64 bytes
    const rowBytes = <usize>W << 2;
    for (; q + G <= width / W; q += G) {
      let s = src + <usize>(q * W) * sw;
      let d = dst + <usize>q * panelBytes;
      for (let p = 0; p < kc; p++) {
        let dd = d;
        for (let g = 0; g < G; g++) {
          v128.store(dd, v128.load(s + <usize>g * rowBytes));
          if (W == 8) v128.store(dd, v128.load(s + <usize>g * rowBytes, 16), 16);
          dd += panelBytes;
        }
        s += sp;
        d += rowBytes;
      }
    }
  }
  for (; q * W < width; q++) {
    packPanel(dst + <usize>q * panelBytes, W, src + <usize>(q * W) * sw, sp, sw, kc, imin(W, width - q * W));
  }
}

/**
 * Packs a kc x W panel (W = 4 or 8) whose element (p, w) is at src + p * sp + w * sw into
 * dst[p * W + w], zero-filling columns w >= valid so the kernel never needs an edge case.
 */
function packPanel(dst: usize, W: i32, src: usize, sp: usize, sw: usize, kc: i32, valid: i32): void {
  const dstStride = <usize>W << 2;
  for (let g = 0; g < W; g += 4) {
    let v = valid - g;
    if (v < 0) v = 0;
    if (v > 4) v = 4;
    packGroup(dst + (<usize>g << 2), dstStride, src + <usize>g * sw, sp, sw, kc, v);
  }
}

/** Four columns of packPanel; uses vector copies when the four are contiguous in either direction. */
function packGroup(dst: usize, ds: usize, src: usize, sp: usize, sw: usize, kc: i32, valid: i32): void {
  if (valid == 4 && sw == 4) {
    // The four values of a step are contiguous: one vector per step.
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load(src));
      dst += ds;
      src += sp;
    }
    return;
  }
  let p = 0;
  if (valid == 4 && sp == 4) {
    // Each column is contiguous along p: load 4 x 4 and transpose.
    const s1 = src + sw, s2 = src + 2 * sw, s3 = src + 3 * sw;
    for (; p + 4 <= kc; p += 4) {
      const off = <usize>p << 2;
      const r0 = v128.load(src + off), r1 = v128.load(s1 + off);
      const r2 = v128.load(s2 + off), r3 = v128.load(s3 + off);
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      v128.store(dst, i64x2.shuffle(t0, t2, 0, 2));
      v128.store(dst + ds, i64x2.shuffle(t0, t2, 1, 3));
      v128.store(dst + 2 * ds, i64x2.shuffle(t1, t3, 0, 2));
      v128.store(dst + 3 * ds, i64x2.shuffle(t1, t3, 1, 3));
      dst += 4 * ds;
    }
    src += <usize>p * sp;
  }
  for (; p < kc; p++) {
    for (let w = 0; w < 4; w++) {
      store<f32>(dst + (<usize>w << 2), w < valid ? load<f32>(src + <usize>w * sw) : 0);
    }
    dst += ds;
    src += sp;
  }
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

/** *cp = t + beta * *cp, without reading *cp when beta = 0. */
// @ts-ignore: decorator
@inline function updateC(cp: usize, t: f32, beta: f32): void {
  store<f32>(cp, beta == 0 ? t : t + beta * load<f32>(cp));
}

/** C = beta * C (zeros when beta = 0, without reading C). */
function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: usize): void {
  if (beta == 1) return;
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc;
    if (beta == 0) {
      memory.fill(row, 0, <usize>n << 2);
      continue;
    }
    for (let j = 0; j < n; j++) {
      const cp = row + (<usize>j << 2);
      store<f32>(cp, beta * load<f32>(cp));
    }
  }
}
