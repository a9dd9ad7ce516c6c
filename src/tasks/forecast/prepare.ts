/**
 * The data side of a forecasting run: the CSV read with the config's columns, the season
 * detected, the last steps of every series held out for validation, and for each model (member)
 * its pipeline: the targets' transforms, each series' normaliser, and the training windows.
 * Settings the config leaves open (season, lookback, validation size, transform) are settled
 * here from the training part only. No model and no training.
 */
import type { SequenceDataset } from '../../data/sequence-batcher.js';
import { type TimeSeriesData, loadTimeSeriesCsv, parseTimeSeriesCsv } from '../../data/time-series-csv.js';
import type { ForecastConfig, MemberKind } from './config.js';
import type { ForecastSpec } from './forecaster.js';
import { type PipelineState, type PreparedSeries, fitNormalizer, maseScale, prepareSeries } from './pipeline.js';
import { type SeasonalFrequency, detectSeasonality } from './seasonality.js';
import { fitSmoothing } from './smoothing-fit.js';
import { type TargetTransform, fitTargetTransform } from './target-transform.js';
import { type TargetLayout, makeWindows } from './windows.js';

/** The data: a CSV file, or CSV text in memory (for the library and tests). */
export interface ForecastInput {
  dataPath?: string;
  text?: string;
}

/** One model of the run with what it trains on. */
export interface MemberData {
  kind: MemberKind;
  pipeline: PipelineState;
  series: PreparedSeries[];
  windows: SequenceDataset & { origins: { series: number; origin: number }[] };
}

export interface ForecastData {
  csv: TimeSeriesData;
  season: number;
  /** Per series: steps [0, trainEnd) train; the rest validates. */
  trainEnds: number[];
  /** Validation origins (one per horizon-long block of each series' held-out tail). */
  validation: { series: number; origin: number }[];
  /** One model, or the members of an ensemble. */
  members: MemberData[];
}

