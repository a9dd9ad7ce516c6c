/**
 * Time-series forecasting as a task record: the CSV is read and checked, the last steps of each
 * series are held out for validation, targets are transformed and normalised per series
 * (scaling, or the hybrid's exponential-smoothing level and season), training windows are cut,
 * the model is a dense-input RecurrentModel with a quantile, Gaussian or point head, and
 * validation forecasts the held-out steps in the data's units (MAE, RMSE, sMAPE, MASE, interval
 * coverage; MASE decides the best model). `select` settles 'auto' settings by validation.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { reshape } from '../../autograd/ops/index.js';
import { type SequenceBatch, SequenceBatcher } from '../../data/sequence-batcher.js';
import { type TimeSeriesData, loadTimeSeriesCsv, parseTimeSeriesCsv } from '../../data/time-series-csv.js';
import { formatFrequency } from '../../data/time-axis.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Tensor } from '../../tensor/tensor.js';
import type { StartDetails } from '../../train/events.js';
import type { Prepared, Task } from '../task.js';
import { FORECAST_DEFAULTS, FORECAST_RUN_CONTROL, type ForecastConfig, normalizeForecastConfig } from './config.js';
import { type ForecastSpec, forecastItems } from './forecaster.js';
import { headLoss, headWidth } from './heads.js';
import { type PipelineState, type PreparedSeries, fitNormalizer, maseScale, prepareSeries } from './pipeline.js';
import { FORECAST_METRICS, scoreForecasts } from './scoring.js';
import { selectSettings } from './select.js';
import { detectSeason } from './seasonality.js';
import { fitSmoothing } from './smoothing-fit.js';
import { type TargetTransform, firstNonPositive } from './target-transform.js';
import { type TargetLayout, makeWindows } from './windows.js';

/** The data: a CSV file, or CSV text in memory (for the library and tests). */
export interface ForecastInput {
  dataPath?: string;
  text?: string;
}

export interface ForecastData {
  csv: TimeSeriesData;
  series: PreparedSeries[];
  /** Per series: steps [0, trainEnd) train; the rest validates. */
  trainEnds: number[];
  pipeline: PipelineState;
  windows: ReturnType<typeof makeWindows>;
  /** Validation origins (one per horizon-long block of each series' held-out tail). */
  validation: { series: number; origin: number }[];
}

export interface ForecastStartDetails extends StartDetails {
  series: number;
}

/** What a model file of this task stores besides the weights (`recur.forecast`). */
export interface ForecastMetadata {
  pipeline: PipelineState;
  data: { timeColumn: string; targets: string[]; covariates: string[]; seriesColumn: string | null; fill: ForecastConfig['fill']; frequency: TimeSeriesData['frequency']; timeFormat: string; path: string | null };
}

export const FORECAST_METADATA_KEY = 'recur.forecast';

/** The layout of a model's targets. */
export function layoutOf(c: Pick<ForecastConfig, 'model' | 'strategy'>): TargetLayout {
  return c.model === 'seq2seq' ? 'shifted' : c.model === 'window' && c.strategy === 'recursive' ? 'next' : 'direct';
}

/** The lookback when the config leaves it open: about two seasons (capped), at least the horizon's worth. */
export function autoLookback(c: Pick<ForecastConfig, 'model' | 'horizon'>, season: number): number {
  const s = Math.min(season > 1 ? season : 0, 64), h = Math.min(c.horizon, 64);
  return c.model === 'hybrid' ? Math.max(s, h, 16) : Math.max(2 * s, h, 24);
}

/** Reads the CSV the input names (or holds), with the config's column choices. */
export async function readForecastCsv(config: ForecastConfig, input: ForecastInput): Promise<{ csv: TimeSeriesData; text: string | null }> {
  const options = { timeColumn: config.timeColumn, targets: config.targets, covariates: config.covariates, seriesColumn: config.seriesColumn, fill: config.fill };
  if (input.text !== undefined) return { csv: parseTimeSeriesCsv(input.text, { ...options, source: 'the given CSV' }), text: input.text };
  if (!input.dataPath) throw new Error('forecast: give the data (--data FILE.csv)');
  return { csv: await loadTimeSeriesCsv(input.dataPath, options), text: null };
}

