import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MetricUndefinedError, forecastMetrics, intervalCoverage, mae, mape, mase, meanIntervalWidth, meanPinballLoss, rmse, seasonalNaiveScale, smape,
} from './metrics.js';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

// truth 100, 200, 50; forecast 110, 180, 50: errors -10, 20, 0.
const truth = [100, 200, 50];
const forecast = [110, 180, 50];

test('mae, rmse, mape, smape on a worked example', () => {
  near(mae(truth, forecast), 10); // (10 + 20 + 0) / 3
  near(rmse(truth, forecast), Math.sqrt(500 / 3)); // (100 + 400 + 0) / 3
  near(mape(truth, forecast), (100 * (0.1 + 0.1 + 0)) / 3); // 10/100, 20/200, 0/50
  near(smape(truth, forecast), (200 / 3) * (10 / 210 + 20 / 380)); // M4: |e| / (|y| + |ŷ|)
});

test('mase: scaled by the in-sample seasonal naive MAE of the history (M4)', () => {
  const history = [10, 12, 11, 15];
  near(seasonalNaiveScale(history, 1), 7 / 3); // |2| + |-1| + |4|
  near(mase(truth, forecast, history), 10 / (7 / 3));
  near(seasonalNaiveScale(history, 2), 2); // |11 - 10| + |15 - 12|
  near(mase(truth, forecast, history, 2), 5);
  assert.throws(() => mase(truth, forecast, [3, 3, 3]), MetricUndefinedError);
  assert.throws(() => mase(truth, forecast, [1, 2], 2), /mase: the history must be longer than the period 2, got 2 values/);
});

test('pinball loss: q·e above the quantile, (1-q)·|e| below; at q = 0.5 half the MAE', () => {
  near(meanPinballLoss([1, 2, 3], [2, 2, 2], 0.9), (0.1 + 0 + 0.9) / 3);
  near(meanPinballLoss(truth, forecast, 0.5), mae(truth, forecast) / 2);
  assert.throws(() => meanPinballLoss([1], [1], 1), /meanPinballLoss: q must be in \(0, 1\), got 1/);
});

test('interval coverage counts bounds as inside; mean width', () => {
  near(intervalCoverage([1, 5, 3], [0, 0, 3], [2, 4, 4]), 2 / 3);
  near(meanIntervalWidth([0, 0, 3], [2, 4, 4]), 7 / 3);
  assert.throws(() => intervalCoverage([1], [2], [1]), /intervalCoverage: lower\[0\] = 2 is above upper\[0\] = 1/);
});

test('wrong inputs throw Error naming the function; undefined metrics throw MetricUndefinedError with the reason', () => {
  assert.throws(() => mae([1, 2], [1]), /mae: truth has 2 values but forecast has 1/);
  assert.throws(() => rmse([], []), /rmse: truth and forecast are empty/);
  assert.throws(() => mae([1, NaN], [1, 2]), /mae: truth\[1\] must be a finite number, got NaN/);
  assert.throws(() => mape([1, 0], [1, 1]), (e: Error) => e instanceof MetricUndefinedError && /mape: truth\[1\] is 0/.test(e.message));
  assert.throws(() => smape([0], [0]), (e: Error) => e instanceof MetricUndefinedError && /smape: truth\[0\] and forecast\[0\] are both 0/.test(e.message));
});

test('forecastMetrics: every metric, NaN with a reason where undefined, intervals and quantiles scored', () => {
  const all = forecastMetrics(truth, forecast, { history: [10, 12, 11, 15] });
  near(all.mae, 10);
  near(all.mase, 30 / 7);
  assert.deepEqual(all.undefinedReasons, {});
  const zero = forecastMetrics([0, 2], { mean: Float64Array.of(1, 2), intervals: [{ level: 0.8, lower: Float64Array.of(-1, 3), upper: Float64Array.of(1, 4) }] }, {
    quantiles: [{ q: 0.9, values: [1, 2] }],
  });
  assert.ok(Number.isNaN(zero.mape) && Number.isNaN(zero.mase));
  assert.match(zero.undefinedReasons.mape!, /mape: truth\[0\] is 0/);
  assert.match(zero.undefinedReasons.mase!, /no history/);
  near(zero.smape, 100); // (200 / 2) · (1 / 1 + 0)
  assert.deepEqual(zero.intervals, [{ level: 0.8, coverage: 0.5, meanWidth: 1.5 }]);
  near(zero.pinball[0]!.loss, (0.1 * 1) / 2);
  assert.throws(() => forecastMetrics([1, 2], [1]), /forecastMetrics: truth has 2 values but forecast has 1/);
});
