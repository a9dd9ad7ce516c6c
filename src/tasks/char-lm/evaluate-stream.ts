/**
 * Exact language-model loss over a token sequence: the mean cross-entropy of every next-token
 * prediction ids[1..N-1], computed in parallel streams with the hidden state carried between
 * windows (no gradients, dropout off). Not a sampler and not a training step.
 */
import { Tape } from '../../autograd/tape.js';
import { crossEntropy, reshape } from '../../autograd/ops/index.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../../nn/recurrent.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';

export interface EvaluateStreamOptions {
  /** Parallel streams (default 64; fewer for short sequences). */
  batchSize?: number;
  /** Steps per forward window (default 128). */
  seqLen?: number;
}

export interface StreamLoss {
  /** Mean loss per predicted token, in nats. */
  loss: number;
  /** Number of predictions scored: N - 1. */
  tokens: number;
}

/** Batch row `b` of a state ([L*D, B, H] -> [L*D, 1, H]), copied. */
export function stateRow(state: RecurrentState, b: number): RecurrentState {
  const row = (t: Tensor) => {
    const [LD, B, H] = t.shape as [number, number, number];
    const out = Tensor.zeros([LD, 1, H]);
    for (let l = 0; l < LD; l++) out.data.set(t.data.subarray((l * B + b) * H, (l * B + b + 1) * H), l * H);
    return out;
  };
  return state.c ? { h: row(state.h), c: row(state.c) } : { h: row(state.h) };
}

/**
 * Scores all N - 1 predictions of `ids`: S = min(batchSize, N - 1) streams of
 * L = floor((N - 1) / S) predictions each, read in windows of `seqLen` with the state carried;
 * the remaining (N - 1) - S L predictions continue the last stream with its state. Every
 * prediction is scored once, each stream starting from a zero state.
 */
export function evaluateStream(model: RecurrentModel, backend: Backend, ids: Int32Array, options: EvaluateStreamOptions = {}): StreamLoss {
  const where = 'evaluateStream';
  const N = ids.length;
  if (N < 2) throw new Error(`${where}: needs at least 2 tokens (one prediction), got ${N}`);
  const B0 = options.batchSize ?? 64, T0 = options.seqLen ?? 128;
  if (!(Number.isInteger(B0) && B0 > 0)) throw new Error(`${where}: batchSize must be a positive integer, got ${B0}`);
  if (!(Number.isInteger(T0) && T0 > 0)) throw new Error(`${where}: seqLen must be a positive integer, got ${T0}`);
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  let total = 0;
  // Scores predictions [from, from + steps) of `streams` streams starting at `starts`, in windows.
  const run = (starts: number[], steps: number, state: RecurrentState | undefined): RecurrentState | undefined => {
    const S = starts.length;
    for (let t0 = 0; t0 < steps; t0 += T0) {
      const T = Math.min(T0, steps - t0);
      const inputs = IntTensor.zeros([T, S]);
      const targets = IntTensor.zeros([T * S]);
      for (let s = 0; s < S; s++) {
        for (let t = 0; t < T; t++) {
          const p = starts[s]! + t0 + t;
          inputs.data[t * S + s] = ids[p]!;
          targets.data[t * S + s] = ids[p + 1]!;
        }
      }
      tape.reset();
      const { logits, state: next } = model.forward(tape, inputs, state ? { initialState: state } : {});
      const V = logits.shape[2]!;
      total += crossEntropy(tape, reshape(tape, logits, [T * S, V]), targets, { reduction: 'sum' }).item();
      state = detachState(next);
    }
    return state;
  };
  try {
    const S = Math.min(B0, N - 1);
    const L = Math.floor((N - 1) / S);
    const final = run(Array.from({ length: S }, (_, s) => s * L), L, undefined);
    const rest = N - 1 - S * L;
    if (rest > 0) run([S * L], rest, stateRow(final!, S - 1));
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
  return { loss: total / (N - 1), tokens: N - 1 };
}
