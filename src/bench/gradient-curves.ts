/**
 * The arithmetic of `npm run quality:gradients` (gradient-quality.ts), apart so that a unit test
 * reads it without the benchmark's side effects: a window's gradient through time by distance
 * from its last input and normalised there, the geometric mean over windows, the fitted decay
 * per step, and where values fall below the floor of the logarithms.
 */

/** Gradient values below this (zeros) count as this in the logarithms. */
export const LOG_FLOOR = 1e-30;

/**
 * One window's gradient through time (`Inside.gradientThroughTime`, [T], the last entry the
 * input after the predicted character's step, which the loss does not read: 0) by distance back
 * from the last input the loss reads (k = 0 is t = T-2) and divided by its value there: [T-1].
 */
export function byDistance(norms: readonly number[]): number[] {
  const T = norms.length;
  if (T < 2) throw new Error(`byDistance: needs a curve of at least 2 steps, got ${T}`);
  const last = Math.max(norms[T - 2]!, LOG_FLOOR);
  return Array.from({ length: T - 1 }, (_, k) => norms[T - 2 - k]! / last);
}

/** The geometric mean at every index of equally long curves (the mean of log10 values floored at LOG_FLOOR). */
export function geometricMean(curves: readonly (readonly number[])[]): number[] {
  if (curves.length === 0) throw new Error('geometricMean: no curves');
  const n = curves[0]!.length;
  if (curves.some((c) => c.length !== n)) throw new Error('geometricMean: the curves differ in length');
  return Array.from({ length: n }, (_, k) => {
    let s = 0;
    for (const c of curves) s += Math.log10(Math.max(c[k]!, LOG_FLOOR));
    return 10 ** (s / curves.length);
  });
}

/** Least-squares slope of log10(curve[k]) against k for k in [from, to]: log10 of the factor per step. */
export function log10SlopePerStep(curve: readonly number[], from: number, to: number): number {
  const ks: number[] = [];
  for (let k = from; k <= Math.min(to, curve.length - 1); k++) ks.push(k);
  if (ks.length < 2) throw new Error(`log10SlopePerStep: fewer than 2 points in [${from}, ${to}]`);
  const ys = ks.map((k) => Math.log10(Math.max(curve[k]!, LOG_FLOOR)));
  const mk = ks.reduce((a, b) => a + b, 0) / ks.length, my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0, den = 0;
  ks.forEach((k, i) => { num += (k - mk) * (ys[i]! - my); den += (k - mk) ** 2; });
  return num / den;
}

/** The smallest index at which some curve is below LOG_FLOOR, or null. */
export function firstFloored(curves: readonly (readonly number[])[]): number | null {
  let first: number | null = null;
  for (const c of curves) {
    const k = c.findIndex((v) => !(v >= LOG_FLOOR));
    if (k >= 0 && (first === null || k < first)) first = k;
  }
  return first;
}
