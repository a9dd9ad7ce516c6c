/**
 * The PyTorch peer of the word-level language-model quality run: a job (recur's training,
 * validation and test word ids and the model's architecture and training settings) written as a
 * JSON file and little-endian binary files to a temporary folder, trained there by
 * scripts/word_lm_torch.py (recur's streams and truncated BPTT, recur's stream evaluation) for a
 * wall-time budget, and its one JSON line read back. Dev-only: needs a Python with torch (see
 * python.ts); what it writes is tested without one.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type findTorchPython, littleEndian, runPeerScript, scriptPath } from './python.js';

export const WORD_LM_TORCH_SCRIPT = scriptPath('word_lm_torch.py');

/** What scripts/word_lm_torch.py trains (its docstring defines each field; the ids are written to files here). */
export interface TorchWordLmJob {
  /**
   * Each split's token ids in [0, vocabSize): train as recur's StreamBatcher reads it (at least
   * batchSize × seqLen + 1 ids), validation and test as evaluateStream scores them (at least 2).
   */
  data: { train: ArrayLike<number>; validation: ArrayLike<number>; test: ArrayLike<number> };
  /** Words, the embedding's rows and the output layer's classes. */
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  cell: 'lstm' | 'gru' | 'rnn-tanh' | 'rnn-relu';
  /** On the embedded words, between stacked layers (as nn.LSTM's) and before the output layer. */
  dropout: number;
  /** The output layer's weight is the embedding's (it keeps a bias of its own); needs embeddingDim === hiddenSize. */
  tieWeights: boolean;
  /** Adam's peak learning rate (after warm-up). */
  lr: number;
  /** Linear warm-up over this many steps, as recur's WarmupCosineLR. */
  warmupSteps: number;
  /** Cosine decay to minLrRatio × lr over the rest of the budget (wall time, or maxSteps); null: constant after warm-up. */
  minLrRatio: number | null;
  /** Clipping by global norm, or null for none. */
  clipNorm: number | null;
  /** Parallel streams, B (also the validation's). */
  batchSize: number;
  /** Steps per window, T: the truncation length of BPTT (also the validation's). */
  seqLen: number;
  /** Training wall time in seconds, its validations included. */
  seconds: number;
  /** Train exactly this many steps instead of for `seconds` (the learning-rate horizon in steps): tests stay independent of the machine's load. */
  maxSteps?: number | null;
  threads: number;
  seed: number;
  /** Validate when this many seconds passed since the last validation (default: after each epoch only); always at the end. */
  evalSeconds?: number | null;
  /** The test evaluation's streams (default 64, as recur lm eval). */
  evalBatchSize?: number | null;
  /** The test evaluation's window (default 128, as recur lm eval). */
  evalSeqLen?: number | null;
}

/** The script's report: test figures from the best-on-validation weights, computed once at the end. */
export interface TorchWordLmResult {
  /** Mean cross-entropy per test prediction, in nats. */
  testNats: number;
  testPerplexity: number;
  /** Predictions scored: the test ids' count - 1. */
  testPredictions: number;
  /** The best validation loss (nats per word), whose weights were tested. */
  validationNats: number;
  validationPerplexity: number;
  steps: number;
  /** Passes over the training streams: steps / windows per epoch (fractional). */
  epochs: number;
  /** Seconds of training (the loop and its validations; not Python's start-up or the test). */
  seconds: number;
  validations: number;
  /** The step after which the kept weights were validated. */
  bestStep: number;
  /** torch.__version__ and the threads it ran on. */
  torch: string;
  threads: number;
  python: string;
}

const SPLITS = ['train', 'validation', 'test'] as const;

/** Throws, naming `who` and the field, unless vocabSize is a positive integer and every id an integer in [0, vocabSize). */
function checkIds(job: TorchWordLmJob, who: string): void {
  const V = job.vocabSize;
  if (!(Number.isInteger(V) && V > 0)) throw new Error(`${who}: vocabSize must be a positive integer, got ${String(V)}`);
  if (!job.data || typeof job.data !== 'object') throw new Error(`${who}: data must be { train, validation, test }, got ${String(job.data)}`);
  for (const name of SPLITS) {
    const ids = job.data[name];
    if (!ids || typeof ids.length !== 'number') throw new Error(`${who}: data.${name} must be an array of token ids, got ${String(ids)}`);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new Error(`${who}: data.${name}[${i}] is ${String(id)}, not an integer in [0, vocabSize) = [0, ${V})`);
    }
  }
}

/**
 * Writes the job to `dir`: `job.json` and `train-ids.bin`, `validation-ids.bin`,
 * `test-ids.bin` (raw little-endian int32, no header), which job.json names relative to itself.
 * Checks the ids first. Returns job.json's path.
 */
export async function writeTorchWordLmJob(job: TorchWordLmJob, dir: string): Promise<string> {
  checkIds(job, 'writeTorchWordLmJob');
  const data: Record<string, string> = {};
  for (const name of SPLITS) {
    const file = `${name}-ids.bin`;
    await writeFile(join(dir, file), littleEndian(job.data[name], 'int32'));
    data[name] = file;
  }
  const path = join(dir, 'job.json');
  await writeFile(path, JSON.stringify({ ...job, data }));
  return path;
}

/**
 * Trains the job in PyTorch and scores the test ids with the best-on-validation weights: checks
 * the ids, finds a Python with torch (`RECUR_PYTHON`, else `.venv-torch` in the checkout; or
 * takes `options.torch`, what `findTorchPython` found, to look once for many jobs), writes the
 * job to a temporary folder, runs scripts/word_lm_torch.py with a time limit (default the budget
 * + 5 minutes for start-up, data and the test; with maxSteps, 10 minutes), reads its JSON line
 * and removes the folder. `{ skipped: why }` when there is no such Python; throws, with the
 * script's last line of stderr, when the script fails (bad settings among them: the script
 * checks everything but the ids).
 */
export async function runTorchWordLm(
  job: TorchWordLmJob, options: { timeoutMs?: number; torch?: Awaited<ReturnType<typeof findTorchPython>> } = {},
): Promise<TorchWordLmResult | { skipped: string }> {
  checkIds(job, 'runTorchWordLm');
  const timeoutMs = options.timeoutMs ?? (job.maxSteps != null ? 600_000 : Math.ceil(job.seconds * 1000) + 300_000);
  const r = await runPeerScript<Omit<TorchWordLmResult, 'python'>>('runTorchWordLm', WORD_LM_TORCH_SCRIPT,
    (dir) => writeTorchWordLmJob(job, dir), timeoutMs, options.torch);
  if ('skipped' in r) return r;
  const report = r.report;
  const predictions = job.data.test.length - 1;
  if (report.testPredictions !== predictions || typeof report.testNats !== 'number') {
    throw new Error(`runTorchWordLm: ${WORD_LM_TORCH_SCRIPT} reported ${String(report.testPredictions)} test predictions (testNats ${String(report.testNats)}) for ${predictions}`);
  }
  return { ...report, python: r.python };
}
