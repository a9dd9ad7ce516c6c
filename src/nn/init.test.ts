import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  calculateGain, constant, fanInOut, kaimingNormal, kaimingUniform, normal, ones, orthogonal, pytorchDefault, uniform,
  xavierNormal, xavierUniform, zeros,
} from './init.js';

function moments(t: Tensor): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of t.data) { s += v; min = Math.min(min, v); max = Math.max(max, v); }
  const mean = s / t.size;
  let q = 0;
  for (const v of t.data) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / t.size), min, max };
}

/** Checks a uniform U(-b, b) fill: inside the bounds, reaching near both, std b / sqrt(3). */
function assertUniform(t: Tensor, b: number, label: string): void {
  const m = moments(t);
  assert.ok(m.min >= -b && m.max <= b, `${label}: values in [${m.min}, ${m.max}] outside ±${b}`);
  assert.ok(m.min < -0.99 * b && m.max > 0.99 * b, `${label}: values in [${m.min}, ${m.max}] do not fill ±${b}`);
  const std = b / Math.sqrt(3);
  assert.ok(Math.abs(m.mean) < 5 * std / Math.sqrt(t.size), `${label}: mean ${m.mean}`);
  assert.ok(Math.abs(m.std / std - 1) < 0.03, `${label}: std ${m.std}, expected ${std}`);
}

function assertNormal(t: Tensor, mean: number, std: number, label: string): void {
  const m = moments(t);
  assert.ok(Math.abs(m.mean - mean) < 5 * std / Math.sqrt(t.size), `${label}: mean ${m.mean}, expected ${mean}`);
  assert.ok(Math.abs(m.std / std - 1) < 0.03, `${label}: std ${m.std}, expected ${std}`);
}

test('uniform and normal: bounds and moments', () => {
  const rng = new Rng(1);
  const u = uniform(Tensor.zeros([20000]), rng, 2, 5);
  const mu = moments(u);
  assert.ok(mu.min >= 2 && mu.max <= 5);
  assert.ok(Math.abs(mu.mean - 3.5) < 0.03, `mean ${mu.mean}`);
  assert.ok(Math.abs(mu.std - 3 / Math.sqrt(12)) < 0.02, `std ${mu.std}`);
  assertNormal(normal(Tensor.zeros([20000]), rng, -1, 0.5), -1, 0.5, 'normal');
  assert.throws(() => uniform(Tensor.zeros([2]), rng, 1, 0), /uniform: lo must be <= hi, got lo = 1, hi = 0/);
  assert.throws(() => normal(Tensor.zeros([2]), rng, 0, -1), /normal: std must be >= 0, got -1/);
});

test('constant, zeros, ones', () => {
  assert.deepEqual(constant(Tensor.zeros([3]), 2.5).toArray(), [2.5, 2.5, 2.5]);
  assert.deepEqual(ones(Tensor.zeros([2])).toArray(), [1, 1]);
  assert.deepEqual(zeros(Tensor.full([2], 7)).toArray(), [0, 0]);
});

test('pytorchDefault: U(±1/sqrt(fanIn))', () => {
  assertUniform(pytorchDefault(Tensor.zeros([100, 200]), new Rng(2), 64), 1 / 8, 'pytorchDefault');
  assert.throws(() => pytorchDefault(Tensor.zeros([2]), new Rng(0), 0), /pytorchDefault: fanIn must be a positive integer, got 0/);
});

test('fanInOut follows _calculate_fan_in_and_fan_out', () => {
  assert.deepEqual(fanInOut([3, 4]), { fanIn: 4, fanOut: 3 });
  assert.deepEqual(fanInOut([8, 4, 3, 5]), { fanIn: 60, fanOut: 120 });
  assert.throws(() => fanInOut([5]), /fanInOut: .*at least 2 dimensions, got \[5\]/);
});

