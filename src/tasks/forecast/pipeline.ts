/**
 * The forecasting pipeline of one run, fitted on the training part of every series and stored
 * in the model file as JSON: each target's transform (none, log, Box-Cox), each series'
 * normaliser (scaling with differencing, or the hybrid's exponential smoothing), and the spec of
 * the model (lookback, horizon, layout, head). It prepares series for the model and turns its
 * forecasts back into the data's units. No training and no files here.
 */
import type { TimeSeries } from '../../data/time-series-csv.js';
import { type NormSeries, type Normalizer, type NormalizerState, type Smoothed, fitScaling, meanStd, scalingNormalizer, smooth, smoothingNormalizer } from './normalizers.js';
import type { ForecastSpec, QuantileForecast } from './forecaster.js';
import { type TargetTransform, applyTransform, invertTransform } from './target-transform.js';

/** What a fitted pipeline stores per series. */
export interface SeriesPipelineState {
  id: string;
  /** One per target column. */
  transforms: TargetTransform[];
  /** One per target, then one per covariate. */
  normalizer: NormalizerState[];
  /** In-sample scale of the MASE: mean absolute seasonal difference of each target's training part. */
  maseScale: number[];
}

export interface PipelineState {
  model: 'hybrid' | 'window' | 'seq2seq';
  spec: ForecastSpec;
  season: number;
  series: SeriesPipelineState[];
}

/** A series ready for the model: transformed targets, covariates, and its normaliser. */
export interface PreparedSeries {
  id: string;
  source: TimeSeries;
  norm: NormSeries;
  normalizer: Normalizer;
  state: SeriesPipelineState;
}

/** The MASE scale of `y[0, end)`: mean |y_t - y_{t-m}| (m = season, or 1), or 1 for a series without change. */
export function maseScale(y: ArrayLike<number>, end: number, season: number): number {
  const m = season > 1 && end > season ? season : 1;
  let sum = 0, n = 0;
  for (let t = m; t < end; t++) { sum += Math.abs(y[t]! - y[t - m]!); n++; }
  return n > 0 && sum > 0 ? sum / n : 1;
}

/** Builds a series' normaliser from its fitted state (the smoothing is recomputed over whatever history it is given). */
export function normalizerOf(states: NormalizerState[]): Normalizer {
  if (states[0]?.kind !== 'smoothing') return scalingNormalizer(states);
  const cache = new WeakMap<Float64Array, Smoothed>();
  return smoothingNormalizer(states, (s, k) => {
    const z = s.z[k]!;
    let sm = cache.get(z);
    if (!sm) {
      const st = states[k] as Extract<NormalizerState, { kind: 'smoothing' }>;
      sm = smooth(z, st.season, st.alpha, st.gamma);
      cache.set(z, sm);
    }
    return sm;
  });
}

/** A series transformed by its fitted transforms, with its normaliser. */
export function prepareSeries(source: TimeSeries, state: SeriesPipelineState): PreparedSeries {
  const norm: NormSeries = {
    z: source.targets.map((y, k) => applyTransform(state.transforms[k]!, y, `series '${source.id}'`)),
    covariates: source.covariates,
  };
  return { id: source.id, source, norm, normalizer: normalizerOf(state.normalizer), state };
}

/** Options of fitting a series' normaliser. */
export interface NormalizerFit {
  model: PipelineState['model'];
  scale: 'standardize' | 'min-max' | 'none';
  difference: number;
  season: number;
  /** Window and sequence models centre each window on the mean of its last `lookback` values. */
  lookback: number;
  /** Fits the hybrid's smoothing parameters on the training part of a transformed target. */
  fitSmoothing: (z: Float64Array, trainEnd: number, season: number) => { alpha: number; gamma: number };
}

/** Fits a normaliser on steps [0, trainEnd) of a transformed series. */
export function fitNormalizer(norm: NormSeries, trainEnd: number, o: NormalizerFit): NormalizerState[] {
  if (o.model !== 'hybrid') return fitScaling(norm, trainEnd, o.scale, o.difference, o.lookback);
  const covariates = fitScaling({ z: [], covariates: norm.covariates }, trainEnd, 'standardize', 0);
  const targets: NormalizerState[] = norm.z.map((z) => {
    const { alpha, gamma } = o.fitSmoothing(z, trainEnd, o.season);
    // The spread: how far the training part strays from level + season one step ahead.
    const sm = smooth(z.subarray(0, trainEnd), o.season, alpha, gamma);
    const resid = Float64Array.from({ length: Math.max(0, trainEnd - 1) }, (_, i) => z[i + 1]! - sm.level[i]! - sm.seasonal[i + 1]!);
    return { kind: 'smoothing', season: o.season, alpha, gamma, spread: meanStd(resid).std };
  });
  return [...targets, ...covariates];
}

/** Forecast quantiles of one series in the data's units: per target, H x Q (inverse of the target's transform). */
export function toDataUnits(series: PreparedSeries, forecast: QuantileForecast): Float64Array[] {
  return forecast.map((f, k) => invertTransform(series.state.transforms[k]!, f));
}
