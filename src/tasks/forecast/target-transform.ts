/**
 * The transform a forecasting run applies to each target before anything else, and its inverse
 * on the forecasts: none, log, or Box-Cox with Guerrero's lambda, as the classical transforms
 * (transforms.ts) fit them, with their JSON state stored in the model file. Monotone increasing,
 * so quantiles stay quantiles through the inverse; a forecast beyond Box-Cox's range is clamped
 * to its edge rather than failing the whole forecast.
 */
import { guerreroLambda } from './box-cox.js';
import { type TransformState, fitTransform, transformFromState } from './transforms.js';

export type TargetTransform = { kind: 'none' } | Extract<TransformState, { kind: 'log' | 'box-cox' }>;

/** 'auto' takes Box-Cox when Guerrero's lambda is at least this far from 1 (no transform). */
export const AUTO_BOX_COX_DISTANCE = 0.3;

/** The first value a log or Box-Cox transform cannot take (not > 0), or -1. */
export function firstNonPositive(y: ArrayLike<number>): number {
  for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) return i;
  return -1;
}

function checkPositive(kind: string, y: ArrayLike<number>, what: string): void {
  const bad = firstNonPositive(y);
  if (bad >= 0) throw new Error(`${what}: a ${kind} transform needs values > 0, but step ${bad} is ${y[bad]} (use --transform none)`);
}

/**
 * Fits a target's transform on its training part (Box-Cox: Guerrero's lambda for the season, as
 * R's BoxCox.lambda). 'auto': Box-Cox for positive data whose lambda is far from 1 (a spread that
 * grows or shrinks with the level), else none.
 */
export function fitTargetTransform(kind: 'none' | 'log' | 'box-cox' | 'auto', train: Float64Array, season: number, what: string): TargetTransform {
  const period = Math.max(2, season);
  if (kind === 'none') return { kind: 'none' };
  if (kind === 'auto') {
    if (firstNonPositive(train) >= 0) return { kind: 'none' };
    const lambda = guerreroLambda(train, { period });
    return Math.abs(lambda - 1) >= AUTO_BOX_COX_DISTANCE ? { kind: 'box-cox', lambda, chosenBy: 'guerrero' } : { kind: 'none' };
  }
  checkPositive(kind, train, what);
  return fitTransform(kind === 'log' ? { kind } : { kind, period }, train).state as TargetTransform;
}

export function applyTransform(t: TargetTransform, y: Float64Array, what: string): Float64Array {
  if (t.kind === 'none') return y;
  checkPositive(t.kind, y, what);
  return transformFromState(t).apply(y);
}

export function invertTransform(t: TargetTransform, z: Float64Array): Float64Array {
  if (t.kind === 'none') return z;
  if (t.kind === 'box-cox' && t.lambda !== 0) {
    // Box-Cox is onto lambda z + 1 > 0 only: keep forecasts just inside (the edge is 0 for lambda > 0, a huge value for lambda < 0).
    const edge = -1 / t.lambda, inside = edge + Math.sign(t.lambda) * 1e-9 * Math.max(1, Math.abs(edge));
    z = Float64Array.from(z, (v) => (t.lambda > 0 ? Math.max(v, inside) : Math.min(v, inside)));
  }
  return transformFromState(t).invert(z);
}
