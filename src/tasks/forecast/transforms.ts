/**
 * Invertible series transforms whose fitted state is plain JSON (so a model file can store it):
 * standardize, min-max, log, Box-Cox (lambda given or by Guerrero's method), differencing at lag
 * 1 or a seasonal lag m, one series at a time, pooled over several, or per series, and pipelines
 * of them. `fitTransform(spec, series)` then `apply` / `invert` / `invertForecast`. Not a
 * forecaster, and no file I/O: the caller stores `state` where it likes.
 */
import { boxCox, checkPositive, guerreroLambda, invBoxCox } from './box-cox.js';

/** What to fit. */
export type TransformSpec =
  | { kind: 'standardize' }
  | { kind: 'min-max' }
  | { kind: 'log' }
  /** lambda given, or chosen by Guerrero's method with blocks of max(2, period) values. */
  | { kind: 'box-cox'; lambda?: number; period?: number; lower?: number; upper?: number }
  /** x[t] - x[t - lag]; lag 1 by default, the seasonal period m for seasonal differencing. */
  | { kind: 'difference'; lag?: number };

/** A fitted transform as JSON. */
export type TransformState =
  /** (x - mean) / scale, scale the population sd; a constant series gets scale 1 and constant: true. */
  | { kind: 'standardize'; mean: number; scale: number; constant: boolean }
  /** (x - min) / range into [0, 1]; a constant series gets range 1 (so maps to 0) and constant: true. */
  | { kind: 'min-max'; min: number; range: number; constant: boolean }
  | { kind: 'log' }
  | { kind: 'box-cox'; lambda: number; chosenBy: 'given' | 'guerrero' }
  /** head: the first lag values of the fitted series (to invert it); tail: its last lag values (to invert forecasts). */
  | { kind: 'difference'; lag: number; head: number[]; tail: number[] };

/** A fitted transform. `apply` and `invert` are exact inverses up to rounding (1e-12 relative). */
export interface FittedTransform {
  readonly state: TransformState;
  /** The transformed series (differencing: lag values shorter). */
  apply(x: ArrayLike<number>): Float64Array;
  /** Back to the original scale; differencing starts from `head` (the fitted series' first values). */
  invert(y: ArrayLike<number>, head?: ArrayLike<number>): Float64Array;
  /**
   * Transformed forecasts for steps 1..h after the end of a series, back on the original scale;
   * differencing adds them to the last `lag` values of `history` (default: of the fitted series).
   */
  invertForecast(y: ArrayLike<number>, history?: ArrayLike<number>): Float64Array;
}

function finiteSeries(x: ArrayLike<number>, who: string): Float64Array {
  if (x.length === 0) throw new Error(`${who}: the series is empty`);
  const out = Float64Array.from(x);
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new Error(`${who}: x[${i}] must be a finite number, got ${x[i]}`);
  return out;
}

function pointwise(state: TransformState, forward: (v: number) => number, backward: (v: number) => number, check?: (x: ArrayLike<number>) => void): FittedTransform {
  const map = (x: ArrayLike<number>, f: (v: number) => number): Float64Array => Float64Array.from(x, f);
  const invert = (y: ArrayLike<number>) => map(y, backward);
  return {
    state,
    apply(x) { check?.(x); return map(x, forward); },
    invert,
    invertForecast: invert,
  };
}

