import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { drift, naive, seasonalNaive } from './baselines.js';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const Z95 = 1.959963984540054;

// y = 1, 3, 2, 5, 4 (T = 5).
const y = [1, 3, 2, 5, 4];

test('naive: last value; residuals are the differences; σ̂² = Σe² / (T - 1); σ_h = σ̂ √h', () => {
  const fit = naive.fit(y);
  assert.deepEqual([...fit.residuals].slice(1), [2, -1, 3, -1]);
  assert.ok(Number.isNaN(fit.fitted[0]!));
  near(fit.sigma, Math.sqrt(15 / 4)); // (4 + 1 + 9 + 1) / 4
  const f = fit.forecast(3, { levels: [0.95] });
  assert.deepEqual([...f.mean], [4, 4, 4]);
  for (let h = 1; h <= 3; h++) near(f.intervals[0]!.upper[h - 1]!, 4 + Z95 * Math.sqrt(15 / 4) * Math.sqrt(h));
});

test('seasonal naive: the last value of the same season; σ_h = σ̂ √(k + 1), k = floor((h - 1) / m)', () => {
  const fit = seasonalNaive(2).fit(y);
  // residuals y[t] - y[t-2]: 2 - 1, 5 - 3, 4 - 2 = 1, 2, 2; σ̂² = 9 / (5 - 2)
  assert.deepEqual([...fit.residuals].slice(2), [1, 2, 2]);
  near(fit.sigma, Math.sqrt(3));
  const f = fit.forecast(5);
  assert.deepEqual([...f.mean], [5, 4, 5, 4, 5]);
  [1, 1, Math.SQRT2, Math.SQRT2, Math.sqrt(3)].forEach((k, i) => near(fit.forecastSd(5)[i]!, Math.sqrt(3) * k));
  assert.equal(f.intervals.length, 2); // 0.8 and 0.95 by default
  assert.throws(() => seasonalNaive(4).fit(y.slice(0, 4)), /seasonalNaive.fit: needs a history of at least 5 values, got 4/);
});

test('drift: slope (y_T - y_1) / (T - 1); σ̂² = Σe² / (T - 2); σ_h = σ̂ √(h (1 + h / (T - 1)))', () => {
  const fit = drift.fit(y);
  // slope 3/4; residuals (differences - 3/4): 1.25, -1.75, 2.25, -1.75; Σe² = 12.75
  assert.deepEqual([...fit.residuals].slice(1), [1.25, -1.75, 2.25, -1.75]);
  near(fit.sigma, Math.sqrt(12.75 / 3));
  const f = fit.forecast(2);
  assert.deepEqual([...f.mean], [4.75, 5.5]);
  near(fit.forecastSd(2)[1]!, Math.sqrt(4.25) * Math.sqrt(2 * (1 + 2 / 4)));
});

test('baselines reject bad input with the method name, what was expected and what came', () => {
  assert.throws(() => naive.fit([1]), /naive.fit: needs a history of at least 2 values, got 1/);
  assert.throws(() => drift.fit([1, NaN, 3]), /drift.fit: history\[1\] must be a finite number, got NaN/);
  assert.throws(() => seasonalNaive(0), /seasonalNaive: period must be a positive integer, got 0/);
  assert.throws(() => naive.fit(y).forecast(0), /naive.forecast: the horizon h must be a positive integer, got 0/);
});

// Coverage on the processes each method assumes: Gaussian random walks (with drift; seasonal).
function coverage(make: (rng: Rng) => { history: number[]; future: number[] }, method: typeof naive, h: number, level: number): number {
  const rng = new Rng(7);
  let inside = 0;
  const runs = 2000;
  for (let r = 0; r < runs; r++) {
    const { history, future } = make(rng);
    const iv = method.fit(history).forecast(h, { levels: [level] }).intervals[0]!;
    if (future[h - 1]! >= iv.lower[h - 1]! && future[h - 1]! <= iv.upper[h - 1]!) inside++;
  }
  return inside / runs;
}

function walk(rng: Rng, n: number, lag: number, step: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < n; t++) out.push((t >= lag ? out[t - lag]! : 10 * Math.sin(t)) + step + rng.normal());
  return out;
}

test('interval coverage on synthetic Gaussian walks is the nominal level within 3 points (2000 runs)', () => {
  const split = (series: number[], n: number) => ({ history: series.slice(0, n), future: series.slice(n) });
  const cases: Array<[string, number]> = [
    ['naive', coverage((rng) => split(walk(rng, 110, 1, 0), 100), naive, 6, 0.8)],
    ['seasonal naive', coverage((rng) => split(walk(rng, 110, 4, 0), 100), seasonalNaive(4), 7, 0.8)],
    ['drift', coverage((rng) => split(walk(rng, 60, 1, 0.5), 50), drift, 10, 0.95)],
  ];
  const nominal = [0.8, 0.8, 0.95];
  cases.forEach(([name, c], i) => assert.ok(Math.abs(c - nominal[i]!) < 0.03, `${name}: coverage ${c}, nominal ${nominal[i]}`));
});
