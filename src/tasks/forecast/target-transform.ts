/**
 * The transform a forecasting run applies to each target before anything else, and its inverse
 * on the forecasts: none, log, or Box-Cox with a fitted lambda. Monotone increasing, so quantiles
 * stay quantiles through the inverse. State is JSON (stored in the model file).
 */

import { boxCox, guerreroLambda } from './box-cox.js';

export type TargetTransform = { kind: 'none' } | { kind: 'log' } | { kind: 'box-cox'; lambda: number };

/** 'auto' takes Box-Cox when Guerrero's lambda is at least this far from 1 (no transform). */
export const AUTO_BOX_COX_DISTANCE = 0.3;

/**
 * Fits a target's transform on its training part (Box-Cox: Guerrero's lambda for the season, as
 * R's BoxCox.lambda). 'auto': Box-Cox for positive data whose lambda is far from 1 (a spread that
 * grows or shrinks with the level), else none.
 */
export function fitTargetTransform(kind: 'none' | 'log' | 'box-cox' | 'auto', train: Float64Array, season: number, what: string): TargetTransform {
  if (kind === 'none') return { kind: 'none' };
  if (kind === 'auto') {
    if (firstNonPositive(train) >= 0) return { kind: 'none' };
    const lambda = guerreroLambda(train, { period: Math.max(2, season) });
    return Math.abs(lambda - 1) >= AUTO_BOX_COX_DISTANCE ? { kind: 'box-cox', lambda } : { kind: 'none' };
  }
  const bad = firstNonPositive(train);
  if (bad >= 0) throw new Error(`${what}: a ${kind} transform needs values > 0, but step ${bad} is ${train[bad]} (use --transform none)`);
  if (kind === 'log') return { kind };
  return { kind, lambda: guerreroLambda(train, { period: Math.max(2, season) }) };
}

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
  return boxCox(y, t.lambda);
}

export function invertTransform(t: TargetTransform, z: Float64Array): Float64Array {
  if (t.kind === 'none') return z;
  if (t.kind === 'log') return Float64Array.from(z, Math.exp);
  const l = t.lambda;
  // Below -1/lambda (lambda > 0) Box-Cox has no preimage: the boundary, 0.
  return Float64Array.from(z, (v) => (l === 0 ? Math.exp(v) : Math.max(0, l * v + 1) ** (1 / l)));
}
