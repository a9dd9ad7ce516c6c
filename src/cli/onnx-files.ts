/**
 * What `recur export onnx` writes for a loaded model file, by kind and task: one graph for a
 * recurrent model (sigmoid probabilities for a multi-label classifier, as `classify predict`
 * reads its logits), two for an encoder-decoder (the encoder and one decoder step), and for a
 * forecasting ensemble one graph per member with a JSON sidecar saying how forecast predict
 * combines them (tasks/forecast/onnx.ts explains why not one averaged graph), and for a tagger
 * one graph of emissions (with a CRF's transition scores as outputs: tasks/tag/onnx.ts). No
 * file is written here.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { MAX_MODEL_HEADER_BYTES, type LoadedModel } from '../io/model-file.js';
import { readSafetensorsHeader } from '../io/safetensors.js';
import { exportOnnx } from '../io/onnx/export.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { CLASSIFY_METADATA_KEY } from '../tasks/classify/task.js';
import { ForecastEnsemble } from '../tasks/forecast/ensemble.js';
import { exportForecastEnsembleOnnx } from '../tasks/forecast/onnx.js';
import { forecastModelOf } from '../tasks/forecast/predict.js';
import { EncoderDecoder } from '../tasks/seq2seq/model.js';
import { exportEncoderDecoderOnnx } from '../tasks/seq2seq/onnx.js';
import { Tagger } from '../tasks/tag/model.js';
import { exportTaggerOnnx } from '../tasks/tag/onnx.js';
import { resolveModelPath } from './model-path.js';

/** Tasks whose predict and eval commands read a run directory's best model (best.safetensors) rather than its final one. */
const SERVES_BEST = new Set(['classify', 'tag', 'seq2seq']);

/**
 * The model file `--model ARG` exports: ARG itself when it is a file; for a run directory, the
 * file the task's own predict command reads: best.safetensors (when there is one) for classify,
 * tag and seq2seq runs, model.safetensors otherwise (language models, forecasters), so the ONNX
 * graph serves what `recur classify predict --model DIR` serves.
 */
export async function exportedModelPath(arg: string): Promise<string> {
  const path = await resolveModelPath(arg);
  if (path === arg) return path;
  let task: string | undefined;
  try {
    task = readSafetensorsHeader(await readFile(path), { maxHeaderBytes: MAX_MODEL_HEADER_BYTES }).metadata['recur.task'];
  } catch {
    return path; // the loader reports what is wrong with it
  }
  return task !== undefined && SERVES_BEST.has(task) ? resolveModelPath(arg, { preferBest: true }) : path;
}

export interface OnnxFile {
  path: string;
  bytes: Uint8Array;
}

/** True for a model file of the classify task whose metadata says multi-label (its probabilities are per-class sigmoids). */
export function isMultiLabelClassifier(loaded: Pick<LoadedModel<SavedModule>, 'task' | 'extra'>): boolean {
  if (loaded.task !== 'classify') return false;
  try {
    return (JSON.parse(loaded.extra?.[CLASSIFY_METADATA_KEY] ?? '{}') as { multiLabel?: unknown }).multiLabel === true;
  } catch {
    return false;
  }
}

/**
 * The files of `loaded` (read from `modelPath`) for `--out out`: `out` itself; for an
 * encoder-decoder STEM.encoder.onnx and STEM.decoder-step.onnx; for a forecasting ensemble
 * STEM.member-K.onnx (K from 0) and STEM.ensemble.json (STEM: `out` without `.onnx`).
 */
export function onnxFiles(loaded: LoadedModel<SavedModule>, modelPath: string, out: string, options: { opset: number; requiredInputs: boolean }): OnnxFile[] {
  const model = loaded.model;
  const docString = JSON.stringify(model.config);
  const stem = out.replace(/\.onnx$/i, '');
  const optionalInputs = !options.requiredInputs;
  if (model instanceof EncoderDecoder) {
    const g = exportEncoderDecoderOnnx(model, { opset: options.opset, docString });
    return [{ path: `${stem}.encoder.onnx`, bytes: g.encoder }, { path: `${stem}.decoder-step.onnx`, bytes: g.decoderStep }];
  }
  if (model instanceof ForecastEnsemble) {
    const { meta } = forecastModelOf(loaded, modelPath);
    const paths = model.members.map((_, k) => `${stem}.member-${k}.onnx`);
    const e = exportForecastEnsembleOnnx(model, meta, (k) => basename(paths[k]!), { opset: options.opset, optionalInputs });
    return [...paths.map((path, k) => ({ path, bytes: e.members[k]! })),
      { path: `${stem}.ensemble.json`, bytes: new TextEncoder().encode(`${JSON.stringify(e.sidecar, null, 2)}\n`) }];
  }
  if (model instanceof RecurrentModel && loaded.task === 'forecast') {
    // One forecasting model: its graph (logits only: quantiles in normalised units) and the sidecar saying how to read them.
    const { meta } = forecastModelOf(loaded, modelPath);
    const e = exportForecastEnsembleOnnx(model, meta, () => basename(out), { opset: options.opset, optionalInputs });
    return [{ path: out, bytes: e.members[0]! }, { path: `${stem}.forecast.json`, bytes: new TextEncoder().encode(`${JSON.stringify(e.sidecar, null, 2)}\n`) }];
  }
  if (model instanceof Tagger) {
    // Emissions and per-token probabilities; a CRF tagger's transition scores as constant outputs for a Viterbi outside (tasks/tag/onnx.ts).
    return [{ path: out, bytes: exportTaggerOnnx(model, { opset: options.opset, docString, optionalInputs }) }];
  }
  if (model instanceof RecurrentModel) {
    const probabilities = isMultiLabelClassifier(loaded) ? 'sigmoid' : 'softmax';
    return [{ path: out, bytes: exportOnnx(model, { opset: options.opset, docString, optionalInputs, probabilities }) }];
  }
  throw new Error(`${modelPath}: ONNX export of a '${(model as { config: { kind: string } }).config.kind}' model is not supported (recur exports language models, classifiers, forecasters, encoder-decoders and taggers)`);
}

/** The cell of a model for the summary ('lstm'; an ensemble's members' joined by '+'). */
export function cellOf(model: SavedModule): string | undefined {
  if (model instanceof ForecastEnsemble) return [...new Set(model.members.map((m) => m.config.cell))].join('+');
  return (model.config as { cell?: string }).cell;
}
