// The tiny vector vocabulary every kernel is written against (after candle's simd128.rs).
// RELAXED is a compile-time constant set by the build (`--use RELAXED=0|1`): the relaxed
// build fuses multiply-add, the plain build must contain no relaxed-SIMD opcode at all.
// It must not be declared here: a file-level `declare const` would shadow the build's constant
// and turn into a wasm import that the backend never provides (uses carry `@ts-ignore` instead).

/** a * b + c, fused in the relaxed build (last-bit differences between CPUs are allowed). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  // @ts-ignore: compile-time constant from the build
  if (RELAXED) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c - a * b */
// @ts-ignore: decorator
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  // @ts-ignore: compile-time constant from the build
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
  // @ts-ignore: compile-time constant from the build
  return RELAXED;
}

// ---- partial vectors: one kernel body serves the main loop (k = 4) and the tail (k = 1..3) --

/** Loads k floats (k = 4: one full vector; 1..3: the tail, other lanes 0). */
// @ts-ignore: decorator
@inline export function ld(p: usize, k: i32): v128 {
  if (k >= 4) return v128.load(p);
  let v = v128.load32_zero(p);
  if (k > 1) v = v128.load_lane<f32>(p, v, 1, 4);
  if (k > 2) v = v128.load_lane<f32>(p, v, 2, 8);
  return v;
}

/** Stores the first k lanes of v (k = 4: the whole vector). */
// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, k: i32): void {
  if (k >= 4) { v128.store(p, v); return; }
  v128.store_lane<f32>(p, v, 0);
  if (k > 1) v128.store_lane<f32>(p, v, 1, 4);
  if (k > 2) v128.store_lane<f32>(p, v, 2, 8);
}

/** Adds the four f32 lanes of v into the two f64 lanes of acc (exact: promotion is lossless). */
// @ts-ignore: decorator
@inline export function addWide(acc: v128, v: v128): v128 {
  acc = f64x2.add(acc, f64x2.promote_low_f32x4(v));
  return f64x2.add(acc, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
}

/** Sum of the two f64 lanes. */
// @ts-ignore: decorator
@inline export function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// ---- transcendentals -------------------------------------------------------------------------
// Vector constants live in a table in memory (each splatted to four lanes) and are loaded where
// they are used: V8 rematerialises v128.const in every loop iteration, a load is cheaper.

const K = memory.data<f32>([
  1.0, 1.0, 1.0, 1.0, //                                        0  one
  -87.33654, -87.33654, -87.33654, -87.33654, //                1  exp: lowest input (2^-126)
  88.0, 88.0, 88.0, 88.0, //                                    2  exp: highest input
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, // 3 log2(e)
  12583039.0, 12583039.0, 12583039.0, 12583039.0, //            4  1.5 * 2^23 + 127: round and bias
  0.693359375, 0.693359375, 0.693359375, 0.693359375, //        5  ln 2, high part (exact products)
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // 6 ln 2, low part
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // 7  exp poly (Cephes expf)
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, // 8
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, // 9
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, // 10
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, // 11
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, // 12
  7.90531110763549805, 7.90531110763549805, 7.90531110763549805, 7.90531110763549805, // 13 tanh clamp
  -7.90531110763549805, -7.90531110763549805, -7.90531110763549805, -7.90531110763549805, // 14
  -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, // 15 tanh numerator a13
  2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13, // 16 a11
  -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, // 17 a9
  5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08, // 18 a7
  1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05, // 19 a5
  6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04, // 20 a3
  4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03, // 21 a1
  1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, // 22 denominator b6
  1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04, // 23 b4
  2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03, // 24 b2
  4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03, // 25 b0
  -0.0, -0.0, -0.0, -0.0, //                                    26 sign bit
], 16);

/** The i-th constant of the table, as a vector. */
// @ts-ignore: decorator
@inline export function kv(i: i32): v128 {
  return v128.load(K + (<usize>i << 4));
}

/**
 * e^x per lane (Cephes expf: range reduction by ln 2, degree-6 polynomial, 2^n by exponent
 * bits). Inputs are clamped to [-87.34, 88] so the result stays finite and normal; NaN stays NaN.
 * Measured max relative error against Math.exp on [-87, 88]: 1.2e-7 (both builds).
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  return expClamped(f32x4.pmax(f32x4.pmin(x, kv(2)), kv(1)));
}

/** e^x for x <= 0 (only the lower clamp). */
// @ts-ignore: decorator
@inline function vexpNonPositive(x: v128): v128 {
  return expClamped(f32x4.pmax(x, kv(1)));
}

// @ts-ignore: decorator
@inline function expClamped(x: v128): v128 {
  // t = x log2e + (1.5 * 2^23 + 127): the addition rounds x log2e to an integer n in the low
  // mantissa bits, already biased by 127, so (bits of t) << 23 is the float 2^n.
  const t = madd(x, kv(3), kv(4));
  const n = f32x4.sub(t, kv(4));
  let r = nmadd(n, kv(5), x);
  r = nmadd(n, kv(6), r);
  let p = madd(kv(7), r, kv(8));
  p = madd(p, r, kv(9));
  p = madd(p, r, kv(10));
  p = madd(p, r, kv(11));
  p = madd(p, r, kv(12));
  const y = madd(p, f32x4.mul(r, r), f32x4.add(r, kv(0)));
  return f32x4.mul(y, i32x4.shl(t, 23));
}

/**
 * tanh per lane: Eigen's odd/even rational approximation (degree 13 / 6) on x clamped to
 * [-7.9053, 7.9053], where it reaches +-1 in float32. Measured max absolute error
 * against Math.tanh over [-10, 10]: 3.6e-7 (plain build), 2.7e-7 (relaxed build); the relative
 * error near 0 stays below 2.9e-7.
 */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, kv(13)), kv(14));
  const x2 = f32x4.mul(x, x);
  let p = madd(kv(15), x2, kv(16));
  p = madd(p, x2, kv(17));
  p = madd(p, x2, kv(18));
  p = madd(p, x2, kv(19));
  p = madd(p, x2, kv(20));
  p = madd(p, x2, kv(21));
  p = f32x4.mul(p, x);
  let q = madd(kv(22), x2, kv(23));
  q = madd(q, x2, kv(24));
  q = madd(q, x2, kv(25));
  return f32x4.div(p, q);
}

/**
 * sigma(x) = 1 / (1 + e^-x) per lane without overflow: with e = e^-|x| (in (0, 1]),
 * sigma = 1 / (1 + e) for x >= 0 and e / (1 + e) otherwise, so small results keep their
 * relative accuracy down to about 1e-38. Measured max relative error against the float64
 * formula over [-87, 87]: 2.1e-7 (absolute: 9e-8).
 */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const e = vexpNonPositive(v128.or(x, kv(26))); // -|x|
  const s = f32x4.div(kv(0), f32x4.add(kv(0), e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, f32x4.splat(0)));
}
