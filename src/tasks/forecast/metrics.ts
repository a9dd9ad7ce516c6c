/**
 * Forecast accuracy metrics as the forecasting literature defines them (FPP3 §5.8-5.9, the M4
 * competition): MAE, RMSE, MAPE, sMAPE, MASE, interval coverage and width, pinball loss. Pure
 * functions of arrays; nothing here fits or runs a model.
 *
 * Inputs that are wrong (lengths that differ, an empty or non-finite array) throw `Error`. A
 * metric that is undefined on valid inputs (a zero in MAPE's denominator, a constant history for
 * MASE) throws `MetricUndefinedError`, which says why; `forecastMetrics` turns that into NaN plus
 * the reason in `undefinedReasons`, so that one table can still print the other metrics.
 */
import type { Forecast } from './prediction-intervals.js';

/** A metric that has no value on these (valid) inputs; the message says why. */
export class MetricUndefinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricUndefinedError';
  }
}

function checkFinite(values: ArrayLike<number>, who: string, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`${who}: ${what}[${i}] must be a finite number, got ${values[i]}`);
  }
}

/** Checks truth and forecast: the same length, at least one value, all finite. */
function checkPair(truth: ArrayLike<number>, forecast: ArrayLike<number>, who: string, what = 'forecast'): void {
  if (truth.length !== forecast.length) throw new Error(`${who}: truth has ${truth.length} values but ${what} has ${forecast.length}`);
  if (truth.length === 0) throw new Error(`${who}: truth and ${what} are empty`);
  checkFinite(truth, who, 'truth');
  checkFinite(forecast, who, what);
}

/** Mean absolute error: mean |y - ŷ|. */
export function mae(truth: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPair(truth, forecast, 'mae');
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs(truth[i]! - forecast[i]!);
  return s / truth.length;
}

/** Root mean squared error: sqrt(mean (y - ŷ)²). */
export function rmse(truth: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPair(truth, forecast, 'rmse');
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += (truth[i]! - forecast[i]!) ** 2;
  return Math.sqrt(s / truth.length);
}

/** Mean absolute percentage error in percent: 100 · mean |y - ŷ| / |y|. Undefined if some y is 0. */
export function mape(truth: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPair(truth, forecast, 'mape');
  let s = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === 0) throw new MetricUndefinedError(`mape: truth[${i}] is 0, so its percentage error divides by zero (use sMAPE or MASE)`);
    s += Math.abs((truth[i]! - forecast[i]!) / truth[i]!);
  }
  return (100 * s) / truth.length;
}

/**
 * Symmetric MAPE in percent, as the M4 competition defines it: (200 / h) · Σ |y - ŷ| / (|y| + |ŷ|),
 * so between 0 and 200. Undefined where y and ŷ are both 0.
 */
export function smape(truth: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPair(truth, forecast, 'smape');
  let s = 0;
  for (let i = 0; i < truth.length; i++) {
    const denominator = Math.abs(truth[i]!) + Math.abs(forecast[i]!);
    if (denominator === 0) throw new MetricUndefinedError(`smape: truth[${i}] and forecast[${i}] are both 0, so |y| + |ŷ| is 0`);
    s += Math.abs(truth[i]! - forecast[i]!) / denominator;
  }
  return (200 * s) / truth.length;
}

/**
 * The scale of MASE: the in-sample MAE of the seasonal naive method with period m on the
 * history, mean over t = m..n-1 of |history[t] - history[t - m]| (m = 1: the naive method).
 */
export function seasonalNaiveScale(history: ArrayLike<number>, period = 1): number {
  if (!(Number.isInteger(period) && period >= 1)) throw new Error(`mase: period must be a positive integer, got ${period}`);
  if (history.length <= period) throw new Error(`mase: the history must be longer than the period ${period}, got ${history.length} values`);
  checkFinite(history, 'mase', 'history');
  let s = 0;
  for (let t = period; t < history.length; t++) s += Math.abs(history[t]! - history[t - period]!);
  return s / (history.length - period);
}

/**
 * Mean absolute scaled error as in M4: the forecast's MAE divided by the in-sample MAE of the
 * seasonal naive method with period m on the history (`seasonalNaiveScale`). Below 1 beats the
 * in-sample one-step seasonal naive forecast. Undefined if the history repeats itself exactly
 * (scale 0).
 */
export function mase(truth: ArrayLike<number>, forecast: ArrayLike<number>, history: ArrayLike<number>, period = 1): number {
  checkPair(truth, forecast, 'mase');
  const scale = seasonalNaiveScale(history, period);
  if (scale === 0) throw new MetricUndefinedError(`mase: the history's seasonal naive MAE (period ${period}) is 0, so there is no scale`);
  return mae(truth, forecast) / scale;
}

