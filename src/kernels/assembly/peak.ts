// The machine's ceiling for wasm SIMD arithmetic, for the benchmark table (not a kernel any
// layer calls): independent chains of f32x4 multiply-adds on registers, no memory traffic, so
// the only limit is how many 128-bit multiply-adds the core retires per cycle. A GEMM or a
// recurrent step cannot run faster than this per thread, whatever its tiling.

import { madd } from './simd';

/**
 * Runs `iterations` rounds of 12 independent multiply-add chains (acc = acc * m + c, 8 FLOPs
 * per chain and round) seeded from the 3 vectors at `p`, and stores their sum at `p` so the
 * work cannot be optimised away. Twelve chains cover the latency of a multiply followed by an
 * add (the plain build) at two per cycle; the relaxed build's fused multiply-add needs fewer.
 */
export function multiplyAddPeak(iterations: i32, p: usize): void {
  const m = v128.load(p, 16);
  const c = v128.load(p, 32);
  let a0 = v128.load(p);
  let a1 = f32x4.add(a0, c), a2 = f32x4.add(a1, c), a3 = f32x4.add(a2, c);
  let a4 = f32x4.add(a3, c), a5 = f32x4.add(a4, c), a6 = f32x4.add(a5, c), a7 = f32x4.add(a6, c);
  let a8 = f32x4.add(a7, c), a9 = f32x4.add(a8, c), a10 = f32x4.add(a9, c), a11 = f32x4.add(a10, c);
  for (let i = 0; i < iterations; i++) {
    a0 = madd(a0, m, c); a1 = madd(a1, m, c); a2 = madd(a2, m, c); a3 = madd(a3, m, c);
    a4 = madd(a4, m, c); a5 = madd(a5, m, c); a6 = madd(a6, m, c); a7 = madd(a7, m, c);
    a8 = madd(a8, m, c); a9 = madd(a9, m, c); a10 = madd(a10, m, c); a11 = madd(a11, m, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  v128.store(p, f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))));
}
