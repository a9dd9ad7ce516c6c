/**
 * The playground's shared vocabulary (issue 17): the settings of the two models it trains in
 * the browser, the messages between the page (page/playground.ts) and its Web Worker
 * (page/playground-worker.ts), the checks on what a user typed, and how progress is written.
 * Pure and import-free: the page, the worker and Node tests all use it. The training itself is
 * playground-train.ts.
 */

/** The cells the playground offers for the character model. */
export const PLAYGROUND_CELLS = ['lstm', 'gru', 'rnn-tanh'] as const;
export type PlaygroundCell = (typeof PLAYGROUND_CELLS)[number];

/** The "hello" walk-through (examples/hello.ts): "hell" -> "ello", an Elman RNN over {h, e, l, o}. */
export interface HelloSettings {
  /** Adam steps on the one example. */
  steps: number;
  lr: number;
  hiddenSize: number;
  seed: number;
}

/** A character language model on pasted text: embedding -> one recurrent layer -> Linear over the characters. */
export interface CharSettings {
  text: string;
  cell: PlaygroundCell;
  hiddenSize: number;
  embeddingDim: number;
  /** Characters per training window (truncated BPTT length). */
  seqLen: number;
  /** Windows per step, each starting at a random place in the text. */
  batchSize: number;
  lr: number;
  /** Global gradient-norm clipping (0: none). */
  clipNorm: number;
  steps: number;
  /** A generated sample every this many steps (0: only at the end). */
  sampleEvery: number;
  /** Characters per sample. */
  sampleLength: number;
  seed: number;
}

export const HELLO_DEFAULTS: Readonly<HelloSettings> = Object.freeze({ steps: 150, lr: 0.05, hiddenSize: 3, seed: 1 });

/** A few lines to start from (the opening of Tiny Shakespeare, data/tinyshakespeare.txt). */
export const DEFAULT_TEXT = `First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

First Citizen:
You are all resolved rather to die than to famish?

All:
Resolved. resolved.

First Citizen:
First, you know Caius Marcius is chief enemy to the people.

All:
We know't, we know't.

First Citizen:
Let us kill him, and we'll have corn at our own price.
Is't a verdict?

All:
No more talking on't; let it be done: away, away!
`;

export const CHAR_DEFAULTS: Readonly<CharSettings> = Object.freeze({
  text: DEFAULT_TEXT, cell: 'lstm', hiddenSize: 128, embeddingDim: 32, seqLen: 64, batchSize: 32, lr: 3e-3, clipNorm: 1,
  steps: 500, sampleEvery: 50, sampleLength: 160, seed: 1,
});

/** Largest pasted text the page accepts (the model reads windows of it; more only costs memory). */
export const MAX_TEXT_CHARS = 1_000_000;

/** What the page asks the worker to train. */
export type PlaygroundJob = { kind: 'hello'; settings: HelloSettings } | { kind: 'char'; settings: CharSettings };

/** Page -> worker. `threads` is what the page asks for; the worker uses 1 without cross-origin isolation. */
export type ToWorker = { type: 'start'; job: PlaygroundJob; threads: number } | { type: 'cancel' };

/** One batch of steps the worker reports (every few tens of milliseconds, not every step). */
export interface ProgressMessage {
  type: 'progress';
  /** Steps and their losses since the previous report. */
  steps: number[];
  losses: number[];
  step: number;
  totalSteps: number;
  /** Training steps per second over this batch (time spent sampling left out). */
  stepsPerSecond: number;
  elapsedMs: number;
  /** hello: the argmax predictions for "hell" at the latest step. */
  predicted?: string;
}

/** hello's answer after training: the softmax over {h, e, l, o} after each input character. */
export interface HelloTable {
  vocabulary: string[];
  input: string;
  predicted: string;
  /** [T][V] */
  probs: number[][];
}

/** Worker -> page. */
export type FromWorker =
  | { type: 'ready'; backend: string; threads: number; crossOriginIsolated: boolean; parameters: number; vocabulary: number; totalSteps: number }
  | ProgressMessage
  | { type: 'sample'; step: number; text: string }
  | {
    type: 'done'; reason: 'finished' | 'cancelled'; step: number; loss: number; elapsedMs: number; stepsPerSecond: number;
    /** The model file (recur's safetensors with metadata), transferred. */
    model: ArrayBuffer; fileName: string; hello?: HelloTable;
  }
  | { type: 'error'; message: string };

/** Most threads the playground asks for: the models are small, more threads mostly add waiting. */
export const MAX_PLAYGROUND_THREADS = 4;