function checkInterval(lower: ArrayLike<number>, upper: ArrayLike<number>, who: string): void {
  checkPair(lower, upper, who, 'upper');
  for (let i = 0; i < lower.length; i++) {
    if (lower[i]! > upper[i]!) throw new Error(`${who}: lower[${i}] = ${lower[i]} is above upper[${i}] = ${upper[i]}`);
  }
}

/** The fraction of truth values inside [lower, upper] (bounds included), between 0 and 1. */
export function intervalCoverage(truth: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  checkInterval(lower, upper, 'intervalCoverage');
  checkPair(truth, lower, 'intervalCoverage', 'lower');
  let inside = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i]! >= lower[i]! && truth[i]! <= upper[i]!) inside++;
  return inside / truth.length;
}

/** Mean of upper - lower. */
export function meanIntervalWidth(lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  checkInterval(lower, upper, 'meanIntervalWidth');
  let s = 0;
  for (let i = 0; i < lower.length; i++) s += upper[i]! - lower[i]!;
  return s / lower.length;
}

/**
 * Pinball (quantile) loss of a forecast of the q-quantile: mean of q·(y - ŷ) where y ≥ ŷ and
 * (1 - q)·(ŷ - y) where y < ŷ. At q = 0.5 it is half the MAE.
 */
export function meanPinballLoss(truth: ArrayLike<number>, quantileForecast: ArrayLike<number>, q: number): number {
  if (!(q > 0 && q < 1)) throw new Error(`meanPinballLoss: q must be in (0, 1), got ${q}`);
  checkPair(truth, quantileForecast, 'meanPinballLoss', 'quantileForecast');
  let s = 0;
  for (let i = 0; i < truth.length; i++) {
    const e = truth[i]! - quantileForecast[i]!;
    s += e >= 0 ? q * e : (q - 1) * e;
  }
  return s / truth.length;
}

/** What `forecastMetrics` may use besides truth and forecast. */
export interface ForecastMetricsOptions {
  /** The series before the forecast origin, for MASE's scale. Without it MASE is NaN. */
  history?: ArrayLike<number>;
  /** MASE's seasonal period m (default 1). */
  period?: number;
  /** Quantile forecasts to score by pinball loss. */
  quantiles?: ReadonlyArray<{ q: number; values: ArrayLike<number> }>;
}

/** All metrics of one forecast against the truth; an undefined one is NaN with its reason. */
export interface ForecastMetrics {
  mae: number;
  rmse: number;
  /** Percent. */
  mape: number;
  /** Percent (M4 definition, 0..200). */
  smape: number;
  mase: number;
  /** One entry per interval of the forecast: the fraction covered and the mean width. */
  intervals: Array<{ level: number; coverage: number; meanWidth: number }>;
  pinball: Array<{ q: number; loss: number }>;
  /** Metric name -> why it is NaN (only for metrics that are NaN). */
  undefinedReasons: Record<string, string>;
}

/**
 * Every metric of a forecast (a plain array of point forecasts, or a `Forecast` with
 * intervals) against the truth. Metrics undefined on these inputs are NaN, with the reason in
 * `undefinedReasons`; invalid inputs still throw.
 */
export function forecastMetrics(truth: ArrayLike<number>, forecast: ArrayLike<number> | Forecast, options: ForecastMetricsOptions = {}): ForecastMetrics {
  const point = 'mean' in forecast && 'intervals' in forecast ? forecast.mean : (forecast as ArrayLike<number>);
  checkPair(truth, point, 'forecastMetrics');
  const undefinedReasons: Record<string, string> = {};
  const orNaN = (name: string, f: () => number): number => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof MetricUndefinedError)) throw e;
      undefinedReasons[name] = e.message;
      return NaN;
    }
  };
  const { history, period = 1 } = options;
  let maseValue = NaN;
  if (history === undefined) undefinedReasons.mase = 'mase: no history was given for its scale';
  else maseValue = orNaN('mase', () => mase(truth, point, history, period));
  const intervals = 'intervals' in forecast
    ? forecast.intervals.map((i) => ({ level: i.level, coverage: intervalCoverage(truth, i.lower, i.upper), meanWidth: meanIntervalWidth(i.lower, i.upper) }))
    : [];
  return {
    mae: mae(truth, point),
    rmse: rmse(truth, point),
    mape: orNaN('mape', () => mape(truth, point)),
    smape: orNaN('smape', () => smape(truth, point)),
    mase: maseValue,
    intervals,
    pinball: (options.quantiles ?? []).map(({ q, values }) => ({ q, loss: meanPinballLoss(truth, values, q) })),
    undefinedReasons,
  };
}
