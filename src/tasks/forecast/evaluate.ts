/**
 * `recur forecast eval`: a saved model forecasts the hold-out at the end of every series (or K
 * rolling origins a horizon apart), and the classical baselines forecast the same steps from the
 * same history: naive, seasonal naive, drift and Holt-Winters (damped trend, additive or
 * multiplicative season by AICc, least squares). Every method is scored the same way: MAE, RMSE,
 * MAPE, sMAPE and MASE over all forecast values, and the coverage of the interval at the level
 * of the model's outermost quantiles. Forecasts of the same origins made elsewhere (a peer
 * framework's, from the same windows) can be scored beside them with the same code.
 */
import type { TimeSeriesData } from '../../data/time-series-csv.js';
import type { Backend } from '../../kernels/backend.js';
import type { ForecastChartInput } from '../../plot/index.js';
import { drift, naive, seasonalNaive } from './baselines.js';
import { selectHoltWinters } from './holt-winters-fit.js';
import { forecastMetrics } from './metrics.js';
import type { Forecast } from './prediction-intervals.js';
import { type ForecastModel, forecastAt, seriesForModel } from './predict.js';
import { medianIndex } from './heads.js';
import type { ForecastMetadata } from './task.js';

export interface MethodScore {
  name: string;
  /** Means over every forecast value of every series, target and origin. */
  mae: number;
  rmse: number;
  /** Fractions (0.035 is 3.5%); NaN where the truth has a zero (MAPE). */
  mape: number;
  smape: number;
  mase: number;
  /** Share of the truth inside the method's interval, or null for a method without one. */
  coverage: number | null;
  /** Why a method could not forecast (too short a history ...), when it could not. */
  skipped?: string;
}

export interface ForecastEvaluation {
  description: string;
  holdout: number;
  origins: number;
  /** The interval level scored (the model's outermost quantiles). */
  level: number;
  methods: MethodScore[];
  /** The first series' first target at the last origin, for `--plot`. */
  plot: ForecastChartInput;
}

/** Running sums of one method's errors. */
class Totals {
  n = 0; abs = 0; sq = 0; ape = 0; apeN = 0; sape = 0; ase = 0; covered = 0; intervalN = 0;
  skipped: string | undefined;

  add(truth: Float64Array, f: Forecast, history: Float64Array, period: number): void {
    const m = forecastMetrics(truth, f, { history, period });
    const n = truth.length;
    this.n += n;
    this.abs += m.mae * n;
    this.sq += m.rmse * m.rmse * n;
    if (Number.isFinite(m.mape)) { this.ape += (m.mape / 100) * n; this.apeN += n; }
    this.sape += (m.smape / 100) * n;
    this.ase += m.mase * n;
    if (m.intervals[0]) { this.covered += m.intervals[0].coverage * n; this.intervalN += n; }
  }

  score(name: string): MethodScore {
    const n = Math.max(1, this.n);
    return {
      name, mae: this.abs / n, rmse: Math.sqrt(this.sq / n), mape: this.apeN === this.n ? this.ape / n : NaN, smape: this.sape / n, mase: this.ase / n,
      coverage: this.intervalN ? this.covered / this.intervalN : null, ...(this.skipped ? { skipped: this.skipped } : {}),
    };
  }
}

export interface EvaluateOptions {
  /** Steps at the end of each series scored (default: the horizon). */
  holdout?: number;
  /** Rolling origins, a horizon apart, ending with the hold-out's (default 1). */
  backtest?: number;
  /**
   * Forecasts of the same origins by other methods, scored as rows of their own after the model's:
   * per origin of `evaluationOrigins` (in its order), per target H x Q values in the data's units.
   */
  others?: { name: string; forecasts: Float64Array[][] }[];
}

/**
 * The origins an evaluation forecasts from, series by series, earliest first: the start of the
 * last `holdout` steps, or K origins a horizon apart ending there. Each leaves the longest
 * lookback of the model's members and one step of history.
 */
export function evaluationOrigins(meta: ForecastMetadata, csv: TimeSeriesData, options: EvaluateOptions = {}): { series: number; origin: number }[] {
  const H = meta.pipelines[0]!.spec.horizon, holdout = options.holdout ?? H, K = options.backtest ?? 1;
  if (K > 1 && holdout !== H) throw new Error(`forecast eval: --backtest scores origins a horizon (${H}) apart; leave --holdout at the horizon`);
  const lookback = Math.max(...meta.pipelines.map((p) => p.spec.lookback));
  const origins: { series: number; origin: number }[] = [];
  csv.series.forEach((s, i) => {
    const n = s.times.length;
    for (let j = K - 1; j >= 0; j--) {
      const origin = n - holdout - j * H;
      if (origin < lookback + 1) {
        throw new Error(`forecast eval: ${s.id ? `series '${s.id}'` : 'the series'} has ${n} steps; an origin ${holdout + j * H} steps before its end leaves ${origin} steps of history, fewer than the model's lookback ${lookback} + 1`);
      }
      origins.push({ series: i, origin });
    }
  });
  return origins;
}

