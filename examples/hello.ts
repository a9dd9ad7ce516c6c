/**
 * "hello": the walk-through from Karpathy's "The Unreasonable Effectiveness of Recurrent
 * Neural Networks". The vocabulary is {h, e, l, o}; the input is "hell" one-hot encoded, the
 * targets are "ello", and a tiny Elman RNN (tanh, 3 hidden units) followed by a Linear layer
 * to 4 logits learns to predict each next character. It shows why the hidden state matters:
 * after the first "l" the answer is "l", after the second "l" it is "o"; the input is the same,
 * only the hidden state tells them apart.
 *
 *   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)     (Rnn, hidden 3)
 *   y_t = W_hy h_t + b_y                                   (Linear 3 -> 4)
 *   loss = mean_t crossEntropy(y_t, target_t)
 *
 * Run: `npm run build && node dist/examples/hello.js` prints, before and after training, the
 * input character, the hidden state and the softmax over {h, e, l, o} at every step.
 */
import { pathToFileURL } from 'node:url';
import {
  Adam, IntTensor, Linear, Module, Rng, Rnn, Tape, Tensor, createBackend, crossEntropy, reshape,
  type Backend, type BackendName,
} from 'recur-nn';

const VOCAB = ['h', 'e', 'l', 'o'] as const;

export interface HelloOptions {
  /** Hidden units of the Elman RNN (default 3). */
  hiddenSize?: number;
  /** Adam steps on the one example (default 150). */
  steps?: number;
  /** Adam learning rate (default 0.05). */
  lr?: number;
  seed?: number;
  backend?: BackendName;
  /** Print the tables and the loss (default false). */
  verbose?: boolean;
}

/** One row of the walk-through table: what the network saw, what it held, what it predicted. */
export interface HelloStep {
  input: string;
  hidden: number[];
  /** Softmax over VOCAB. */
  probs: number[];
  predicted: string;
}

export interface HelloResult {
  before: HelloStep[];
  after: HelloStep[];
  /** The argmax prediction at each step after training (the goal is "ello"). */
  predicted: string;
  lossBefore: number;
  lossAfter: number;
  /** First step after which the argmax predictions read "ello" (-1 if never). */
  solvedAtStep: number;
  steps: number;
}

/** The model: an Elman RNN and a Linear read-out, registered so `to(backend)` packs both. */
class CharRnn extends Module {
  readonly rnn: Rnn;
  readonly head: Linear;
  constructor(hiddenSize: number, rng: Rng) {
    super();
    this.rnn = this.registerModule('rnn', new Rnn({ inputSize: VOCAB.length, hiddenSize, rng }));
    this.head = this.registerModule('head', new Linear(hiddenSize, VOCAB.length, { rng }));
  }
  /** x [T, 1, 4] one-hot -> hidden [T, 1, H] and logits [T, 1, 4]. */
  forward(tape: Tape, x: Tensor): { hidden: Tensor; logits: Tensor } {
    const { output } = this.rnn.forward(tape, x);
    return { hidden: output, logits: this.head.forward(tape, output) };
  }
}

function oneHot(text: string): Tensor {
  const x = Tensor.zeros([text.length, 1, VOCAB.length]); // [T, B = 1, V]
  [...text].forEach((ch, t) => { x.data[t * VOCAB.length + VOCAB.indexOf(ch as never)] = 1; });
  return x;
}

function softmax(row: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function argmax(xs: readonly number[]): number {
  return xs.reduce((best, v, i) => (v > xs[best]! ? i : best), 0);
}

function inspect(model: CharRnn, backend: Backend, input: string): HelloStep[] {
  const tape = Tape.inference(backend);
  const { hidden, logits } = model.forward(tape, oneHot(input));
  const H = model.rnn.hiddenSize;
  return [...input].map((ch, t) => {
    const probs = softmax(logits.data.subarray(t * VOCAB.length, (t + 1) * VOCAB.length));
    return { input: ch, hidden: Array.from(hidden.data.subarray(t * H, (t + 1) * H)), probs, predicted: VOCAB[argmax(probs)]! };
  });
}

function printTable(title: string, rows: HelloStep[]): void {
  const f = (v: number) => (v >= 0 ? ' ' : '') + v.toFixed(3);
  const width = rows[0]!.hidden.length * 7 + 1;
  console.log(`\n${title}`);
  console.log(`  in  ${'hidden state'.padEnd(width)}  ${VOCAB.map((c) => `p(${c})`.padEnd(5)).join('  ')}  -> next`);
  for (const r of rows) {
    console.log(`  ${r.input}   [${r.hidden.map(f).join(' ')}]  ${r.probs.map((p) => p.toFixed(3)).join('  ')}  -> ${r.predicted}`);
  }
}

export async function run(options: HelloOptions = {}): Promise<HelloResult> {
  const { hiddenSize = 3, steps = 150, lr = 0.05, seed = 1, verbose = false } = options;
  const backend = await createBackend(options.backend ?? 'wasm');
  const rng = new Rng(seed);
  const model = new CharRnn(hiddenSize, rng).to(backend);
  const opt = new Adam(model.parameters(), { lr });

  const input = 'hell';
  const target = 'ello';
  const x = oneHot(input);
  const y = IntTensor.from([...target].map((ch) => VOCAB.indexOf(ch as never)));
  const T = input.length;

  const before = inspect(model, backend, input);
  if (verbose) printTable('Before training', before);

  const tape = new Tape(backend);
  let lossBefore = NaN;
  let solvedAtStep = -1;
  for (let step = 1; step <= steps; step++) {
    tape.reset();
    opt.zeroGrad();
    const { logits } = model.forward(tape, x);
    const loss = crossEntropy(tape, reshape(tape, logits, [T, VOCAB.length]), y);
    const value = loss.item();
    if (step === 1) lossBefore = value;
    tape.backward(loss);
    opt.step();
    if (solvedAtStep < 0 && inspect(model, backend, input).map((r) => r.predicted).join('') === target) solvedAtStep = step;
    if (verbose && (step === 1 || step % 25 === 0)) console.log(`step ${String(step).padStart(4)}  loss ${value.toFixed(4)}`);
  }

  const after = inspect(model, backend, input);
  const predicted = after.map((r) => r.predicted).join('');
  const lossAfter = -after.reduce((acc, r, t) => acc + Math.log(r.probs[y.data[t]!]!), 0) / T;
  if (verbose) {
    printTable(`After ${steps} steps`, after);
    console.log(`\n"hell" -> "${predicted}" (target "${target}"); predicted "ello" from step ${solvedAtStep}; loss ${lossBefore.toFixed(3)} -> ${lossAfter.toFixed(3)}`);
  }
  return { before, after, predicted, lossBefore, lossAfter, solvedAtStep, steps };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ verbose: true });
}
