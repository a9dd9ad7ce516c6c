/**
 * The playground's training (issue 17), on any backend and with no DOM: the "hello" model and a
 * small character language model as `PlaygroundTrainer`s (one step at a time, a sample, the
 * model file's bytes), and `runTraining`, the loop that reports progress in batches, yields to
 * the event loop between them so a cancel message can arrive, and stops within one step of it.
 * The browser runs it in a Web Worker (page/playground-worker.ts); Node tests run it directly.
 * Browser-safe imports only (no node: modules).
 */
import { Tape } from '../autograd/tape.js';
import { crossEntropy, reshape } from '../autograd/ops/index.js';
import { CharTokenizer } from '../data/char-tokenizer.js';
import { encodeModelFile } from '../io/model-file-encode.js';
import type { Backend } from '../kernels/backend.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Adam } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { Rng } from '../random/rng.js';
import { generateChars } from '../tasks/char-lm/generate.js';
import { IntTensor } from '../tensor/tensor.js';
import { type CharSettings, type HelloSettings, type HelloTable, type ProgressMessage, checkCharSettings, checkHelloSettings } from './playground-protocol.js';

/** One model being trained, a step at a time. */
export interface PlaygroundTrainer {
  readonly kind: 'hello' | 'char';
  readonly model: RecurrentModel;
  readonly totalSteps: number;
  /** Characters the model reads and predicts. */
  readonly vocabulary: readonly string[];
  /** One optimiser step; the loss before it, and for hello the argmax predictions it saw. */
  step(): { loss: number; predicted?: string };
  /** Generated text (the character model; '' for hello). */
  sample(): string;
  /** The model file: recur's safetensors with the config and the vocabulary (task 'char-lm'). */
  encode(step: number): Uint8Array;
  /** File name of the download. */
  readonly fileName: string;
}

const HELLO_VOCAB = ['h', 'e', 'l', 'o'];
const HELLO_INPUT = 'hell';
export const HELLO_TARGET = 'ello';

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Argmax symbol at each of the T rows of logits [T, 1, V]. */
function argmaxText(logits: Float32Array, T: number, vocab: readonly string[]): string {
  const V = vocab.length;
  let s = '';
  for (let t = 0; t < T; t++) s += vocab[argmax(logits.subarray(t * V, (t + 1) * V))];
  return s;
}

function modelFile(model: RecurrentModel, vocabulary: readonly string[], step: number): Uint8Array {
  // Task 'char-lm' and the vocabulary: `recur lm sample --model FILE` reads it as it reads its own.
  return encodeModelFile(model, { task: 'char-lm', vocabulary: [...vocabulary], extra: { 'recur.step': String(step), 'recur.trained_by': 'playground' } });
}

/**
 * examples/hello.ts as a RecurrentModel: "hell" one-hot over {h, e, l, o} -> Elman tanh RNN
 * (hiddenSize) -> Linear to 4 logits, cross-entropy against "ello", Adam.
 */
export function helloTrainer(backend: Backend, settings: HelloSettings): PlaygroundTrainer & { table(): HelloTable } {
  const s = checkHelloSettings(settings);
  const V = HELLO_VOCAB.length;
  const tokenizer = new CharTokenizer(HELLO_VOCAB);
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: V }, cell: 'rnn-tanh', hiddenSize: s.hiddenSize, numLayers: 1, outputSize: V },
    { rng: new Rng(s.seed) }).to(backend);
  const opt = new Adam(model.parameters(), { lr: s.lr });
  const T = HELLO_INPUT.length;
  const x = new IntTensor(tokenizer.encode(HELLO_INPUT), [T, 1]); // [T, B = 1]
  const y = new IntTensor(tokenizer.encode(HELLO_TARGET), [T]);
  const tape = new Tape(backend);
  return {
    kind: 'hello', model, totalSteps: s.steps, vocabulary: HELLO_VOCAB, fileName: 'hello.safetensors',
    step() {
      tape.reset();
      opt.zeroGrad();
      const { logits } = model.forward(tape, x);
      const predicted = argmaxText(logits.data, T, HELLO_VOCAB);
      const loss = crossEntropy(tape, reshape(tape, logits, [T, V]), y);
      const value = loss.item();
      tape.backward(loss);
      opt.step();
      return { loss: value, predicted };
    },
    sample: () => '',
    encode: (step) => modelFile(model, HELLO_VOCAB, step),
    table() {
      const { logits } = model.forward(Tape.inference(backend), x);
      const probs = Array.from({ length: T }, (_, t) => softmax(logits.data.subarray(t * V, (t + 1) * V)));
      return { vocabulary: [...HELLO_VOCAB], input: HELLO_INPUT, predicted: argmaxText(logits.data, T, HELLO_VOCAB), probs };
    },
  };
}

