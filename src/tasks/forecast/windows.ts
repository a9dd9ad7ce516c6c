/**
 * Training examples of a forecasting model, cut from normalised series: for every origin T with
 * a whole window before it and whole targets after it (inside the training part), the L steps
 * before T as inputs and, as targets, the next H values (direct), the next value (recursive), or
 * the value one step after each input (the sequence model shifted by one step). Returned as a
 * `SequenceDataset` of float features and float targets for `SequenceBatcher`. No model here.
 */
import type { SequenceDataset } from '../../data/sequence-batcher.js';
import { type NormSeries, type Normalizer, featuresOf } from './normalizers.js';

/** What a model predicts per window: 'direct' H steps, 'next' one step, 'shifted' one step after every input. */
export type TargetLayout = 'direct' | 'next' | 'shifted';

export interface WindowSpec {
  lookback: number;
  horizon: number;
  layout: TargetLayout;
}

/** Values per example's target vector: direct H x K, next K, shifted L x K (time-major within the window). */
export function targetSize(spec: WindowSpec, targets: number): number {
  return (spec.layout === 'direct' ? spec.horizon : spec.layout === 'next' ? 1 : spec.lookback) * targets;
}

/** The first and last origin of a series of `n` training steps (empty when last < first). */
export function originRange(spec: WindowSpec, n: number): { first: number; last: number } {
  const ahead = spec.layout === 'direct' ? spec.horizon : 1;
  return { first: spec.lookback, last: n - ahead };
}

/**
 * Every window of every series whose targets fall in steps [0, trainEnd[i]) of series i.
 * Inputs are L x F values (F = targets + covariates), step by step.
 */
export function makeWindows(series: readonly NormSeries[], normalizers: readonly Normalizer[], trainEnds: readonly number[], spec: WindowSpec): SequenceDataset & { origins: { series: number; origin: number }[] } {
  const inputs: Float32Array[] = [], targets: Float32Array[] = [];
  const origins: { series: number; origin: number }[] = [];
  const { lookback: L, horizon: H } = spec;
  series.forEach((s, i) => {
    const F = featuresOf(s), K = s.z.length, norm = normalizers[i]!;
    const { first, last } = originRange(spec, trainEnds[i]!);
    for (let T = first; T <= last; T++) {
      const x = new Float32Array(L * F);
      norm.encode(s, T, L, x, 0);
      const y = new Float32Array(targetSize(spec, K));
      if (spec.layout === 'direct') {
        for (let h = 0; h < H; h++) for (let k = 0; k < K; k++) y[h * K + k] = norm.target(s, T, k, T + h);
      } else if (spec.layout === 'next') {
        for (let k = 0; k < K; k++) y[k] = norm.target(s, T, k, T);
      } else {
        // Shifted: after reading step T - L + i, predict step T - L + i + 1 (in the window's own normalisation).
        for (let i2 = 0; i2 < L; i2++) for (let k = 0; k < K; k++) y[i2 * K + k] = norm.target(s, T, k, T - L + i2 + 1);
      }
      inputs.push(x);
      targets.push(y);
      origins.push({ series: i, origin: T });
    }
  });
  return { inputs, targets, features: series[0] ? featuresOf(series[0]) : 1, origins };
}
