/**
 * Prediction intervals shared by the classical forecasters: the `Forecast` record (point
 * forecasts plus central intervals), normal intervals from a per-step standard deviation, and
 * empirical intervals from simulated sample paths. Not a forecaster itself, and not a metric
 * (coverage and width live in metrics.ts).
 */

/** A central prediction interval with coverage `level` (0.8 means the 10% and 90% quantiles). */
export interface ForecastInterval {
  level: number;
  /** [h] */
  lower: Float64Array;
  /** [h] */
  upper: Float64Array;
}

/** Point forecasts for steps 1..h after the history, with zero or more central intervals. */
export interface Forecast {
  /** [h] the point forecast (the mean of the forecast distribution). */
  mean: Float64Array;
  /** One interval per requested level, in the order asked. */
  intervals: ForecastInterval[];
}

/** The levels every forecaster uses when none are given: 80% and 95%, as FPP3 prints. */
export const DEFAULT_LEVELS: readonly number[] = [0.8, 0.95];

/** Checks that each level is a coverage in (0, 1); `who` names the caller in the error. */
export function checkLevels(levels: readonly number[], who: string): void {
  if (!Array.isArray(levels)) throw new Error(`${who}: levels must be an array of coverages in (0, 1), got ${String(levels)}`);
  for (const level of levels) {
    if (!(typeof level === 'number' && level > 0 && level < 1)) {
      throw new Error(`${who}: each level must be a coverage in (0, 1) such as 0.8 or 0.95, got ${level}`);
    }
  }
}

/** Checks that h is a positive integer; `who` names the caller in the error. */
export function checkHorizon(h: number, who: string): void {
  if (!(Number.isInteger(h) && h > 0)) throw new Error(`${who}: the horizon h must be a positive integer, got ${h}`);
}

// Wichura (1988), Algorithm AS 241 (PPND16): about 16 significant digits over (0, 1).
const A = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
  45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727];
const B = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
  21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852854561];
const C = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
  1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4];
const D = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
  0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9];
const E = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
  0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7];
const F = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
  7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15];

function ratio(num: readonly number[], den: readonly number[], x: number): number {
  let n = 0, d = 0;
  for (let i = 7; i >= 0; i--) { n = n * x + num[i]!; d = d * x + den[i]!; }
  return n / d;
}

/** The standard normal quantile Φ⁻¹(p) for p in (0, 1) (AS 241; 1.959963984540054 at 0.975). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) return q * ratio(A, B, 0.180625 - q * q);
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const z = r <= 5 ? ratio(C, D, r - 1.6) : ratio(E, F, r - 5);
  return q < 0 ? -z : z;
}

/** Central normal intervals mean ± Φ⁻¹((1 + level) / 2) · sd[i] for each level. */
export function normalIntervals(mean: Float64Array, sd: ArrayLike<number>, levels: readonly number[]): ForecastInterval[] {
  checkLevels(levels, 'normalIntervals');
  if (sd.length !== mean.length) throw new Error(`normalIntervals: ${mean.length} means but ${sd.length} standard deviations`);
  return levels.map((level) => {
    const z = normalQuantile((1 + level) / 2);
    const lower = new Float64Array(mean.length), upper = new Float64Array(mean.length);
    for (let i = 0; i < mean.length; i++) { lower[i] = mean[i]! - z * sd[i]!; upper[i] = mean[i]! + z * sd[i]!; }
    return { level, lower, upper };
  });
}

/**
 * The p-quantile of `sorted` (ascending) by linear interpolation between order statistics
 * (Hyndman & Fan type 7, the default of R's `quantile` and numpy's `quantile`).
 */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('sortedQuantile: no values');
  if (!(p >= 0 && p <= 1)) throw new Error(`sortedQuantile: p must be in [0, 1], got ${p}`);
  const pos = (n - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Central intervals from simulated futures: `paths[k][i]` is path k's value i + 1 steps ahead.
 * Each step's values are sorted and the (1 ± level) / 2 quantiles taken (type 7).
 */
export function pathIntervals(paths: readonly Float64Array[], levels: readonly number[]): ForecastInterval[] {
  checkLevels(levels, 'pathIntervals');
  if (paths.length < 2) throw new Error(`pathIntervals: need at least 2 sample paths, got ${paths.length}`);
  const h = paths[0]!.length;
  const out = levels.map((level) => ({ level, lower: new Float64Array(h), upper: new Float64Array(h) }));
  const column = new Float64Array(paths.length);
  for (let i = 0; i < h; i++) {
    for (let k = 0; k < paths.length; k++) column[k] = paths[k]![i]!;
    column.sort();
    for (const interval of out) {
      interval.lower[i] = sortedQuantile(column, (1 - interval.level) / 2);
      interval.upper[i] = sortedQuantile(column, (1 + interval.level) / 2);
    }
  }
  return out;
}
