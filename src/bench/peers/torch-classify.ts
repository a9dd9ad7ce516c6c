/**
 * The PyTorch peer of the classification quality run: a job (recur's splits as flat arrays and
 * the classifier's architecture and training settings) written as a JSON file and little-endian
 * binary files to a temporary folder, trained there by scripts/classify_torch.py for a wall-time
 * budget, and its one JSON line read back. Dev-only: needs a Python with torch (see python.ts);
 * what it writes is tested without one.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type findTorchPython, littleEndian, runPeerScript, scriptPath } from './python.js';

export const CLASSIFY_TORCH_SCRIPT = scriptPath('classify_torch.py');

/**
 * One split as the script reads it: all sequences concatenated, with their lengths (each >= 1)
 * and labels (in [0, outputSize)). Token ids for embedding and one-hot input; for dense input
 * the steps' values, row-major [Σ lengths, features].
 */
export type TorchClassifySplit =
  | { ids: ArrayLike<number>; lengths: ArrayLike<number>; labels: ArrayLike<number> }
  | { values: ArrayLike<number>; features: number; lengths: ArrayLike<number>; labels: ArrayLike<number> };

/** What scripts/classify_torch.py trains (its docstring defines each field; the data is written to files here). */
export interface TorchClassifyJob {
  data: { train: TorchClassifySplit; validation: TorchClassifySplit; test: TorchClassifySplit };
  input: { kind: 'embedding'; vocabSize: number; embeddingDim: number } | { kind: 'one-hot'; vocabSize: number } | { kind: 'dense'; size: number };
  cell: 'lstm' | 'gru' | 'rnn-tanh' | 'rnn-relu';
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** Between stacked layers, as nn.LSTM's dropout. */
  dropout: number;
  /** Dropout on the pooled vector before the head (nn.Dropout before nn.Linear); absent: 0. */
  headDropout?: number;
  /** What the head reads, as recur's RecurrentModel pooling: last | mean | max | attention. */
  pooling: 'last' | 'mean' | 'max' | 'attention';
  /** Classes. */
  outputSize: number;
  /** Adam's learning rate, constant. */
  lr: number;
  batchSize: number;
  /** Clipping by global norm, or null for none. */
  clipNorm: number | null;
  /** Training wall time in seconds, its validations included. */
  seconds: number;
  threads: number;
  seed: number;
  /** Also validate when this many seconds passed since the last validation (default: after each epoch only). */
  evalSeconds?: number | null;
  /** Per-class weights of the cross-entropy ([outputSize]), or null for none. */
  classWeights?: readonly number[] | null;
}

/** The script's report: test figures from the best-on-validation weights, computed once at the end. */
export interface TorchPeerResult {
  testAccuracy: number;
  /** The best validation accuracy, the one whose weights were tested. */
  validationAccuracy: number;
  /** Passes over the training set (fractional). */
  epochs: number;
  steps: number;
  /** Seconds of training (the loop and its validations; not Python's start-up or the test). */
  seconds: number;
  validations: number;
  /** The step after which the kept weights were validated. */
  bestStep: number;
  /** [test sequences] the predicted class of each, for recur's metrics (macro-F1, confusion). */
  testPredictions: Int32Array;
  /** torch.__version__ and the threads it ran on. */
  torch: string;
  threads: number;
  python: string;
}

/**
 * A split from sequences (token ids, or each sequence's steps row-major [T, features] for
 * dense input when `features` is given) and their labels.
 */
export function torchSplit(inputs: readonly ArrayLike<number>[], labels: ArrayLike<number>, features?: number): TorchClassifySplit {
  if (labels.length !== inputs.length) throw new Error(`torchSplit: ${labels.length} labels for ${inputs.length} sequences`);
  const F = features ?? 1;
  const lengths = Int32Array.from(inputs, (s, i) => {
    if (s.length === 0 || s.length % F !== 0) throw new Error(`torchSplit: sequence ${i} has ${s.length} values, not a positive multiple of ${F} features`);
    return s.length / F;
  });
  const flat = new (features === undefined ? Int32Array : Float32Array)(inputs.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of inputs) { flat.set(s, at); at += s.length; }
  const labelArray = Int32Array.from(labels);
  return features === undefined ? { ids: flat, lengths, labels: labelArray } : { values: flat, features, lengths, labels: labelArray };
}

/**
 * Writes the job to `dir`: `job.json` and per split `<split>-<field>.bin` (ids, lengths and
 * labels int32; values float32; raw little-endian, no header), which job.json names relative
 * to itself. Returns job.json's path.
 */
export async function writeTorchJob(job: TorchClassifyJob, dir: string): Promise<string> {
  const data: Record<string, Record<string, string | number>> = {};
  for (const name of ['train', 'validation', 'test'] as const) {
    const split = job.data[name], out: Record<string, string | number> = {};
    const put = async (field: string, values: ArrayLike<number>, kind: 'int32' | 'float32') => {
      const file = `${name}-${field}.bin`;
      await writeFile(join(dir, file), littleEndian(values, kind));
      out[field] = file;
    };
    if ('ids' in split) await put('ids', split.ids, 'int32');
    else { await put('values', split.values, 'float32'); out.features = split.features; }
    await put('lengths', split.lengths, 'int32');
    await put('labels', split.labels, 'int32');
    data[name] = out;
  }
  const path = join(dir, 'job.json');
  await writeFile(path, JSON.stringify({ ...job, data }));
  return path;
}

/**
 * Trains the job in PyTorch: finds a Python with torch (`RECUR_PYTHON`, else `.venv-torch` in
 * the checkout; or takes `options.torch`, what `findTorchPython` found, to look once for many
 * jobs), writes the job to a temporary folder, runs scripts/classify_torch.py with a time
 * limit (default the budget + 5 minutes for start-up, data and the test), reads its JSON line
 * and removes the folder. `{ skipped: why }` when there is no such Python; throws, with the
 * script's last line of stderr, when the script fails.
 */
export async function runTorchPeer(
  job: TorchClassifyJob, options: { timeoutMs?: number; torch?: Awaited<ReturnType<typeof findTorchPython>> } = {},
): Promise<TorchPeerResult | { skipped: string }> {
  const r = await runPeerScript<Omit<TorchPeerResult, 'testPredictions' | 'python'> & { testPredictions: number[] }>('runTorchPeer', CLASSIFY_TORCH_SCRIPT,
    (dir) => writeTorchJob(job, dir), options.timeoutMs ?? Math.ceil(job.seconds * 1000) + 300_000, options.torch);
  if ('skipped' in r) return r;
  const report = r.report;
  const tests = job.data.test.labels.length;
  if (!Array.isArray(report.testPredictions) || report.testPredictions.length !== tests) {
    throw new Error(`runTorchPeer: ${CLASSIFY_TORCH_SCRIPT} reported ${Array.isArray(report.testPredictions) ? report.testPredictions.length : 'no'} test predictions for ${tests} test sequences`);
  }
  return { ...report, testPredictions: Int32Array.from(report.testPredictions), python: r.python };
}
