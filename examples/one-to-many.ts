/**
 * One-to-many: one vector in, a whole sequence out. The vector is (amplitude a, frequency f)
 * and the sequence to produce is y_t = a sin(f t), t = 1..20. Two standard ways of feeding a
 * single vector to a recurrent decoder, both with a GRU and `TimeDistributed(Linear(H, 1))`:
 *
 *   'repeat' (Keras' RepeatVector): the vector is the input at every step,
 *       x_t = (a, f) for all t;    h_t = GRU(x_t, h_{t-1}), h_0 = 0
 *   'state': the vector sets the initial state through a Linear, the inputs are zeros,
 *       h_0 = tanh(W v + b);        h_t = GRU(0, h_{t-1})
 *
 * In both the decoder must turn a constant (or nothing) into an oscillation whose amplitude
 * and period it reads from the vector. The yardstick is predicting zeros (the mean of the
 * outputs over random phases), whose RMSE is the RMS of the targets.
 *
 * Run: `npm run build && node dist/examples/one-to-many.js` (trains and reports both modes).
 */
import { pathToFileURL } from 'node:url';
import {
  Adam, CosineAnnealingLR, Gru, Linear, Module, Rng, Tape, Tensor, TimeDistributed, clipGradNorm, createBackend,
  mseLoss, reshape, tanh, type BackendName,
} from 'recur-nn';

export type Conditioning = 'repeat' | 'state';

export interface OneToManyOptions {
  /** How the vector reaches the decoder (default 'repeat'). */
  conditioning?: Conditioning;
  hiddenSize?: number;
  /** Adam steps on fresh batches, cosine-annealed lr (default 2000). */
  steps?: number;
  batchSize?: number;
  /** Output length T (default 20). */
  seqLen?: number;
  lr?: number;
  seed?: number;
  backend?: BackendName;
  verbose?: boolean;
}

export interface OneToManyResult {
  conditioning: Conditioning;
  /** Held-out RMSE of the decoded sequences. */
  rmse: number;
  /** RMSE of predicting 0 at every step. */
  zerosRmse: number;
  /** One held-out example: the vector, the target and the decoded sequence. */
  example: { amplitude: number; frequency: number; target: number[]; decoded: number[] };
  steps: number;
  seconds: number;
}

/** v [B, 2] = (a, f) and targets y [T, B, 1] = a sin(f t), t = 1..T. */
export function makeBatch(rng: Rng, batchSize: number, seqLen: number): { v: Tensor; y: Tensor } {
  const B = batchSize;
  const v = Tensor.zeros([B, 2]);
  const y = Tensor.zeros([seqLen, B, 1]);
  for (let b = 0; b < B; b++) {
    const a = rng.uniform(0.5, 1.5), f = rng.uniform(0.2, 0.8);
    v.data[2 * b] = a;
    v.data[2 * b + 1] = f;
    for (let t = 0; t < seqLen; t++) y.data[t * B + b] = a * Math.sin(f * (t + 1));
  }
  return { v, y };
}

class VectorToSequence extends Module {
  readonly conditioning: Conditioning;
  readonly gru: Gru;
  readonly head: TimeDistributed;
  readonly toState: Linear | undefined;
  constructor(conditioning: Conditioning, hiddenSize: number, rng: Rng) {
    super();
    this.conditioning = conditioning;
    this.gru = this.registerModule('gru', new Gru({ inputSize: conditioning === 'repeat' ? 2 : 1, hiddenSize, rng }));
    this.head = this.registerModule('head', new TimeDistributed(new Linear(hiddenSize, 1, { rng })));
    if (conditioning === 'state') this.toState = this.registerModule('toState', new Linear(2, hiddenSize, { rng }));
  }

  /** v [B, 2] -> [T, B, 1]. */
  forward(tape: Tape, v: Tensor, seqLen: number): Tensor {
    const B = v.shape[0]!;
    if (this.conditioning === 'repeat') {
      const x = tape.tensor([seqLen, B, 2]); // RepeatVector: the same [B, 2] at every step
      for (let t = 0; t < seqLen; t++) x.data.set(v.data, t * B * 2);
      return this.head.forward(tape, this.gru.forward(tape, x).output);
    }
    const h0 = reshape(tape, tanh(tape, this.toState!.forward(tape, v)), [1, B, this.gru.hiddenSize]);
    const zeros = tape.tensor([seqLen, B, 1]);
    return this.head.forward(tape, this.gru.forward(tape, zeros, { initialState: { h: h0 } }).output);
  }
}

function rmse(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += (a.data[i]! - b.data[i]!) ** 2;
  return Math.sqrt(s / a.size);
}

export async function run(options: OneToManyOptions = {}): Promise<OneToManyResult> {
  const {
    conditioning = 'repeat', hiddenSize = 48, steps = 2000, batchSize = 32, seqLen = 20, lr = 1e-2, seed = 1, verbose = false,
  } = options;
  const backend = await createBackend(options.backend ?? 'wasm');
  const rng = new Rng(seed);
  const model = new VectorToSequence(conditioning, hiddenSize, rng.fork()).to(backend);
  const opt = new Adam(model.parameters(), { lr });
  const schedule = new CosineAnnealingLR(opt, { tMax: steps });
  const dataRng = rng.fork();
  const test = makeBatch(rng.fork(), 256, seqLen);

  const started = performance.now();
  const tape = new Tape(backend);
  for (let step = 1; step <= steps; step++) {
    const batch = makeBatch(dataRng, batchSize, seqLen);
    tape.reset();
    opt.zeroGrad();
    const loss = mseLoss(tape, model.forward(tape, batch.v, seqLen), batch.y);
    tape.backward(loss);
    clipGradNorm(model.parameters(), 1);
    opt.step();
    schedule.step();
    if (verbose && (step === 1 || step % 500 === 0)) console.log(`[${conditioning}] step ${String(step).padStart(4)}  train RMSE ${Math.sqrt(loss.item()).toFixed(4)}`);
  }
  const seconds = (performance.now() - started) / 1000;

  const pred = model.forward(Tape.inference(backend), test.v, seqLen);
  const B = test.v.shape[0]!;
  const column = (t: Tensor) => Array.from({ length: seqLen }, (_, s) => t.data[s * B]!);
  const result: OneToManyResult = {
    conditioning,
    rmse: rmse(pred, test.y),
    zerosRmse: rmse(Tensor.zeros(test.y.shape), test.y),
    example: { amplitude: test.v.data[0]!, frequency: test.v.data[1]!, target: column(test.y), decoded: column(pred) },
    steps,
    seconds,
  };
  if (verbose) {
    const { amplitude, frequency, target, decoded } = result.example;
    console.log(`[${conditioning}] held-out RMSE ${result.rmse.toFixed(4)}   predicting zeros ${result.zerosRmse.toFixed(4)}   (${steps} steps in ${seconds.toFixed(1)} s)`);
    console.log(`  example a = ${amplitude.toFixed(3)}, f = ${frequency.toFixed(3)}:`);
    console.log(`    target  ${target.map((x) => x.toFixed(2).padStart(5)).join(' ')}`);
    console.log(`    decoded ${decoded.map((x) => x.toFixed(2).padStart(5)).join(' ')}`);
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ conditioning: 'repeat', verbose: true });
  console.log('');
  await run({ conditioning: 'state', verbose: true });
}