function differencing(state: Extract<TransformState, { kind: 'difference' }>): FittedTransform {
  const { lag } = state;
  // x[i] = y[i - lag] + x[i - lag], starting from `start` (the lag values before y's first).
  const integrate = (y: ArrayLike<number>, start: ArrayLike<number>, who: string): Float64Array => {
    if (start.length < lag) throw new Error(`${who}: needs the ${lag} values before the differences, got ${start.length}`);
    const x = new Float64Array(lag + y.length);
    for (let i = 0; i < lag; i++) x[i] = start[start.length - lag + i]!;
    for (let i = 0; i < y.length; i++) x[lag + i] = y[i]! + x[i]!;
    return x;
  };
  return {
    state,
    apply(x) {
      if (x.length <= lag) throw new Error(`difference.apply: needs more than lag = ${lag} values, got ${x.length}`);
      return Float64Array.from({ length: x.length - lag }, (_, i) => x[i + lag]! - x[i]!);
    },
    invert(y, head = state.head) {
      return integrate(y, head, 'difference.invert');
    },
    invertForecast(y, history = state.tail) {
      return integrate(y, history, 'difference.invertForecast').slice(lag);
    },
  };
}

/** Rebuilds a fitted transform from its JSON state, checking the state. */
export function transformFromState(state: TransformState): FittedTransform {
  const bad = (what: string) => new Error(`transformFromState: ${what}, got ${JSON.stringify(state)}`);
  const finite = (...v: unknown[]) => v.every((n) => typeof n === 'number' && Number.isFinite(n));
  switch (state?.kind) {
    case 'standardize': {
      const { mean, scale } = state;
      if (!finite(mean, scale) || !(scale > 0)) throw bad('standardize needs a finite mean and a scale > 0');
      return pointwise(state, (v) => (v - mean) / scale, (v) => v * scale + mean);
    }
    case 'min-max': {
      const { min, range } = state;
      if (!finite(min, range) || !(range > 0)) throw bad('min-max needs a finite min and a range > 0');
      return pointwise(state, (v) => (v - min) / range, (v) => v * range + min);
    }
    case 'log':
      return pointwise(state, Math.log, Math.exp, (x) => checkPositive(x, 'log.apply'));
    case 'box-cox': {
      const { lambda } = state;
      if (!finite(lambda)) throw bad('box-cox needs a finite lambda');
      return {
        state,
        apply: (x) => boxCox(x, lambda),
        invert: (y) => invBoxCox(y, lambda),
        invertForecast: (y) => invBoxCox(y, lambda),
      };
    }
    case 'difference': {
      const { lag, head, tail } = state;
      const ok = Number.isInteger(lag) && lag >= 1 && [head, tail].every((a) => Array.isArray(a) && a.length === lag && finite(...a));
      if (!ok) throw bad('difference needs an integer lag >= 1 and head and tail of lag finite numbers');
      return differencing(state);
    }
    default:
      throw bad('unknown transform kind (standardize, min-max, log, box-cox, difference)');
  }
}

function extent(x: Float64Array): { min: number; max: number; mean: number; sd: number } {
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of x) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  const mean = sum / x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  return { min, max, mean, sd: Math.sqrt(ss / x.length) };
}

/**
 * Fits a transform to one series. A constant series never divides by zero: standardize gets
 * scale 1 and min-max range 1, with `constant: true` in the state. Log and Box-Cox need values
 * > 0 (the error names the first that is not); differencing needs more than `lag` values.
 */
export function fitTransform(spec: TransformSpec, series: ArrayLike<number>): FittedTransform {
  const who = `fitTransform(${spec?.kind})`;
  const x = finiteSeries(series, who);
  switch (spec?.kind) {
    case 'standardize': {
      const { min, max, mean, sd } = extent(x);
      const constant = min === max; // exact: a rounding-level sd must not become a huge scale
      return transformFromState({ kind: 'standardize', mean: constant ? min : mean, scale: constant ? 1 : sd, constant });
    }
    case 'min-max': {
      const { min, max } = extent(x);
      return transformFromState({ kind: 'min-max', min, range: min === max ? 1 : max - min, constant: min === max });
    }
    case 'log':
      checkPositive(x, who);
      return transformFromState({ kind: 'log' });
    case 'box-cox': {
      checkPositive(x, who);
      if (spec.lambda !== undefined) return transformFromState({ kind: 'box-cox', lambda: spec.lambda, chosenBy: 'given' });
      const lambda = guerreroLambda(x, { period: spec.period, lower: spec.lower, upper: spec.upper });
      return transformFromState({ kind: 'box-cox', lambda, chosenBy: 'guerrero' });
    }
    case 'difference': {
      const lag = spec.lag ?? 1;
      if (!(Number.isInteger(lag) && lag >= 1)) throw new Error(`${who}: lag must be a positive integer, got ${lag}`);
      if (x.length <= lag) throw new Error(`${who}: needs more than lag = ${lag} values, got ${x.length}`);
      return transformFromState({ kind: 'difference', lag, head: [...x.subarray(0, lag)], tail: [...x.subarray(x.length - lag)] });
    }
    default:
      throw new Error(`fitTransform: unknown transform kind ${JSON.stringify(spec)} (standardize, min-max, log, box-cox, difference)`);
  }
}

