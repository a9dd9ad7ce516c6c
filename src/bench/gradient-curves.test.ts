import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_FLOOR, byDistance, firstFloored, geometricMean, log10SlopePerStep } from './gradient-curves.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('byDistance reads a gradient through time backwards from the last input the loss reads, divided by its value', () => {
  // t = 0..4; the last entry (the input after the predicted character's step) is 0 and dropped.
  assert.deepEqual(byDistance([0.5, 1, 2, 4, 0]), [1, 0.5, 0.25, 0.125]);
  assert.throws(() => byDistance([1]), /at least 2 steps/);
});

test('geometricMean averages log10 over the windows, zeros floored at LOG_FLOOR', () => {
  const m = geometricMean([[1, 1e-2, 1e-4], [1, 1e-4, 0]]);
  close(m[0]!, 1, 'k = 0');
  close(m[1]!, 1e-3, 'k = 1');
  close(m[2]!, Math.sqrt(1e-4 * LOG_FLOOR), 'k = 2, one window at 0');
  assert.throws(() => geometricMean([]), /no curves/);
  assert.throws(() => geometricMean([[1], [1, 2]]), /differ in length/);
});

test('log10SlopePerStep fits the decay of an exponential exactly; firstFloored finds the first value under the floor', () => {
  const curve = Array.from({ length: 60 }, (_, k) => 0.5 * 10 ** (-0.2 * k));
  close(log10SlopePerStep(curve, 1, 50), -0.2, 'slope');
  const windows = [byDistance([0, 1e-40, 1, 1, 0]), byDistance([1, 1, 1, 1, 0])];
  assert.equal(firstFloored(windows), 2); // k = 2 is t = 1 of the first window (1e-40)
  assert.equal(firstFloored([[1, 0.5]]), null);
});