/**
 * Threads for the worker's wasm backend: 1 unless the page is cross-origin isolated (shared
 * memory), else min(cores, MAX_PLAYGROUND_THREADS), or 1 when the user chose 'one'.
 */
export function playgroundThreads(crossOriginIsolated: boolean, hardwareConcurrency: number, choice: 'auto' | 'one'): number {
  if (!crossOriginIsolated || choice === 'one') return 1;
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency > 0 ? hardwareConcurrency : 1;
  return Math.min(cores, MAX_PLAYGROUND_THREADS);
}

function checkInteger(where: string, name: string, v: number, lo: number, hi: number): void {
  if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new Error(`${where}: ${name} must be an integer from ${lo} to ${hi}, got ${String(v)}`);
}

function checkNumber(where: string, name: string, v: number, lo: number, hi: number, loOpen: boolean): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && v <= hi)) {
    throw new Error(`${where}: ${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${String(v)}`);
  }
}

/** Throws `hello: <field> must be ...` for a setting out of range. */
export function checkHelloSettings(s: HelloSettings): HelloSettings {
  const where = 'hello';
  checkInteger(where, 'steps', s.steps, 1, 100_000);
  checkNumber(where, 'lr', s.lr, 0, 10, true);
  checkInteger(where, 'hiddenSize', s.hiddenSize, 1, 256);
  checkInteger(where, 'seed', s.seed, 0, 2 ** 31 - 1);
  return s;
}

/** Throws `character model: ...` for a setting out of range or a text too short for one window. */
export function checkCharSettings(s: CharSettings): CharSettings {
  const where = 'character model';
  if (typeof s.text !== 'string') throw new Error(`${where}: the text must be a string`);
  const chars = Array.from(s.text).length;
  if (chars > MAX_TEXT_CHARS) throw new Error(`${where}: the text has ${chars} characters; at most ${MAX_TEXT_CHARS}`);
  if (!PLAYGROUND_CELLS.includes(s.cell)) throw new Error(`${where}: cell must be one of ${PLAYGROUND_CELLS.join(', ')}, got ${JSON.stringify(s.cell)}`);
  checkInteger(where, 'hiddenSize', s.hiddenSize, 1, 1024);
  checkInteger(where, 'embeddingDim', s.embeddingDim, 1, 1024);
  checkInteger(where, 'seqLen', s.seqLen, 1, 1024);
  checkInteger(where, 'batchSize', s.batchSize, 1, 512);
  checkNumber(where, 'lr', s.lr, 0, 10, true);
  checkNumber(where, 'clipNorm', s.clipNorm, 0, 1e6, false);
  checkInteger(where, 'steps', s.steps, 1, 1_000_000);
  checkInteger(where, 'sampleEvery', s.sampleEvery, 0, 1_000_000);
  checkInteger(where, 'sampleLength', s.sampleLength, 0, 10_000);
  checkInteger(where, 'seed', s.seed, 0, 2 ** 31 - 1);
  if (chars < s.seqLen + 1) {
    throw new Error(`${where}: the text has ${chars} character${chars === 1 ? '' : 's'}; one window of seqLen ${s.seqLen} needs at least ${s.seqLen + 1} (paste more text or shorten the window)`);
  }
  return s;
}

/** A number for the status line: 3 significant decimals for losses, more for tiny ones. */
export function formatLoss(loss: number): string {
  if (!Number.isFinite(loss)) return String(loss);
  return Math.abs(loss) >= 0.01 || loss === 0 ? loss.toFixed(3) : loss.toExponential(2);
}

export function formatRate(stepsPerSecond: number): string {
  if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) return '–';
  return `${stepsPerSecond >= 100 ? Math.round(stepsPerSecond) : stepsPerSecond.toFixed(1)} steps/s`;
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
}

/** The status line of a running model: `step 120 / 500 · loss 2.345 · 35.2 steps/s · 3.4 s`. */
export function formatProgress(p: Pick<ProgressMessage, 'step' | 'totalSteps' | 'stepsPerSecond' | 'elapsedMs'> & { loss: number }): string {
  return `step ${p.step} / ${p.totalSteps} · loss ${formatLoss(p.loss)} · ${formatRate(p.stepsPerSecond)} · ${formatElapsed(p.elapsedMs)}`;
}

/** How the backend runs, for the page header: `wasm (relaxed-simd, 4 threads) · cross-origin isolated`. */
export function formatBackend(backend: string, crossOriginIsolated: boolean): string {
  return `${backend} · ${crossOriginIsolated ? 'cross-origin isolated: shared memory, worker threads' : 'not cross-origin isolated: 1 thread'}`;
}
