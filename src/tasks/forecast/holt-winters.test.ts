import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HoltWintersSmoother, dampedSum, heuristicStates, holtWintersFilter, holtWintersForecast, holtWintersSse, linearVarianceFactors,
  type HoltWintersSpec,
} from './holt-winters.js';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const allNear = (a: ArrayLike<number>, b: number[], tol = 1e-12) => { assert.equal(a.length, b.length); b.forEach((v, i) => near(a[i]!, v, tol)); };

test('one pass by hand: damped additive trend, additive season (m = 2)', () => {
  // y = 12, 18, 14, 21; alpha 0.5, beta 0.4, gamma 0.3, phi 0.9; l0 = 14, b0 = 1, seasons -2 (for y1), 2 (for y2).
  // t=1: base = 14 + 0.9·1 = 14.9, ŷ = 14.9 - 2 = 12.9
  //      l = 0.5·(12 + 2) + 0.5·14.9 = 14.45;  b = 0.4·(14.45 - 14) + 0.6·0.9·1 = 0.72;  s = 0.3·(12 - 14.9) + 0.7·(-2) = -2.27
  // t=2: base = 14.45 + 0.648 = 15.098, ŷ = 17.098
  //      l = 0.5·(18 - 2) + 0.5·15.098 = 15.549;  b = 0.4·1.099 + 0.54·0.72 = 0.8284;  s = 0.3·(18 - 15.098) + 0.7·2 = 2.2706
  // t=3: base = 15.549 + 0.74556 = 16.29456, ŷ = 16.29456 - 2.27 = 14.02456
  //      l = 0.5·(14 + 2.27) + 0.5·16.29456 = 16.28228;  b = 0.4·0.73328 + 0.54·0.8284 = 0.740648;  s = 0.3·(14 - 16.29456) + 0.7·(-2.27) = -2.277368
  // t=4: base = 16.28228 + 0.6665832 = 16.9488632, ŷ = 16.9488632 + 2.2706 = 19.2194632
  //      l = 0.5·(21 - 2.2706) + 0.5·16.9488632 = 17.8391316;  b = 0.4·1.5568516 + 0.54·0.740648 = 1.02269056
  //      s = 0.3·(21 - 16.9488632) + 0.7·2.2706 = 2.80476104
  const spec: HoltWintersSpec = { trend: 'damped', season: 'additive', period: 2 };
  const params = { alpha: 0.5, beta: 0.4, gamma: 0.3, phi: 0.9 };
  const y = [12, 18, 14, 21];
  const pass = holtWintersFilter(y, spec, params, { level: 14, trend: 1, season: [-2, 2] });
  allNear(pass.fitted, [12.9, 17.098, 14.02456, 19.2194632]);
  allNear(pass.level, [14.45, 15.549, 16.28228, 17.8391316]);
  allNear(pass.trend, [0.72, 0.8284, 0.740648, 1.02269056]);
  allNear(pass.season, [-2.27, 2.2706, -2.277368, 2.80476104]);
  allNear(pass.residuals, [-0.9, 0.902, -0.02456, 1.7805368]);
  near(pass.sse, 0.81 + 0.902 ** 2 + 0.02456 ** 2 + 1.7805368 ** 2);
  near(holtWintersSse(y, spec, params, { level: 14, trend: 1, season: [-2, 2] }), pass.sse);
  assert.deepEqual(pass.final.season.map((s) => Math.round(s * 1e9) / 1e9), [-2.277368, 2.80476104]); // next: odd step, then even
  // ŷ(T+h) = l + (phi + ... + phi^h) b + s: h = 1 uses -2.277368, h = 2 uses 2.80476104, h = 3 again -2.277368.
  allNear(holtWintersForecast(spec, params, pass.final, 3), [
    17.8391316 + 0.9 * 1.02269056 - 2.277368,
    17.8391316 + 1.71 * 1.02269056 + 2.80476104,
    17.8391316 + 2.439 * 1.02269056 - 2.277368,
  ]);
});

test('one pass by hand: no trend, multiplicative season (m = 2)', () => {
  // y = 90, 120, 80, 130; alpha 0.5, gamma 0.2; l0 = 100; seasons 0.9, 1.1.
  // t=1: ŷ = 100·0.9 = 90 (error 0); l = 0.5·90/0.9 + 0.5·100 = 100; s = 0.2·90/100 + 0.8·0.9 = 0.9
  // t=2: ŷ = 110; l = 0.5·120/1.1 + 50 = 1150/11; s = 0.2·1.2 + 0.8·1.1 = 1.12
  // t=3: ŷ = 0.9·1150/11 = 1035/11; l = 0.5·80/0.9 + 0.5·1150/11 = 9575/99; s = 0.2·80·11/1150 + 0.72
  // t=4: ŷ = 1.12·9575/99; l = 0.5·130/1.12 + 0.5·9575/99; s = 0.2·130·99/9575 + 0.8·1.12
  const spec: HoltWintersSpec = { trend: 'none', season: 'multiplicative', period: 2 };
  const params = { alpha: 0.5, beta: 0, gamma: 0.2, phi: 1 };
  const pass = holtWintersFilter([90, 120, 80, 130], spec, params, { level: 100, trend: 0, season: [0.9, 1.1] });
  const l4 = 0.5 * 130 / 1.12 + 0.5 * 9575 / 99;
  const s3 = 0.2 * 80 * 11 / 1150 + 0.72, s4 = 0.2 * 130 * 99 / 9575 + 0.8 * 1.12;
  allNear(pass.fitted, [90, 110, 1035 / 11, 1.12 * 9575 / 99]);
  allNear(pass.level, [100, 1150 / 11, 9575 / 99, l4]);
  allNear(pass.season, [0.9, 1.12, s3, s4]);
  assert.deepEqual([...pass.trend], [0, 0, 0, 0]);
  allNear(holtWintersForecast(spec, params, pass.final, 3), [l4 * s3, l4 * s4, l4 * s3]);
});

