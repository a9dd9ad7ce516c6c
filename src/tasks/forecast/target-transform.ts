/**
 * The transform a forecasting run applies to each target before anything else, and its inverse
 * on the forecasts: none, log, or Box-Cox with a fitted lambda. Monotone increasing, so quantiles
 * stay quantiles through the inverse. State is JSON (stored in the model file).
 */

export type TargetTransform = { kind: 'none' } | { kind: 'log' } | { kind: 'box-cox'; lambda: number };

/** The first value a log or Box-Cox transform cannot take (not > 0), or -1. */
export function firstNonPositive(y: ArrayLike<number>): number {
  for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) return i;
  return -1;
}

export function applyTransform(t: TargetTransform, y: Float64Array, what: string): Float64Array {
  if (t.kind === 'none') return y;
  const bad = firstNonPositive(y);
  if (bad >= 0) throw new Error(`${what}: a ${t.kind} transform needs values > 0, but step ${bad} is ${y[bad]} (use --transform none)`);
  if (t.kind === 'log') return Float64Array.from(y, Math.log);
  const l = t.lambda;
  return Float64Array.from(y, (v) => (l === 0 ? Math.log(v) : (v ** l - 1) / l));
}

export function invertTransform(t: TargetTransform, z: Float64Array): Float64Array {
  if (t.kind === 'none') return z;
  if (t.kind === 'log') return Float64Array.from(z, Math.exp);
  const l = t.lambda;
  // Below -1/lambda (lambda > 0) Box-Cox has no preimage: the boundary, 0.
  return Float64Array.from(z, (v) => (l === 0 ? Math.exp(v) : Math.max(0, l * v + 1) ** (1 / l)));
}
