/**
 * Many-to-one: read 50 values of a sine wave, predict the next one. This is the set-up of the
 * classic from-scratch numpy tutorial ("Building a Recurrent Neural Network from scratch in
 * Python", Analytics Vidhya): sin_wave = sin(x) for x = 0, 1, ..., 199; training window i is
 * sin[i .. i+50) with target sin[i+50] for i = 0..99; validation windows start at i = 100..149.
 * An Elman RNN (tanh, 100 hidden units) reads the window; only its LAST hidden state goes
 * through Linear(100, 1) to the prediction. Loss: MSE, optimizer: Adam, full batch.
 *
 *   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),  t = 1..50     (Rnn, hidden 100)
 *   y   = W h_50 + b                                                  (Linear 100 -> 1)
 *
 * The tutorial reports a validation RMSE of 0.127 for its numpy RNN (plain SGD, truncated BPTT)
 * in its own scaling; we print ours beside it, computed on the raw sine values (in [-1, 1], no
 * rescaling). A model that always predicts the mean scores about 0.7.
 *
 * Run: `npm run build && node dist/examples/sine.js`.
 */
import { pathToFileURL } from 'node:url';
import {
  Adam, Linear, Module, Rng, Rnn, Tape, Tensor, createBackend, mseLoss, select, type BackendName,
} from 'recur-nn';

/** Validation RMSE printed by the numpy tutorial, for comparison. */
export const TUTORIAL_VALIDATION_RMSE = 0.127;

export interface SineOptions {
  /** Hidden units (default 100, as the tutorial). */
  hiddenSize?: number;
  /** Full-batch Adam steps (default 400). */
  steps?: number;
  /** Adam learning rate (default 3e-3). */
  lr?: number;
  seed?: number;
  backend?: BackendName;
  /** Print progress (default false). */
  verbose?: boolean;
}

export interface SineResult {
  /** Validation RMSE on raw sine values after training. */
  validationRmse: number;
  trainRmse: number;
  /** Validation RMSE of always predicting the mean of the training targets. */
  meanBaselineRmse: number;
  validationRmseBefore: number;
  steps: number;
  seconds: number;
}

const SEQ_LEN = 50;

/** Windows [SEQ_LEN, count, 1] (time-major) starting at `first`, and their targets [count, 1]. */
export function sineWindows(first: number, count: number): { x: Tensor; y: Tensor } {
  const wave = Array.from({ length: 200 }, (_, k) => Math.sin(k));
  const x = Tensor.zeros([SEQ_LEN, count, 1]);
  const y = Tensor.zeros([count, 1]);
  for (let b = 0; b < count; b++) {
    for (let t = 0; t < SEQ_LEN; t++) x.data[t * count + b] = wave[first + b + t]!;
    y.data[b] = wave[first + b + SEQ_LEN]!;
  }
  return { x, y };
}

/** Elman RNN over the window, Linear on the last hidden state. */
class SineModel extends Module {
  readonly rnn: Rnn;
  readonly head: Linear;
  constructor(hiddenSize: number, rng: Rng) {
    super();
    this.rnn = this.registerModule('rnn', new Rnn({ inputSize: 1, hiddenSize, rng }));
    this.head = this.registerModule('head', new Linear(hiddenSize, 1, { rng }));
  }
  /** x [T, B, 1] -> [B, 1]. */
  forward(tape: Tape, x: Tensor): Tensor {
    const { state } = this.rnn.forward(tape, x);
    return this.head.forward(tape, select(tape, state.h, 0)); // h_T of layer 0: [B, H]
  }
}

function rmse(pred: Tensor, target: Tensor): number {
  let s = 0;
  for (let i = 0; i < pred.size; i++) s += (pred.data[i]! - target.data[i]!) ** 2;
  return Math.sqrt(s / pred.size);
}

export async function run(options: SineOptions = {}): Promise<SineResult> {
  const { hiddenSize = 100, steps = 400, lr = 3e-3, seed = 1, verbose = false } = options;
  const backend = await createBackend(options.backend ?? 'wasm');
  const model = new SineModel(hiddenSize, new Rng(seed)).to(backend);
  const opt = new Adam(model.parameters(), { lr });
  const train = sineWindows(0, 100);
  const val = sineWindows(100, 50);

  const evalTape = Tape.inference(backend);
  const evaluate = (d: { x: Tensor; y: Tensor }): number => {
    evalTape.reset();
    return rmse(model.forward(evalTape, d.x), d.y);
  };
  const mean = train.y.data.reduce((a, b) => a + b, 0) / train.y.size;
  const meanBaselineRmse = rmse(Tensor.full(val.y.shape, mean), val.y);
  const validationRmseBefore = evaluate(val);

  const started = performance.now();
  const tape = new Tape(backend);
  for (let step = 1; step <= steps; step++) {
    tape.reset();
    opt.zeroGrad();
    const loss = mseLoss(tape, model.forward(tape, train.x), train.y);
    tape.backward(loss);
    opt.step();
    if (verbose && (step === 1 || step % 50 === 0)) {
      console.log(`step ${String(step).padStart(4)}  train MSE ${loss.item().toExponential(3)}  validation RMSE ${evaluate(val).toFixed(4)}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const result: SineResult = {
    validationRmse: evaluate(val), trainRmse: evaluate(train), meanBaselineRmse, validationRmseBefore, steps, seconds,
  };
  if (verbose) {
    console.log(`\nvalidation RMSE (raw sine values): ${result.validationRmse.toFixed(4)}   tutorial: ${TUTORIAL_VALIDATION_RMSE}`);
    console.log(`train RMSE ${result.trainRmse.toFixed(4)}; predicting the mean: ${meanBaselineRmse.toFixed(4)}; untrained: ${validationRmseBefore.toFixed(4)}`);
    console.log(`${steps} steps in ${seconds.toFixed(1)} s (${backend.name})`);
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ verbose: true });
}
