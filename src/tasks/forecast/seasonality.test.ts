import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { sharedSeries } from '../../testing/timeseries.js';
import { autocorrelation, detectSeasonality } from './seasonality.js';

test('autocorrelation: R acf(1:4) = 1, 0.25, -0.3, -0.45; a constant series gives zeros', () => {
  const r = autocorrelation([1, 2, 3, 4], 3);
  [1, 0.25, -0.3, -0.45].forEach((v, k) => assert.ok(Math.abs(r[k]! - v) < 1e-15, `lag ${k}: ${r[k]}`));
  assert.deepEqual([...autocorrelation([5, 5, 5], 2)], [0, 0, 0]);
  assert.throws(() => autocorrelation([1, 2, 3], 3), /autocorrelation: maxLag must be an integer in \[0, 2\], got 3/);
});

const noise = (seed: number, n: number, f: (t: number, rng: Rng) => number) => { const rng = new Rng(seed); return Array.from({ length: n }, (_, t) => f(t, rng)); };

test('synthetic periods are found at the frequency\'s usual lags: weekly in daily data, 24 in hourly (not its multiple 168), 12 with two peaks a year, 4 in quarterly', () => {
  for (const seed of [1, 2, 3]) {
    const weekly = detectSeasonality(noise(seed, 730, (t, r) => [0, 0, 0, 0, 0, 3, 4][t % 7]! + 0.01 * t + r.normal()), { frequency: 'daily' });
    assert.equal(weekly.period, 7, weekly.reason);
    assert.match(weekly.reason, /^daily data with a significant autocorrelation peak at 7 .*; 365 not tried/);
    const hourly = detectSeasonality(noise(seed, 24 * 30, (t, r) => 5 * Math.sin((2 * Math.PI * t) / 24) + r.normal()), { frequency: 'hourly' });
    assert.equal(hourly.period, 24, hourly.reason);
    // Two peaks a year: lag 6 correlates nearly as well as 12, so the trough is not at half the period.
    const twoPeaks = detectSeasonality(noise(seed, 120, (t, r) => [1, 3, 2, -1, 0, -2, 1, 4, 2, 0, -1, -3][t % 12]! + r.normal()), { frequency: 'monthly' });
    assert.equal(twoPeaks.period, 12, twoPeaks.reason);
    const quarterly = detectSeasonality(noise(seed, 40, (t, r) => 2 * [1, 3, 2, -1][t % 4]! + 0.5 * t + r.normal()), { frequency: 'quarterly' });
    assert.equal(quarterly.period, 4, quarterly.reason);
  }
});

test('without a frequency every lag to n/3 is searched: a period of 20 is found', () => {
  const r = detectSeasonality(noise(4, 300, (t, rng) => Math.sin((2 * Math.PI * t) / 20) + rng.normal(0, 0.2)));
  assert.equal(r.period, 20, r.reason);
  assert.match(r.reason, /^the most prominent significant autocorrelation peak is at 20 /);
});

test('no period in white noise, random walks or a persistent AR(1) (5 seeds each): period 1, and why', () => {
  for (let seed = 0; seed < 5; seed++) {
    const white = detectSeasonality(noise(seed, 300, (_, r) => r.normal()), { frequency: 'monthly' });
    assert.equal(white.period, 1, `white noise, seed ${seed}: ${white.reason}`);
    let w = 0;
    assert.equal(detectSeasonality(noise(seed, 300, (_, r) => (w += r.normal())), { frequency: 'daily' }).period, 1, `random walk, seed ${seed}`);
    let a = 0;
    assert.equal(detectSeasonality(noise(seed, 500, (_, r) => (a = 0.9 * a + r.normal()))).period, 1, `AR(1), seed ${seed}`);
  }
  const white = detectSeasonality(noise(0, 300, (_, r) => r.normal()), { frequency: 'monthly' });
  assert.match(white.reason, /^no autocorrelation peak rises above its bound and twice the bound above its trough \(tried 12 \(acf/);
  assert.equal(detectSeasonality([1, 2, 3, 4, 5, 6, 7]).period, 1);
  assert.match(detectSeasonality([1, 2, 3, 4, 5, 6, 7]).reason, /7 values are too few/);
});

test('detectSeasonality checks its input', () => {
  assert.throws(() => detectSeasonality([1, 2, Infinity]), /detectSeasonality: series\[2\] must be a finite number, got Infinity/);
  assert.throws(() => detectSeasonality([1, 2, 3], { frequency: 'fortnightly' as never }), /detectSeasonality: frequency must be one of minutely, .*, got fortnightly/);
});

test('the shared series: 12 for the airline passengers (monthly), 365 for Melbourne\'s temperatures (daily, not 7)', (t) => {
  const airline = sharedSeries('airline-passengers.csv');
  const melbourne = sharedSeries('daily-min-temperatures.csv');
  if (typeof airline === 'string' || typeof melbourne === 'string') { t.skip(typeof airline === 'string' ? airline : String(melbourne)); return; }
  assert.equal(detectSeasonality(airline.values.slice(0, 120), { frequency: 'monthly' }).period, 12);
  const daily = detectSeasonality(melbourne.values.slice(0, -365), { frequency: 'daily' });
  assert.equal(daily.period, 365, daily.reason);
  const seven = daily.candidates.find((c) => c.lag === 7)!;
  assert.ok(!seven.significant && seven.prominence < 0, 'persistent weather, no weekly cycle');
});
