import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rollingOrigins } from './backtest.js';

test('one origin by default: the last H values held out', () => {
  assert.deepEqual(rollingOrigins({ length: 144, horizon: 24 }), [{ index: 0, trainStart: 0, trainEnd: 120, testEnd: 144 }]);
});

test('K origins a step apart, the last test ending at the end; the step defaults to H', () => {
  assert.deepEqual(rollingOrigins({ length: 100, horizon: 10, origins: 3 }).map((s) => [s.trainEnd, s.testEnd]), [[70, 80], [80, 90], [90, 100]]);
  assert.deepEqual(rollingOrigins({ length: 100, horizon: 10, origins: 3, step: 1 }).map((s) => [s.trainEnd, s.testEnd]), [[88, 98], [89, 99], [90, 100]]);
});

test('a sliding window trains on the last W values before each origin', () => {
  assert.deepEqual(rollingOrigins({ length: 50, horizon: 5, origins: 2, window: 20 }).map((s) => [s.trainStart, s.trainEnd]), [[20, 40], [25, 45]]);
});

test('too short a series: the error shows the arithmetic', () => {
  assert.throws(() => rollingOrigins({ length: 40, horizon: 12, origins: 3, minTrain: 10 }),
    /rollingOrigins: 3 origin\(s\) of horizon 12, 12 apart, with at least 10 training values need 10 \+ 12 \+ 2 × 12 = 46 values, got 40/);
  assert.throws(() => rollingOrigins({ length: 40, horizon: 0 }), /rollingOrigins: horizon must be a positive integer, got 0/);
  assert.throws(() => rollingOrigins({ length: 40, horizon: 5, origins: 1.5 }), /rollingOrigins: origins must be a positive integer, got 1.5/);
});
