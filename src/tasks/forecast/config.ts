/**
 * The forecasting task's configuration: which columns of the CSV to read, the horizon and
 * lookback, the model (an ES-RNN-style hybrid, a window model, or the seed's sequence model
 * shifted by one step), the output head (quantiles, Gaussian or a point), the transforms, and
 * the shared training settings; typed defaults and one clear error per bad field. Knows no flags.
 */
import { CELL_KINDS, type CellKind } from '../../kernels/cell-kinds.js';
import { type TrainConfig, checkTrainConfig, fieldChecks, stripUndefined } from '../train-config.js';

/** One model of a forecast: the ES-RNN-style hybrid, a window model, or the sequence model shifted by one step. */
export type MemberKind = 'hybrid' | 'window' | 'seq2seq';
export type ForecastModel = 'auto' | MemberKind | 'ensemble';
export const MEMBER_KINDS: readonly MemberKind[] = ['hybrid', 'window', 'seq2seq'];
export type ForecastStrategy = 'direct' | 'recursive';
export type ForecastHead = 'quantile' | 'gaussian' | 'point';
export type ForecastTransform = 'auto' | 'none' | 'log' | 'box-cox';
export type ForecastScale = 'standardize' | 'min-max' | 'none';

export interface ForecastConfig extends TrainConfig {
  /** The time column (default: the CSV's first column). */
  timeColumn?: string;
  /** Columns to forecast (one or more). */
  targets: string[];
  /** Numeric columns read as extra inputs (known up to the forecast origin). */
  covariates: string[];
  /** A column naming the series of each row: several series, one global model. */
  seriesColumn?: string;
  /** What to do with gaps and missing values (default: they are errors). */
  fill: 'none' | 'linear' | 'previous';
  /** Steps to forecast, H. */
  horizon: number;
  /** Steps the model reads before each forecast origin, L (0: chosen from the season and horizon). */
  lookback: number;
  /**
   * 'auto' trains the hybrid and the window model and keeps the better by validation on the
   * training part, or both as an ensemble when they validate alike; 'ensemble' averages `members`.
   */
  model: ForecastModel;
  /** The members of an ensemble (default hybrid and window). */
  members: MemberKind[];
  /** Window model: H outputs at once ('direct') or one step fed back H times ('recursive'). */
  strategy: ForecastStrategy;
  head: ForecastHead;
  /** Quantile levels reported by the quantile and Gaussian heads (0.5, the point forecast, is added when missing). */
  quantiles: number[];
  /** Applied before everything else; 'auto' takes log for a positive series whose spread grows with its level. */
  transform: ForecastTransform;
  /** Per-series scaling of window and sequence models (the hybrid normalises by its level). */
  scale: ForecastScale;
  /** Differencing of window and sequence models: 0 none, 1 first differences, or a seasonal lag. */
  difference: number;
  /** Seasonal period; 0 detects it from the data (1: none). */
  season: number;
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  /** Steps at the end of each series held out for validation and model selection (0: about a tenth of the shortest series, in whole horizons). */
  validationSize: number;
}

/** Defaults for a series of a few hundred to a few thousand points on a 2-core machine. */
export const FORECAST_DEFAULTS: Readonly<ForecastConfig> = Object.freeze({
  targets: [], covariates: [], fill: 'none', horizon: 1, lookback: 0,
  model: 'auto', members: [], strategy: 'direct', head: 'quantile', quantiles: [0.1, 0.5, 0.9],
  transform: 'auto', scale: 'standardize', difference: 0, season: 0,
  cell: 'lstm', hiddenSize: 32, numLayers: 1, dropout: 0, validationSize: 0,
  lr: 3e-3, minLrRatio: 0.1, warmupSteps: 20, clipNorm: 1, batchSize: 32, accumulate: 1, seed: 1,
  maxEpochs: 200, evalEvery: 50, checkpointEvery: 200, patience: 10, reduceLrPatience: 3,
} satisfies ForecastConfig);

