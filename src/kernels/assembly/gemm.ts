// WebAssembly SIMD GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, BLAS semantics.
// A GotoBLAS/BLIS-style loop nest around a 4x8 register tile (8 v128 accumulators), with A and B
// packed per call into the `work` area the caller provides (see gemmWorkspaceBytes); products
// with fewer than 4 rows skip packing and stream B (matrix-vector style). Not threaded, never
// allocates; argument checks happen in JavaScript (src/kernels/reference/gemm.ts).

import { hsum, madd } from './simd';

// Register tile: MR rows of C by NR columns (two v128 per row).
const MR: i32 = 4;
const NR: i32 = 8;
// Cache blocking (measured flat between KC 256..512 and MC 64..128 at the benchmark shapes).
// A KC x NR panel of packed B (8 KiB) stays in L1 while the MC x KC block of packed A
// (256 KiB: A is packed broadcast, 4x) streams from L2, and the KC x NC block of packed B
// (up to 2 MiB) from L2/L3.
const KC: i32 = 256;
const MC: i32 = 64;
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

  const tile = work;
  const kStep = kBlock(k);
  const workA = work + <usize>TILE_BYTES;
  const workB = workA + (<usize>(roundUp(imin(m, MC), MR) * kStep) << 4);

  for (let jc = 0; jc < n; jc += NC) {
    const nc = imin(NC, n - jc);
    for (let pc = 0; pc < k; pc += kStep) {
      const kc = imin(kStep, k - pc);
      const panelB = <usize>(kc * NR) << 2; // bytes of one packed B panel
      const panelA = <usize>(kc * MR) << 4;
      packB(workB, b + <usize>pc * bRow + <usize>jc * bCol, bRow, bCol, kc, nc);
      // Later K blocks add to what the first one stored.
      const betaBlock: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = imin(MC, m - ic);
        packA(workA, a + <usize>ic * aRow + <usize>pc * aCol, aRow, aCol, kc, mc);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = workB + <usize>(jr / NR) * panelB;
          const cols = imin(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x8(workA + <usize>(ir / MR) * panelA, pb, kc, alpha, betaBlock,
              c + <usize>(ic + ir) * ldcBytes + (<usize>(jc + jr) << 2), ldcBytes, imin(MR, mc - ir), cols, tile);
          }
        }
      }
    }
  }
}

/**
 * The register tile: C[0..rows, 0..cols) = alpha * (packed A panel) x (packed B panel) + beta * C.
 * pa holds kc steps of MR broadcast vectors, pb kc steps of NR floats (zero past rows/cols).
 */
function kernel4x8(pa: usize, pb: usize, kc: i32, alpha: f32, beta: f32, c: usize, ldc: usize,
  rows: i32, cols: i32, tile: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // 8 accumulators + 2 B vectors + 1 A vector fit the 16 xmm registers V8 allocates on x64.
  // Unrolling this loop by 2 measured 1.5-2x slower (spills); so did larger tiles.
  const end = pb + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load(pa, 16);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load(pa, 32);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load(pa, 48);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += 64;
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
 * Packs `rows` rows of op(A) (element (i, p) at src + i * si + p * sp) into panels of MR rows:
 * kc steps of MR vectors, each holding one value four times, zero past `rows`. Broadcasting
 * here rather than in the tile saves V8 an address computation per load there (plain SIMD
 * build 39 -> 45 GFLOP/s at 32x512x1024), for 4x the packed size of A.
 */
function packA(dst: usize, src: usize, si: usize, sp: usize, kc: i32, rows: i32): void {
  for (let q = 0; q < rows; q += MR) {
    const valid = imin(MR, rows - q);
    let s = src + <usize>q * si;
    if (valid == MR) {
      const s1 = si, s2 = si << 1, s3 = si * 3;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load32_splat(s));
        v128.store(dst, v128.load32_splat(s + s1), 16);
        v128.store(dst, v128.load32_splat(s + s2), 32);
        v128.store(dst, v128.load32_splat(s + s3), 48);
        s += sp;
        dst += 64;
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      // Rows past the matrix are never read (they may lie past the end of memory).
      for (let r = 0; r < MR; r++) {
        let v = f32x4.splat(0);
        if (r < valid) v = v128.load32_splat(s + <usize>r * si);
        v128.store(dst + (<usize>r << 4), v);
      }
      s += sp;
      dst += 64;
    }
  }
}

/**
 * Packs columns [0, width) of op(B) rows [0, kc) (element (p, j) at src + p * sp + j * sj) into
 * panels of NR columns: kc steps of NR floats, zero past `width`. When a row's values are
 * contiguous (sj = 4), two panels are filled per pass so each 64-byte line of B is read once:
 * the rows are often a multiple of 4 KiB apart, so they share one L1 set and a line is evicted
 * before a second pass would return for its other half (32x512x1024 NN: 33 -> 38 GFLOP/s).
 */
function packB(dst: usize, src: usize, sp: usize, sj: usize, kc: i32, width: i32): void {
  const panelBytes = <usize>(kc * NR) << 2;
  const full = width / NR;
  let q = 0;
  if (sj == 4) {
    for (; q + 2 <= full; q += 2) {
      let s = src + (<usize>(q * NR) << 2);
      let d = dst + <usize>q * panelBytes;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d + panelBytes, v128.load(s, 32));
        v128.store(d + panelBytes, v128.load(s, 48), 16);
        s += sp;
        d += 32;
      }
    }
  }
  for (; q * NR < width; q++) {
    const valid = imin(NR, width - q * NR);
    const d = dst + <usize>q * panelBytes;
    const s = src + <usize>(q * NR) * sj;
    packGroup(d, 32, s, sp, sj, kc, imin(valid, 4));
    packGroup(d + 16, 32, s + 4 * sj, sp, sj, kc, valid > 4 ? valid - 4 : 0);
  }
}

/**
 * Four columns of a B panel: dst[p * ds + w] = element (p, w) at src + p * sp + w * sw, zero for
 * w >= valid. Vector copies when the four are contiguous along w, 4x4 transposes along p.
 */
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
      let v: f32 = 0;
      if (w < valid) v = load<f32>(src + <usize>w * sw);
      store<f32>(dst + (<usize>w << 2), v);
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