function softmax(row: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, row[i]!);
  const e = Array.from(row, (v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * A character LM on `settings.text`, built as `recur lm train` builds one (RecurrentModel:
 * embedding -> one recurrent layer -> Linear over the characters; the vocabulary is the text's
 * characters and U+FFFD): each step reads `batchSize` windows of `seqLen` characters from random
 * places in the text (no state carried between steps), next-character cross-entropy, gradient
 * clipping, Adam.
 */
export function charTrainer(backend: Backend, settings: CharSettings): PlaygroundTrainer {
  const s = checkCharSettings(settings);
  const tokenizer = CharTokenizer.fit(s.text);
  const ids = tokenizer.encode(s.text, 'the text');
  const V = tokenizer.size;
  const rng = new Rng(s.seed);
  const dataRng = rng.fork();
  const sampleRng = rng.fork();
  const model = new RecurrentModel({
    kind: 'recurrent', input: { kind: 'embedding', vocabSize: V, embeddingDim: s.embeddingDim }, cell: s.cell,
    hiddenSize: s.hiddenSize, numLayers: 1, bidirectional: false, dropout: 0, bias: true, outputSize: V, output: 'sequence',
  }, { rng }).to(backend);
  const params = model.parameters();
  const opt = new Adam(params, { lr: s.lr });
  const tape = new Tape(backend);
  const T = s.seqLen, B = s.batchSize;
  const inputs = new Int32Array(T * B); // [T, B]: time-major, as the model reads ids
  const targets = new Int32Array(T * B); // [T * B]: the next character of each input
  const starts = ids.length - T; // a window and its next characters: ids[p .. p + T]
  return {
    kind: 'char', model, totalSteps: s.steps, vocabulary: tokenizer.vocabulary, fileName: 'char-lm.safetensors',
    step() {
      for (let b = 0; b < B; b++) {
        const p = dataRng.int(starts);
        for (let t = 0; t < T; t++) {
          inputs[t * B + b] = ids[p + t]!;
          targets[t * B + b] = ids[p + t + 1]!;
        }
      }
      tape.reset();
      opt.zeroGrad();
      const { logits } = model.forward(tape, new IntTensor(inputs, [T, B]));
      const loss = crossEntropy(tape, reshape(tape, logits, [T * B, V]), new IntTensor(targets, [T * B]));
      const value = loss.item();
      tape.backward(loss);
      if (s.clipNorm > 0) clipGradNorm(params, s.clipNorm);
      opt.step();
      return { loss: value };
    },
    sample: () => (s.sampleLength > 0 ? [...generateChars(model, tokenizer, backend, { length: s.sampleLength, temperature: 0.8, rng: sampleRng })].join('') : ''),
    encode: (step) => modelFile(model, tokenizer.vocabulary, step),
  };
}

export interface TrainingHooks {
  /** Asked before every step; true stops the run ('cancelled'). */
  shouldStop(): boolean;
  /** Called with the steps since the last report, at most once per `sliceMs` (and after the last step). */
  onProgress(p: ProgressMessage): void;
  /** A generated sample every `sampleEvery` steps (0: only after the last step). */
  onSample?(step: number, text: string): void;
  sampleEvery?: number;
  /** Milliseconds of steps between reports and yields (default 50). */
  sliceMs?: number;
  /** Lets the event loop run (a cancel message arrive); default a zero-delay timer. */
  pause?(): Promise<void>;
  now?(): number;
}

export interface TrainingResult {
  reason: 'finished' | 'cancelled';
  /** Steps taken. */
  step: number;
  /** Loss of the last step (NaN when none was taken). */
  loss: number;
  elapsedMs: number;
  /** Steps per second over the whole run, time spent sampling left out. */
  stepsPerSecond: number;
}

const defaultPause = (): Promise<void> => new Promise((ok) => setTimeout(ok, 0));

/**
 * Runs `trainer` to its last step or until `hooks.shouldStop()`: steps back to back for
 * `sliceMs`, then one progress report with their losses, then a pause for the event loop. The
 * stop flag is read before every step, so once it is set no further step starts.
 */
export async function runTraining(trainer: PlaygroundTrainer, hooks: TrainingHooks): Promise<TrainingResult> {
  const now = hooks.now ?? (() => performance.now());
  const sliceMs = hooks.sliceMs ?? 50;
  const pause = hooks.pause ?? defaultPause;
  const sampleEvery = hooks.sampleEvery ?? 0;
  const start = now();
  let steps: number[] = [];
  let losses: number[] = [];
  let sliceStart = start;
  let sampleMs = 0; // time spent sampling: not training, so left out of steps per second
  let sliceSampleMs = 0;
  let step = 0;
  let loss = NaN;
  let predicted: string | undefined;
  let reason: TrainingResult['reason'] = 'finished';
  const report = (t: number): void => {
    const stepsPerSecond = steps.length / Math.max(1e-3, (t - sliceStart - sliceSampleMs) / 1000);
    hooks.onProgress({ type: 'progress', steps, losses, step, totalSteps: trainer.totalSteps, stepsPerSecond, elapsedMs: t - start, ...(predicted === undefined ? {} : { predicted }) });
    steps = [];
    losses = [];
    sliceSampleMs = 0;
  };
  while (step < trainer.totalSteps) {
    if (hooks.shouldStop()) {
      reason = 'cancelled';
      break;
    }
    const r = trainer.step();
    step++;
    loss = r.loss;
    predicted = r.predicted;
    steps.push(step);
    losses.push(loss);
    const last = step === trainer.totalSteps;
    if (hooks.onSample && ((sampleEvery > 0 && step % sampleEvery === 0) || last)) {
      const before = now();
      hooks.onSample(step, trainer.sample());
      const ms = now() - before;
      sampleMs += ms;
      sliceSampleMs += ms;
    }
    const t = now();
    if (t - sliceStart >= sliceMs || last) {
      report(t);
      await pause();
      sliceStart = now();
    }
  }
  const end = now();
  if (steps.length > 0) report(end); // cancelled mid-slice: what was trained is still reported
  const elapsedMs = end - start;
  return { reason, step, loss, elapsedMs, stepsPerSecond: step / Math.max(1e-3, (elapsedMs - sampleMs) / 1000) };
}
