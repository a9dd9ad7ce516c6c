/**
 * The TensorFlow.js peer of the char-LM benchmarks: the same architecture (embedding or
 * one-hot -> stacked LSTM with dropout between layers -> dense over the vocabulary), data
 * (recur's tokenizer, split and stream windows), truncated BPTT with the state carried,
 * Adam with global-norm clipping and the same learning-rate curve, trained with
 * tfjs-layers' LSTM (recurrentActivation 'sigmoid', as PyTorch) on tfjs's cpu or wasm backend
 * in Node (never tfjs-node). Validation loss in nats/char on the same split, computed like
 * recur's `evaluateStream`. Dev-only: imports tfjs dynamically, so the package does not need it.
 */
import { performance } from 'node:perf_hooks';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';
import { StreamBatcher } from '../../data/stream-batcher.js';

type Tf = typeof TfCore;
type Tensor = TfCore.Tensor;

export interface TfjsCharLmConfig {
  vocabSize: number;
  input: 'embedding' | 'one-hot';
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  batchSize: number;
  seqLen: number;
  clipNorm: number;
  /** Learning rate of step e (0-based); `setTotalSteps` gives the horizon of a time budget. */
  lrAt: (step: number) => number;
  setTotalSteps?: (n: number) => void;
}

export interface TfjsCharLm {
  tf: Tf;
  backend: string;
  /** One training step on a window (time-major ids as recur's batcher gives them); returns the loss. */
  trainStep(inputs: Int32Array, targets: Int32Array, resetState: boolean): number;
  /** Mean loss per prediction over `ids`, streams + tail as recur's evaluateStream. */
  evaluate(ids: Int32Array, streams: number): number;
  dispose(): void;
}

