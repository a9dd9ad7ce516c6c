/**
 * The PyTorch peer of the sequence-to-sequence quality run: a job (recur's pairs as flat id
 * arrays and the encoder-decoder's architecture, training and decoding settings) written as a
 * JSON file and little-endian binary files to a temporary folder, trained and decoded there by
 * scripts/seq2seq_torch.py for a wall-time budget, and its one JSON line read back. Dev-only:
 * needs a Python with torch (see python.ts). It scores nothing: BLEU and exact match of the
 * decoded ids are the caller's, computed as for recur's own rows.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type findTorchPython, littleEndian, runPeerScript, scriptPath } from './python.js';

export const SEQ2SEQ_TORCH_SCRIPT = scriptPath('seq2seq_torch.py');

/**
 * One split as the script reads it: all sources' ids concatenated with their lengths (each
 * >= 1), and all targets' ids (without [GO] or [EOS]) with theirs (each >= 0). The test split's
 * targets are optional and never written: the script decodes its sources only.
 */
export interface TorchSeq2seqSplit {
  sourceIds: ArrayLike<number>;
  sourceLengths: ArrayLike<number>;
  targetIds?: ArrayLike<number>;
  targetLengths?: ArrayLike<number>;
}

/** What scripts/seq2seq_torch.py trains and decodes (its docstring defines each field; the data is written to files here). */
export interface TorchSeq2seqJob {
  data: { train: Required<TorchSeq2seqSplit>; validation: Required<TorchSeq2seqSplit>; test: TorchSeq2seqSplit };
  sourceVocabSize: number;
  targetVocabSize: number;
  /** Both embeddings' width. */
  embeddingDim: number;
  cell: 'lstm' | 'gru' | 'rnn-tanh' | 'rnn-relu';
  /** Per direction. */
  encoderHiddenSize: number;
  decoderHiddenSize: number;
  /** Layers of each stack. */
  numLayers: number;
  bidirectional: boolean;
  reverseSource: boolean;
  attention: 'none' | 'dot' | 'general' | 'additive';
  /** Additive attention's width (required; unused by the other kinds). */
  attentionSize: number;
  /** Needs attention. */
  inputFeeding: boolean;
  /** On both embeddings, between stacked layers and on the attentional vector. */
  dropout: number;
  labelSmoothing: number;
  /** Target ids of [GO] and [EOS] (distinct, not 0: 0 is [PAD]). */
  goId: number;
  eosId: number;
  /** Adam's learning rate (after warm-up; constant unless minLrRatio is given). */
  lr: number;
  batchSize: number;
  /** Clipping by global norm, or null for none. */
  clipNorm: number | null;
  /** Training wall time in seconds, its validations included. */
  seconds: number;
  threads: number;
  seed: number;
  /** Most tokens of a decoded output, [EOS] not counted. */
  maxLength: number;
  beamWidth: number;
  /** Beam ranking: logProb / (tokens + 1)^alpha. */
  lengthPenalty: number;
  /** Train this many steps instead of for `seconds` (the learning-rate horizon in steps): tests stay independent of the machine's load. */
  maxSteps?: number;
  /** Also validate when this many seconds passed since the last validation (default: after each epoch only). */
  evalSeconds?: number | null;
  /** Linear warm-up over this many steps, as recur's WarmupCosineLR (default 0). */
  warmupSteps?: number;
  /** Cosine decay to minLrRatio × lr over the rest of the time budget; absent or null: constant after warm-up. */
  minLrRatio?: number | null;
}

/** The script's report: decoded test outputs from the best-on-validation weights, computed once at the end. */
export interface TorchSeq2seqResult {
  /** The best validation loss (nats per target token, teacher-forced, [EOS] included), whose weights decoded the test. */
  validationLoss: number;
  /** Passes over the training pairs (fractional). */
  epochs: number;
  steps: number;
  /** Seconds of training (the loop and its validations; not Python's start-up or decoding). */
  seconds: number;
  validations: number;
  /** The step after which the kept weights were validated. */
  bestStep: number;
  /** Per test source, the greedy output's target ids without [EOS]. */
  greedy: number[][];
  /** Per test source, the best beam hypothesis' target ids without [EOS]. */
  beam: number[][];
  /** torch.__version__ and the threads it ran on. */
  torch: string;
  threads: number;
  python: string;
}

