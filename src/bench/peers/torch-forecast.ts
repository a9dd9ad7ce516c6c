/**
 * The PyTorch peer of the forecasting quality run: the network recur chose (cell, size, layers,
 * head and loss; each ensemble member with its own windows and normalisation) handed to
 * scripts/forecast_torch.py with recur's own training windows and hold-out windows, trained there
 * for a given wall time, and its raw outputs decoded by recur's normalisers and inverse transforms.
 * Direct layouts only. Dev-only: needs a Python with torch; nothing here runs in `npm test`
 * except the export and decoding, which need no Python.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TimeSeriesData } from '../../data/time-series-csv.js';
import type { ForecastConfig } from '../../tasks/forecast/config.js';
import { type ForecastItem, decodeDirect, windowBatch } from '../../tasks/forecast/forecaster.js';
import { headWidth } from '../../tasks/forecast/heads.js';
import { type PreparedSeries, toDataUnits } from '../../tasks/forecast/pipeline.js';
import { seriesForModel } from '../../tasks/forecast/predict.js';
import type { ForecastData } from '../../tasks/forecast/prepare.js';
import { averageForecasts } from '../../tasks/forecast/scoring.js';
import type { ForecastMetadata } from '../../tasks/forecast/task.js';
import { lastLine, runProcess, scriptPath } from './python.js';

export const TORCH_SCRIPT = scriptPath('forecast_torch.py');

/** Cells PyTorch has as nn.LSTM, nn.GRU and nn.RNN (recur's rnn-sigmoid has no counterpart). */
const TORCH_CELLS = ['lstm', 'gru', 'rnn-tanh', 'rnn-relu'];

/** Float32 values in the binary file: `offset` in bytes, row-major `shape`. */
export interface BlobRef {
  offset: number;
  shape: number[];
}

/** What the Python script reads (JSON beside the binary `data` file). */
export interface TorchManifest {
  data: string;
  cell: string;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  lr: number;
  batchSize: number;
  clipNorm: number | null;
  seed: number;
  /** Wall time of training, in seconds. */
  seconds: number;
  threads: number;
  members: {
    kind: string;
    lookback: number;
    features: number;
    /** Outputs of the Linear head: H x K x W. */
    outputs: number;
    head: string;
    quantiles: number[];
    /** [N, L, F] training windows and [N, H x K] normalised targets, exactly recur's. */
    trainInputs: BlobRef;
    trainTargets: BlobRef;
    /** [L, B, F] time-major windows before the hold-out origins. */
    holdoutInputs: BlobRef;
  }[];
}

/** Why the PyTorch row cannot be trained for this run, or null when it can. */
export function torchUnsupported(config: ForecastConfig, data: ForecastData): string | null {
  const layouts = data.members.map((m) => m.pipeline.spec.layout).filter((l) => l !== 'direct');
  if (layouts.length) return `the PyTorch row supports direct layouts only, and this model has a ${layouts[0]} one`;
  if (!TORCH_CELLS.includes(config.cell)) return `PyTorch has no ${config.cell} cell`;
  return null;
}

/** The hold-out of one evaluation: its origins, and per member the series prepared by the stored pipeline and the items to forecast. */
export interface Holdout {
  origins: { series: number; origin: number }[];
  series: PreparedSeries[][];
  items: ForecastItem[][];
}

export function holdoutOf(meta: ForecastMetadata, csv: TimeSeriesData, origins: { series: number; origin: number }[]): Holdout {
  const series = seriesForModel(meta, csv);
  return { origins, series, items: series.map((ss) => origins.map((o) => ({ series: ss[o.series]!.norm, norm: ss[o.series]!.normalizer, origin: o.origin }))) };
}

/**
 * The manifest and binary data of one PyTorch run: each member's training windows and targets
 * (recur's own, from the prepared data of the chosen config) and its hold-out windows.
 */