/** Loads tfjs with the `cpu` or `wasm` backend (wasm: SIMD, one thread unless configured). */
export async function loadTfjs(backend: 'cpu' | 'wasm'): Promise<{ tf: Tf; layers: typeof TfLayers }> {
  const tf = await import('@tensorflow/tfjs-core');
  const layers = await import('@tensorflow/tfjs-layers');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend '${backend}' failed to initialise`);
  await tf.ready();
  return { tf, layers };
}

export async function createTfjsCharLm(c: TfjsCharLmConfig, backend: 'cpu' | 'wasm' = 'wasm', seed = 1): Promise<TfjsCharLm> {
  const { tf, layers } = await loadTfjs(backend);
  const V = c.vocabSize, H = c.hiddenSize, L = c.numLayers;
  const init = (i: number) => layers.initializers.randomUniform({ minval: -1 / Math.sqrt(H), maxval: 1 / Math.sqrt(H), seed: seed * 100 + i });
  // The embedding as one-hot x table (the same function): tfjs's Embedding layer backpropagates with
  // UnsortedSegmentSum, which the wasm backend does not have.
  const embed = c.input === 'embedding'
    ? layers.layers.dense({ units: c.embeddingDim, useBias: false, kernelInitializer: layers.initializers.randomNormal({ seed }) })
    : undefined;
  const lstms = Array.from({ length: L }, (_, l) => layers.layers.lstm({
    units: H, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid', unitForgetBias: false,
    kernelInitializer: init(3 * l), recurrentInitializer: init(3 * l + 1), biasInitializer: init(3 * l + 2),
  }));
  const head = layers.layers.dense({ units: V });
  const optimizer = tf.train.adam(c.lrAt(0), 0.9, 0.999, 1e-8);
  let states: Tensor[] | null = null;
  let step = 0;

  /** ids [B, T] -> logits [B, T, V] and the final states. */
  const forward = (ids: Tensor, init: Tensor[] | null, training: boolean): { logits: Tensor; states: Tensor[] } => {
    let x: Tensor = tf.cast(tf.oneHot(ids as TfCore.Tensor2D, V), 'float32');
    if (embed) x = embed.apply(x) as Tensor;
    const out: Tensor[] = [];
    lstms.forEach((lstm, l) => {
      const r = lstm.apply(x, init ? { initialState: [init[2 * l]!, init[2 * l + 1]!] } : {}) as Tensor[];
      out.push(r[1]!, r[2]!);
      x = r[0]!;
      if (training && c.dropout > 0 && l < L - 1) x = tf.dropout(x, c.dropout);
    });
    return { logits: head.apply(x) as Tensor, states: out };
  };
  // tfjs wants batch-major [B, T]; recur's windows are time-major [T, B].
  const batchMajor = (ids: Int32Array, T: number, B: number) => {
    const out = new Int32Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out[b * T + t] = ids[t * B + b]!;
    return tf.tensor2d(out, [B, T], 'int32');
  };

  // Build every layer's weights now: variableGrads only differentiates variables that exist before it runs.
  tf.tidy(() => { forward(tf.zeros([1, 1], 'int32'), null, false); });

  return {
    tf, backend,
    trainStep(inputs, targets, resetState) {
      const T = c.seqLen, B = c.batchSize;
      if (resetState && states) { tf.dispose(states); states = null; }
      const x = batchMajor(inputs, T, B), y = batchMajor(targets, T, B);
      let next: Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const r = forward(x, states, true);
        next = r.states.map((s) => tf.keep(s));
        const onehot = tf.oneHot(tf.reshape(y, [B * T]) as TfCore.Tensor1D, V);
        return tf.losses.softmaxCrossEntropy(onehot, tf.reshape(r.logits, [B * T, V])) as TfCore.Scalar;
      });
      const loss = value.dataSync()[0]!;
      tf.tidy(() => {
        const names = Object.keys(grads);
        const norm = Math.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))).dataSync()[0]!);
        const scale = Math.min(1, c.clipNorm / (norm + 1e-6));
        (optimizer as unknown as { learningRate: number }).learningRate = c.lrAt(step);
        optimizer.applyGradients(Object.fromEntries(names.map((n) => [n, scale < 1 ? tf.mul(grads[n]!, scale) : grads[n]!])) as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      });
      step++;
      tf.dispose([value, x, y, ...Object.values(grads)]);
      if (states) tf.dispose(states);
      states = next;
      return loss;
    },
    evaluate(ids, streams) {
      const N = ids.length, T0 = c.seqLen;
      let total = 0;
      const run = (starts: number[], steps: number, init: Tensor[] | null): Tensor[] | null => {
        const S = starts.length;
        let st = init;
        for (let t0 = 0; t0 < steps; t0 += T0) {
          const T = Math.min(T0, steps - t0);
          const x = new Int32Array(S * T), y = new Int32Array(S * T);
          for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) { x[s * T + t] = ids[starts[s]! + t0 + t]!; y[s * T + t] = ids[starts[s]! + t0 + t + 1]!; }
          const next = tf.tidy(() => {
            const r = forward(tf.tensor2d(x, [S, T], 'int32'), st, false);
            const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), V), tf.reshape(r.logits, [S * T, V]), undefined, undefined, tf.Reduction.SUM);
            total += loss.dataSync()[0]!;
            return r.states;
          });
          if (st && st !== init) tf.dispose(st);
          st = next;
        }
        return st;
      };
      const S = Math.min(streams, N - 1), Ls = Math.floor((N - 1) / S);
      const last = run(Array.from({ length: S }, (_, s) => s * Ls), Ls, null);
      const rest = N - 1 - S * Ls;
      if (rest > 0 && last) {
        const row = last.map((t) => tf.slice(t, [S - 1, 0], [1, H]));
        const end = run([S * Ls], rest, row);
        if (end) tf.dispose(end);
        tf.dispose(row);
      }
      if (last) tf.dispose(last);
      return total / (N - 1);
    },
    dispose() {
      if (states) tf.dispose(states);
      tf.disposeVariables();
    },
  };
}

export interface TfjsRunResult {
  backend: string;
  steps: number;
  /** Training time (evaluation excluded). */
  trainMs: number;
  tokensPerSecond: number;
  evals: { step: number; trainMs: number; valLoss: number }[];
}

/**
 * Trains for `minutes` of training time (the clock stops during evaluations, which run every
 * `evalEveryMs` of training and at the end), on recur's windows of `train`, validating on `validation`.
 */
export async function trainTfjsCharLm(c: TfjsCharLmConfig, train: Int32Array, validation: Int32Array,
  options: { minutes: number; evalEveryMs: number; backend?: 'cpu' | 'wasm'; onEval?: (e: { step: number; trainMs: number; valLoss: number }) => void }): Promise<TfjsRunResult> {
  const lm = await createTfjsCharLm(c, options.backend ?? 'wasm');
  const batcher = new StreamBatcher(train, { batchSize: c.batchSize, seqLen: c.seqLen });
  const budget = options.minutes * 60_000;
  const evals: TfjsRunResult['evals'] = [];
  let trainMs = 0, steps = 0, nextEval = options.evalEveryMs;
  const evaluate = () => {
    const e = { step: steps, trainMs, valLoss: lm.evaluate(validation, c.batchSize) };
    evals.push(e);
    options.onEval?.(e);
  };
  while (trainMs < budget) {
    const w = batcher.next();
    const t0 = performance.now();
    const loss = lm.trainStep(w.inputs.data, w.targets.data, w.startsEpoch);
    trainMs += performance.now() - t0;
    steps++;
    if (!Number.isFinite(loss)) throw new Error(`tfjs peer diverged at step ${steps}`);
    if ((steps === 5 || steps === 20 || steps === 50) && c.setTotalSteps) c.setTotalSteps(Math.max(6, Math.floor(budget / (trainMs / steps))));
    if (trainMs >= nextEval && trainMs < budget) { evaluate(); nextEval += options.evalEveryMs; }
  }
  evaluate();
  lm.dispose();
  return { backend: lm.backend, steps, trainMs, tokensPerSecond: (steps * c.batchSize * c.seqLen) / (trainMs / 1000), evals };
}
