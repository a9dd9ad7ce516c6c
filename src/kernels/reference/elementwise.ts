/**
 * Reference elementwise kernels and reductions: plain loops in JavaScript numbers, so they are
 * exact oracles for any precision (the gradient checks call them with Float64Array buffers).
 * Not here: the SIMD versions (`../assembly/elementwise.ts`).
 */
import type { Activation, F32 } from '../backend.js';

/** x[0..n) = value */
export function fill(n: number, value: number, x: F32): void {
  for (let i = 0; i < n; i++) x[i] = value;
}

/** y += alpha * x */
export function axpy(n: number, alpha: number, x: F32, y: F32): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

/** x *= alpha */
export function scale(n: number, alpha: number, x: F32): void {
  for (let i = 0; i < n; i++) x[i] *= alpha;
}

/** out = a * b (out may alias a or b) */
export function mul(n: number, a: F32, b: F32, out: F32): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}

/** out = a + b (out may alias a or b) */
export function add(n: number, a: F32, b: F32, out: F32): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** x = min(max(x, lo), hi) */
export function clamp(n: number, lo: number, hi: number, x: F32): void {
  for (let i = 0; i < n; i++) x[i] = Math.min(Math.max(x[i], lo), hi);
}

/** x[r, :] += bias; x: [rows, cols], bias: [cols] */
export function addRowVector(rows: number, cols: number, bias: F32, x: F32): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) x[row + c] += bias[c];
  }
}

/** out[c] += sum over r of x[r, c]; x: [rows, cols], out: [cols] */
export function sumRows(rows: number, cols: number, x: F32, out: F32): void {
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * cols + c];
    out[c] += s;
  }
}

/** sum of x[0..n), accumulated in float64 */
export function sum(n: number, x: F32): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s;
}

/** sum of x[i]^2 over [0, n), accumulated in float64 */
export function sumSquares(n: number, x: F32): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

/** Logistic function without overflow: exp is only taken of non-positive numbers. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** y = f(x); y may alias x */
export function activationForward(kind: Activation, n: number, x: F32, y: F32): void {
  switch (kind) {
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = sigmoid(x[i]);
      return;
  }
}

/**
 * dx (+)= f'(x) * dy, with f' written in terms of the forward output y:
 * tanh' = 1 - y^2, relu' = [y > 0], sigmoid' = y (1 - y).
 */
export function activationBackward(kind: Activation, n: number, y: F32, dy: F32, dx: F32, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    let g: number;
    if (kind === 'tanh') g = (1 - yi * yi) * dy[i];
    else if (kind === 'relu') g = yi > 0 ? dy[i] : 0;
    else g = yi * (1 - yi) * dy[i];
    dx[i] = accumulate ? dx[i] + g : g;
  }
}
