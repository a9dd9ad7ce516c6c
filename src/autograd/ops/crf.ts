/**
 * A linear-chain conditional random field over per-token tag scores (the output layer of a
 * BiLSTM-CRF tagger, Lample et al. 2016; the same parameters and score as pytorch-crf's
 * `torchcrf.CRF`): the negative log-likelihood of gold tag paths as an op with a hand-written
 * forward-backward, and Viterbi decoding without a tape. Batches are time-major and
 * right-padded ([T, B, K] emissions, [B] lengths); padding steps are never read.
 * Plain float64 loops: O(T B K^2), small beside the recurrent layers that produce emissions.
 */
import { formatShape } from '../../tensor/shape.js';
import { IntTensor, type Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { checkFloatTensor } from './loss-options.js';

/** How `crfNll` reduces the per-sequence losses. */
export type CrfReduction = 'sum' | 'mean' | 'token-mean' | 'none';

export interface CrfNllOptions {
  /**
   * 'token-mean' (default): the sum over sequences divided by the number of valid tokens
   * (sum of lengths); 'mean': divided by B; 'sum'; 'none': the [B] per-sequence losses.
   */
  reduction?: CrfReduction;
}

/** log(sum_i exp(x[i])) over x[0..n), stable for large values; -Infinity when every x[i] is. */
function logSumExp(x: Float64Array, n: number): number {
  let top = -Infinity;
  for (let i = 0; i < n; i++) if (x[i]! > top) top = x[i]!;
  if (top === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(x[i]! - top);
  return top + Math.log(s);
}

function checkReduction(where: string, reduction: unknown): CrfReduction {
  if (reduction !== 'sum' && reduction !== 'mean' && reduction !== 'token-mean' && reduction !== 'none') {
    throw new Error(`${where}: reduction must be 'token-mean', 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return reduction;
}

/** Each sequence's valid length as an integer in 1..T, one per sequence; errors name `where`. */
function checkLengths(where: string, lengths: unknown, T: number, B: number): Int32Array {
  if (lengths instanceof IntTensor) {
    throw new Error(`${where}: lengths must be an array of ${B} integers, got an IntTensor ${formatShape(lengths.shape)} (pass lengths.data)`);
  }
  if (typeof lengths !== 'object' || lengths === null || typeof (lengths as ArrayLike<number>).length !== 'number') {
    throw new Error(`${where}: lengths must be an array of ${B} integers, got ${lengths === null ? 'null' : typeof lengths}`);
  }
  const lens = lengths as ArrayLike<number>;
  if (lens.length !== B) throw new Error(`${where}: lengths must have one entry per sequence (B = ${B}), got ${lens.length}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const L = lens[b]!;
    if (!Number.isInteger(L)) throw new Error(`${where}: lengths[${b}] = ${L} is not an integer`);
    if (L < 1 || L > T) throw new Error(`${where}: lengths[${b}] = ${L} must be between 1 and T = ${T}`);
    out[b] = L;
  }
  return out;
}

/** Throws unless `t` is a float Tensor of exactly `shape` (named by `dims`, e.g. '[K, K]'). */
function checkParam(where: string, name: string, t: unknown, shape: readonly number[], dims: string): asserts t is Tensor {
  checkFloatTensor(where, name, t);
  const ok = t.rank === shape.length && shape.every((d, i) => t.shape[i] === d);
  if (!ok) throw new Error(`${where}: ${name} must be ${dims} = ${formatShape(shape)}, got ${formatShape(t.shape)}`);
}

/**
 * Negative log-likelihood of gold tag paths under a linear-chain CRF. For a sequence b of
 * length L = lengths[b] and a tag path y = (y_0 .. y_{L-1}):
 *   score(y) = start[y_0] + sum_{t<L} emissions[t, b, y_t] + sum_{0<t<L} transitions[y_{t-1}, y_t] + end[y_{L-1}]
 *   nll_b    = logZ_b - score(gold_b),   logZ_b = log sum_y exp(score(y))
 * with logZ by the forward algorithm in float64 (log-sum-exp shifted by the maximum, so scores
 * of 1e4 and more stay finite):
 *   alpha_0[k] = start[k] + emissions[0, b, k]
 *   alpha_t[k] = emissions[t, b, k] + log sum_i exp(alpha_{t-1}[i] + transitions[i, k])
 *   logZ_b     = log sum_k exp(alpha_{L-1}[k] + end[k])
 * Reductions: 'token-mean' (default) sum_b nll_b / sum_b L_b; 'mean' sum_b nll_b / B; 'sum';
 * 'none' the [B] values nll_b.
 *
 * Backward (forward-backward algorithm), with s_b = dLoss/dnll_b, the marginals
 *   P(y_t = k) and P(y_{t-1} = i, y_t = j) of the CRF, from the saved normalised alphas and
 *   beta_{L-1}[k] = end[k], beta_{t-1}[i] = log sum_j exp(transitions[i, j] + emissions[t, b, j] + beta_t[j]):
 *   demissions[t, b, k] += s_b (P(y_t = k) - 1[gold_t = k])                   for t < L
 *   dtransitions[i, j]  += s_b sum_{0<t<L} (P(y_{t-1} = i, y_t = j) - 1[gold_{t-1} = i, gold_t = j])
 *   dstart[k]           += s_b (P(y_0 = k) - 1[gold_0 = k])
 *   dend[k]             += s_b (P(y_{L-1} = k) - 1[gold_{L-1} = k])
 * Padding steps (t >= L) get no gradient. Each marginal is normalised explicitly (a softmax of
 * alpha + beta), so float32 storage of the saved alphas costs no accuracy in the gradient. Any of
 * emissions, transitions, start and end can be a Parameter or a tracked tensor; gradients add
 * to what they already hold.
 *
 * @param emissions - [T, B, K] time-major per-token tag scores (the tagger's output).
 * @param tags - [T, B] gold tags, an IntTensor: in [0, K) for t < lengths[b]; entries past a
 *   length are ignored (0, -1, anything). Copied at call time.
 * @param lengths - [B] valid lengths, each an integer 1..T; copied at call time.
 * @param transitions - [K, K]: transitions[i * K + j] is the score of tag i followed by tag j.
 * @param start - [K] score of a sequence starting with each tag.
 * @param end - [K] score of a sequence ending with each tag.
 * @returns [] for 'token-mean', 'mean' and 'sum'; [B] for 'none'.
 */
export function crfNll(
  tape: Tape, emissions: Tensor, tags: IntTensor, lengths: ArrayLike<number>,
  transitions: Tensor, start: Tensor, end: Tensor, options: CrfNllOptions = {},
): Tensor {
  const where = 'crfNll';
  const reduction = checkReduction(where, options.reduction ?? 'token-mean');
  checkFloatTensor(where, 'emissions', emissions);
  const [T, B, K] = emissions.shape as [number, number, number];
  if (emissions.rank !== 3 || T === 0 || B === 0 || K === 0) {
    throw new Error(`${where}: emissions must be [T, B, K] with T, B, K >= 1, got ${formatShape(emissions.shape)}`);
  }
  if (!(tags instanceof IntTensor)) {
    const got = describeTags(tags);
    throw new Error(`${where}: tags must be an IntTensor [T, B] = [${T}, ${B}] of tag ids, got ${got}; make one with IntTensor.from(ids, [T, B])`);
  }
  if (tags.rank !== 2 || tags.shape[0] !== T || tags.shape[1] !== B) {
    throw new Error(`${where}: tags must be [T, B] = [${T}, ${B}] like emissions ${formatShape(emissions.shape)}, got ${formatShape(tags.shape)}`);
  }
  const lens = checkLengths(where, lengths, T, B);
  checkParam(where, 'transitions', transitions, [K, K], '[K, K]');
  checkParam(where, 'start', start, [K], '[K]');
  checkParam(where, 'end', end, [K], '[K]');
  const gold = tape.ints([T, B]); // [T, B] valid entries copied, padding left 0
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lens[b]!; t++) {
      const y = tags.data[t * B + b]!;
      if (!(y >= 0 && y < K)) throw new Error(`${where}: tags[${t}, ${b}] = ${y} is outside [0, K = ${K}) within lengths[${b}] = ${lens[b]}`);
      gold.data[t * B + b] = y;
    }
  }

  const ed = emissions.data, td = transitions.data, sd = start.data, nd = end.data, gd = gold.data;
  const keep = tape.needsGrad(emissions) || tape.needsGrad(transitions) || tape.needsGrad(start) || tape.needsGrad(end);
  // [T, B, K] alpha_t - logsumexp_k alpha_t (log P of the prefix ending in k), for the backward only.
  const alphas = keep ? tape.scratch([T, B, K]) : undefined;
  const ad = alphas?.data;
  const nll = new Float64Array(B); // [B]
  const prev = new Float64Array(K), cur = new Float64Array(K), terms = new Float64Array(K);
  let tokens = 0;
  for (let b = 0; b < B; b++) {
    const L = lens[b]!;
    tokens += L;
    // score(gold)
    let y = gd[b]!;
    let goldScore = sd[y]! + ed[b * K + y]!;
    for (let t = 1; t < L; t++) {
      const z = gd[t * B + b]!;
      goldScore += td[y * K + z]! + ed[(t * B + b) * K + z]!;
      y = z;
    }
    goldScore += nd[y]!;
    // The forward algorithm.
    for (let k = 0; k < K; k++) prev[k] = sd[k]! + ed[b * K + k]!;
    if (ad) saveNormalised(prev, K, ad, b * K);
    for (let t = 1; t < L; t++) {
      const row = (t * B + b) * K;
      for (let k = 0; k < K; k++) {
        for (let i = 0; i < K; i++) terms[i] = prev[i]! + td[i * K + k]!;
        cur[k] = ed[row + k]! + logSumExp(terms, K);
      }
      prev.set(cur);
      if (ad) saveNormalised(prev, K, ad, row);
    }
    for (let k = 0; k < K; k++) terms[k] = prev[k]! + nd[k]!;
    nll[b] = logSumExp(terms, K) - goldScore;
  }

  let out: Tensor;
  let factor = 1; // dLoss/dnll_b = factor dout for the reductions to a scalar
  if (reduction === 'none') {
    out = tape.tensor([B]);
    for (let b = 0; b < B; b++) out.data[b] = nll[b]!;
  } else {
    factor = reduction === 'sum' ? 1 : reduction === 'mean' ? 1 / B : 1 / tokens;
    let total = 0;
    for (let b = 0; b < B; b++) total += nll[b]!;
    out = tape.tensor([]);
    out.data[0] = total * factor;
  }

  tape.record(where, { emissions, transitions, start, end }, { loss: out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !ad) return;
    const de = tape.needsGrad(emissions) ? tape.grad(emissions).data : undefined;
    const dt = tape.needsGrad(transitions) ? tape.grad(transitions).data : undefined;
    const ds = tape.needsGrad(start) ? tape.grad(start).data : undefined;
    const dn = tape.needsGrad(end) ? tape.grad(end).data : undefined;
    if (!de && !dt && !ds && !dn) return;
    const beta = new Float64Array(K); // beta_t, shifted so that its maximum is 0
    const m = new Float64Array(K * K); // [K, K] exp(transitions[i, j] + emissions[t, b, j] + beta_t[j] - rowMaxes[i])
    const rowMaxes = new Float64Array(K), rowSums = new Float64Array(K), f = new Float64Array(K); // [K] each
    const p = new Float64Array(K); // [K] marginals P(y_t = k)
    for (let b = 0; b < B; b++) {
      const s = reduction === 'none' ? dout.data[b]! : dout.data[0]! * factor;
      if (s === 0) continue;
      const L = lens[b]!;
      for (let k = 0; k < K; k++) beta[k] = nd[k]!;
      for (let t = L - 1; t >= 0; t--) {
        const row = (t * B + b) * K;
        const g = gd[t * B + b]!;
        // Unary marginals at t: softmax_k(alphaHat_t[k] + beta_t[k]).
        for (let k = 0; k < K; k++) p[k] = ad[row + k]! + beta[k]!;
        softmaxInPlace(p, K);
        if (de) {
          for (let k = 0; k < K; k++) de[row + k]! += s * p[k]!;
          de[row + g]! -= s;
        }
        if (t === L - 1 && dn) {
          for (let k = 0; k < K; k++) dn[k]! += s * p[k]!;
          dn[g]! -= s;
        }
        if (t === 0) {
          if (ds) {
            for (let k = 0; k < K; k++) ds[k]! += s * p[k]!;
            ds[g]! -= s;
          }
          break;
        }
        // m[i, j] = transitions[i, j] + emissions[t, b, j] + beta_t[j], kept as
        // exp(m[i, j] - rowMax[i]) with rowSum[i] = sum_j of it: then
        // beta_{t-1}[i] = rowMax[i] + log rowSum[i], and the pairwise marginals are
        // P(y_{t-1} = i, y_t = j) = f[i] exp(m[i, j] - rowMax[i]) / sum_i f[i] rowSum[i]
        // with f[i] = exp(alphaHat_{t-1}[i] + rowMax[i] - max): one exp per (i, j) serves both.
        let top = -Infinity;
        for (let i = 0; i < K; i++) {
          let rowMax = -Infinity;
          for (let j = 0; j < K; j++) {
            const v = (m[i * K + j] = td[i * K + j]! + ed[row + j]! + beta[j]!);
            if (v > rowMax) rowMax = v;
          }
          let rowSum = 0;
          if (rowMax !== -Infinity) for (let j = 0; j < K; j++) rowSum += (m[i * K + j] = Math.exp(m[i * K + j]! - rowMax));
          else m.fill(0, i * K, (i + 1) * K);
          rowMaxes[i] = rowMax;
          rowSums[i] = rowSum;
          if (rowMax > top) top = rowMax;
        }
        if (dt) {
          const before = row - B * K;
          let best = -Infinity;
          for (let i = 0; i < K; i++) {
            const w = (f[i] = ad[before + i]! + rowMaxes[i]!);
            if (w > best) best = w;
          }
          let z = 0;
          for (let i = 0; i < K; i++) z += (f[i] = best === -Infinity ? 0 : Math.exp(f[i]! - best)) * rowSums[i]!;
          for (let i = 0; i < K; i++) {
            const scale = s * f[i]! / z;
            for (let j = 0; j < K; j++) dt[i * K + j]! += scale * m[i * K + j]!;
          }
          dt[gd[(t - 1) * B + b]! * K + g]! -= s;
        }
        // beta_{t-1}, shifted to a maximum of 0 (every marginal is normalised explicitly).
        for (let i = 0; i < K; i++) beta[i] = top === -Infinity ? -Infinity : rowMaxes[i]! - top + Math.log(rowSums[i]!);
      }
    }
  });
  return out;
}

