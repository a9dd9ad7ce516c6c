/**
 * Synced many-to-many: at every step of a noisy series, predict the next value. Each sequence
 * is a sum of two sines with random frequencies, phases and amplitudes, plus Gaussian noise,
 * all drawn from an `Rng`:
 *
 *   s(t) = a1 sin(f1 t + p1) + a2 sin(f2 t + p2) + e_t,   e_t ~ N(0, noise^2)
 *
 * The input is s(0..T-1), the target is s(1..T): the same sequence shifted one step ahead.
 * An LSTM returns its hidden state at every step ([T, B, H]) and `TimeDistributed(Linear(H, 1))`
 * reads every one of them in a single GEMM over [T * B, H]. Nothing tells the model f1 or f2:
 * it has to infer them from what it has seen so far, so its error falls along the sequence.
 *
 *   h_t, c_t = LSTM(s(t), h_{t-1}, c_{t-1})          (Lstm, hidden 32)
 *   y_t = W h_t + b  ~  s(t + 1)                     (TimeDistributed(Linear(32, 1)))
 *
 * The yardstick is the naive forecast "the next value equals this one", y_t = s(t). The noise
 * sets a floor: even the true signal misses by `noise` RMSE. Training data is unlimited (a
 * fresh batch each step); the held-out sequences come from their own `Rng`.
 *
 * Run: `npm run build && node dist/examples/synced-many-to-many.js`.
 */
import { pathToFileURL } from 'node:url';
import {
  Adam, CosineAnnealingLR, Linear, Lstm, Module, Rng, Tape, Tensor, TimeDistributed, clipGradNorm, createBackend, mseLoss,
  type BackendName,
} from 'recur-nn';

export interface SyncedOptions {
  hiddenSize?: number;
  /** Adam steps, each on a fresh batch, lr annealed to 0 on a cosine (default 2000). */
  steps?: number;
  batchSize?: number;
  /** Sequence length T (default 60). */
  seqLen?: number;
  /** Standard deviation of the additive noise (default 0.05). */
  noise?: number;
  lr?: number;
  seed?: number;
  backend?: BackendName;
  verbose?: boolean;
}

export interface SyncedResult {
  /** RMSE over every step of the held-out sequences. */
  modelRmse: number;
  /** RMSE of "next = current" on the same predictions. */
  naiveRmse: number;
  /** RMSE of the noise-free signal itself: no forecast can do better on average. */
  noiseFloorRmse: number;
  /** Model and naive RMSE by time-step bucket (first steps have little context). */
  byStep: { from: number; to: number; model: number; naive: number }[];
  steps: number;
  seconds: number;
}

/** A batch of series: x [T, B, 1] = s(0..T-1), y [T, B, 1] = s(1..T), clean = signal without noise at 1..T. */
export function makeSeries(rng: Rng, batchSize: number, seqLen: number, noise: number): { x: Tensor; y: Tensor; clean: Tensor } {
  const T = seqLen, B = batchSize;
  const x = Tensor.zeros([T, B, 1]);
  const y = Tensor.zeros([T, B, 1]);
  const clean = Tensor.zeros([T, B, 1]);
  for (let b = 0; b < B; b++) {
    const f1 = rng.uniform(0.15, 0.4), f2 = rng.uniform(0.04, 0.12);
    const p1 = rng.uniform(0, 2 * Math.PI), p2 = rng.uniform(0, 2 * Math.PI);
    const a1 = rng.uniform(0.5, 1), a2 = rng.uniform(0.2, 0.6);
    for (let t = 0; t <= T; t++) {
      const signal = a1 * Math.sin(f1 * t + p1) + a2 * Math.sin(f2 * t + p2);
      const v = signal + rng.normal(0, noise);
      if (t < T) x.data[t * B + b] = v;
      if (t > 0) {
        y.data[(t - 1) * B + b] = v;
        clean.data[(t - 1) * B + b] = signal;
      }
    }
  }
  return { x, y, clean };
}

