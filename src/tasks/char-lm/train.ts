/**
 * Training a character language model, char-rnn style: vocabulary from the data, contiguous
 * train/validation split, streams read in windows with the state carried (truncated BPTT),
 * Adam with clipping and warm-up + cosine decay, validation with a sample, checkpoints into a
 * run directory, and bit-exact resume. Everything is checked before the first file is written.
 *
 * Resume restores: the weights, Adam's moments and step, the schedule (with its horizon), the
 * data position, the hidden state carried into the next window, and the dropout and sampling
 * RNGs; so an interrupted run resumed gives the same losses as one that never stopped.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { StreamBatcher, type StreamPosition, splitContiguous } from '../../data/stream-batcher.js';
import { loadTextFile } from '../../data/text-file.js';
import { encodeModelFile } from '../../io/model-file.js';
import { type Backend, createBackend } from '../../kernels/index.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Adam } from '../../optim/adam.js';
import type { RngState } from '../../random/rng.js';
import { CHECKPOINT_FILE_NAME, MODEL_FILE_NAME, type DecodedCheckpoint, encodeCheckpoint, readCheckpointFile, writeCheckpointFiles } from '../../train/checkpoint.js';
import { evaluateStream } from '../../train/evaluate-stream.js';
import type { TrainEvent } from '../../train/events.js';
import { RestorableRng } from '../../train/restorable-rng.js';
import { type LoopProgress, type TrainLoopResult, trainLoop } from '../../train/train-loop.js';
import { WarmupCosineLR, type WarmupCosineStateDict } from '../../train/warmup-cosine.js';
import { BUNDLED_TEXT_PATH, type CharLmConfig, RUN_CONTROL_FIELDS, modelConfigOf, normalizeCharLmConfig } from './config.js';
import { generateText } from './generate.js';

export interface TrainCharLmOptions {
  /** The training text; or give `textPath`. Neither: the checkpoint's text when resuming, else the bundled Tiny Shakespeare. */
  text?: string;
  /** A UTF-8 file to train on (recorded in checkpoints so that a resume finds it again). */
  textPath?: string;
  /** Run directory for model.safetensors and checkpoint.safetensors; without it nothing is written. */
  out?: string;
  /** Settings; unset fields take `CHAR_LM_DEFAULTS` (or, when resuming, the checkpoint's values). */
  config?: Partial<CharLmConfig>;
  /** Continue the run in `out` from its checkpoint. */
  resume?: boolean;
  /** Start a new run in an `out` that already holds one (default false: that is an error). */
  overwrite?: boolean;
  /** Default: a wasm backend with `threads` threads. */
  backend?: Backend;
  /** Threads of the default wasm backend (default: all cores); created only once the inputs are checked. */
  threads?: number;
  /** Abort to stop after the current step, writing a checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
  /** How files are written (default: atomically); tests inject failures here. */
  writeFile?: (path: string, data: Uint8Array) => Promise<void>;
}

export interface TrainCharLmResult extends TrainLoopResult {
  model: RecurrentModel;
  tokenizer: CharTokenizer;
  config: CharLmConfig;
}

