// SIMD elementwise kernels and reductions (semantics: src/kernels/backend.ts). Each loop body
// is written once against ld/st with a lane count k: k = 4 in the main loop, 1..3 for the tail.
import { addWide, hsum64, ld, madd, st, vsigmoid, vtanh } from './simd';

export function fill(n: i32, value: f32, x: usize): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), value);
}

// @ts-ignore: decorator
@inline function axpyK(i: i32, k: i32, a: v128, x: usize, y: usize): void {
  const o = <usize>i << 2;
  st(y + o, madd(a, ld(x + o, k), ld(y + o, k)), k);
}
export function axpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) axpyK(i, 4, a, x, y);
  if (i < n) axpyK(i, n - i, a, x, y);
}

// @ts-ignore: decorator
@inline function scaleK(i: i32, k: i32, a: v128, x: usize): void {
  const o = <usize>i << 2;
  st(x + o, f32x4.mul(ld(x + o, k), a), k);
}
export function scale(n: i32, alpha: f32, x: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) scaleK(i, 4, a, x);
  if (i < n) scaleK(i, n - i, a, x);
}

// @ts-ignore: decorator
@inline function mulK(i: i32, k: i32, a: usize, b: usize, out: usize): void {
  const o = <usize>i << 2;
  st(out + o, f32x4.mul(ld(a + o, k), ld(b + o, k)), k);
}
export function mul(n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) mulK(i, 4, a, b, out);
  if (i < n) mulK(i, n - i, a, b, out);
}

// @ts-ignore: decorator
@inline function addK(i: i32, k: i32, a: usize, b: usize, out: usize): void {
  const o = <usize>i << 2;
  st(out + o, f32x4.add(ld(a + o, k), ld(b + o, k)), k);
}
export function add(n: i32, a: usize, b: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) addK(i, 4, a, b, out);
  if (i < n) addK(i, n - i, a, b, out);
}

// @ts-ignore: decorator
@inline function clampK(i: i32, k: i32, lo: v128, hi: v128, x: usize): void {
  const o = <usize>i << 2;
  // pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x keep NaN, like Math.min/max.
  st(x + o, f32x4.pmin(f32x4.pmax(ld(x + o, k), lo), hi), k);
}
export function clamp(n: i32, lo: f32, hi: f32, x: usize): void {
  const l = f32x4.splat(lo);
  const h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) clampK(i, 4, l, h, x);
  if (i < n) clampK(i, n - i, l, h, x);
}

export function addRowVector(rows: i32, cols: i32, bias: usize, x: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>r * <usize>cols << 2);
    let i = 0;
    for (; i + 4 <= cols; i += 4) addK(i, 4, row, bias, row);
    if (i < cols) addK(i, cols - i, row, bias, row);
  }
}

/**
 * out[c] += sum over r of x[r, c] for c < cols, row r of x at x + r * ld floats (ld >= cols:
 * threads take column ranges of a wider matrix). Walks down the rows 16 columns (one cache
 * line) at a time, accumulating in float64 so long columns keep the reference's accuracy.
 */
export function sumRows(rows: i32, cols: i32, x: usize, ld: i32, out: usize): void {
  const stride = <usize>ld << 2;
  let c = 0;
  for (; c + 16 <= cols; c += 16) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
    let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++) {
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 2, 3)));
      a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
      a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 2, 3)));
      a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2));
      a5 = f64x2.add(a5, f64x2.promote_low_f32x4(v128.shuffle<f32>(v2, v2, 2, 3, 2, 3)));
      a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3));
      a7 = f64x2.add(a7, f64x2.promote_low_f32x4(v128.shuffle<f32>(v3, v3, 2, 3, 2, 3)));
      p += stride;
    }
    const q = out + (<usize>c << 2);
    v128.store(q, f32x4.add(v128.load(q), narrow(a0, a1)));
    v128.store(q, f32x4.add(v128.load(q, 16), narrow(a2, a3)), 16);
    v128.store(q, f32x4.add(v128.load(q, 32), narrow(a4, a5)), 32);
    v128.store(q, f32x4.add(v128.load(q, 48), narrow(a6, a7)), 48);
  }
  for (; c < cols; c++) {
    let s: f64 = 0;
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++) {
      s += <f64>load<f32>(p);
      p += stride;
    }
    const q = out + (<usize>c << 2);
    store<f32>(q, <f32>(<f64>load<f32>(q) + s));
  }
}