test('calculateGain matches torch.nn.init.calculate_gain', () => {
  assert.equal(calculateGain('linear'), 1);
  assert.equal(calculateGain('sigmoid'), 1);
  assert.equal(calculateGain('conv2d'), 1);
  assert.equal(calculateGain('tanh'), 5 / 3);
  assert.equal(calculateGain('relu'), Math.sqrt(2));
  assert.equal(calculateGain('selu'), 0.75);
  assert.equal(calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.throws(() => calculateGain('gelu' as never), /calculateGain: unsupported nonlinearity 'gelu'/);
});

test('xavier: bounds and std from fans and gain', () => {
  const shape = [300, 100];
  const b = 2 * Math.sqrt(6 / 400);
  assertUniform(xavierUniform(Tensor.zeros(shape), new Rng(3), 2), b, 'xavierUniform');
  assertNormal(xavierNormal(Tensor.zeros(shape), new Rng(4)), 0, Math.sqrt(2 / 400), 'xavierNormal');
});

test('kaiming: default leaky_relu a = 0 gain, modes, and nn.Linear identity', () => {
  const shape = [200, 150];
  assertUniform(kaimingUniform(Tensor.zeros(shape), new Rng(5)), Math.sqrt(6 / 150), 'kaimingUniform fanIn');
  assertUniform(kaimingUniform(Tensor.zeros(shape), new Rng(5), { mode: 'fanOut' }), Math.sqrt(6 / 200), 'kaimingUniform fanOut');
  // nn.Linear's kaiming_uniform_(a = sqrt(5)) is U(±1/sqrt(fanIn)).
  assertUniform(kaimingUniform(Tensor.zeros(shape), new Rng(6), { a: Math.sqrt(5) }), 1 / Math.sqrt(150), 'kaiming a=sqrt(5)');
  assertNormal(kaimingNormal(Tensor.zeros(shape), new Rng(7), { nonlinearity: 'tanh' }), 0, (5 / 3) / Math.sqrt(150), 'kaimingNormal');
  assert.throws(() => kaimingNormal(Tensor.zeros(shape), new Rng(7), { mode: 'fan_in' as never }), /kaimingNormal: mode must be 'fanIn' or 'fanOut', got 'fan_in'/);
});

/** Max |A A^T - gain^2 I| over rows (or A^T A over columns when `columns`). */
function orthoError(t: Tensor, rows: number, cols: number, gain: number, columns: boolean): number {
  const n = columns ? cols : rows;
  const k = columns ? rows : cols;
  const at = (i: number, j: number): number => (columns ? t.data[j * cols + i]! : t.data[i * cols + j]!);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let l = 0; l < k; l++) dot += at(i, l) * at(j, l);
      worst = Math.max(worst, Math.abs(dot - (i === j ? gain * gain : 0)));
    }
  }
  return worst;
}

test('orthogonal: W W^T = I for rows <= cols, W^T W = I for rows > cols, gain', () => {
  for (const [shape, gain] of [[[6, 6], 1], [[5, 8], 1], [[8, 5], 1], [[17, 3], 2], [[4, 3, 2], 1.5], [[1, 7], 1], [[7, 1], 1]] as const) {
    const t = orthogonal(Tensor.zeros(shape), new Rng(8), gain);
    const rows = shape[0];
    const cols = t.size / rows;
    const err = orthoError(t, rows, cols, gain, rows > cols);
    assert.ok(err < 1e-5, `orthogonal ${JSON.stringify(shape)}: deviation ${err}`);
  }
  assert.throws(() => orthogonal(Tensor.zeros([4]), new Rng(0)), /orthogonal: the tensor must have at least 2 dimensions, got \[4\]/);
});

test('orthogonal: sign correction makes the distribution uniform (no bias of the diagonal)', () => {
  // Without folding sign(diag R) into Q, Householder QR gives a Q whose diagonal is biased.
  let diag = 0;
  const trials = 400;
  for (let s = 0; s < trials; s++) {
    const t = orthogonal(Tensor.zeros([3, 3]), new Rng(100 + s));
    diag += t.data[0]! + t.data[4]! + t.data[8]!;
  }
  assert.ok(Math.abs(diag / trials) < 0.25, `mean trace ${diag / trials} (a Haar orthogonal 3x3 has mean trace 0)`);
});

test('initialisers are deterministic for a seed and differ across seeds', () => {
  const inits = [
    (t: Tensor, r: Rng) => uniform(t, r, -1, 1), (t: Tensor, r: Rng) => normal(t, r), (t: Tensor, r: Rng) => xavierUniform(t, r),
    (t: Tensor, r: Rng) => kaimingNormal(t, r), (t: Tensor, r: Rng) => orthogonal(t, r), (t: Tensor, r: Rng) => pytorchDefault(t, r, 3),
  ];
  for (const init of inits) {
    const a = init(Tensor.zeros([4, 6]), new Rng(42)).toArray();
    const b = init(Tensor.zeros([4, 6]), new Rng(42)).toArray();
    const c = init(Tensor.zeros([4, 6]), new Rng(43)).toArray();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  }
});
