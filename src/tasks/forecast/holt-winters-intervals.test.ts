import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { HoltWintersSmoother, linearVarianceFactors, type HoltWintersSpec } from './holt-winters.js';
import { fitHoltWinters } from './holt-winters-fit.js';
import { forecastHoltWinters, holtWintersForecastSd, simulateHoltWinters, type HoltWintersModel } from './holt-winters-intervals.js';

const Z80 = 1.2815515655446004;

function model(spec: HoltWintersSpec, sigma2: number): HoltWintersModel {
  return {
    spec, sigma2,
    params: { alpha: 0.4, beta: 0.25, gamma: 0.2, phi: spec.trend === 'damped' ? 0.9 : 1 },
    final: { level: 100, trend: 2, season: spec.season === 'none' ? [] : spec.season === 'additive' ? [-6, 3, 5, -2] : [0.9, 1.05, 1.15, 0.9] },
    residuals: Float64Array.of(-1.5, 0.5, 2, -1),
  };
}

test('analytic intervals: the point forecast ± z·sigma·sqrt(1 + Σ c_j²)', () => {
  const m = model({ trend: 'damped', season: 'additive', period: 4 }, 4);
  const f = forecastHoltWinters(m, 6, { levels: [0.8] });
  assert.equal(f.method, 'analytic');
  const factors = linearVarianceFactors(m.spec, m.params, 6);
  const sd = holtWintersForecastSd(m, 6);
  for (let i = 0; i < 6; i++) {
    assert.ok(Math.abs(sd[i]! - 2 * Math.sqrt(factors[i]!)) < 1e-12);
    assert.ok(Math.abs(f.intervals[0]!.upper[i]! - (f.mean[i]! + Z80 * sd[i]!)) < 1e-9);
  }
  assert.equal(sd[0], 2); // one step ahead: sigma itself
});

test('simulated intervals of a linear model agree with the analytic ones (20000 paths: within 2%)', () => {
  const m = model({ trend: 'damped', season: 'additive', period: 4 }, 4);
  const analytic = forecastHoltWinters(m, 8, { levels: [0.8, 0.95] });
  const simulated = forecastHoltWinters(m, 8, { levels: [0.8, 0.95], method: 'simulate', paths: 20000, rng: new Rng(3) });
  assert.deepEqual(simulated.mean, analytic.mean);
  for (let k = 0; k < 2; k++) {
    for (let i = 0; i < 8; i++) {
      const halfA = analytic.intervals[k]!.upper[i]! - analytic.mean[i]!;
      const halfS = (simulated.intervals[k]!.upper[i]! - simulated.intervals[k]!.lower[i]!) / 2;
      assert.ok(Math.abs(halfS / halfA - 1) < 0.02, `level ${analytic.intervals[k]!.level}, h = ${i + 1}: ${halfS} vs ${halfA}`);
    }
  }
});

test('a multiplicative season simulates by default; simulated 80% intervals cover 80% of futures drawn from the model', () => {
  const m = model({ trend: 'additive', season: 'multiplicative', period: 4 }, 9);
  const f = forecastHoltWinters(m, 6, { levels: [0.8], paths: 4000, rng: new Rng(1) });
  assert.equal(f.method, 'simulate');
  // Independent futures from the same model, with their own generator.
  const rng = new Rng(99);
  const inside = new Float64Array(6);
  const runs = 3000;
  for (let r = 0; r < runs; r++) {
    const s = new HoltWintersSmoother(m.spec, m.params, m.final);
    for (let i = 0; i < 6; i++) {
      const y = s.forecast() + rng.normal(0, 3);
      s.observe(y);
      if (y >= f.intervals[0]!.lower[i]! && y <= f.intervals[0]!.upper[i]!) inside[i]++;
    }
  }
  inside.forEach((c, i) => assert.ok(Math.abs(c / runs - 0.8) < 0.03, `h = ${i + 1}: coverage ${c / runs}`));
});

// The intervals leave out the parameters' estimation error (as FPP3's and statsmodels' do): with
// 100 observations per series the same check gives 0.73 (damping and trend are poorly known), with
// 400 the nominal 0.8.
test('fitted to Gaussian data (400 values), the 80% intervals cover about 80% of the next 6 values (150 series)', () => {
  const spec: HoltWintersSpec = { trend: 'damped', season: 'additive', period: 4 };
  const truth = { alpha: 0.3, beta: 0.2, gamma: 0.2, phi: 0.9 };
  const rng = new Rng(21);
  let inside = 0, total = 0;
  for (let r = 0; r < 150; r++) {
    const s = new HoltWintersSmoother(spec, truth, { level: 20, trend: 0.5, season: [-3, 1, 3, -1] });
    const y = Array.from({ length: 406 }, () => { const v = s.forecast() + rng.normal(0, 1); s.observe(v); return v; });
    const f = fitHoltWinters(y.slice(0, 400), spec, { initialization: 'heuristic' }).forecast(6, { levels: [0.8] });
    for (let i = 0; i < 6; i++) { total++; if (y[400 + i]! >= f.intervals[0]!.lower[i]! && y[400 + i]! <= f.intervals[0]!.upper[i]!) inside++; }
  }
  assert.ok(Math.abs(inside / total - 0.8) < 0.04, `coverage ${inside / total}`);
});

test('simulation: the same seed gives the same paths; bootstrap errors differ from Gaussian ones', () => {
  const m = model({ trend: 'none', season: 'multiplicative', period: 4 }, 2.25);
  assert.deepEqual(simulateHoltWinters(m, 5, { paths: 50, rng: new Rng(4) }), simulateHoltWinters(m, 5, { paths: 50, rng: new Rng(4) }));
  const boot = simulateHoltWinters(m, 1, { paths: 200, rng: new Rng(4), errors: 'bootstrap' });
  const firstStep = new Set(boot.map((p) => Math.round((p[0]! - 100 * 0.9) * 1e9) / 1e9));
  assert.deepEqual([...firstStep].sort((a, b) => a - b), [-1.5, -1, 0.5, 2]); // one step ahead: the forecast plus a residual
  const gauss = forecastHoltWinters(m, 3, { paths: 500 }), bootstrap = forecastHoltWinters(m, 3, { paths: 500, errors: 'bootstrap' });
  assert.notDeepEqual(gauss.intervals, bootstrap.intervals);
});

test('forecastHoltWinters refuses analytic intervals for a multiplicative season and simulation options without simulation', () => {
  assert.throws(() => forecastHoltWinters(model({ trend: 'none', season: 'multiplicative', period: 4 }, 1), 3, { method: 'analytic' }),
    /forecastHoltWinters: a multiplicative season has no analytic intervals; use method: 'simulate'/);
  assert.throws(() => forecastHoltWinters(model({ trend: 'none', season: 'additive', period: 4 }, 1), 3, { paths: 10 }),
    /forecastHoltWinters: paths only apply with method: 'simulate'/);
  assert.throws(() => simulateHoltWinters(model({ trend: 'none', season: 'none', period: 1 }, 1), 3, { paths: 1 }), /simulateHoltWinters: paths must be an integer >= 2, got 1/);
});
