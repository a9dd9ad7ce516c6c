/**
 * ONNX export of a forecasting ensemble: one graph per member plus a JSON sidecar saying how
 * `recur forecast predict` turns the members' outputs into one forecast.
 *
 * Why not one graph averaging the members: the members do not read the same input, and they
 * are not averaged where a graph could average them. Each member has its own pipeline
 * (predict.ts, `forecastAt`): its own lookback (a hybrid's about a season, a window model's
 * about two), its own layout (direct, recursive, shifted), and its own normalisation (the
 * hybrid's exponential-smoothing level and seasonality, a window model's scaling with
 * differencing). recur encodes each member's window with that member's normaliser, runs it,
 * decodes its outputs into quantiles (sorted quantile outputs, a Gaussian's mu + sigma z, or a
 * point), turns them back into the data's units (the normaliser's decode, then the inverse of
 * the target transform), and only then averages the members quantile by quantile
 * (`averageForecasts`). A mean of the members' logits would be a mean of numbers in different
 * units. A single forecasting model is written the same way, as an ensemble of one (`OUT.onnx`
 * and `OUT.forecast.json`), since its logits too are quantiles in normalised units. So each member is written as the graph of a single forecasting model
 * (`OUT.member-K.onnx`: input [lookback, B, F] float32, time-major, F = targets + covariates;
 * output `logits`), and the sidecar (`OUT.ensemble.json`) lists, per member, its file, spec
 * and fitted pipeline (the same JSON as the model file's `recur.forecast`), with the data
 * settings and the rule: mean over members, per series, target, step and quantile, in the
 * data's units.
 */
import { ONNX_OPSETS, type OnnxExportOptions, exportOnnx } from '../../io/onnx/export.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import type { ForecastEnsemble } from './ensemble.js';
import type { ForecastSpec } from './forecaster.js';
import type { PipelineState } from './pipeline.js';
import type { ForecastMetadata } from './task.js';

/** Written as `format` in every sidecar; bumped when its layout changes incompatibly. */
export const FORECAST_ENSEMBLE_ONNX_FORMAT = 'recur-forecast-ensemble-onnx/1';

/** One member in the sidecar. */
export interface ForecastEnsembleOnnxMember {
  /** The member's ONNX file, relative to the sidecar's folder. */
  file: string;
  /** 'hybrid', 'window' or 'seq2seq': which normaliser and layout the pipeline holds. */
  model: PipelineState['model'];
  /** What the graph reads: `input` [lookback, B, features] float32, time-major (batch-first: [B, lookback, features]): the normalised window. */
  input: { name: 'input'; shape: string[]; lookback: number; features: number };
  /** The graph output to read: `logits` ([B, H*K*W] direct; [T, B, K*W] shifted, its last step). */
  output: 'logits';
  spec: ForecastSpec;
  /** The fitted pipeline: per series, the target transforms and normaliser states. */
  pipeline: PipelineState;
}

export interface ForecastEnsembleOnnxSidecar {
  format: typeof FORECAST_ENSEMBLE_ONNX_FORMAT;
  /** The members' forecasts, each in the data's units, are averaged (arithmetic mean). */
  combine: 'mean';
  /** The rule in words. */
  description: string;
  members: ForecastEnsembleOnnxMember[];
  /** The columns, fill and frequency the model was trained on. */
  data: ForecastMetadata['data'];
}

export interface ForecastEnsembleOnnx {
  /** One ONNX graph per member, in the order of the ensemble's members (m0, m1, ...). */
  members: Uint8Array[];
  sidecar: ForecastEnsembleOnnxSidecar;
}

const DESCRIPTION = 'For each member: encode the window before the forecast origin with the member\'s pipeline (target transform, then its normaliser), ' +
  'run its graph, decode the logits into quantiles with its head (quantile: sorted; gaussian: mu + exp(clamp(log sigma, -10, 10)) * z; point: one value), ' +
  'decode them with its normaliser and invert the target transform. Then average the members per series, target, step and quantile, in the data\'s units ' +
  '(recur: src/tasks/forecast/predict.ts forecastAt, scoring.ts averageForecasts).';

/**
 * The member graphs of `model` and the sidecar describing how to combine them; `memberFile(k)`
 * names member k's file as the sidecar should list it (relative to the sidecar). `meta` is the
 * model file's forecasting metadata (`forecastModelOf`), one pipeline per member.
 */
export function exportForecastEnsembleOnnx(model: ForecastEnsemble | RecurrentModel, meta: ForecastMetadata, memberFile: (k: number) => string,
  options: Omit<OnnxExportOptions, 'probabilities'> = {}): ForecastEnsembleOnnx {
  const opset = options.opset ?? ONNX_OPSETS.min;
  // A single forecasting model is an ensemble of one: the same sidecar says how to read its outputs.
  const list: readonly RecurrentModel[] = model instanceof RecurrentModel ? [model] : model.members;
  if (meta.pipelines.length !== list.length) {
    throw new Error(`exportForecastEnsembleOnnx: the model has ${list.length} member${list.length === 1 ? '' : 's'} but its metadata ${meta.pipelines.length} pipelines`);
  }
  // Quantiles (or mean and scale), not class scores: no probabilities output.
  const members = list.map((m) => exportOnnx(m, { ...options, opset, docString: JSON.stringify(m.config), probabilities: 'none' }));
  const sidecar: ForecastEnsembleOnnxSidecar = {
    format: FORECAST_ENSEMBLE_ONNX_FORMAT,
    combine: 'mean',
    description: DESCRIPTION,
    members: list.map((m, k) => {
      const pipeline = meta.pipelines[k]!;
      const c = m.config;
      if (c.input.kind !== 'dense') throw new Error(`exportForecastEnsembleOnnx: member ${k} reads ${c.input.kind} input, not the dense windows of a forecasting model`);
      return {
        file: memberFile(k), model: pipeline.model,
        input: { name: 'input', shape: c.batchFirst ? ['B', 'lookback', 'features'] : ['lookback', 'B', 'features'], lookback: pipeline.spec.lookback, features: c.input.size },
        output: 'logits', spec: pipeline.spec, pipeline,
      };
    }),
    data: meta.data,
  };
  return { members, sidecar };
}