class Forecaster extends Module {
  readonly lstm: Lstm;
  readonly head: TimeDistributed;
  constructor(hiddenSize: number, rng: Rng) {
    super();
    this.lstm = this.registerModule('lstm', new Lstm({ inputSize: 1, hiddenSize, rng, forgetBias: 1 }));
    this.head = this.registerModule('head', new TimeDistributed(new Linear(hiddenSize, 1, { rng })));
  }
  /** x [T, B, 1] -> [T, B, 1], one prediction per step. */
  forward(tape: Tape, x: Tensor): Tensor {
    return this.head.forward(tape, this.lstm.forward(tape, x).output);
  }
}

/** Squared-error sums per time step of [T, B, 1] tensors. */
function sqErrByStep(a: Tensor, b: Tensor): number[] {
  const [T, B] = a.shape as [number, number, number];
  return Array.from({ length: T }, (_, t) => {
    let s = 0;
    for (let i = t * B; i < (t + 1) * B; i++) s += (a.data[i]! - b.data[i]!) ** 2;
    return s;
  });
}

export async function run(options: SyncedOptions = {}): Promise<SyncedResult> {
  const {
    hiddenSize = 32, steps = 2000, batchSize = 32, seqLen = 60, noise = 0.05, lr = 1e-2, seed = 1, verbose = false,
  } = options;
  const backend = await createBackend(options.backend ?? 'wasm');
  const rng = new Rng(seed);
  const model = new Forecaster(hiddenSize, rng.fork()).to(backend);
  const opt = new Adam(model.parameters(), { lr });
  const schedule = new CosineAnnealingLR(opt, { tMax: steps });
  const dataRng = rng.fork();
  const test = makeSeries(rng.fork(), 256, seqLen, noise);

  const started = performance.now();
  const tape = new Tape(backend);
  for (let step = 1; step <= steps; step++) {
    const batch = makeSeries(dataRng, batchSize, seqLen, noise);
    tape.reset();
    opt.zeroGrad();
    const loss = mseLoss(tape, model.forward(tape, batch.x), batch.y);
    tape.backward(loss);
    clipGradNorm(model.parameters(), 1);
    opt.step();
    schedule.step();
    if (verbose && (step === 1 || step % 200 === 0)) console.log(`step ${String(step).padStart(4)}  train RMSE ${Math.sqrt(loss.item()).toFixed(4)}`);
  }
  const seconds = (performance.now() - started) / 1000;

  const pred = model.forward(Tape.inference(backend), test.x);
  const B = test.x.shape[1]!;
  const m = sqErrByStep(pred, test.y);
  const n = sqErrByStep(test.x, test.y); // naive: predict s(t+1) = s(t)
  const f = sqErrByStep(test.clean, test.y);
  const total = (e: number[], from = 0, to = e.length) => Math.sqrt(e.slice(from, to).reduce((a, b) => a + b, 0) / ((to - from) * B));
  const bucket = Math.max(1, Math.round(seqLen / 6));
  const byStep = [];
  for (let from = 0; from < seqLen; from += bucket) {
    const to = Math.min(seqLen, from + bucket);
    byStep.push({ from: from + 1, to, model: total(m, from, to), naive: total(n, from, to) });
  }
  const result: SyncedResult = { modelRmse: total(m), naiveRmse: total(n), noiseFloorRmse: total(f), byStep, steps, seconds };
  if (verbose) {
    console.log(`\nheld-out RMSE over all ${seqLen} steps of 256 sequences:`);
    console.log(`  LSTM ${result.modelRmse.toFixed(4)}   naive "next = current" ${result.naiveRmse.toFixed(4)}   noise floor ${result.noiseFloorRmse.toFixed(4)}`);
    console.log('  by step:  steps      LSTM    naive');
    for (const r of byStep) console.log(`          ${`${r.from}-${r.to}`.padStart(6)}   ${r.model.toFixed(4)}   ${r.naive.toFixed(4)}`);
    console.log(`${steps} steps in ${seconds.toFixed(1)} s (${backend.name})`);
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ verbose: true });
}
