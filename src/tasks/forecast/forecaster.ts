/**
 * Forecasting with a trained model: windows of many series and origins in one batch, the model
 * run once (direct: H steps at a time) or step by step with each median fed back (recursive and
 * the shifted sequence model), the outputs decoded by each series' normaliser into quantiles of
 * the (transformed) series. Inference only: dropout off, nothing recorded. The inverse
 * transform to the data's units is the caller's (pipeline.ts).
 */
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { Tensor } from '../../tensor/tensor.js';
import type { ForecastHead } from './config.js';
import { headWidth, medianIndex, quantilesOf } from './heads.js';
import { type NormSeries, type Normalizer, featuresOf } from './normalizers.js';
import type { TargetLayout } from './windows.js';

/** What a forecasting model was trained to do (stored with it). */
export interface ForecastSpec {
  lookback: number;
  horizon: number;
  layout: TargetLayout;
  head: ForecastHead;
  quantiles: number[];
}

/** The input width, output width and output mode of the model a spec describes, for K targets and C covariates. */
export function modelShapeOf(spec: ForecastSpec, K: number, C: number): { inputSize: number; outputSize: number; output: 'sequence' | 'last' } {
  return {
    inputSize: K + C,
    outputSize: (spec.layout === 'direct' ? spec.horizon : 1) * K * headWidth(spec.head, spec.quantiles),
    output: spec.layout === 'shifted' ? 'sequence' : 'last',
  };
}

export interface ForecastItem {
  series: NormSeries;
  norm: Normalizer;
  /** The first step forecast: the window is [origin - lookback, origin). */
  origin: number;
}

/** Per item, per target: H x Q values (row h holds the quantiles of step origin + h), in the series' transformed units. */
export type QuantileForecast = Float64Array[];

/**
 * The windows before `origins` (default: each item's own) of `series` (default: each item's),
 * encoded by each item's normaliser into one time-major batch [T, B, F] (T = lookback): what the
 * model reads, and what a peer framework is given to read.
 */
export function windowBatch(spec: ForecastSpec, items: readonly ForecastItem[], origins: readonly number[] = items.map((it) => it.origin), series: readonly NormSeries[] = items.map((it) => it.series)): Tensor {
  const L = spec.lookback, B = items.length, F = featuresOf(series[0]!);
  const step = new Float32Array(L * F);
  const x = Tensor.zeros([L, B, F]);
  items.forEach((it, b) => {
    it.norm.encode(series[b]!, origins[b]!, L, step, 0);
    for (let t = 0; t < L; t++) x.data.set(step.subarray(t * F, (t + 1) * F), (t * B + b) * F);
  });
  return x;
}

/** Runs the model on the windows before each item's origin: [T, B, F] in, its outputs out. */
function runWindows(model: RecurrentModel, backend: Backend, spec: ForecastSpec, items: readonly ForecastItem[], origins: readonly number[], series: readonly NormSeries[]): Float32Array {
  const L = spec.lookback, B = items.length;
  const x = windowBatch(spec, items, origins, series);
  const tape = Tape.inference(backend);
  try {
    const { logits } = model.forward(tape, x);
    // The shifted sequence model answers at every step; the forecast is its last one.
    return Float32Array.from(spec.layout === 'shifted' ? logits.data.subarray((L - 1) * B * (logits.size / (L * B))) : logits.data);
  } finally {
    tape.reset();
  }
}

/** Forecasts every item (one batch); see the file comment. */
export function forecastItems(model: RecurrentModel, backend: Backend, spec: ForecastSpec, items: readonly ForecastItem[]): QuantileForecast[] {
  if (items.length === 0) return [];
  const wasTraining = model.training;
  model.eval();
  try {
    return spec.layout === 'direct' ? direct(model, backend, spec, items) : recursive(model, backend, spec, items);
  } finally {
    model.train(wasTraining);
  }
}

function direct(model: RecurrentModel, backend: Backend, spec: ForecastSpec, items: readonly ForecastItem[]): QuantileForecast[] {
  return decodeDirect(spec, items, runWindows(model, backend, spec, items, items.map((it) => it.origin), items.map((it) => it.series)));
}

/**
 * A direct model's outputs for a batch of items (row b: H x K x W values, as the head writes them)
 * decoded by each item's normaliser into quantiles of its (transformed) series: per item, per
 * target, H x Q. The same decoding for recur's outputs and for a peer's given the same windows.
 */
export function decodeDirect(spec: ForecastSpec, items: readonly ForecastItem[], out: ArrayLike<number>): QuantileForecast[] {
  const { horizon: H, head, quantiles } = spec;
  const Q = quantiles.length, W = headWidth(head, quantiles);
  return items.map((it, b) => {
    const K = it.series.z.length, O = H * K * W;
    return Array.from({ length: K }, (_, k) => {
      // Quantile columns of this target, in normalised units, then each decoded as a path.
      const cols = Array.from({ length: Q }, () => new Float64Array(H));
      for (let h = 0; h < H; h++) {
        const qs = quantilesOf(head, quantiles, out, b * O + (h * K + k) * W);
        for (let q = 0; q < Q; q++) cols[q]![h] = qs[q]!;
      }
      const decoded = cols.map((c) => it.norm.decode(it.series, it.origin, k, c));
      const res = new Float64Array(H * Q);
      for (let h = 0; h < H; h++) for (let q = 0; q < Q; q++) res[h * Q + q] = decoded[q]![h]!;
      return res;
    });
  });
}

function recursive(model: RecurrentModel, backend: Backend, spec: ForecastSpec, items: readonly ForecastItem[]): QuantileForecast[] {
  const { horizon: H, head, quantiles } = spec;
  const Q = quantiles.length, W = headWidth(head, quantiles);
  const median = medianIndex(quantiles);
  // Each item's targets extended by H steps; each step's median is written there and read back as history.
  const extended: NormSeries[] = items.map((it) => ({
    z: it.series.z.map((z) => { const e = new Float64Array(it.origin + H); e.set(z.subarray(0, it.origin)); return e; }),
    covariates: it.series.covariates,
  }));
  const res = items.map((it) => it.series.z.map(() => new Float64Array(H * Q)));
  for (let h = 0; h < H; h++) {
    const out = runWindows(model, backend, spec, items, items.map((it) => it.origin + h), extended);
    items.forEach((it, b) => {
      const K = it.series.z.length;
      for (let k = 0; k < K; k++) {
        const qs = quantilesOf(head, quantiles, out, (b * K + k) * W);
        for (let q = 0; q < Q; q++) res[b]![k]![h * Q + q] = it.norm.decode(extended[b]!, it.origin + h, k, [qs[q]!])[0]!;
        extended[b]!.z[k]![it.origin + h] = res[b]![k]![h * Q + median]!;
      }
    });
  }
  return res;
}