/** Four floats from two f64x2 (lanes a0 a1 b0 b1). The add into out happens in f32 after rounding. */
// @ts-ignore: decorator
@inline function narrow(a: v128, b: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(a);
  const hi = f32x4.demote_f64x2_zero(b);
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

// Reductions: four f32x4 accumulators over blocks of 64 floats, each block folded into float64,
// so the float32 rounding error never grows with n.
const BLOCK = 64;

export function sum(n: i32, x: usize): f64 {
  let wide = f64x2.splat(0);
  let i = 0;
  for (; i + BLOCK <= n; i += BLOCK) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let j = 0; j < BLOCK; j += 16) {
      const p = x + (<usize>(i + j) << 2);
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
    }
    wide = addWide(addWide(addWide(addWide(wide, a0), a1), a2), a3);
  }
  for (; i + 4 <= n; i += 4) wide = addWide(wide, v128.load(x + (<usize>i << 2)));
  let s = hsum64(wide);
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

export function sumSquares(n: i32, x: usize): f64 {
  let wide = f64x2.splat(0);
  let i = 0;
  for (; i + BLOCK <= n; i += BLOCK) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (let j = 0; j < BLOCK; j += 16) {
      const p = x + (<usize>(i + j) << 2);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      a0 = madd(v0, v0, a0);
      a1 = madd(v1, v1, a1);
      a2 = madd(v2, v2, a2);
      a3 = madd(v3, v3, a3);
    }
    wide = addWide(addWide(addWide(addWide(wide, a0), a1), a2), a3);
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    wide = addWide(wide, f32x4.mul(v, v));
  }
  let s = hsum64(wide);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

// Activation codes: ACT_TANH 0, ACT_RELU 1, ACT_SIGMOID 2 (../wasm/kernel-abi.ts). They stay
// literals here: with the named constants asc no longer specialises each inlined loop by kind
// (it emits one loop that branches per vector).
// @ts-ignore: decorator
@inline export function actK(kind: i32, i: i32, k: i32, x: usize, y: usize): void {
  const o = <usize>i << 2;
  const v = ld(x + o, k);
  let r: v128;
  if (kind == 0) r = vtanh(v);
  else if (kind == 1) r = f32x4.pmax(f32x4.splat(0), v); // 0 < v ? v : 0, so NaN -> 0 like the reference
  else r = vsigmoid(v);
  st(y + o, r, k);
}
// @ts-ignore: decorator
@inline function actLoop(kind: i32, n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) actK(kind, i, 4, x, y);
  if (i < n) actK(kind, i, n - i, x, y);
}
export function activationForward(kind: i32, n: i32, x: usize, y: usize): void {
  if (kind == 0) actLoop(0, n, x, y);
  else if (kind == 1) actLoop(1, n, x, y);
  else actLoop(2, n, x, y);
}

// @ts-ignore: decorator
@inline export function actBackK(kind: i32, acc: i32, i: i32, k: i32, y: usize, dy: usize, dx: usize): void {
  const o = <usize>i << 2;
  const yv = ld(y + o, k);
  const d = ld(dy + o, k);
  const one = f32x4.splat(1);
  let g: v128;
  if (kind == 0) g = f32x4.mul(f32x4.sub(one, f32x4.mul(yv, yv)), d);
  else if (kind == 1) g = v128.and(d, f32x4.gt(yv, f32x4.splat(0)));
  else g = f32x4.mul(f32x4.mul(yv, f32x4.sub(one, yv)), d);
  if (acc) g = f32x4.add(ld(dx + o, k), g);
  st(dx + o, g, k);
}
// @ts-ignore: decorator
@inline function actBackLoop(kind: i32, acc: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) actBackK(kind, acc, i, 4, y, dy, dx);
  if (i < n) actBackK(kind, acc, i, n - i, y, dy, dx);
}
export function activationBackward(kind: i32, n: i32, y: usize, dy: usize, dx: usize, accumulate: i32): void {
  if (accumulate) {
    if (kind == 0) actBackLoop(0, 1, n, y, dy, dx);
    else if (kind == 1) actBackLoop(1, 1, n, y, dy, dx);
    else actBackLoop(2, 1, n, y, dy, dx);
  } else {
    if (kind == 0) actBackLoop(0, 0, n, y, dy, dx);
    else if (kind == 1) actBackLoop(1, 0, n, y, dy, dx);
    else actBackLoop(2, 0, n, y, dy, dx);
  }
}
