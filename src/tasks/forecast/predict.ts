/**
 * Forecasting with a saved model: read a model file of the forecast task, read a CSV with the
 * columns it was trained on, and forecast from any origin of each series (the end, for the next
 * H steps; earlier ones, for evaluation), in the data's units with the timestamps of the steps.
 */
import { type LoadedModel, loadModel } from '../../io/model-file.js';
import type { Backend } from '../../kernels/backend.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { type TimeSeriesData, parseTimeSeriesCsv, loadTimeSeriesCsv } from '../../data/time-series-csv.js';
import { formatFrequency, futureTimes } from '../../data/time-axis.js';
import { ForecastEnsemble, memberModels } from './ensemble.js';
import { forecastItems } from './forecaster.js';
import { type PreparedSeries, prepareSeries, toDataUnits } from './pipeline.js';
import { averageForecasts } from './scoring.js';
import { FORECAST_METADATA_KEY, type ForecastMetadata } from './task.js';
import { checkForecastMetadata } from './metadata.js';
import { taskMetadataOf } from '../task-metadata.js';
import { quote } from '../../io/safetensors-header.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';

export interface ForecastModel {
  /** A RecurrentModel, or an ensemble of them. */
  model: SavedModule;
  meta: ForecastMetadata;
  path: string;
}

/** Loads a model file and checks that the forecast task wrote it. */
export async function loadForecastModel(path: string, options: { metadata?: Record<string, string> } = {}): Promise<ForecastModel> {
  const loaded = await loadModel<SavedModule>(path, { kind: 'any', metadata: options.metadata });
  return { ...forecastModelOf(loaded, path), path };
}

/** A loaded model file as a forecasting model, after checking that the forecast task wrote it and that its metadata fits the model. */
export function forecastModelOf(loaded: LoadedModel<SavedModule>, source: string): Omit<ForecastModel, 'path'> {
  const raw = taskMetadataOf(loaded, { task: 'forecast', key: FORECAST_METADATA_KEY, what: 'forecasting', noun: 'a forecasting model' }, source);
  const model = loaded.model;
  if (!(model instanceof RecurrentModel || model instanceof ForecastEnsemble)) {
    throw new Error(`${source}: a forecasting model is a recurrent model or an ensemble of them, this file holds a ${quote(model.config.kind)}`);
  }
  return { model, meta: checkForecastMetadata(raw, memberModels(model), source) };
}

/** Reads a CSV with the columns and fill the model was trained with (`text` in memory, or a file). */
export async function readModelData(meta: ForecastMetadata, input: { path?: string; text?: string }): Promise<TimeSeriesData> {
  const d = meta.data;
  const options = { timeColumn: d.timeColumn, targets: d.targets, covariates: d.covariates, seriesColumn: d.seriesColumn ?? undefined, fill: d.fill };
  const path = input.path ?? d.path;
  const csv = input.text !== undefined ? parseTimeSeriesCsv(input.text, { ...options, source: 'the given CSV' })
    : path ? await loadTimeSeriesCsv(path, options) : (() => { throw new Error('forecast: give the data (--data FILE.csv); the model does not name its training file'); })();
  if (formatFrequency(csv.frequency) !== formatFrequency(d.frequency)) {
    throw new Error(`${csv.source} is ${formatFrequency(csv.frequency)} but the model was trained on ${formatFrequency(d.frequency)} data`);
  }
  return csv;
}

/** The data's series prepared for each member with its fitted pipeline ([member][series]); a series the model never saw is an error. */
export function seriesForModel(meta: ForecastMetadata, csv: TimeSeriesData): PreparedSeries[][] {
  return meta.pipelines.map((pipeline) => {
    const states = new Map(pipeline.series.map((s) => [s.id, s]));
    return csv.series.map((s) => {
      const state = states.get(s.id);
      if (!state) {
        throw new Error(`${csv.source}: series '${s.id}' was not in the training data (the model knows ${[...states.keys()].map((k) => `'${k}'`).slice(0, 5).join(', ')}${states.size > 5 ? ', ...' : ''})`);
      }
      return prepareSeries(s, state);
    });
  });
}

/** One forecast: per target, H x Q in the data's units, from `origin` of series `series`. */
export interface OriginForecast {
  series: number;
  origin: number;
  times: string[];
  values: Float64Array[];
}

/**
 * Forecasts each (series, origin): the steps [origin, origin + H) from the history before it.
 * `origin` may be the series' length (the future: timestamps continue the series).
 */
export function forecastAt(fm: Omit<ForecastModel, 'path'>, backend: Backend, csv: TimeSeriesData, members: PreparedSeries[][], origins: { series: number; origin: number }[]): OriginForecast[] {
  const models = memberModels(fm.model);
  const perMember = fm.meta.pipelines.map((pipeline, i) => {
    const spec = pipeline.spec, series = members[i]!;
    for (const o of origins) {
      const s = series[o.series]!;
      if (o.origin < spec.lookback) throw new Error(`forecast: ${s.id ? `series '${s.id}'` : 'the series'} has ${o.origin} steps before the forecast origin, fewer than the model's lookback ${spec.lookback}`);
    }
    const fc = forecastItems(models[i]!, backend, spec, origins.map((o) => ({ series: series[o.series]!.norm, norm: series[o.series]!.normalizer, origin: o.origin })));
    return fc.map((f, j) => toDataUnits(series[origins[j]!.series]!, f));
  });
  const values = averageForecasts(perMember);
  const spec = fm.meta.pipelines[0]!.spec;
  return origins.map((o, j) => {
    const s = members[0]![o.series]!, n = s.source.times.length;
    const times = Array.from({ length: spec.horizon }, (_, h) => o.origin + h);
    const known = times.filter((t) => t < n).map((t) => s.source.times[t]!);
    const future = times.length > known.length ? futureTimes(s.source.times[n - 1]!, csv.frequency, times.length - known.length) : [];
    return { series: o.series, origin: o.origin, times: [...known, ...future], values: values[j]! };
  });
}
