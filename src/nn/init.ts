/**
 * Weight initialisers with torch.nn.init's formulas (gains, fans, bounds). Each fills a tensor
 * in place from an explicit `Rng` and returns it; none draws from a global generator. The
 * numbers are not PyTorch's (the generators differ), only their distributions are.
 */
import type { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Shape, formatShape } from '../tensor/shape.js';

/** The nonlinearities `calculateGain` knows, spelled as in PyTorch. */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

function checkFinite(fn: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${fn}: ${name} must be a finite number, got ${String(v)}`);
}

/** Fills `t` with draws from U(lo, hi). */
export function uniform(t: Tensor, rng: Rng, lo = 0, hi = 1): Tensor {
  checkFinite('uniform', 'lo', lo);
  checkFinite('uniform', 'hi', hi);
  if (lo > hi) throw new Error(`uniform: lo must be <= hi, got lo = ${lo}, hi = ${hi}`);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.uniform(lo, hi);
  return t;
}

/** Fills `t` with draws from N(mean, std^2). */
export function normal(t: Tensor, rng: Rng, mean = 0, std = 1): Tensor {
  checkFinite('normal', 'mean', mean);
  checkFinite('normal', 'std', std);
  if (std < 0) throw new Error(`normal: std must be >= 0, got ${std}`);
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.normal(mean, std);
  return t;
}

/** Fills `t` with `value`. */
export function constant(t: Tensor, value: number): Tensor {
  if (typeof value !== 'number') throw new Error(`constant: value must be a number, got ${typeof value}`);
  t.data.fill(value);
  return t;
}

export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/**
 * PyTorch's default for recurrent layers and Linear: U(-k, k) with k = 1 / sqrt(fanIn).
 * nn.RNN/LSTM/GRU use fanIn = hidden size for every weight and bias; nn.Linear uses
 * fanIn = in features for both weight and bias.
 */
export function pytorchDefault(t: Tensor, rng: Rng, fanIn: number): Tensor {
  if (!(Number.isInteger(fanIn) && fanIn > 0)) throw new Error(`pytorchDefault: fanIn must be a positive integer, got ${fanIn}`);
  const k = 1 / Math.sqrt(fanIn);
  return uniform(t, rng, -k, k);
}

/**
 * torch.nn.init._calculate_fan_in_and_fan_out: for a weight [out, in, ...kernel],
 * fanIn = in * prod(kernel) and fanOut = out * prod(kernel). Needs at least 2 dimensions.
 */
export function fanInOut(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fanInOut: fan in and fan out need a shape of at least 2 dimensions, got ${formatShape(shape)}`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/**
 * torch.nn.init.calculate_gain: 1 for linear, convolutions and sigmoid; 5/3 for tanh;
 * sqrt(2) for relu; sqrt(2 / (1 + slope^2)) for leaky_relu (slope = `param`, default 0.01);
 * 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      checkFinite('calculateGain', 'negative slope', slope);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** Xavier/Glorot uniform: U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, rng: Rng, gain = 1): Tensor {
  const { fanIn, fanOut } = fanInOut(t.shape);
  const a = Math.sqrt(3) * gain * Math.sqrt(2 / (fanIn + fanOut));
  return uniform(t, rng, -a, a);
}

/** Xavier/Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, rng: Rng, gain = 1): Tensor {
  const { fanIn, fanOut } = fanInOut(t.shape);
  return normal(t, rng, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (used with 'leaky_relu'); default 0. */
  a?: number;
  /** 'fanIn' preserves the variance of the forward pass, 'fanOut' that of the backward pass. */
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leaky_relu' (with a = 0 that is relu's gain sqrt(2)). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(fn: string, t: Tensor, o: KaimingOptions): number {
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new Error(`${fn}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const { fanIn, fanOut } = fanInOut(t.shape);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  if (fan === 0) throw new Error(`${fn}: cannot initialise a tensor of shape ${formatShape(t.shape)} (its ${mode} is 0)`);
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** Kaiming/He uniform: U(-b, b), b = gain * sqrt(3 / fan). */
export function kaimingUniform(t: Tensor, rng: Rng, options: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd('kaimingUniform', t, options);
  return uniform(t, rng, -b, b);
}

/** Kaiming/He normal: N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal(t: Tensor, rng: Rng, options: KaimingOptions = {}): Tensor {
  return normal(t, rng, 0, kaimingStd('kaimingNormal', t, options));
}

/**
 * (Semi-)orthogonal matrix, torch.nn.init.orthogonal_: view `t` as [rows, cols] with
 * rows = shape[0]; draw a normal matrix, take Q of its QR factorisation (of the transpose when
 * rows < cols) with the signs of diag(R) folded into Q so that Q is uniformly distributed, and
 * scale by `gain`. Then W W^T = gain^2 I when rows <= cols and W^T W = gain^2 I otherwise.
 */
export function orthogonal(t: Tensor, rng: Rng, gain = 1): Tensor {
  if (t.shape.length < 2) throw new Error(`orthogonal: the tensor must have at least 2 dimensions, got ${formatShape(t.shape)}`);
  checkFinite('orthogonal', 'gain', gain);
  if (t.size === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.size / rows;
  const flat = new Float64Array(rows * cols);
  for (let i = 0; i < flat.length; i++) flat[i] = rng.normal();
  // Factorise a tall matrix A [m, n] (m >= n): A = flat, or flat^T when rows < cols.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const a = new Float64Array(m * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (rows >= cols) a[r * n + c] = flat[r * cols + c]!;
      else a[c * n + r] = flat[r * cols + c]!;
    }
  }
  const q = householderQ(a, m, n); // [m, n], columns signed so that diag(R) > 0
  const d = t.data;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) d[r * cols + c] = gain * (rows >= cols ? q[r * n + c]! : q[c * n + r]!);
  }
  return t;
}

/**
 * Q of the reduced QR factorisation of a [m, n] row-major (m >= n) by Householder
 * reflections, in float64, with column k multiplied by sign(R[k, k]) (0 counts as +).
 * `a` is overwritten.
 */
function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const signs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m - k);
    let norm2 = 0;
    for (let i = k; i < m; i++) {
      v[i - k] = a[i * n + k]!;
      norm2 += v[i - k]! * v[i - k]!;
    }
    const norm = Math.sqrt(norm2);
    const x0 = v[0]!;
    const alpha = x0 >= 0 ? -norm : norm; // R[k, k] after the reflection
    signs[k] = alpha < 0 ? -1 : 1;
    v[0] = x0 - alpha;
    let vnorm2 = 0;
    for (let i = 0; i < v.length; i++) vnorm2 += v[i]! * v[i]!;
    if (vnorm2 === 0) { vs.push(v); continue; } // column already zero below the diagonal: H = I
    const s = 1 / Math.sqrt(vnorm2);
    for (let i = 0; i < v.length; i++) v[i]! *= s;
    vs.push(v);
    // A[k:, k:] -= 2 v (v^T A[k:, k:])
    for (let c = k; c < n; c++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * a[i * n + c]!;
      for (let i = k; i < m; i++) a[i * n + c]! -= 2 * v[i - k]! * dot;
    }
  }
  // Q = H_0 H_1 ... H_{n-1} I[:, :n], applied from the last reflection to the first.
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k]! * q[i * n + c]!;
      if (dot === 0) continue;
      for (let i = k; i < m; i++) q[i * n + c]! -= 2 * v[i - k]! * dot;
    }
  }
  for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) q[i * n + c]! *= signs[c]!;
  return q;
}