/** The sampling frequency as season detection names it (undefined: none of its usual ones). */
export function seasonalFrequency(f: TimeSeriesData['frequency']): SeasonalFrequency | undefined {
  const every = f.every;
  if (f.unit === 'minute') return every === 30 ? 'half-hourly' : every === 1 ? 'minutely' : undefined;
  const names: Partial<Record<typeof f.unit, SeasonalFrequency>> = { hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly', quarter: 'quarterly', year: 'yearly' };
  return every === 1 ? names[f.unit] : undefined;
}

/** The layout of a member's targets. */
export function layoutOf(kind: MemberKind, strategy: ForecastConfig['strategy']): TargetLayout {
  return kind === 'seq2seq' ? 'shifted' : kind === 'window' && strategy === 'recursive' ? 'next' : 'direct';
}

/** The lookback when the config leaves it open: about a season (hybrid) or two (others), capped, at least the horizon's worth. */
export function autoLookback(kind: MemberKind, horizon: number, season: number): number {
  const s = Math.min(season > 1 ? season : 0, 64), h = Math.min(horizon, 64);
  return kind === 'hybrid' ? Math.max(s, h, 16) : Math.max(2 * s, h, 24);
}

/**
 * The validation size when the config leaves it open: whole horizons, about a tenth of the
 * shortest series (so that a short horizon is validated on many origins), at least one horizon.
 */
export function autoValidationSize(horizon: number, csv: TimeSeriesData): number {
  const shortest = Math.min(...csv.series.map((s) => s.times.length));
  return horizon * Math.max(1, Math.floor((0.1 * shortest) / horizon));
}

/** Reads the CSV the input names (or holds), with the config's column choices. */
export async function readForecastCsv(config: ForecastConfig, input: ForecastInput): Promise<{ csv: TimeSeriesData; text: string | null }> {
  const options = { timeColumn: config.timeColumn, targets: config.targets, covariates: config.covariates, seriesColumn: config.seriesColumn, fill: config.fill };
  if (input.text !== undefined) return { csv: parseTimeSeriesCsv(input.text, { ...options, source: 'the given CSV' }), text: input.text };
  if (!input.dataPath) throw new Error('forecast: give the data (--data FILE.csv)');
  return { csv: await loadTimeSeriesCsv(input.dataPath, options), text: null };
}

/** The members a config trains ('auto' provisionally trains the hybrid; `select` settles it). */
export function membersOf(config: ForecastConfig): MemberKind[] {
  return config.model === 'ensemble' ? config.members : [config.model === 'auto' ? 'hybrid' : config.model];
}

/** One member's pipeline and windows. */
function prepareMember(config: ForecastConfig, csv: TimeSeriesData, kind: MemberKind, season: number, trainEnds: number[], V: number): MemberData {
  const H = config.horizon;
  const layout = layoutOf(kind, config.strategy);
  const L = config.lookback || autoLookback(kind, H, season), ahead = layout === 'direct' ? H : 1;
  const lag = kind === 'hybrid' ? 0 : config.difference;
  for (const s of csv.series) {
    const n = s.times.length, need = L + ahead + V + lag;
    if (n < need) {
      throw new Error(`forecast: ${s.id ? `series '${s.id}'` : 'the series'} has ${n} steps, too few for the ${kind} model's lookback ${L} + horizon ${ahead} + validation ${V}` +
        `${lag ? ` + differencing ${lag}` : ''} = ${need}; use a shorter --lookback, --horizon or --validation-size`);
    }
  }
  const spec: ForecastSpec = { lookback: L, horizon: H, layout, head: config.head, quantiles: config.head === 'point' ? [0.5] : config.quantiles };
  const series = csv.series.map((s, i) => {
    const what = s.id ? `series '${s.id}'` : 'the series';
    const transforms: TargetTransform[] = s.targets.map((y) => fitTargetTransform(config.transform, y.subarray(0, trainEnds[i]!), season, what));
    const provisional = prepareSeries(s, { id: s.id, transforms, normalizer: [], maseScale: [] });
    const normalizer = fitNormalizer(provisional.norm, trainEnds[i]!, { model: kind, scale: config.scale, difference: lag, season, lookback: L, fitSmoothing });
    return prepareSeries(s, { id: s.id, transforms, normalizer, maseScale: s.targets.map((y) => maseScale(y, trainEnds[i]!, season)) });
  });
  const windows = makeWindows(series.map((p) => p.norm), series.map((p) => p.normalizer), trainEnds, spec);
  if (windows.inputs.length === 0) throw new Error(`forecast: no training window of the ${kind} model fits before the validation part; use a shorter --lookback or --horizon`);
  return { kind, pipeline: { model: kind, spec, season, series: series.map((p) => p.state) }, series, windows };
}

/** Everything a run trains on; the returned config has season, lookback (when one member) and validation size settled. */
export function prepareForecast(config: ForecastConfig, csv: TimeSeriesData): { data: ForecastData; config: ForecastConfig } {
  const H = config.horizon, V = config.validationSize || autoValidationSize(H, csv);
  if (V < H) throw new Error(`forecast: the validation size (${V}) must be at least the horizon (${H})`);
  const lengths = csv.series.map((s) => s.times.length);
  const longest = csv.series[lengths.indexOf(Math.max(...lengths))]!;
  const season = config.season || detectSeasonality(longest.targets[0]!.subarray(0, Math.max(2, longest.times.length - V)), { frequency: seasonalFrequency(csv.frequency) }).period;
  const trainEnds = csv.series.map((s) => s.times.length - V);
  const members = membersOf(config).map((kind) => prepareMember(config, csv, kind, season, trainEnds, V));
  const validation = csv.series.flatMap((_, i) => Array.from({ length: Math.floor(V / H) }, (_v, j) => ({ series: i, origin: trainEnds[i]! + j * H })));
  const resolved: ForecastConfig = { ...config, season, validationSize: V, lookback: members.length === 1 ? members[0]!.pipeline.spec.lookback : config.lookback };
  return { data: { csv, season, trainEnds, validation, members }, config: resolved };
}
