// The tiny vector vocabulary every kernel is written against (after candle's simd128.rs).
// RELAXED is a compile-time constant set by the build (`--use RELAXED=0|1`): the relaxed
// build fuses multiply-add, the plain build must contain no relaxed-SIMD opcode at all.

// @ts-ignore: provided by `asc --use RELAXED=...`
declare const RELAXED: i32;

/** a * b + c, fused in the relaxed build (last-bit differences between CPUs are allowed). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c - a * b */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** Horizontal sum of four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Export for tests: 1 in the relaxed build, 0 in the plain one. */
export function isRelaxed(): i32 {
  return RELAXED;
}
