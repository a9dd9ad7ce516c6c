/**
 * Time-series forecasting as a task record: data prepared by prepare.ts (the CSV, validation
 * tail, transforms, normalisers, windows), the model a dense-input RecurrentModel per member
 * (one, or an averaged ensemble) with a quantile, Gaussian or point head, validation forecasting
 * the held-out steps in the data's units (MAE, RMSE, sMAPE, MASE, interval coverage; MASE decides
 * the best model; a picture of the first series' last forecast for the dashboard, eval-panels.ts), and
 * `select` settling `--model auto`.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { add, reshape } from '../../autograd/ops/index.js';
import type { Tape } from '../../autograd/tape.js';
import { type SequenceBatch, SequenceBatcher } from '../../data/sequence-batcher.js';
import { formatFrequency } from '../../data/time-axis.js';
import type { TimeSeriesData } from '../../data/time-series-csv.js';
import type { Backend } from '../../kernels/backend.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { RecurrentModel, type RecurrentModelConfigInput } from '../../nn/recurrent-model.js';
import type { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import type { StartDetails } from '../../train/events.js';
import type { BatchSource } from '../../train/objective.js';
import type { Prepared, Task } from '../task.js';
import { FORECAST_DEFAULTS, FORECAST_RUN_CONTROL, type ForecastConfig, normalizeForecastConfig } from './config.js';
import { ForecastEnsemble, memberModels } from './ensemble.js';
import { type ForecastSpec, forecastItems, modelShapeOf } from './forecaster.js';
import { headLoss, headWidth } from './heads.js';
import type { PipelineState } from './pipeline.js';
import { toDataUnits } from './pipeline.js';
import { type ForecastData, type ForecastInput, type MemberData, prepareForecast, readForecastCsv } from './prepare.js';
import { FORECAST_METRICS, averageForecasts, memberValidationLoss, scoreForecasts } from './scoring.js';
import { selectSettings } from './select.js';
import { validationPanel } from './eval-panels.js';

export interface ForecastStartDetails extends StartDetails {
  series: number;
}

/** What a model file of this task stores besides the weights (`recur.forecast`). */
export interface ForecastMetadata {
  /** One per member (one for a single model), in the order of the ensemble's members. */
  pipelines: PipelineState[];
  data: {
    timeColumn: string; targets: string[]; covariates: string[]; seriesColumn: string | null; fill: ForecastConfig['fill'];
    frequency: TimeSeriesData['frequency']; timeFormat: string; path: string | null;
  };
}

export const FORECAST_METADATA_KEY = 'recur.forecast';

/** A batch of each member's windows (members read windows of their own lookback and normalisation). */
export type ForecastBatch = SequenceBatch[];

/** Each member's batches side by side; the longest member's epochs are the source's epochs. */
function memberBatches(members: readonly MemberData[], batchSize: number, rng: Rng): BatchSource<ForecastBatch> {
  const batchers = members.map((m) => new SequenceBatcher(m.windows, { batchSize, rng }));
  const lead = batchers.reduce((a, b) => (b.batchesPerEpoch > a.batchesPerEpoch ? b : a));
  return {
    batchesPerEpoch: lead.batchesPerEpoch,
    next() {
      let at = { epoch: 0, index: 0, startsEpoch: false };
      const batch = batchers.map((b) => {
        const n = b.next();
        if (b === lead) at = { epoch: n.epoch, index: n.index, startsEpoch: n.startsEpoch };
        return n.batch;
      });
      return { batch, ...at };
    },
    position: () => batchers.map((b) => b.position()),
    seek(p) {
      const ps = p as unknown[];
      if (!Array.isArray(ps) || ps.length !== batchers.length) throw new Error(`forecast: a data position for ${batchers.length} members was expected, got ${JSON.stringify(p)}`);
      batchers.forEach((b, i) => b.seek(ps[i]));
    },
  };
}

/** The loss of a batch of one member's windows: its outputs against the normalised targets, by head. */
function windowLoss(tape: Tape, model: RecurrentModel, spec: ForecastSpec, batch: SequenceBatch) {
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
}

/** The model a run of `config` trains: one member's RecurrentModel, or an ensemble of the members. */
export function forecastModelConfig(config: ForecastConfig, data: ForecastData): RecurrentModelConfigInput | { kind: 'forecast-ensemble'; members: RecurrentModelConfigInput[] } {
  const configs = data.members.map((m) => memberConfig(config, m));
  return configs.length === 1 ? configs[0]! : { kind: 'forecast-ensemble', members: configs };
}

