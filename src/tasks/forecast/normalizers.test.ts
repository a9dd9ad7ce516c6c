import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitScaling, scalingNormalizer, smooth, smoothingNormalizer, type NormSeries } from './normalizers.js';
import { fitSmoothing } from './smoothing-fit.js';
import { makeWindows } from './windows.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('smooth: level + season recursions worked by hand (season 2)', () => {
  // z = 10, 20, 12, 22; init: level 15, indices -5, +5.
  const sm = smooth(Float64Array.of(10, 20, 12, 22), 2, 0.5, 0.5);
  // t0: s=-5, l = .5(10+5) + .5*15 = 15;  s0 <- .5(10-15) + .5(-5) = -5
  // t1: s=5,  l = .5(20-5) + .5*15 = 15;  s1 <- .5(20-15) + .5*5 = 5
  // t2: s=-5, l = .5(12+5) + .5*15 = 16;  s0 <- .5(12-16) + .5(-5) = -4.5
  // t3: s=5,  l = .5(22-5) + .5*16 = 16.5; s1 <- .5(22-16.5) + .5*5 = 5.25
  assert.deepEqual(Array.from(sm.level), [15, 15, 16, 16.5]);
  assert.deepEqual(Array.from(sm.seasonal), [-5, 5, -5, 5]);
  assert.deepEqual(Array.from(sm.nextSeasonal), [-4.5, 5.25]);
});

test('fitSmoothing recovers the smoother that generated a noiseless series', () => {
  const season = 4, n = 80;
  const z = new Float64Array(n);
  for (let t = 0; t < n; t++) z[t] = 50 + 0.1 * t + [3, -1, -4, 2][t % season]!;
  const { alpha, gamma } = fitSmoothing(z, n, season);
  const sm = smooth(z, season, alpha, gamma);
  // One-step errors are tiny once the states settle.
  for (let t = 40; t < n; t++) close(z[t]!, sm.level[t - 1]! + sm.seasonal[t]!, 0.3);
});

test('normalisers: targets decode back to the series exactly (scaling with differencing, and the hybrid)', () => {
  const n = 60;
  const y = Float64Array.from({ length: n }, (_, t) => 5 + Math.sin(t / 3) + 0.05 * t);
  const cov = Float64Array.from({ length: n }, (_, t) => t % 7);
  const s: NormSeries = { z: [y], covariates: [cov] };
  const norms = [
    scalingNormalizer(fitScaling(s, 40, 'standardize', 0)),
    scalingNormalizer(fitScaling(s, 40, 'min-max', 1)),
    scalingNormalizer(fitScaling(s, 40, 'standardize', 6)),
    smoothingNormalizer([{ kind: 'smoothing', season: 6, alpha: 0.3, gamma: 0.2, spread: 0.7 }, ...fitScaling({ z: [], covariates: [cov] }, 40, 'standardize', 0)],
      (ser, k) => smooth(ser.z[k]!, 6, 0.3, 0.2)),
  ];
  for (const norm of norms) {
    const origin = 45, H = 8;
    const v = Array.from({ length: H }, (_, h) => norm.target(s, origin, 0, origin + h));
    const back = norm.decode(s, origin, 0, v);
    for (let h = 0; h < H; h++) close(back[h]!, y[origin + h]!, 1e-9);
    const x = new Float32Array(10 * 2);
    norm.encode(s, origin, 10, x, 0);
    assert.ok(x.every(Number.isFinite));
  }
  // A constant series scales by 1, not by its zero spread.
  const flat = fitScaling({ z: [new Float64Array(10).fill(3)], covariates: [] }, 10, 'standardize', 0)[0]!;
  assert.deepEqual(flat, { kind: 'scale', mode: 'standardize', center: 3, spread: 1, difference: 0 });
});

test('windows: one per origin with whole inputs and targets inside the training part', () => {
  const y = Float64Array.from({ length: 30 }, (_, t) => t);
  const s: NormSeries = { z: [y], covariates: [] };
  const norm = scalingNormalizer(fitScaling(s, 30, 'none', 0));
  const direct = makeWindows([s], [norm], [25], { lookback: 5, horizon: 4, layout: 'direct' });
  assert.equal(direct.inputs.length, 25 - 5 - 4 + 1);
  assert.deepEqual(Array.from(direct.inputs[0]!), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(direct.targets![0]!), [5, 6, 7, 8]);
  assert.deepEqual(Array.from(direct.targets!.at(-1)!), [21, 22, 23, 24]);
  const shifted = makeWindows([s], [norm], [25], { lookback: 5, horizon: 4, layout: 'shifted' });
  assert.equal(shifted.inputs.length, 25 - 5 - 1 + 1);
  assert.deepEqual(Array.from(shifted.targets![0]!), [1, 2, 3, 4, 5]);
});