/** A short description of a non-IntTensor `tags` argument for the error message. */
function describeTags(v: unknown): string {
  if (v !== null && typeof v === 'object' && 'shape' in v && 'data' in v) {
    const shape = (v as { shape: readonly number[] }).shape;
    return `a float Tensor ${formatShape(shape)}`;
  }
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return v === null ? 'null' : typeof v;
}

/** out[offset + k] = x[k] - logsumexp(x) for k < K. */
function saveNormalised(x: Float64Array, K: number, out: Float32Array, offset: number): void {
  const z = logSumExp(x, K);
  for (let k = 0; k < K; k++) out[offset + k] = x[k]! - z;
}

/** x[0..n) = softmax(x[0..n)), shifted by the maximum. */
function softmaxInPlace(x: Float64Array, n: number): void {
  let top = -Infinity;
  for (let i = 0; i < n; i++) if (x[i]! > top) top = x[i]!;
  let z = 0;
  for (let i = 0; i < n; i++) z += (x[i] = Math.exp(x[i]! - top));
  for (let i = 0; i < n; i++) x[i]! /= z;
}

/** The best tag path of each sequence and its score. */
export interface CrfViterbiResult {
  /** One path per sequence, of length lengths[b]. */
  paths: Int32Array[];
  /** [B] score(path) of each path, in float64 (the largest score over all paths). */
  scores: Float64Array;
}

