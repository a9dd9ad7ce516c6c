// Building blocks of the SIMD GEMMs (gemm.ts, gemm-packed.ts): the 4x8 register tile, packing
// of A and B into the panels it reads, and the GotoBLAS/BLIS-style loop nest around it. Every
// product of at least MR rows runs through `blockedProduct`, so a GEMM on pre-packed B and one
// that packs B itself compute each element of C in the same order (bit-identical results).
// Never allocates; scratch comes from the caller's `work` area.

import { madd } from './simd';

// Register tile: MR rows of C by NR columns (two v128 per row).
export const MR: i32 = 4;
export const NR: i32 = 8;
// Cache blocking (measured flat between KC 256..512 and MC 64..128 at the benchmark shapes).
// A KC x NR panel of packed B (8 KiB) stays in L1 while the MC x KC block of packed A
// (256 KiB: A is packed broadcast, 4x) streams from L2, and the KC x NC block of packed B
// (up to 2 MiB) from L2/L3.
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 2048;
// Scratch for one partial C tile (edges), at the start of the work area.
export const TILE_BYTES: i32 = MR * NR * 4;

// @ts-ignore: decorator
@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

// @ts-ignore: decorator
@inline export function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

/** Depth of the K blocks: k split into equal blocks of at most KC (320 -> 160 + 160, not 256 + 64). */
// @ts-ignore: decorator
@inline export function kBlock(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

/**
 * C = alpha * op(A) * op(B) + beta * C for m >= 1 rows through the register tile, with
 * op(A)(i, p) at a + i * aRow + p * aCol. B comes either packed here per block from
 * op(B)(p, j) at b + p * bRow + j * bCol (when `packed` is 0), or from a whole pre-packed op(B)
 * (`gemmPackB` layout, `np` = its column count rounded up to NR) whose columns start at `j0`
 * (a multiple of NR). Either way each element of C sees the same products in the same order,
 * and the K blocks depend only on k: splitting C by rows (at multiples of MR) or columns (at
 * multiples of NR) between calls leaves every element bit-identical.
 * Scratch at `work`: one C tile, then packed A, then (when packing here) packed B.
 */
export function blockedProduct(m: i32, n: i32, k: i32, alpha: f32, a: usize, aRow: usize, aCol: usize,
  b: usize, bRow: usize, bCol: usize, packed: usize, np: i32, j0: i32, beta: f32, c: usize, ldcBytes: usize, work: usize): void {
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
      let blockB = workB;
      if (packed) blockB = packed + (<usize>(pc * np) << 2) + <usize>((j0 + jc) / NR) * panelB;
      else packB(workB, b + <usize>pc * bRow + <usize>jc * bCol, bRow, bCol, kc, nc);
      // Later K blocks add to what the first one stored.
      const betaBlock: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = imin(MC, m - ic);
        packA(workA, a + <usize>ic * aRow + <usize>pc * aCol, aRow, aCol, kc, mc);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = blockB + <usize>(jr / NR) * panelB;
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
export function kernel4x8(pa: usize, pb: usize, kc: i32, alpha: f32, beta: f32, c: usize, ldc: usize,
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
@inline export function storeRow(cp: usize, x0: v128, x1: v128, va: v128, beta: f32): void {
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
export function packA(dst: usize, src: usize, si: usize, sp: usize, kc: i32, rows: i32): void {
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
export function packB(dst: usize, src: usize, sp: usize, sj: usize, kc: i32, width: i32): void {
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
export function packGroup(dst: usize, ds: usize, src: usize, sp: usize, sw: usize, kc: i32, valid: i32): void {
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

/** *cp = t + beta * *cp, without reading *cp when beta = 0. */
// @ts-ignore: decorator
@inline export function updateC(cp: usize, t: f32, beta: f32): void {
  store<f32>(cp, beta == 0 ? t : t + beta * load<f32>(cp));
}

/** C = beta * C (zeros when beta = 0, without reading C). */
export function scaleC(m: i32, n: i32, beta: f32, c: usize, ldc: usize): void {
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