/** Everything a run trains on, for a config whose 'auto' settings are resolved (or provisionally guessed). */
export function prepareForecast(config: ForecastConfig, csv: TimeSeriesData): { data: ForecastData; config: ForecastConfig } {
  const V = config.validationSize || config.horizon, H = config.horizon;
  if (V < H) throw new Error(`forecast: the validation size (${V}) must be at least the horizon (${H})`);
  const lengths = csv.series.map((s) => s.times.length);
  const longest = csv.series[lengths.indexOf(Math.max(...lengths))]!;
  const season = config.season || detectSeason(longest.targets[0]!.subarray(0, longest.times.length - V), csv.frequency).period;
  const positive = csv.series.every((s) => s.targets.every((y) => firstNonPositive(y.subarray(0, s.times.length - V)) < 0));
  const model = config.model === 'auto' ? 'hybrid' : config.model;
  const transformKind = config.transform === 'auto' ? (positive ? 'log' : 'none') : config.transform;
  const resolved: ForecastConfig = { ...config, model, transform: transformKind, season };
  resolved.lookback = config.lookback || autoLookback(resolved, season);
  const layout = layoutOf(resolved);
  const L = resolved.lookback, ahead = layout === 'direct' ? H : 1;
  for (const s of csv.series) {
    const n = s.times.length;
    const need = L + ahead + V + (model === 'hybrid' ? 0 : config.difference);
    if (n < need) {
      throw new Error(`forecast: series${s.id ? ` '${s.id}'` : ''} has ${n} steps, too few for lookback ${L} + horizon ${ahead} + validation ${V}${config.difference ? ` + differencing ${config.difference}` : ''} = ${need}; use a shorter --lookback or --horizon`);
    }
  }
  const spec: ForecastSpec = { lookback: L, horizon: H, layout, head: config.head, quantiles: config.head === 'point' ? [0.5] : config.quantiles };
  const trainEnds = csv.series.map((s) => s.times.length - V);
  const series = csv.series.map((s, i) => {
    const transforms: TargetTransform[] = s.targets.map(() => (transformKind === 'none' ? { kind: 'none' } : { kind: 'log' }));
    if (transformKind === 'box-cox') throw new Error('forecast: --transform box-cox is not available yet; use log or none');
    const provisional = prepareSeries(s, { id: s.id, transforms, normalizer: [], maseScale: [] });
    const normalizer = fitNormalizer(provisional.norm, trainEnds[i]!, { model, scale: config.scale, difference: config.difference, season, fitSmoothing });
    return prepareSeries(s, { id: s.id, transforms, normalizer, maseScale: s.targets.map((y) => maseScale(y, trainEnds[i]!, season)) });
  });
  const windows = makeWindows(series.map((p) => p.norm), series.map((p) => p.normalizer), trainEnds, spec);
  if (windows.inputs.length === 0) throw new Error('forecast: no training window fits before the validation part; use a shorter --lookback or --horizon');
  const validation = series.flatMap((_, i) => Array.from({ length: Math.floor(V / H) }, (_v, j) => ({ series: i, origin: trainEnds[i]! + j * H })));
  const pipeline: PipelineState = { model, spec, season, series: series.map((p) => p.state) };
  return { data: { csv, series, trainEnds, pipeline, windows, validation }, config: resolved };
}

/** The loss of a batch of windows: model outputs against the normalised targets, by head. */
function windowLoss(model: RecurrentModel, config: ForecastConfig, spec: ForecastSpec) {
  return (tape: Parameters<typeof headLoss>[0], batch: SequenceBatch) => {
    const { logits } = model.forward(tape, batch.inputs);
    const B = batch.lengths.length, W = headWidth(spec.head, spec.quantiles);
    let targets = batch.targets!;
    if (spec.layout === 'shifted') {
      // Per-example targets are step-major [L, K]; the outputs are time-major [L, B, K * W].
      const L = spec.lookback, K = targets.shape[1]! / L;
      const t = Tensor.zeros([L * B * K]);
      for (let b = 0; b < B; b++) for (let i = 0; i < L; i++) for (let k = 0; k < K; k++) t.data[(i * B + b) * K + k] = targets.data[b * L * K + i * K + k]!;
      targets = t;
    }
    return headLoss(tape, spec.head, spec.quantiles, reshape(tape, logits, [targets.size, W]), reshape(tape, targets, [targets.size]));
  };
}