export function evaluateForecastModel(fm: Omit<ForecastModel, 'path'>, backend: Backend, csv: TimeSeriesData, options: EvaluateOptions = {}): ForecastEvaluation {
  const { spec, season } = fm.meta.pipelines[0]!;
  const H = spec.horizon, holdout = options.holdout ?? H, K = options.backtest ?? 1;
  const series = seriesForModel(fm.meta, csv);
  const origins = evaluationOrigins(fm.meta, csv, options);
  const others = (options.others ?? []).map((o) => {
    if (o.forecasts.length !== origins.length) throw new Error(`evaluateForecastModel: ${o.name} has forecasts of ${o.forecasts.length} origins, expected ${origins.length}`);
    return { ...o, totals: new Totals() };
  });
  const Q = spec.quantiles.length, mid = medianIndex(spec.quantiles);
  const level = Q > 1 ? Number((spec.quantiles[Q - 1]! - spec.quantiles[0]!).toFixed(6)) : 0;
  const recur = new Totals();
  const baselines = ['naive', ...(season > 1 ? [`seasonal naive (${season})`] : []), 'drift', 'Holt-Winters'].map((name) => ({ name, totals: new Totals() }));
  const fc = forecastAt(fm, backend, csv, series, origins);
  let plot: ForecastChartInput | undefined;
  fc.forEach((r, j) => {
    const s = series[0]![r.series]!;
    r.values.forEach((v, k) => {
      const y = s.source.targets[k]!;
      const len = Math.min(holdout, y.length - r.origin);
      const truth = y.slice(r.origin, r.origin + len);
      const history = y.slice(0, r.origin);
      const ours = asForecast(v, len, Q, mid, level);
      recur.add(truth, ours, history, season);
      for (const o of others) o.totals.add(truth, asForecast(o.forecasts[j]![k]!, len, Q, mid, level), history, season);
      for (const b of baselines) {
        if (b.totals.skipped) continue;
        try {
          b.totals.add(truth, baselineForecast(b.name, history, season, len, level), history, season);
        } catch (e) {
          b.totals.skipped = (e as Error).message;
        }
      }
      if (r.series === 0 && k === 0) {
        plot = {
          title: `${fm.meta.data.targets[0]}${s.id ? ` (${s.id})` : ''}: forecast of the last ${len} steps`,
          history: { times: s.source.times.slice(0, r.origin), values: Array.from(history) },
          forecast: { times: r.times.slice(0, len), values: Array.from(ours.mean), ...(Q > 1 ? { lower: Array.from(ours.intervals[0]!.lower), upper: Array.from(ours.intervals[0]!.upper), level } : {}) },
          truth: { times: r.times.slice(0, len), values: Array.from(truth) },
          yLabel: fm.meta.data.targets[0],
        };
      }
    });
  });
  const models = fm.meta.pipelines.map((p) => p.model).join(' + ');
  return {
    description: `${csv.source}: ${csv.series.length} series, ${K > 1 ? `${K} rolling origins a horizon (${H}) apart` : `the last ${holdout} steps`}, ` +
      `${level ? `${Math.round(level * 100)}% intervals` : 'no intervals'}; recur ${models} (horizon ${H}, season ${season})`,
    holdout, origins: K, level,
    methods: [recur.score(`recur ${models}`), ...others.map((o) => o.totals.score(o.name)), ...baselines.map((b) => b.totals.score(b.name))],
    plot: plot!,
  };
}

/** The first `len` steps of H x Q quantile values as a point forecast (the median) and the outermost quantiles' interval at `level`. */
function asForecast(v: Float64Array, len: number, Q: number, mid: number, level: number): Forecast {
  const col = (q: number) => Float64Array.from({ length: len }, (_, h) => v[h * Q + q]!);
  return { mean: col(mid), intervals: Q > 1 ? [{ level, lower: col(0), upper: col(Q - 1) }] : [] };
}

/** A classical forecast of `h` steps after `history`, with an interval at `level` (none when level is 0). */
function baselineForecast(name: string, history: Float64Array, season: number, h: number, level: number): Forecast {
  const levels = level > 0 ? [level] : [];
  if (name === 'naive') return naive.fit(history).forecast(h, { levels });
  if (name === 'drift') return drift.fit(history).forecast(h, { levels });
  if (name.startsWith('seasonal naive')) return seasonalNaive(season).fit(history).forecast(h, { levels });
  const { best } = selectHoltWinters(history, { period: season, trends: ['damped'] });
  return best.forecast(h, { levels });
}