/** What `recur.training` in a char-LM checkpoint holds (JSON). */
interface CharLmTrainingState {
  task: 'char-lm';
  step: number;
  tokens: number;
  elapsedMs: number;
  bestValLoss: number | null;
  lastValLoss: number | null;
  position: StreamPosition;
  rng: { model: RngState; sample: RngState };
  schedule: WarmupCosineStateDict;
  config: CharLmConfig;
  text: { path: string | null; chars: number; sha256: string };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The stored config with the given fields applied; only run-control fields may differ. */
function mergeResumeConfig(stored: CharLmConfig, given: Partial<CharLmConfig>): CharLmConfig {
  const merged = { ...stored };
  for (const [k, v] of Object.entries(given) as [keyof CharLmConfig, unknown][]) {
    if (v === undefined) continue;
    if (!RUN_CONTROL_FIELDS.includes(k) && v !== stored[k]) {
      throw new Error(`cannot change ${k} when resuming: the checkpoint was trained with ${JSON.stringify(stored[k])}, got ${JSON.stringify(v)}`);
    }
    (merged as Record<string, unknown>)[k] = v;
  }
  // A new stopping rule replaces the old one rather than adding to it.
  if (given.maxSteps !== undefined && given.maxTimeMs === undefined) delete merged.maxTimeMs;
  if (given.maxTimeMs !== undefined && given.maxSteps === undefined) delete merged.maxSteps;
  return normalizeCharLmConfig(merged);
}

/** Trains (or resumes) a character LM. Rejects before writing anything when an input is bad. */
export async function trainCharLm(options: TrainCharLmOptions = {}): Promise<TrainCharLmResult> {
  const { out, resume = false } = options;
  if (resume && !out) throw new Error('resume needs the run directory (out) holding checkpoint.safetensors');

  // 1. Everything that can fail on bad input, before any file is touched.
  let ckpt: DecodedCheckpoint | undefined;
  let stored: CharLmTrainingState | undefined;
  if (resume) {
    ckpt = await readCheckpointFile(out!);
    stored = ckpt.training as unknown as CharLmTrainingState;
    if (stored.task !== 'char-lm' || !stored.config || !stored.position || !stored.rng || !stored.schedule || !stored.text) {
      throw new Error(`${join(out!, CHECKPOINT_FILE_NAME)} is not a char-lm training checkpoint (its training state lacks task, config, position, rng, schedule or text)`);
    }
  } else if (out && !options.overwrite) {
    for (const f of [CHECKPOINT_FILE_NAME, MODEL_FILE_NAME]) {
      if (await exists(join(out, f))) throw new Error(`${out} already holds a training run (${f}); continue it with --resume or start over with --force`);
    }
  }
  const config = stored ? mergeResumeConfig(stored.config, options.config ?? {}) : normalizeCharLmConfig(options.config ?? {});
  const textPath = options.text !== undefined ? null : options.textPath ?? stored?.text.path ?? BUNDLED_TEXT_PATH;
  const text = options.text ?? await loadTextFile(textPath!);
  if (text.length === 0) throw new Error('the training text is empty');
  const digest = sha256(text);
  if (stored && digest !== stored.text.sha256) {
    throw new Error(`the text (${textPath ?? 'given'}, ${text.length} characters) is not the one this run was trained on ` +
      `(${stored.text.path ?? 'given'}, ${stored.text.chars} characters); resume with the same --text`);
  }
  const tokenizer = ckpt ? new CharTokenizer(ckpt.vocabulary ?? []) : CharTokenizer.fromText(text);
  const ids = tokenizer.encode(text, 'the training text');
  const { train, validation } = splitContiguous(ids, 1 - config.validationFraction);
  const need = config.batchSize * config.seqLen + 1;
  if (train.length < need) {
    throw new Error(`the text is too short for one training window: its training split (${Math.round((1 - config.validationFraction) * 100)}% = ${train.length} characters) ` +
      `needs at least batch size × sequence length + 1 = ${config.batchSize} × ${config.seqLen} + 1 = ${need}; use a longer text or a smaller batch size or sequence length`);
  }
  if (validation.length < 2) throw new Error(`the text is too short to hold out a validation split: ${validation.length} characters (need 2)`);
  if (out && await exists(out) && !(await stat(out)).isDirectory()) throw new Error(`--out ${out} is a file, not a directory`);

  // 2. Model, optimizer, schedule, data, RNGs: fresh or restored.
  const backend = options.backend ?? await createBackend('wasm', options.threads === undefined ? {} : { threads: options.threads });
  const modelRng = new RestorableRng(config.seed);
  const sampleRng = new RestorableRng(config.seed + 1);
  const model = new RecurrentModel(ckpt?.config ?? modelConfigOf(config, tokenizer.size), { rng: modelRng });
  if (ckpt) model.loadStateDict(ckpt.weights);
  model.to(backend);
  const optimizer = new Adam(model.parameters(), { lr: config.lr });
  const schedule = new WarmupCosineLR(optimizer, { warmupSteps: config.warmupSteps, minLr: config.minLrRatio * config.lr });
  const batcher = new StreamBatcher(train, { batchSize: config.batchSize, seqLen: config.seqLen });
  let resumeFrom: LoopProgress | undefined;
  if (ckpt && stored) {
    optimizer.loadStateDict(ckpt.optimizer);
    schedule.loadStateDict(stored.schedule);
    batcher.seek(stored.position);
    modelRng.restore(stored.rng.model);
    sampleRng.restore(stored.rng.sample);
    resumeFrom = {
      step: stored.step, tokens: stored.tokens, elapsedMs: stored.elapsedMs,
      bestValLoss: stored.bestValLoss, lastValLoss: stored.lastValLoss, carried: ckpt.carried,
    };
  }
  if (out) await mkdir(out, { recursive: true });

  const textRecord = { path: textPath === null ? null : resolve(textPath), chars: text.length, sha256: digest };
  const checkpoint = async (p: LoopProgress): Promise<string> => {
    const training: CharLmTrainingState = {
      task: 'char-lm', step: p.step, tokens: p.tokens, elapsedMs: p.elapsedMs, bestValLoss: p.bestValLoss, lastValLoss: p.lastValLoss,
      position: batcher.position(), rng: { model: modelRng.state(), sample: sampleRng.state() },
      schedule: schedule.stateDict(), config, text: textRecord,
    };
    const extra: Record<string, string> = { 'recur.task': 'char-lm', 'recur.step': String(p.step) };
    if (p.lastValLoss !== null) extra['recur.val_loss'] = String(p.lastValLoss);
    await writeCheckpointFiles(out!, {
      checkpoint: encodeCheckpoint({ model, vocabulary: tokenizer.vocabulary, optimizer, carried: p.carried, training: training as unknown as Record<string, unknown> }),
      model: encodeModelFile(model, { vocabulary: [...tokenizer.vocabulary], extra }),
    }, { writeFile: options.writeFile });
    return out!;
  };

  const result = await trainLoop({
    model, backend, optimizer, schedule, data: batcher, clipNorm: config.clipNorm,
    maxSteps: config.maxSteps, maxTimeMs: config.maxTimeMs,
    evalEvery: config.evalEvery, checkpointEvery: config.checkpointEvery,
    evaluate: () => evaluateStream(model, backend, validation, { batchSize: config.batchSize, seqLen: config.seqLen }).loss,
    sample: config.sampleLength > 0
      ? () => generateText(model, tokenizer, backend, { length: config.sampleLength, temperature: 0.8, rng: sampleRng })
      : undefined,
    checkpoint: out ? checkpoint : undefined,
    signal: options.signal, onEvent: options.onEvent, resumeFrom,
    details: {
      text: textPath ?? '(given text)', trainChars: train.length, validationChars: validation.length, vocabulary: tokenizer.size,
      model: `${config.numLayers}×${config.hiddenSize} ${config.cell}, ${config.input}${config.input === 'embedding' ? ` ${config.embeddingDim}` : ''}`,
      batchSize: config.batchSize, seqLen: config.seqLen, lr: config.lr, backend: backend.description, out: out ?? null,
    },
  });
  return { ...result, model, tokenizer, config };
}
