/**
 * Fits the hybrid's smoothing parameters: alpha (level) and gamma (season) of the additive
 * level + season smoother in normalizers.ts, by least squares of its one-step-ahead errors on the
 * training part, over a grid refined twice around the best point. Deterministic, bounded work
 * (about 3 x 81 passes over the series). Not Holt-Winters with a trend: the network forecasts
 * the rest, as in ES-RNN.
 */
import { smooth } from './normalizers.js';

/** Sum of squared one-step-ahead errors of the smoother on z[0, end). */
export function smoothingSse(z: Float64Array, end: number, season: number, alpha: number, gamma: number): number {
  const sm = smooth(z.subarray(0, end), season, alpha, gamma);
  // Skip the first season, whose states come from the initialisation.
  let sse = 0;
  for (let t = Math.max(1, season); t < end; t++) {
    const e = z[t]! - sm.level[t - 1]! - sm.seasonal[t]!;
    sse += e * e;
  }
  return sse;
}

/** The (alpha, gamma) in [0.001, 0.999]^2 with the least one-step squared error on z[0, end). */
export function fitSmoothing(z: Float64Array, end: number, season: number): { alpha: number; gamma: number } {
  let best = { alpha: 0.5, gamma: 0.1, sse: Infinity };
  let lo = [0.001, 0.001], hi = [0.999, 0.999];
  for (let round = 0; round < 3; round++) {
    const n = 9;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < (season > 1 ? n : 1); j++) {
        const alpha = lo[0]! + ((hi[0]! - lo[0]!) * i) / (n - 1);
        const gamma = season > 1 ? lo[1]! + ((hi[1]! - lo[1]!) * j) / (n - 1) : 0;
        const sse = smoothingSse(z, end, season, alpha, gamma);
        if (sse < best.sse) best = { alpha, gamma, sse };
      }
    }
    const da = (hi[0]! - lo[0]!) / 8, dg = (hi[1]! - lo[1]!) / 8;
    lo = [Math.max(0.001, best.alpha - da), Math.max(0.001, best.gamma - dg)];
    hi = [Math.min(0.999, best.alpha + da), Math.min(0.999, best.gamma + dg)];
  }
  return { alpha: best.alpha, gamma: season > 1 ? best.gamma : 0 };
}
