/**
 * `trainCharLm`: trains (or resumes) a character language model in a run directory, the
 * library form of `recur lm train`. A thin layer over `runTask(charLmTask)`, which checks every
 * input before the first file is written and resumes bit-exactly (weights, Adam, schedule, data
 * position, carried state, dropout and sampling RNGs).
 */
import type { CharTokenizer } from '../../data/char-tokenizer.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import type { TrainEvent } from '../../train/events.js';
import type { TrainLoopResult } from '../../train/train-loop.js';
import type { RecurrentState } from '../../nn/recurrent.js';
import { runTask } from '../run-task.js';
import type { CharLmConfig } from './config.js';
import { charLmTask } from './task.js';

export interface TrainCharLmOptions {
  /** The training text; or give `textPath`. Neither: the checkpoint's text when resuming, else the bundled Tiny Shakespeare. */
  text?: string;
  /** A UTF-8 file to train on (recorded in checkpoints so that a resume finds it again). */
  textPath?: string;
  /** Run directory for model.safetensors, checkpoint.safetensors, best.safetensors and events.jsonl; without it nothing is written. */
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

export interface TrainCharLmResult extends TrainLoopResult<RecurrentState> {
  model: RecurrentModel;
  tokenizer: CharTokenizer;
  config: CharLmConfig;
  /** Characters trained on (all sessions). */
  tokens: number;
  /** The last and the best validation loss (nats/char), or null before any validation. */
  lastValLoss: number | null;
  bestValLoss: number | null;
}

/** Trains (or resumes) a character LM. Rejects before writing anything when an input is bad. */
export async function trainCharLm(options: TrainCharLmOptions = {}): Promise<TrainCharLmResult> {
  const { text, textPath, overwrite, ...rest } = options;
  const r = await runTask(charLmTask, { ...rest, force: overwrite, input: { text, textPath } });
  return {
    ...r, tokenizer: r.prepared.data.tokenizer, tokens: r.items,
    lastValLoss: r.lastEval?.loss ?? null, bestValLoss: r.best?.value ?? null,
  };
}