test('the smoother steps the same recursions one observation at a time', () => {
  const spec: HoltWintersSpec = { trend: 'additive', season: 'multiplicative', period: 3 };
  const params = { alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 1 };
  const initial = { level: 50, trend: 1, season: [0.8, 1, 1.2] };
  const y = [41, 52, 63, 43, 55, 66, 45];
  const pass = holtWintersFilter(y, spec, params, initial);
  const smoother = new HoltWintersSmoother(spec, params, initial);
  y.forEach((v, t) => { assert.equal(smoother.forecast(), pass.fitted[t]); smoother.observe(v); });
  assert.deepEqual(smoother.states(), pass.final);
});

test('dampedSum is phi + ... + phi^h, and h without damping', () => {
  near(dampedSum(0.9, 3), 0.9 + 0.81 + 0.729);
  assert.equal(dampedSum(1, 7), 7);
});

// FPP3 Table 8.8 (Hyndman et al. 2008 Table 6.1); beta there is the error-correction beta = alpha·beta*.
function fpp3Variance(kind: 'ANN' | 'AAA' | 'AAdA', a: number, bStar: number, g: number, phi: number, m: number, h: number): number {
  const b = a * bStar, k = Math.floor((h - 1) / m);
  if (kind === 'ANN') return 1 + a * a * (h - 1);
  if (kind === 'AAA') return 1 + (h - 1) * (a * a + a * b * h + (b * b * h * (2 * h - 1)) / 6) + g * k * (2 * a + g + b * m * (k + 1));
  return 1 + a * a * (h - 1) + g * k * (2 * a + g)
    + ((b * phi * h) / (1 - phi) ** 2) * (2 * a * (1 - phi) + b * phi)
    - ((b * phi * (1 - phi ** h)) / ((1 - phi) ** 2 * (1 - phi ** 2))) * (2 * a * (1 - phi ** 2) + b * phi * (1 + 2 * phi - phi ** h))
    + ((2 * b * g * phi) / ((1 - phi) * (1 - phi ** m))) * (k * (1 - phi ** m) - phi ** m * (1 - phi ** (m * k)));
}

test('linear variance factors equal the closed forms of FPP3 Table 8.8 (A,N,N), (A,A,A), (A,Ad,A)', () => {
  const p = { alpha: 0.4, beta: 0.25, gamma: 0.2, phi: 0.9 };
  const cases: Array<['ANN' | 'AAA' | 'AAdA', HoltWintersSpec]> = [
    ['ANN', { trend: 'none', season: 'none', period: 1 }],
    ['AAA', { trend: 'additive', season: 'additive', period: 4 }],
    ['AAdA', { trend: 'damped', season: 'additive', period: 4 }],
  ];
  for (const [kind, spec] of cases) {
    const factors = linearVarianceFactors(spec, p, 30);
    for (let h = 1; h <= 30; h++) near(factors[h - 1]!, fpp3Variance(kind, 0.4, 0.25, 0.2, 0.9, 4, h), 1e-12);
  }
  assert.throws(() => linearVarianceFactors({ trend: 'none', season: 'multiplicative', period: 4 }, p, 3), /linearVarianceFactors: a multiplicative season has no linear variance formula/);
});

test('heuristicStates: exact on a series that is its own decomposition', () => {
  // y(t) = 10 + 2t + season, t = 1..24: the 2×4 moving average of a line plus a season summing to 0
  // is the line itself, and the line through the adjusted values is 10 + 2t, so the heuristic is exact.
  const season = [-3, 1, 4, -2];
  const y = Array.from({ length: 24 }, (_, i) => 10 + 2 * (i + 1) + season[i % 4]!);
  const states = heuristicStates(y, { trend: 'additive', season: 'additive', period: 4 });
  allNear(states.season, season, 1e-12);
  near(states.level, 10, 1e-12);
  near(states.trend, 2, 1e-12);
  assert.throws(() => heuristicStates(y.slice(0, 7), { trend: 'none', season: 'additive', period: 4 }), /heuristicStates: needs two whole seasonal cycles \(8 values\), got 7/);
});

test('specs are checked: kinds and the period', () => {
  const y = [1, 2, 3];
  const p = { alpha: 0.5, beta: 0, gamma: 0, phi: 1 };
  assert.throws(() => holtWintersFilter(y, { trend: 'linear' as never, season: 'none', period: 1 }, p, { level: 1, trend: 0, season: [] }), /holtWintersFilter: trend must be none, additive or damped, got linear/);
  assert.throws(() => holtWintersFilter(y, { trend: 'none', season: 'additive', period: 1 }, p, { level: 1, trend: 0, season: [0] }), /holtWintersFilter: period must be an integer >= 2 with a season, got 1/);
  assert.throws(() => holtWintersFilter(y, { trend: 'none', season: 'additive', period: 2 }, p, { level: 1, trend: 0, season: [0] }), /holtWintersFilter: initial.season must hold 2 states, got 1/);
});