/** Stop after this long when no other limit is given. */
export const FORECAST_MAX_TIME_MS = 5 * 60 * 1000;

/** Fields a resumed run may change besides the shared ones. */
export const FORECAST_RUN_CONTROL: readonly (keyof ForecastConfig)[] = [];

/** Fills defaults and validates; every error names the field. */
export function normalizeForecastConfig(partial: Partial<ForecastConfig> = {}): ForecastConfig {
  const where = 'forecast config';
  const c = { ...FORECAST_DEFAULTS, ...stripUndefined(partial) } as ForecastConfig;
  const f = fieldChecks(c, where);
  const strings = (name: keyof ForecastConfig, min: number) => {
    const v = c[name];
    if (!Array.isArray(v) || v.length < min || !v.every((s) => typeof s === 'string' && s.length > 0)) {
      throw new Error(`${where}: ${String(name)} must be ${min ? 'a non-empty list' : 'a list'} of column names, got ${JSON.stringify(v)}`);
    }
  };
  strings('targets', 1);
  strings('covariates', 0);
  const dup = [...c.targets, ...c.covariates].find((n, i, all) => all.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`${where}: column '${dup}' is named twice among the targets and covariates`);
  f.choice('fill', ['none', 'linear', 'previous']);
  f.choice('model', ['auto', ...MEMBER_KINDS, 'ensemble']);
  if (!Array.isArray(c.members) || c.members.some((m) => !MEMBER_KINDS.includes(m)) || new Set(c.members).size !== c.members.length) {
    throw new Error(`${where}: members must be distinct model kinds among ${MEMBER_KINDS.join(', ')}, got ${JSON.stringify(c.members)}`);
  }
  if (c.model === 'ensemble' && c.members.length === 0) c.members = ['hybrid', 'window'];
  if (c.members.length && c.model !== 'ensemble') throw new Error(`${where}: members apply to model 'ensemble', not '${c.model}'`);
  if (c.model === 'ensemble' && c.members.length < 2) throw new Error(`${where}: an ensemble needs at least 2 members, got ${JSON.stringify(c.members)}`);
  f.choice('strategy', ['direct', 'recursive']);
  f.choice('head', ['quantile', 'gaussian', 'point']);
  f.choice('transform', ['auto', 'none', 'log', 'box-cox']);
  f.choice('scale', ['standardize', 'min-max', 'none']);
  f.choice('cell', CELL_KINDS);
  f.int('horizon', 1); f.int('lookback', 0); f.int('difference', 0); f.int('season', 0);
  f.int('hiddenSize', 1); f.int('numLayers', 1); f.int('validationSize', 0);
  f.num('dropout', 0, 1, false, true);
  const q = c.quantiles;
  if (!Array.isArray(q) || q.length === 0 || !q.every((x) => typeof x === 'number' && x > 0 && x < 1) || q.some((x, i) => i > 0 && x <= q[i - 1]!)) {
    throw new Error(`${where}: quantiles must be increasing levels in (0, 1), e.g. 0.1,0.5,0.9, got ${JSON.stringify(q)}`);
  }
  // The point forecast is the median: a quantile or Gaussian head always reports it.
  if (c.head !== 'point' && !q.includes(0.5)) c.quantiles = [...q, 0.5].sort((a, b) => a - b);
  if (c.dropout > 0 && c.numLayers === 1) throw new Error(`${where}: dropout applies between recurrent layers, and numLayers 1 has none`);
  if (c.covariates.length && (c.model === 'seq2seq' || c.members.includes('seq2seq') || c.strategy === 'recursive')) {
    throw new Error(`${where}: covariates need a direct forecast (their future values are unknown when predictions are fed back); use model hybrid or window with strategy direct`);
  }
  return checkTrainConfig(c, where, FORECAST_MAX_TIME_MS);
}
