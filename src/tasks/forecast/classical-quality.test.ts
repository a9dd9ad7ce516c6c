// The classical rows of issue 13's quality table, measured on the shared series when they are
// beside the checkout (skipped, saying so, when not): one origin, the last 24 months (airline) or
// the last 365 days (Melbourne) held out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedSeries } from '../../testing/timeseries.js';
import { seasonalNaive } from './baselines.js';
import { fitHoltWinters, selectHoltWinters } from './holt-winters-fit.js';
import { mae, mape } from './metrics.js';

test('airline passengers, last 24 months: seasonal naive MAPE 15.5%', (t) => {
  const airline = sharedSeries('airline-passengers.csv');
  if (typeof airline === 'string') { t.skip(airline); return; }
  const train = airline.values.slice(0, 120), test24 = airline.values.slice(120);
  assert.equal(mape(test24, seasonalNaive(12).fit(train).forecast(24).mean).toFixed(1), '15.5');
});

// statsmodels 0.15.0, ExponentialSmoothing(train, trend='add', damped_trend=True, seasonal='mul',
// seasonal_periods=12).fit(): sse 11173.245445, alpha 0.374280, beta 0.025239, gamma 0.625720,
// phi 0.995, forecasts 349.7057, 332.1110, 385.7341 (h = 1..3) and 369.5528 (h = 13); MAPE 8.01%.
// Its MAPE differs from ours (8.12%) only through h = 12 and 24, where statsmodels 0.15 uses the
// seasonal factor of one cycle before the last (statsmodels issue 9538, fixed by PR 10230); we use
// FPP3's s(T + h - m(k + 1)). Issue 13's table says 3.5% for this model: least squares does not
// give that (the closest we found is Box-Cox first, then damped additive Holt-Winters: 3.8%).
test('airline passengers: damped multiplicative Holt-Winters reaches the least-squares optimum statsmodels reports; MAPE 8.12%', (t) => {
  const airline = sharedSeries('airline-passengers.csv');
  if (typeof airline === 'string') { t.skip(airline); return; }
  const train = airline.values.slice(0, 120), test24 = airline.values.slice(120);
  const fit = fitHoltWinters(train, { trend: 'damped', season: 'multiplicative', period: 12 });
  assert.ok(fit.sse <= 11173.2455 && fit.sse > 11173.2, `sse ${fit.sse}`);
  const expected = { alpha: 0.374280, beta: 0.025239, gamma: 0.625720, phi: 0.995 };
  for (const key of ['alpha', 'beta', 'gamma', 'phi'] as const) assert.ok(Math.abs(fit.params[key] - expected[key]) < 1e-3, `${key} ${fit.params[key]}`);
  const forecast = fit.pointForecast(24);
  [[1, 349.7057], [2, 332.1110], [3, 385.7341], [13, 369.5528]].forEach(([h, v]) => assert.ok(Math.abs(forecast[h! - 1]! - v!) < 0.01, `h = ${h}: ${forecast[h! - 1]}`));
  assert.ok(Math.abs(mape(test24, forecast) - 8.12) < 0.05, `MAPE ${mape(test24, forecast)}`);
  // A lower sum of squares exists (7641.6: alpha 0.859, beta 0, gamma 0, the seasonal pattern frozen
  // at its initial states), which a local fit from the grid's best start does not reach, as in statsmodels.
  assert.ok(fit.sse > 7641.6);
});

test('airline passengers: the AICc choice among trend (additive, damped) × season (additive, multiplicative) is additive/multiplicative, MAPE 6.52%', (t) => {
  const airline = sharedSeries('airline-passengers.csv');
  if (typeof airline === 'string') { t.skip(airline); return; }
  const train = airline.values.slice(0, 120), test24 = airline.values.slice(120);
  const { best } = selectHoltWinters(train, { period: 12 });
  assert.deepEqual(best.spec, { trend: 'additive', season: 'multiplicative', period: 12 });
  assert.ok(Math.abs(mape(test24, best.pointForecast(24)) - 6.52) < 0.05);
});

test('Melbourne daily minimum temperature, last 365 days: seasonal naive (365) MAE 2.87; Holt-Winters with 365 seasonal states MAE 4.18', (t) => {
  const melbourne = sharedSeries('daily-min-temperatures.csv');
  if (typeof melbourne === 'string') { t.skip(melbourne); return; }
  const train = melbourne.values.slice(0, -365), test365 = melbourne.values.slice(-365);
  assert.equal(mae(test365, seasonalNaive(365).fit(train).forecast(365).mean).toFixed(2), '2.87');
  // 365 states: heuristic initial states, smoothing parameters by least squares (a multiplicative
  // season is out: the series has zeros). One-step least squares wants alpha ≈ 0.4 (yesterday's
  // weather persists), which carries the last days' anomaly over the whole next year: worse than
  // seasonal naive at 365 steps.
  const fit = fitHoltWinters(train, { trend: 'none', season: 'additive', period: 365 });
  assert.equal(fit.initialization, 'heuristic');
  assert.ok(Math.abs(fit.params.alpha - 0.403) < 0.005);
  assert.ok(Math.abs(mae(test365, fit.pointForecast(365)) - 4.18) < 0.02);
});