/**
 * The highest-scoring tag path of each sequence under the CRF of `crfNll` (Viterbi), without a
 * tape (decoding is inference):
 *   delta_0[k] = start[k] + emissions[0, b, k]
 *   delta_t[j] = emissions[t, b, j] + max_i (delta_{t-1}[i] + transitions[i, j]),  back_t[j] = that argmax
 *   best = argmax_k (delta_{L-1}[k] + end[k]), then y_{t-1} = back_t[y_t] backwards.
 * Ties go to the lower tag index (at each argmax, as `argmax` in PyTorch). float64 accumulators.
 *
 * @param emissions - [T, B, K] time-major scores, flat (e.g. `tensor.data` of the tagger's output).
 * @param lengths - [B] valid lengths, each an integer 1..T; padding steps are never read.
 * @param transitions - [K, K] flat: transitions[i * K + j] scores tag i followed by tag j.
 * @param start - [K] score of starting with each tag.
 * @param end - [K] score of ending with each tag.
 * @returns paths[b]: Int32Array of lengths[b] tags; scores: [B] the score of each path.
 */
export function crfViterbi(
  emissions: Float32Array, T: number, B: number, K: number, lengths: ArrayLike<number>,
  transitions: Float32Array, start: Float32Array, end: Float32Array,
): CrfViterbiResult {
  const where = 'crfViterbi';
  for (const [name, v] of [['T', T], ['B', B], ['K', K]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${where}: ${name} must be an integer >= 1, got ${v}`);
  }
  const arrays = [['emissions', emissions, T * B * K, '[T, B, K]'], ['transitions', transitions, K * K, '[K, K]'], ['start', start, K, '[K]'], ['end', end, K, '[K]']] as const;
  for (const [name, a, n, dims] of arrays) {
    if (!ArrayBuffer.isView(a) || typeof (a as { length?: unknown }).length !== 'number') {
      throw new Error(`${where}: ${name} must be a Float32Array of ${dims} = ${n} values, got ${Array.isArray(a) ? `an array of ${(a as unknown[]).length}` : a === null ? 'null' : typeof a}`);
    }
    if (a.length !== n) throw new Error(`${where}: ${name} must hold ${dims} = ${n} values (T = ${T}, B = ${B}, K = ${K}), got ${a.length}`);
  }
  const lens = checkLengths(where, lengths, T, B);
  const paths: Int32Array[] = [];
  const scores = new Float64Array(B);
  const prev = new Float64Array(K), cur = new Float64Array(K);
  const back = new Int32Array(T * K); // [T, K] back_t[j] of the current sequence
  for (let b = 0; b < B; b++) {
    const L = lens[b]!;
    for (let k = 0; k < K; k++) prev[k] = start[k]! + emissions[b * K + k]!;
    for (let t = 1; t < L; t++) {
      const row = (t * B + b) * K;
      for (let j = 0; j < K; j++) {
        let best = 0;
        let value = prev[0]! + transitions[j]!;
        for (let i = 1; i < K; i++) {
          const v = prev[i]! + transitions[i * K + j]!;
          if (v > value) { value = v; best = i; }
        }
        cur[j] = value + emissions[row + j]!;
        back[t * K + j] = best;
      }
      prev.set(cur);
    }
    let best = 0;
    let value = prev[0]! + end[0]!;
    for (let k = 1; k < K; k++) {
      const v = prev[k]! + end[k]!;
      if (v > value) { value = v; best = k; }
    }
    const path = new Int32Array(L);
    path[L - 1] = best;
    for (let t = L - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]!]!;
    paths.push(path);
    scores[b] = value;
  }
  return { paths, scores };
}
