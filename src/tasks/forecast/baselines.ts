/**
 * The benchmark forecasters of FPP3 §5.2 with their residual-based normal prediction intervals
 * (§5.5, Table 5.2): naive, seasonal naive and drift (random walk with drift). Each is
 * `fit(history)` then `forecast(h)`. Not Holt-Winters (holt-winters.ts), and no transform: give
 * them the series on the scale you want forecasts on.
 */
import { DEFAULT_LEVELS, checkHorizon, checkLevels, normalIntervals, type Forecast } from './prediction-intervals.js';

/** A benchmark method: `fit` reads a history and returns a forecaster. */
export interface Baseline {
  readonly name: string;
  fit(history: ArrayLike<number>): FittedBaseline;
}

/** A fitted benchmark: one-step fitted values, residuals, their scale, and forecasts. */
export interface FittedBaseline {
  readonly name: string;
  /** [n] one-step-ahead fitted values; NaN where the method has none (the first 1 or m). */
  readonly fitted: Float64Array;
  /** [n] history - fitted (NaN where fitted is NaN). */
  readonly residuals: Float64Array;
  /** The residual standard deviation σ̂, with σ̂² = Σ e² / (N - K): N residuals, K parameters. */
  readonly sigma: number;
  /** [h] the standard deviation of the h-step forecast distribution (FPP3 Table 5.2). */
  forecastSd(h: number): Float64Array;
  /** Point forecasts and normal intervals for steps 1..h (levels default to 0.8 and 0.95). */
  forecast(h: number, options?: { levels?: readonly number[] }): Forecast;
}

function checkHistory(history: ArrayLike<number>, minLength: number, who: string): Float64Array {
  if (history.length < minLength) throw new Error(`${who}: needs a history of at least ${minLength} values, got ${history.length}`);
  const y = Float64Array.from(history);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) throw new Error(`${who}: history[${i}] must be a finite number, got ${history[i]}`);
  }
  return y;
}

/** σ̂ = sqrt(Σ e² / (N - K)) over the non-NaN residuals. */
function residualSigma(residuals: Float64Array, parameters: number): number {
  let s = 0, n = 0;
  for (const e of residuals) if (!Number.isNaN(e)) { s += e * e; n++; }
  return Math.sqrt(s / (n - parameters));
}

function fittedBaseline(
  name: string, y: Float64Array, fitted: Float64Array, parameters: number,
  point: (h: number) => number, sdFactor: (h: number) => number,
): FittedBaseline {
  const residuals = y.map((v, i) => v - fitted[i]!);
  const sigma = residualSigma(residuals, parameters);
  const forecastSd = (h: number): Float64Array => {
    checkHorizon(h, `${name}.forecastSd`);
    return Float64Array.from({ length: h }, (_, i) => sigma * sdFactor(i + 1));
  };
  return {
    name, fitted, residuals, sigma, forecastSd,
    forecast(h, options = {}) {
      checkHorizon(h, `${name}.forecast`);
      const levels = options.levels ?? DEFAULT_LEVELS;
      checkLevels(levels, `${name}.forecast`);
      const mean = Float64Array.from({ length: h }, (_, i) => point(i + 1));
      return { mean, intervals: normalIntervals(mean, forecastSd(h), levels) };
    },
  };
}

/** Naive: every forecast is the last value, ŷ(T+h) = y(T); σ_h = σ̂ √h. Needs 2 values. */
export const naive: Baseline = {
  name: 'naive',
  fit(history) {
    const y = checkHistory(history, 2, 'naive.fit');
    const n = y.length;
    const fitted = y.map((_, t) => (t === 0 ? NaN : y[t - 1]!));
    return fittedBaseline('naive', y, fitted, 0, () => y[n - 1]!, (h) => Math.sqrt(h));
  },
};

/**
 * Seasonal naive with period m: each forecast is the last value of the same season,
 * ŷ(T+h) = y(T + h - m(k+1)) with k = floor((h-1)/m); σ_h = σ̂ √(k+1). Needs m + 1 values.
 */
export function seasonalNaive(period: number): Baseline {
  if (!(Number.isInteger(period) && period >= 1)) throw new Error(`seasonalNaive: period must be a positive integer, got ${period}`);
  const name = `seasonal naive (period ${period})`;
  return {
    name,
    fit(history) {
      const y = checkHistory(history, period + 1, 'seasonalNaive.fit');
      const n = y.length;
      const fitted = y.map((_, t) => (t < period ? NaN : y[t - period]!));
      return fittedBaseline(name, y, fitted, 0,
        (h) => y[n - period + ((h - 1) % period)]!,
        (h) => Math.sqrt(Math.floor((h - 1) / period) + 1));
    },
  };
}

/**
 * Drift (a random walk with drift): the line from the first to the last value, extended,
 * ŷ(T+h) = y(T) + h (y(T) - y(1)) / (T - 1); σ_h = σ̂ √(h (1 + h / (T - 1))), which adds the
 * drift's estimation error to the walk's (T - 1 differences; K = 1). Needs 3 values.
 */
export const drift: Baseline = {
  name: 'drift',
  fit(history) {
    const y = checkHistory(history, 3, 'drift.fit');
    const n = y.length;
    const slope = (y[n - 1]! - y[0]!) / (n - 1);
    const fitted = y.map((_, t) => (t === 0 ? NaN : y[t - 1]! + slope));
    return fittedBaseline('drift', y, fitted, 1, (h) => y[n - 1]! + h * slope, (h) => Math.sqrt(h * (1 + h / (n - 1))));
  },
};