export const forecastTask: Task<ForecastConfig, ForecastInput, ForecastData, RecurrentModel, SequenceBatch, null, ForecastStartDetails> = {
  name: 'forecast',
  unit: 'windows',
  lossUnit: '(normalised)',
  metrics: FORECAST_METRICS,
  monitor: { metric: 'mase', mode: 'min' },
  defaults: FORECAST_DEFAULTS,
  runControl: FORECAST_RUN_CONTROL,
  normalizeConfig: normalizeForecastConfig,

  async prepare(config, input = {}, resumed) {
    const stored = resumed?.source.path;
    const { csv, text } = await readForecastCsv(config, input.dataPath || input.text !== undefined ? input : { dataPath: stored ?? undefined });
    const source = {
      what: 'data', flag: '--data', description: `${csv.source}, ${csv.series.length} series, ${csv.series.reduce((a, s) => a + s.times.length, 0)} steps`,
      path: text !== null ? null : resolve(input.dataPath ?? stored!),
      sha256: createHash('sha256').update(JSON.stringify(csv.series.map((s) => [s.id, s.times, s.targets.map((y) => Array.from(y)), s.covariates.map((y) => Array.from(y))]))).digest('hex'),
    };
    resumed?.checkSource(source);
    const { data, config: resolved } = prepareForecast(config, csv);
    return preparedOf(data, source, resolved);
  },

  async select(config, prepared, backend) {
    return selectSettings(config, prepared, backend);
  },

  buildModel: (config, { data }, rng) => {
    const spec = data.pipeline.spec, K = config.targets.length;
    return new RecurrentModel({
      input: { kind: 'dense', size: K + config.covariates.length }, cell: config.cell, hiddenSize: config.hiddenSize, numLayers: config.numLayers,
      dropout: config.dropout, outputSize: (spec.layout === 'direct' ? spec.horizon : 1) * K * headWidth(spec.head, spec.quantiles),
      output: spec.layout === 'shifted' ? 'sequence' : 'last',
    }, { rng });
  },

  batches: (config, { data }, rng) => new SequenceBatcher(data.windows, { batchSize: config.batchSize, rng }),

  objective(model, config, { data }) {
    const loss = windowLoss(model, config, data.pipeline.spec);
    return ({ tape, batch }) => ({ loss: loss(tape, batch), items: batch.lengths.length });
  },

  evaluate(model, { data }, backend) {
    const { series, pipeline } = data;
    const items = data.validation.map((v) => ({ series: series[v.series]!.norm, norm: series[v.series]!.normalizer, origin: v.origin }));
    const forecasts = forecastItems(model, backend, pipeline.spec, items);
    return scoreForecasts(data, forecasts, model, backend);
  },

  describe: (config, { data }) => {
    const spec = data.pipeline.spec;
    return {
      model: `${data.pipeline.model} ${config.numLayers}×${config.hiddenSize} ${config.cell}, lookback ${spec.lookback}, horizon ${spec.horizon} (${spec.layout}), ${spec.head} head`,
      data: data.csv.source,
      batch: String(config.batchSize),
      series: data.series.length,
      facts: [['series', data.series.length], ['frequency', formatFrequency(data.csv.frequency)], ['season', data.pipeline.season], ['transform', config.transform]],
    };
  },
};

/** The Prepared record of prepared data (counts in windows; extras: the pipeline and the data settings). */
export function preparedOf(data: ForecastData, source: Prepared<ForecastData>['source'], config: ForecastConfig): Prepared<ForecastData> {
  const c = data.csv;
  const meta: ForecastMetadata = {
    pipeline: data.pipeline,
    data: { timeColumn: c.timeColumn, targets: c.targets, covariates: c.covariates, seriesColumn: c.seriesColumn, fill: config.fill, frequency: c.frequency, timeFormat: c.timeFormat, path: source.path },
  };
  const validationWindows = data.validation.length;
  return {
    data, source, extras: { extra: { [FORECAST_METADATA_KEY]: JSON.stringify(meta) } },
    trainItems: data.windows.inputs.length, validationItems: validationWindows,
  };
}

