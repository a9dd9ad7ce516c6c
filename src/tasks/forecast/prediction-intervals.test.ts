import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalIntervals, normalQuantile, pathIntervals, sortedQuantile } from './prediction-intervals.js';

test('normalQuantile: AS 241 agrees with scipy.special.ndtri to 1e-15 relative, tails included', () => {
  // Reference values printed by scipy.special.ndtri (an independent Cephes implementation).
  const cases: Array<[number, number]> = [
    [0.975, 1.959963984540054], [0.9, 1.2815515655446004], [0.6, 0.2533471031357997], [0.3, -0.5244005127080409],
    [0.025, -1.9599639845400545], [0.999999, 4.753424308817087], [1e-10, -6.361340902404056], [1e-300, -37.0470962993612],
  ];
  for (const [p, z] of cases) assert.ok(Math.abs(normalQuantile(p) - z) <= 1e-15 * Math.max(1, Math.abs(z)), `p = ${p}: ${normalQuantile(p)} vs ${z}`);
  assert.equal(normalQuantile(0.5), 0);
  assert.throws(() => normalQuantile(1), /normalQuantile: p must be in \(0, 1\), got 1/);
});

test('normalIntervals: mean ± z · sd with z = Φ⁻¹((1 + level) / 2)', () => {
  const [i80, i95] = normalIntervals(Float64Array.of(10, 20), [1, 2], [0.8, 0.95]);
  assert.equal(i80!.level, 0.8);
  assert.deepEqual([...i95!.lower], [10 - 1.959963984540054, 20 - 2 * 1.959963984540054]);
  assert.deepEqual([...i80!.upper], [10 + 1.2815515655446004, 20 + 2 * 1.2815515655446004]);
  assert.throws(() => normalIntervals(Float64Array.of(1), [1], [95]), /normalIntervals: each level must be a coverage in \(0, 1\).*got 95/);
});

test('sortedQuantile is type 7 (numpy default); pathIntervals takes each step\'s quantiles over paths', () => {
  const v = [1, 2, 4, 8, 16]; // numpy.quantile(v, [0.1, 0.5, 0.9]) = [1.4, 4, 12.8]
  assert.ok(Math.abs(sortedQuantile(v, 0.1) - 1.4) < 1e-15);
  assert.equal(sortedQuantile(v, 0.5), 4);
  assert.ok(Math.abs(sortedQuantile(v, 0.9) - 12.8) < 1e-14);
  const paths = [0, 1, 2, 3, 4].map((k) => Float64Array.of(v[k]!, -v[k]!));
  const [i80] = pathIntervals(paths, [0.8]);
  assert.ok(Math.abs(i80!.lower[0]! - 1.4) < 1e-15 && Math.abs(i80!.upper[0]! - 12.8) < 1e-14);
  assert.ok(Math.abs(i80!.lower[1]! + 12.8) < 1e-14 && Math.abs(i80!.upper[1]! + 1.4) < 1e-15);
});