/**
 * One transform fitted to all values of several series together (a global scale for a global
 * model). Differencing and Guerrero's lambda are per series by nature: use `fitPerSeries`.
 */
export function fitPooled(spec: TransformSpec, seriesList: ReadonlyArray<ArrayLike<number>>): FittedTransform {
  if (spec?.kind === 'difference' || (spec?.kind === 'box-cox' && spec.lambda === undefined)) {
    throw new Error(`fitPooled: ${spec.kind === 'difference' ? 'differencing' : "Guerrero's lambda"} is fitted per series; use fitPerSeries`);
  }
  if (seriesList.length === 0) throw new Error('fitPooled: no series given');
  const all: number[] = [];
  for (const s of seriesList) for (let i = 0; i < s.length; i++) all.push(s[i]!);
  return fitTransform(spec, all);
}

/** One transform per series, each fitted to its own series. */
export function fitPerSeries(spec: TransformSpec, seriesList: ReadonlyArray<ArrayLike<number>>): FittedTransform[] {
  return seriesList.map((s, i) => {
    try {
      return fitTransform(spec, s);
    } catch (e) {
      throw new Error(`fitPerSeries: series ${i}: ${(e as Error).message}`);
    }
  });
}

/**
 * Transforms applied in order (e.g. Box-Cox, then seasonal differencing, then standardize),
 * each fitted on the output of the one before; inverted in reverse order.
 */
export class TransformPipeline {
  private constructor(readonly steps: readonly FittedTransform[]) {}

  static fit(specs: readonly TransformSpec[], series: ArrayLike<number>): TransformPipeline {
    const steps: FittedTransform[] = [];
    let x: ArrayLike<number> = series;
    for (const spec of specs) {
      const step = fitTransform(spec, x);
      x = step.apply(x);
      steps.push(step);
    }
    return new TransformPipeline(steps);
  }

  static fromState(states: readonly TransformState[]): TransformPipeline {
    if (!Array.isArray(states)) throw new Error(`TransformPipeline.fromState: expected an array of transform states, got ${JSON.stringify(states)}`);
    return new TransformPipeline(states.map(transformFromState));
  }

  /** The JSON of every step, in order. */
  get state(): TransformState[] {
    return this.steps.map((s) => s.state);
  }

  apply(x: ArrayLike<number>): Float64Array {
    let y: Float64Array = Float64Array.from(x);
    for (const step of this.steps) y = step.apply(y);
    return y;
  }

  /** The inverse of `apply` on the fitted series (differencing steps start from their heads). */
  invert(y: ArrayLike<number>): Float64Array {
    let x: Float64Array = Float64Array.from(y);
    for (let i = this.steps.length - 1; i >= 0; i--) x = this.steps[i]!.invert(x);
    return x;
  }

  /** Transformed forecasts for steps 1..h after the fitted series, on the original scale. */
  invertForecast(y: ArrayLike<number>): Float64Array {
    let x: Float64Array = Float64Array.from(y);
    for (let i = this.steps.length - 1; i >= 0; i--) x = this.steps[i]!.invertForecast(x);
    return x;
  }
}