/** A split from pairs of source and target id sequences (targets without [GO] or [EOS]). */
export function torchPairs(sources: readonly Int32Array[], targets: readonly Int32Array[]): Required<TorchSeq2seqSplit> {
  if (targets.length !== sources.length) throw new Error(`torchPairs: ${targets.length} targets for ${sources.length} sources`);
  sources.forEach((s, i) => { if (s.length === 0) throw new Error(`torchPairs: source ${i} is empty`); });
  return { ...torchSources(sources), targetIds: concatIds(targets), targetLengths: Int32Array.from(targets, (t) => t.length) };
}

/** A test split: sources only (the peer never sees test targets). */
export function torchSources(sources: readonly Int32Array[]): TorchSeq2seqSplit {
  return { sourceIds: concatIds(sources), sourceLengths: Int32Array.from(sources, (s) => s.length) };
}

function concatIds(seqs: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(seqs.reduce((n, s) => n + s.length, 0));
  let at = 0;
  for (const s of seqs) { out.set(s, at); at += s.length; }
  return out;
}

/**
 * Writes the job to `dir`: `job.json` and per split `<split>-<field>.bin` (raw little-endian
 * int32, no header), which job.json names relative to itself; the test split's targets are
 * left out. Returns job.json's path.
 */
export async function writeTorchSeq2seqJob(job: TorchSeq2seqJob, dir: string): Promise<string> {
  const data: Record<string, Record<string, string>> = {};
  for (const name of ['train', 'validation', 'test'] as const) {
    const split = job.data[name], out: Record<string, string> = {};
    const fields = name === 'test' ? (['sourceIds', 'sourceLengths'] as const) : (['sourceIds', 'sourceLengths', 'targetIds', 'targetLengths'] as const);
    for (const field of fields) {
      const values = split[field];
      if (values === undefined) throw new Error(`writeTorchSeq2seqJob: data.${name}.${field} is missing`);
      const file = `${name}-${field}.bin`;
      await writeFile(join(dir, file), littleEndian(values, 'int32'));
      out[field] = file;
    }
    data[name] = out;
  }
  const path = join(dir, 'job.json');
  await writeFile(path, JSON.stringify({ ...job, data }));
  return path;
}

/**
 * Trains the job in PyTorch and decodes its test sources: finds a Python with torch
 * (`RECUR_PYTHON`, else `.venv-torch` in the checkout; or takes `options.torch`, what
 * `findTorchPython` found, to look once for many jobs), writes the job to a temporary folder,
 * runs scripts/seq2seq_torch.py with a time limit (default the budget + 10 minutes for
 * start-up, data and decoding the test set twice), reads its JSON line and removes the folder.
 * `{ skipped: why }` when there is no such Python; throws, with the script's last line of
 * stderr, when the script fails.
 */
export async function runTorchSeq2seq(
  job: TorchSeq2seqJob, options: { timeoutMs?: number; torch?: Awaited<ReturnType<typeof findTorchPython>> } = {},
): Promise<TorchSeq2seqResult | { skipped: string }> {
  const r = await runPeerScript<Omit<TorchSeq2seqResult, 'python'>>('runTorchSeq2seq', SEQ2SEQ_TORCH_SCRIPT,
    (dir) => writeTorchSeq2seqJob(job, dir), options.timeoutMs ?? Math.ceil(job.seconds * 1000) + 600_000, options.torch);
  if ('skipped' in r) return r;
  const report = r.report;
  const tests = job.data.test.sourceLengths.length;
  for (const key of ['greedy', 'beam'] as const) {
    const got = report[key];
    if (!Array.isArray(got) || got.length !== tests) {
      throw new Error(`runTorchSeq2seq: ${SEQ2SEQ_TORCH_SCRIPT} reported ${Array.isArray(got) ? got.length : 'no'} ${key} outputs for ${tests} test sources`);
    }
  }
  return { ...report, python: r.python };
}