export function torchExport(config: ForecastConfig, data: ForecastData, holdout: Holdout, train: { seconds: number; threads: number; dataFile: string }): { manifest: TorchManifest; blob: Buffer } {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const put = (parts: readonly ArrayLike<number>[], shape: number[]): BlobRef => {
    const ref = { offset, shape };
    for (const p of parts) {
      const f = p instanceof Float32Array ? p : Float32Array.from(p);
      chunks.push(f);
      offset += f.byteLength;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (offset - ref.offset !== 4 * size) throw new Error(`torchExport: ${(offset - ref.offset) / 4} values for shape [${shape.join(', ')}]`);
    return ref;
  };
  const members = data.members.map((m, i) => {
    const spec = m.pipeline.spec, K = config.targets.length, N = m.windows.inputs.length, F = m.windows.features!;
    const x = windowBatch(spec, holdout.items[i]!);
    return {
      kind: m.kind, lookback: spec.lookback, features: F, outputs: spec.horizon * K * headWidth(spec.head, spec.quantiles), head: spec.head, quantiles: spec.quantiles,
      trainInputs: put(m.windows.inputs, [N, spec.lookback, F]),
      trainTargets: put(m.windows.targets!, [N, m.windows.targets![0]!.length]),
      holdoutInputs: put([x.data], [...x.shape]),
    };
  });
  const blob = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  return {
    manifest: {
      data: train.dataFile, cell: config.cell, hiddenSize: config.hiddenSize, numLayers: config.numLayers, dropout: config.dropout,
      lr: config.lr, batchSize: config.batchSize, clipNorm: config.clipNorm ?? null, seed: config.seed, seconds: train.seconds, threads: train.threads, members,
    },
    blob,
  };
}

/**
 * The peer's raw outputs (per member, [B, H x K x W] row-major) as forecasts in the data's units,
 * per origin and target H x Q: decoded by each member's normaliser, inverted by its transforms,
 * and averaged over members quantile by quantile, as recur forecasts.
 */
export function decodeTorchOutputs(meta: ForecastMetadata, holdout: Holdout, outputs: readonly ArrayLike<number>[]): Float64Array[][] {
  const perMember = meta.pipelines.map((p, i) => decodeDirect(p.spec, holdout.items[i]!, outputs[i]!).map((f, j) => toDataUnits(holdout.series[i]![holdout.origins[j]!.series]!, f)));
  return averageForecasts(perMember);
}

export interface TorchRun {
  /** Per member, [B, outputs] row-major. */
  outputs: Float32Array[];
  steps: number;
  seconds: number;
  loss: number;
}

/** Trains in PyTorch (scripts/forecast_torch.py) in `dir` and reads its hold-out outputs. */
export async function trainTorch(python: string, dir: string, exported: { manifest: TorchManifest; blob: Buffer }): Promise<TorchRun> {
  const manifestPath = join(dir, 'torch-manifest.json'), outPath = join(dir, 'torch-outputs.f32');
  await writeFile(exported.manifest.data, exported.blob);
  await writeFile(manifestPath, JSON.stringify(exported.manifest));
  const r = await runProcess(python, [TORCH_SCRIPT, manifestPath, outPath], Math.ceil(exported.manifest.seconds * 1000) + 600_000);
  if (r.code !== 0) throw new Error(`${TORCH_SCRIPT} failed: ${lastLine(r.stderr) || `exit code ${r.code}`}`);
  const report = JSON.parse(lastLine(r.stdout)) as { steps: number; seconds: number; loss: number };
  const bytes = await readFile(outPath);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  const outputs = exported.manifest.members.map((m) => {
    const n = m.holdoutInputs.shape[1]! * m.outputs;
    const part = all.subarray(at, at + n);
    at += n;
    return part;
  });
  if (at !== all.length) throw new Error(`${outPath} holds ${all.length} values, expected ${at}`);
  return { outputs, ...report };
}
