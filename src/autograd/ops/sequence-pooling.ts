/**
 * Pooling over the time axis of a right-padded, time-major batch [T, B, F]: the mean, the
 * maximum, or an attention-weighted sum over each sequence's valid steps (t < lengths[b]),
 * one vector [B, F] per sequence. Padding steps are never read, so whatever they hold changes
 * nothing and receives no gradient. Plain loops over the data (O(T B F), small beside the
 * recurrent layers that produce x); not the attention scores, which a model computes itself.
 */
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { checkFloatTensor } from './loss-options.js';

/** The sizes of x [T, B, F] and each sequence's valid length, 1..T (all T without `lengths`); errors name `where`. */
function poolingInput(where: string, x: unknown, lengths: ArrayLike<number> | undefined): { T: number; B: number; F: number; lens: Int32Array } {
  checkFloatTensor(where, 'x', x);
  const [T, B, F] = x.shape as [number, number, number];
  if (x.rank !== 3 || T === 0 || B === 0 || F === 0) throw new Error(`${where}: x must be [T, B, F] with T, B, F >= 1, got ${formatShape(x.shape)}`);
  return { T, B, F, lens: validLengths(where, lengths, T, B) };
}

function validLengths(where: string, lengths: ArrayLike<number> | undefined, T: number, B: number): Int32Array {
  if (lengths === undefined) return new Int32Array(B).fill(T);
  if (typeof lengths !== 'object' || lengths === null || typeof lengths.length !== 'number') {
    throw new Error(`${where}: lengths must be an array of ${B} integers, got ${lengths === null ? 'null' : typeof lengths}`);
  }
  if (lengths.length !== B) throw new Error(`${where}: lengths must have one entry per sequence (B = ${B}), got ${lengths.length}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    if (!(Number.isInteger(L) && L >= 1 && L <= T)) throw new Error(`${where}: lengths[${b}] = ${L} must be an integer between 1 and T = ${T}`);
    out[b] = L;
  }
  return out;
}

/**
 * y[b, :] = (1 / L_b) sum_{t < L_b} x[t, b, :] with L_b = lengths[b] (T without lengths): the
 * mean over each sequence's valid steps.
 *
 * Backward: dx[t, b, :] += dy[b, :] / L_b for t < L_b; nothing for padding steps.
 *
 * @param x - [T, B, F] time-major (transpose a batch-first tensor with `transpose01` first).
 * @param lengths - [B] valid lengths, each 1..T; copied at call time.
 * @returns y: [B, F].
 */
export function maskedMeanPool(tape: Tape, x: Tensor, lengths?: ArrayLike<number>): Tensor {
  const where = 'maskedMeanPool';
  const { B, F, lens } = poolingInput(where, x, lengths);
  const y = tape.tensor([B, F]);
  for (let b = 0; b < B; b++) {
    const L = lens[b]!;
    for (let t = 0; t < L; t++) {
      const row = (t * B + b) * F;
      for (let f = 0; f < F; f++) y.data[b * F + f]! += x.data[row + f]!;
    }
    for (let f = 0; f < F; f++) y.data[b * F + f]! /= L;
  }
  tape.record(where, { x }, { y }, () => {
    const dy = tape.gradIfAny(y);
    if (!dy || !tape.needsGrad(x)) return;
    const dx = tape.grad(x).data;
    for (let b = 0; b < B; b++) {
      const L = lens[b]!;
      for (let t = 0; t < L; t++) {
        const row = (t * B + b) * F;
        for (let f = 0; f < F; f++) dx[row + f]! += dy.data[b * F + f]! / L;
      }
    }
  });
  return y;
}

/**
 * y[b, f] = max_{t < L_b} x[t, b, f]: the maximum over each sequence's valid steps, feature by
 * feature (PyTorch's `x[:L].max(0)` per sequence).
 *
 * Backward: dx[t*, b, f] += dy[b, f] at the step t* that gave the maximum; on ties, the
 * first such step (the gradient is not split). Padding steps never win and get nothing.
 *
 * @param x - [T, B, F] time-major.
 * @param lengths - [B] valid lengths, each 1..T; copied at call time.
 * @returns y: [B, F].
 */
export function maskedMaxPool(tape: Tape, x: Tensor, lengths?: ArrayLike<number>): Tensor {
  const where = 'maskedMaxPool';
  const { B, F, lens } = poolingInput(where, x, lengths);
  const y = tape.tensor([B, F]);
  const argmax = tape.ints([B, F]); // the winning step of each (b, f)
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < F; f++) {
      let best = 0;
      let value = x.data[b * F + f]!;
      for (let t = 1; t < lens[b]!; t++) {
        const v = x.data[(t * B + b) * F + f]!;
        if (v > value) { value = v; best = t; }
      }
      y.data[b * F + f] = value;
      argmax.data[b * F + f] = best;
    }
  }
  tape.record(where, { x }, { y }, () => {
    const dy = tape.gradIfAny(y);
    if (!dy || !tape.needsGrad(x)) return;
    const dx = tape.grad(x).data;
    for (let b = 0; b < B; b++) {
      for (let f = 0; f < F; f++) dx[(argmax.data[b * F + f]! * B + b) * F + f]! += dy.data[b * F + f]!;
    }
  });
  return y;
}

/** The pooled vectors of `attentionPool` and the weights that made them. */
export interface AttentionPoolResult {
  /** [B, F]: sum_t weights[t, b] x[t, b, :]. */
  pooled: Tensor;
  /** [T, B]: the softmax of the scores over each sequence's valid steps, 0 on padding steps. */
  weights: Tensor;
}

/**
 * Attention pooling over valid steps (Bahdanau-style additive attention reads its scores
 * e = u . tanh(W x_t + b) from the caller):
 *   weights[t, b] = exp(scores[t, b]) / sum_{t' < L_b} exp(scores[t', b]) for t < L_b, else 0
 *   pooled[b, :]  = sum_{t < L_b} weights[t, b] x[t, b, :]
 * (the softmax subtracts each sequence's largest valid score first, so large scores stay finite).
 *
 * Backward, with g[t, b] = sum_f dpooled[b, f] x[t, b, f] + dweights[t, b]:
 *   dx[t, b, :]     += weights[t, b] dpooled[b, :]
 *   dscores[t, b]   += weights[t, b] (g[t, b] - sum_{t' < L_b} weights[t', b] g[t', b])
 * for t < L_b; padding steps of x and scores get nothing. Both outputs carry gradients.
 *
 * @param x - [T, B, F] time-major values.
 * @param scores - [T, B] unnormalised scores (entries past a length are ignored).
 * @param lengths - [B] valid lengths, each 1..T; copied at call time.
 */
export function attentionPool(tape: Tape, x: Tensor, scores: Tensor, lengths?: ArrayLike<number>): AttentionPoolResult {
  const where = 'attentionPool';
  const { T, B, F, lens } = poolingInput(where, x, lengths);
  checkFloatTensor(where, 'scores', scores);
  if (scores.rank !== 2 || scores.shape[0] !== T || scores.shape[1] !== B) {
    throw new Error(`${where}: scores must be [T, B] = [${T}, ${B}] like x ${formatShape(x.shape)}, got ${formatShape(scores.shape)}`);
  }
  const weights = tape.tensor([T, B]);
  const pooled = tape.tensor([B, F]);
  const xd = x.data, sd = scores.data, wd = weights.data, pd = pooled.data; // locals: the loops below are hot
  for (let b = 0; b < B; b++) {
    const L = lens[b]!;
    let top = -Infinity;
    for (let t = 0; t < L; t++) top = Math.max(top, sd[t * B + b]!);
    let z = 0;
    for (let t = 0; t < L; t++) z += (wd[t * B + b] = Math.exp(sd[t * B + b]! - top));
    for (let t = 0; t < L; t++) {
      const w = (wd[t * B + b]! /= z);
      const row = (t * B + b) * F, out = b * F;
      for (let f = 0; f < F; f++) pd[out + f]! += w * xd[row + f]!;
    }
  }
  tape.record(where, { x, scores }, { pooled, weights }, () => {
    const dp = tape.gradIfAny(pooled)?.data;
    const dw = tape.gradIfAny(weights)?.data;
    if (!dp && !dw) return;
    const dx = tape.needsGrad(x) ? tape.grad(x).data : undefined;
    const ds = tape.needsGrad(scores) ? tape.grad(scores).data : undefined;
    const g = tape.tensor([T]).data; // g[t] of the current sequence
    for (let b = 0; b < B; b++) {
      const L = lens[b]!;
      let expected = 0; // sum_t weights[t, b] g[t]
      for (let t = 0; t < L; t++) {
        const row = (t * B + b) * F, pr = b * F;
        const w = wd[t * B + b]!;
        let s = dw ? dw[t * B + b]! : 0;
        if (dp) {
          for (let f = 0; f < F; f++) s += dp[pr + f]! * xd[row + f]!;
          if (dx) for (let f = 0; f < F; f++) dx[row + f]! += w * dp[pr + f]!;
        }
        g[t] = s;
        expected += w * s;
      }
      if (ds) for (let t = 0; t < L; t++) ds[t * B + b]! += wd[t * B + b]! * (g[t]! - expected);
    }
  });
  return { pooled, weights };
}

/**
 * Dot-product attention of many queries at once (Luong's dot and general scores, for every
 * decoder step of a teacher-forced batch): for each query step d and sequence b,
 *   weights[d, t, b] = softmax over t < L_b of memory[t, b, :] . queries[d, b, :]
 *   pooled[d, b, :]  = sum_{t < L_b} weights[d, t, b] memory[t, b, :]
 * the same as `stepDot` then `attentionPool` at each step, in six small GEMMs per sequence
 * (two forward, four backward) instead of per-step loops.
 *
 * Backward, with G = dpooled memory^T and dS = weights * (G - rowsum(weights * G)):
 *   dmemory += weights^T dpooled + dS^T queries,  dqueries += dS memory
 * (per sequence, over its valid steps; padding steps of memory get nothing).
 *
 * @param memory - [Ts, B, F] time-major values (and keys).
 * @param queries - [Td, B, F] one query per step and sequence.
 * @param lengths - [B] valid memory lengths, each 1..Ts; copied at call time.
 * @returns pooled [Td, B, F].
 */
export function dotAttention(tape: Tape, memory: Tensor, queries: Tensor, lengths?: ArrayLike<number>): Tensor {
  const where = 'dotAttention';
  const { T: Ts, B, F, lens } = poolingInput(where, memory, lengths);
  checkFloatTensor(where, 'queries', queries);
  const Td = queries.shape[0]!;
  if (queries.rank !== 3 || Td === 0 || queries.shape[1] !== B || queries.shape[2] !== F) {
    throw new Error(`${where}: queries must be [Td, B, F] with B = ${B} and F = ${F} like memory ${formatShape(memory.shape)}, got ${formatShape(queries.shape)}`);
  }
  const be = tape.backend;
  const ld = B * F; // memory, queries and pooled rows of one sequence are ld apart
  const md = memory.data, qd = queries.data;
  const weights = tape.tensor([B, Td, Ts]); // per sequence a [Td, Ts] block; columns past L_b stay 0
  const wd = weights.data;
  const pooled = tape.tensor([Td, B, F]);
  for (let b = 0; b < B; b++) {
    const L = lens[b]!, w = wd.subarray(b * Td * Ts);
    be.gemm(false, true, Td, L, F, 1, qd.subarray(b * F), ld, md.subarray(b * F), ld, 0, w, Ts);
    for (let d = 0; d < Td; d++) {
      const r = d * Ts;
      let top = -Infinity;
      for (let t = 0; t < L; t++) top = Math.max(top, w[r + t]!);
      let z = 0;
      for (let t = 0; t < L; t++) z += (w[r + t] = Math.exp(w[r + t]! - top));
      for (let t = 0; t < L; t++) w[r + t]! /= z;
    }
    be.gemm(false, false, Td, F, L, 1, w, Ts, md.subarray(b * F), ld, 0, pooled.data.subarray(b * F), ld);
  }
  tape.record(where, { memory, queries }, { pooled }, () => {
    const dp = tape.gradIfAny(pooled)?.data;
    if (!dp) return;
    const dm = tape.needsGrad(memory) ? tape.grad(memory).data : undefined;
    const dq = tape.needsGrad(queries) ? tape.grad(queries).data : undefined;
    const ds = tape.scratch([Td, Ts]).data; // G, then dS, of the current sequence
    for (let b = 0; b < B; b++) {
      const L = lens[b]!, w = wd.subarray(b * Td * Ts), dpb = dp.subarray(b * F), mb = md.subarray(b * F);
      be.gemm(false, true, Td, L, F, 1, dpb, ld, mb, ld, 0, ds, Ts);
      if (dm) be.gemm(true, false, L, F, Td, 1, w, Ts, dpb, ld, 1, dm.subarray(b * F), ld);
      for (let d = 0; d < Td; d++) {
        const r = d * Ts;
        let expected = 0;
        for (let t = 0; t < L; t++) expected += w[r + t]! * ds[r + t]!;
        for (let t = 0; t < L; t++) ds[r + t] = w[r + t]! * (ds[r + t]! - expected);
      }
      if (dq) be.gemm(false, false, Td, F, L, 1, ds, Ts, mb, ld, 1, dq.subarray(b * F), ld);
      if (dm) be.gemm(true, false, L, F, Td, 1, ds, Ts, qd.subarray(b * F), ld, 1, dm.subarray(b * F), ld);
    }
  });
  return pooled;
}