/** A member's RecurrentModel config. */
function memberConfig(config: ForecastConfig, m: MemberData) {
  const shape = modelShapeOf(m.pipeline.spec, config.targets.length, config.covariates.length);
  return {
    input: { kind: 'dense' as const, size: shape.inputSize }, cell: config.cell, hiddenSize: config.hiddenSize, numLayers: config.numLayers,
    dropout: config.dropout, outputSize: shape.outputSize, output: shape.output,
  };
}

/** Forecasts of the validation origins by every member, averaged, in the data's units. */
export function validationForecasts(model: SavedModule, data: ForecastData, backend: Backend): Float64Array[][] {
  const models = memberModels(model);
  const perMember = data.members.map((m, i) => {
    const items = data.validation.map((v) => ({ series: m.series[v.series]!.norm, norm: m.series[v.series]!.normalizer, origin: v.origin }));
    return forecastItems(models[i]!, backend, m.pipeline.spec, items).map((f, j) => toDataUnits(m.series[data.validation[j]!.series]!, f));
  });
  return averageForecasts(perMember);
}

export const forecastTask: Task<ForecastConfig, ForecastInput, ForecastData, SavedModule, ForecastBatch, null, ForecastStartDetails> = {
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

  select: (config, prepared, backend, options) => selectSettings(config, prepared, backend, options),

  modelConfig: (config, { data }) => forecastModelConfig(config, data),

  buildModel(config, { data }, rng) {
    const c = forecastModelConfig(config, data);
    return c.kind === 'forecast-ensemble' ? new ForecastEnsemble(c, { rng }) : new RecurrentModel(c, { rng });
  },

  batches: (config, { data }, rng) => memberBatches(data.members, config.batchSize, rng),

  objective(model, _config, { data }) {
    const models = memberModels(model);
    return ({ tape, batch }) => {
      let loss = windowLoss(tape, models[0]!, data.members[0]!.pipeline.spec, batch[0]!);
      for (let i = 1; i < models.length; i++) loss = add(tape, loss, windowLoss(tape, models[i]!, data.members[i]!.pipeline.spec, batch[i]!));
      return { loss, items: batch[0]!.lengths.length };
    };
  },

  evaluate(model, { data }, backend) {
    const models = memberModels(model);
    const loss = data.members.reduce((a, m, i) => a + memberValidationLoss(m, data.validation, models[i]!, backend), 0) / models.length;
    const forecasts = validationForecasts(model, data, backend);
    return { loss, metrics: scoreForecasts(data, forecasts), view: [validationPanel(data, forecasts)] };
  },

  describe: (config, { data }) => {
    const m = data.members.map((d) => `${d.kind} (lookback ${d.pipeline.spec.lookback}${d.pipeline.spec.layout === 'direct' ? '' : `, ${d.pipeline.spec.layout}`})`);
    const spec = data.members[0]!.pipeline.spec;
    return {
      model: `${m.length > 1 ? `ensemble of ${m.join(' + ')}` : m[0]}, ${config.numLayers}×${config.hiddenSize} ${config.cell}, horizon ${spec.horizon}, ${spec.head} head`,
      data: data.csv.source,
      batch: String(config.batchSize),
      series: data.csv.series.length,
      facts: [
        ['series', data.csv.series.length], ['frequency', formatFrequency(data.csv.frequency)], ['season', data.season], ['transform', describeTransforms(data)],
        ...(data.csv.filled.cells || data.csv.filled.rows ? [['filled', `${data.csv.filled.rows} missing rows and ${data.csv.filled.cells} missing cells (--fill ${config.fill})`] as [string, string]] : []),
      ],
    };
  },
};

/** The targets' transforms in a few words: `box-cox (lambda -0.31)`, `none`, or per series. */
export function describeTransforms(data: ForecastData): string {
  const all = data.members[0]!.pipeline.series.flatMap((s) => s.transforms);
  const words = new Set(all.map((t) => (t.kind === 'box-cox' ? `box-cox (lambda ${t.lambda.toFixed(2)})` : t.kind)));
  return words.size === 1 ? [...words][0]! : `per series: ${[...new Set(all.map((t) => t.kind))].join(', ')}`;
}

/** The Prepared record of prepared data (counts in windows; extras: the pipelines and the data settings). */
export function preparedOf(data: ForecastData, source: Prepared<ForecastData>['source'], config: ForecastConfig): Prepared<ForecastData> {
  const c = data.csv;
  const meta: ForecastMetadata = {
    pipelines: data.members.map((m) => m.pipeline),
    data: { timeColumn: c.timeColumn, targets: c.targets, covariates: c.covariates, seriesColumn: c.seriesColumn, fill: config.fill, frequency: c.frequency, timeFormat: c.timeFormat, path: source.path },
  };
  return {
    data, source, extras: { extra: { [FORECAST_METADATA_KEY]: JSON.stringify(meta) } },
    trainItems: data.members[0]!.windows.inputs.length, validationItems: data.validation.length,
  };
}
