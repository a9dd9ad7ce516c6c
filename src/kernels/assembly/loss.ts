// SIMD softmax and fused softmax + cross-entropy, numerically stable: the row maximum is
// subtracted before exponentiating and the row sum is accumulated in float64.
import { addWide, hsum64, ld, st, vexp } from './simd';

/** Largest of x[0..cols). */
// @ts-ignore: decorator
@inline function rowMax(cols: i32, x: usize): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (cols >= 4) {
    let mv = v128.load(x);
    for (j = 4; j + 4 <= cols; j += 4) mv = f32x4.pmax(mv, v128.load(x + (<usize>j << 2)));
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; j < cols; j++) m = max(m, load<f32>(x + (<usize>j << 2)));
  return m;
}

/** y = exp(x - m) over one row; returns the sum of y (float64). y may alias x. */
// @ts-ignore: decorator
@inline function expRow(cols: i32, x: usize, y: usize, m: f32): f64 {
  const mv = f32x4.splat(m);
  let wide = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    const e = vexp(f32x4.sub(v128.load(x + o), mv));
    v128.store(y + o, e);
    wide = addWide(wide, e);
  }
  let s = hsum64(wide);
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    const e = vexp(f32x4.sub(ld(x + o, 1), mv));
    st(y + o, e, 1);
    s += <f64>f32x4.extract_lane(e, 0);
  }
  return s;
}

// @ts-ignore: decorator
@inline function scaleRow(cols: i32, y: usize, a: f32): void {
  const av = f32x4.splat(a);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    v128.store(y + o, f32x4.mul(v128.load(y + o), av));
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    store<f32>(y + o, load<f32>(y + o) * a);
  }
}

/** Returns -1, or the first row whose target is outside [0, classes) and not ignored (nothing written then). */
export function softmaxCrossEntropyForward(rows: i32, classes: i32, logits: usize, targets: usize, ignoreIndex: i32,
  probs: usize, losses: usize): i32 {
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(targets + (<usize>r << 2));
    if (t != ignoreIndex && <u32>t >= <u32>classes) return r;
  }
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const x = logits + <usize>r * rowBytes;
    const p = probs + <usize>r * rowBytes;
    const t = load<i32>(targets + (<usize>r << 2));
    const xt: f32 = t == ignoreIndex ? 0 : load<f32>(x + (<usize>t << 2)); // before probs may overwrite logits
    const m = rowMax(classes, x);
    const s = expRow(classes, x, p, m);
    scaleRow(classes, p, <f32>(1 / s));
    const loss: f64 = t == ignoreIndex ? 0 : Math.log(s) - (<f64>xt - <f64>m);
    store<f32>(losses + (<usize>r << 2), <f32>loss);
  }
  return -1;
}

export function softmaxCrossEntropyBackward(rows: i32, classes: i32, probs: usize, targets: usize, ignoreIndex: i32,
  rowScale: usize, dLogits: usize): void {
  const rowBytes = <usize>classes << 2;
  for (let r = 0; r < rows; r++) {
    const p = probs + <usize>r * rowBytes;
    const d = dLogits + <usize>r * rowBytes;
    const t = load<i32>(targets + (<usize>r << 2));
    if (t == ignoreIndex) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    const s = load<f32>(rowScale + (<usize>r << 2));
    const valid = <u32>t < <u32>classes;
    const pt: f32 = valid ? load<f32>(p + (<usize>t << 2)) : 0; // read before dLogits may overwrite probs
    const sv = f32x4.splat(s);
    let j = 0;
    for (; j + 4 <= classes; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.mul(v128.load(p + o), sv));
    }
    for (; j < classes; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, load<f32>(p + o) * s);
    }
    if (valid) store<f32>(d + (<usize>t << 2), s * (pt - 1));
  }
}

export function softmax(rows: i32, cols: i32, x: usize, y: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    const m = rowMax(cols, xr);
    const s = expRow(cols, xr, yr, m);
    scaleRow(cols, yr, <f32>(1 / s));
  }
}
