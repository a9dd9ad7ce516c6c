import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { HoltWintersSmoother, type HoltWintersParams, type HoltWintersSpec, type HoltWintersStates } from './holt-winters.js';
import { fitHoltWinters, freeParameterCount, selectHoltWinters } from './holt-winters-fit.js';

/** A series from the model itself: each observation is the one-step forecast plus noise. */
function generate(spec: HoltWintersSpec, params: HoltWintersParams, initial: HoltWintersStates, n: number, noise: number, rng: Rng): number[] {
  const smoother = new HoltWintersSmoother(spec, params, initial);
  return Array.from({ length: n }, () => {
    const y = smoother.forecast() + (noise > 0 ? rng.normal(0, noise) : 0);
    smoother.observe(y);
    return y;
  });
}

test('a noiseless series from the damped multiplicative model: sum of squares 0, states and phi recovered, forecasts exact', () => {
  const spec: HoltWintersSpec = { trend: 'damped', season: 'multiplicative', period: 4 };
  const truth = { alpha: 0.4, beta: 0.1, gamma: 0.2, phi: 0.9 };
  const initial = { level: 100, trend: 5, season: [0.8, 1.1, 1.3, 0.8] }; // mean 1, as the fit normalises
  const series = generate(spec, truth, initial, 64 + 12, 0, new Rng(1));
  const fit = fitHoltWinters(series.slice(0, 64), spec);
  assert.equal(fit.initialization, 'estimated');
  assert.ok(fit.sse < 1e-12 * 64 * 100 ** 2, `sse ${fit.sse}`);
  // Without errors the smoothing parameters never act (every update returns the projection), so
  // only the path is identified: the initial states and the damping.
  assert.ok(Math.abs(fit.params.phi - 0.9) < 1e-6, `phi ${fit.params.phi}`);
  assert.ok(Math.abs(fit.initial.level - 100) < 1e-5 && Math.abs(fit.initial.trend - 5) < 1e-5, JSON.stringify(fit.initial));
  fit.initial.season.forEach((s, j) => assert.ok(Math.abs(s - initial.season[j]!) < 1e-7, `season ${j}: ${s}`));
  const forecast = fit.pointForecast(12);
  series.slice(64).forEach((v, i) => assert.ok(Math.abs(forecast[i]! - v) < 1e-7 * v, `h = ${i + 1}: ${forecast[i]} vs ${v}`));
});

test('a noisy series from the damped additive model (n = 2000): the smoothing parameters are recovered within 0.05', () => {
  const spec: HoltWintersSpec = { trend: 'damped', season: 'additive', period: 4 };
  const truth = { alpha: 0.3, beta: 0.2, gamma: 0.25, phi: 0.9 };
  const series = generate(spec, truth, { level: 50, trend: 1, season: [-5, 2, 6, -3] }, 2000, 1, new Rng(11));
  const fit = fitHoltWinters(series, spec);
  for (const key of ['alpha', 'beta', 'gamma', 'phi'] as const) {
    assert.ok(Math.abs(fit.params[key] - truth[key]) < 0.05, `${key}: ${fit.params[key]} vs ${truth[key]}`);
  }
  assert.ok(Math.abs(fit.sigma2 - 1) < 0.1, `sigma2 ${fit.sigma2}`); // the noise variance
  assert.equal(fit.parameterCount, freeParameterCount(spec, 'estimated'));
  assert.equal(fit.parameterCount, 4 + 2 + 3);
});

test('fitHoltWinters honours its options: heuristic initialisation fits only the smoothing parameters; iterations; phi bounds bind', () => {
  const spec: HoltWintersSpec = { trend: 'damped', season: 'additive', period: 4 };
  const series = generate(spec, { alpha: 0.3, beta: 0.2, gamma: 0.25, phi: 0.9 }, { level: 50, trend: 1, season: [-5, 2, 6, -3] }, 200, 1, new Rng(5));
  const heuristic = fitHoltWinters(series, spec, { initialization: 'heuristic' });
  assert.equal(heuristic.parameterCount, 4);
  const estimated = fitHoltWinters(series, spec);
  assert.ok(estimated.sse <= heuristic.sse, `estimating the states can only lower the sum of squares: ${estimated.sse} vs ${heuristic.sse}`);
  const oneStep = fitHoltWinters(series, spec, { maxIterations: 1 });
  assert.ok(oneStep.sse > estimated.sse, `one iteration stops short: ${oneStep.sse} vs ${estimated.sse}`);
  const bound = fitHoltWinters(series, spec, { phiBounds: [0.97, 0.98] });
  assert.ok(bound.params.phi >= 0.97 && bound.params.phi <= 0.98);
  assert.ok(bound.params.beta <= bound.params.alpha && bound.params.gamma <= 1 - bound.params.alpha);
});

test('fitHoltWinters rejects what it cannot fit, naming the value or the count', () => {
  const mul: HoltWintersSpec = { trend: 'none', season: 'multiplicative', period: 2 };
  assert.throws(() => fitHoltWinters([1, 2, 0, 4, 5, 6, 7, 8], mul), /fitHoltWinters: a multiplicative season needs values > 0, but y\[2\] = 0/);
  assert.throws(() => fitHoltWinters([1, 2, NaN, 4], { trend: 'none', season: 'none', period: 1 }), /fitHoltWinters: y\[2\] must be a finite number, got NaN/);
  assert.throws(() => fitHoltWinters([1, 2, 3, 4, 5, 6, 7, 8], { trend: 'damped', season: 'additive', period: 4 }),
    /fitHoltWinters: 8 observations are too few for 9 free parameters \(needs more than 10\)/);
  assert.throws(() => fitHoltWinters([1, 2, 3], { trend: 'none', season: 'additive', period: 2 }, { initialization: 'heuristic' }),
    /heuristicStates: needs two whole seasonal cycles \(4 values\), got 3/);
});

test('selectHoltWinters: picks the lowest AICc, skips a multiplicative season on data with a zero, and says why', () => {
  const spec: HoltWintersSpec = { trend: 'additive', season: 'multiplicative', period: 4 };
  const series = generate(spec, { alpha: 0.3, beta: 0.05, gamma: 0.2, phi: 1 }, { level: 100, trend: 2, season: [0.7, 1.1, 1.4, 0.8] }, 120, 0.5, new Rng(2));
  const { best, candidates } = selectHoltWinters(series, { period: 4 });
  assert.deepEqual(candidates.map((c) => `${c.spec.trend}/${c.spec.season}`), ['additive/additive', 'damped/additive', 'additive/multiplicative', 'damped/multiplicative']);
  const lowest = Math.min(...candidates.map((c) => c.fit!.aicc));
  assert.equal(best.aicc, lowest);
  assert.equal(best.spec.season, 'multiplicative'); // the truth; an additive season fits a growing amplitude badly
  const withZero = series.map((v, i) => (i === 7 ? 0 : v));
  const chosen = selectHoltWinters(withZero, { period: 4, trends: ['none'] });
  assert.equal(chosen.best.spec.season, 'additive');
  assert.match(chosen.candidates[1]!.skipped!, /a multiplicative season needs values > 0, but y\[7\] = 0/);
  assert.equal(selectHoltWinters(series, { period: 1, trends: ['none', 'additive'] }).best.spec.season, 'none');
});
