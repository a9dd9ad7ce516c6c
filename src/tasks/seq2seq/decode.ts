/**
 * Decoding an encoder-decoder: greedy, sampling with a temperature, and beam search, each over a
 * batch of sources at once. Inference only (dropout off, nothing recorded). The tape is reset
 * after every step; what must outlive a step (the memory, the state, the fed-back vector) is
 * copied out first, so memory stays flat however long the output.
 *
 * Beam search keeps `beamWidth` hypotheses per source. Each step extends every live one by every
 * token, keeps the best `beamWidth` extensions by total log-probability, and sets aside those
 * among them that end in `[EOS]`; a source is done when the best extension of a step is an
 * `[EOS]` (no live hypothesis can then reach a higher total log-probability) and `nBest` have
 * ended, or at the maximum length. (Stopping once `beamWidth` hypotheses have ended instead lets
 * early `[EOS]`s of a model trained with label smoothing end the search before its best
 * hypothesis is complete.) Finished hypotheses are ranked by
 * score / length^alpha (`lengthPenalty` alpha; 0 ranks by total log-probability, which favours
 * short outputs; 1, the default, by mean log-probability per token, `[EOS]` counted). A
 * hypothesis still live at the maximum length ends there, scored with `[EOS]` next, and is
 * marked as not finished.
 */
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import { type RecurrentState, detachState, selectStateRows } from '../../nn/recurrent.js';
import { drawIndex } from '../char-lm/sample.js';
import type { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import type { EncoderDecoder, Encoded } from './model.js';

export type DecodeMethod = 'greedy' | 'sample' | 'beam';

export interface DecodeOptions {
  method?: DecodeMethod;
  /** Beam search: hypotheses kept per source (default 5). */
  beamWidth?: number;
  /** Hypotheses returned per source, best first (default 1; at most beamWidth for beam search). */
  nBest?: number;
  /** Beam search ranking: score / length^alpha (default 1). */
  lengthPenalty?: number;
  /** Most tokens generated per source, `[EOS]` not counted (default the model's longest training target + 10). */
  maxLength?: number;
  /** Sampling: logits are divided by it (default 1). */
  temperature?: number;
  /** Sampling draws from it. */
  rng?: Rng;
  /** Keep each output token's attention weights over the source (in source order). */
  attention?: boolean;
  /** Sources decoded at once (default 64; beam search runs beamWidth rows per source). */
  batchSize?: number;
}

export interface Hypothesis {
  /** Target ids, without `[EOS]`. */
  tokens: number[];
  /** Sum of the log-probabilities of the tokens (and of `[EOS]` when finished). */
  logProb: number;
  /** The ranking score: logProb / length^alpha (beam search), logProb otherwise. */
  score: number;
  /** Whether the hypothesis ended with `[EOS]` (false: cut at the maximum length). */
  finished: boolean;
  /** Per output token (and `[EOS]`), the weights over the source tokens, in source order. */
  attention?: number[][];
}

/**
 * log sum_v exp(logits[r, v]) of every row of [rows, V] logits (on the tape's arena), from the
 * backend's softmax: with the row's largest logit l and its probability p (at least 1/V, so
 * never underflowing), the log-normaliser is l - log p. A token's log-probability is then
 * logits[r, v] minus it, and the best tokens are those with the largest logits: greedy and beam
 * search never exponentiate a whole row in JavaScript.
 */
function logNormalizers(tape: Tape, logits: Float32Array, rows: number, V: number): Float64Array {
  const probs = tape.scratch([rows, V]).data;
  tape.backend.softmax(rows, V, logits, probs);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let top = r * V;
    for (let i = r * V + 1; i < (r + 1) * V; i++) if (logits[i]! > logits[top]!) top = i;
    out[r] = logits[top]! - Math.log(probs[top]!);
  }
  return out;
}

/** Log-softmax of row r of [rows, V] logits, divided by `temperature`, into `out`. */
function logSoftmaxRow(logits: Float32Array, r: number, V: number, temperature: number, out: Float64Array): void {
  let top = -Infinity;
  for (let v = 0; v < V; v++) top = Math.max(top, logits[r * V + v]! / temperature);
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(logits[r * V + v]! / temperature - top);
  const lz = top + Math.log(z);
  for (let v = 0; v < V; v++) out[v] = logits[r * V + v]! / temperature - lz;
}

/** Rows of a [..., N, F]-like tensor picked along axis `axis` (0 or 1) into a new heap tensor. */
function gatherRows(t: Tensor, rows: readonly number[], axis: 0 | 1): Tensor {
  if (axis === 0) {
    const F = t.size / t.shape[0]!;
    const out = Tensor.zeros([rows.length, ...t.shape.slice(1)]);
    rows.forEach((r, i) => out.data.set(t.data.subarray(r * F, (r + 1) * F), i * F));
    return out;
  }
  const [A, N] = t.shape as [number, number];
  const F = t.size / (A * N);
  const out = Tensor.zeros([A, rows.length, ...t.shape.slice(2)]);
  for (let a = 0; a < A; a++) rows.forEach((r, i) => out.data.set(t.data.subarray((a * N + r) * F, (a * N + r + 1) * F), (a * rows.length + i) * F));
  return out;
}

/** The encoded batch with row b repeated `k` times (rows b*k .. b*k+k-1), on the heap. */
function expand(enc: Encoded, k: number): Encoded {
  const B = enc.lengths.length;
  const rows = Array.from({ length: B * k }, (_, i) => Math.floor(i / k));
  return {
    memory: gatherRows(enc.memory, rows, 1),
    keys: enc.keys ? gatherRows(enc.keys, rows, 1) : undefined,
    lengths: Int32Array.from(rows, (r) => enc.lengths[r]!),
    state: selectStateRows(enc.state, rows),
  };
}

/** Attention weights of row `row` at this step, [Ts, rows] -> the row's valid steps in source order. */
function attentionRow(weights: Tensor, row: number, length: number, reversed: boolean): number[] {
  const N = weights.shape[1]!;
  const out = new Array<number>(length);
  for (let t = 0; t < length; t++) out[reversed ? length - 1 - t : t] = weights.data[t * N + row]!;
  return out;
}

function checkOptions(model: EncoderDecoder, o: DecodeOptions): Required<Omit<DecodeOptions, 'rng'>> & { rng?: Rng } {
  const where = 'decode';
  const method = o.method ?? 'greedy';
  if (!['greedy', 'sample', 'beam'].includes(method)) throw new Error(`${where}: method must be 'greedy', 'sample' or 'beam', got ${String(method)}`);
  const beamWidth = o.beamWidth ?? 5;
  if (!(Number.isInteger(beamWidth) && beamWidth >= 1)) throw new Error(`${where}: the beam width must be an integer >= 1, got ${String(beamWidth)}`);
  const nBest = o.nBest ?? 1;
  if (!(Number.isInteger(nBest) && nBest >= 1)) throw new Error(`${where}: nBest must be an integer >= 1, got ${String(nBest)}`);
  if (method === 'beam' && nBest > beamWidth) throw new Error(`${where}: nBest (${nBest}) cannot exceed the beam width (${beamWidth})`);
  if (method !== 'beam' && method !== 'sample' && nBest > 1) throw new Error(`${where}: nBest ${nBest} needs beam search or sampling (greedy decoding gives one hypothesis)`);
  const maxLength = o.maxLength ?? model.config.maxTargetLength + 10;
  if (!(Number.isInteger(maxLength) && maxLength >= 1)) throw new Error(`${where}: maxLength must be an integer >= 1, got ${String(maxLength)}`);
  const temperature = o.temperature ?? 1;
  if (!(typeof temperature === 'number' && temperature > 0 && Number.isFinite(temperature))) throw new Error(`${where}: temperature must be a number > 0, got ${String(temperature)}`);
  const lengthPenalty = o.lengthPenalty ?? 1;
  if (!(typeof lengthPenalty === 'number' && lengthPenalty >= 0 && Number.isFinite(lengthPenalty))) throw new Error(`${where}: lengthPenalty must be a number >= 0, got ${String(lengthPenalty)}`);
  if (method === 'sample' && !o.rng) throw new Error(`${where}: sampling draws from an Rng; pass options.rng`);
  const batchSize = o.batchSize ?? 64;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`${where}: batchSize must be an integer >= 1, got ${String(batchSize)}`);
  return { method, beamWidth, nBest, maxLength, temperature, lengthPenalty, rng: o.rng, attention: o.attention ?? false, batchSize };
}

/**
 * Decodes each source (target ids out, `[EOS]` dropped): per source, `nBest` hypotheses, best
 * first. Sources must be non-empty arrays of source ids.
 */
export function decode(model: EncoderDecoder, backend: Backend, sources: readonly ArrayLike<number>[], options: DecodeOptions = {}): Hypothesis[][] {
  const o = checkOptions(model, options);
  const wasTraining = model.training;
  model.eval();
  try {
    const out: Hypothesis[][] = new Array(sources.length);
    // Sources of similar length decode together (less padding, and rows finish at similar steps); results go back in order.
    const order = Array.from(sources.keys()).sort((a, b) => sources[a]!.length - sources[b]!.length);
    for (let i = 0; i < order.length; i += o.batchSize) {
      const idx = order.slice(i, i + o.batchSize);
      const chunk = idx.map((k) => sources[k]!);
      if (o.method === 'beam') beamSearch(model, backend, chunk, o).forEach((list, b) => { out[idx[b]!] = list; });
      else for (let n = 0; n < o.nBest; n++) {
        const got = sampleOrGreedy(model, backend, chunk, o);
        got.forEach((h, b) => { (out[idx[b]!] ??= []).push(h); });
      }
    }
    if (o.method === 'sample') for (const list of out) list.sort((a, b) => b.score - a.score);
    return out;
  } finally {
    model.train(wasTraining);
  }
}

/** Encodes on the tape, then copies the result to the heap (the tape is reset after). */
function encodeToHeap(model: EncoderDecoder, tape: Tape, sources: readonly ArrayLike<number>[]): Encoded {
  const e = model.encode(tape, sources);
  const heap: Encoded = { memory: e.memory.clone(), keys: e.keys?.clone(), lengths: e.lengths, state: detachState(e.state) };
  tape.reset();
  return heap;
}

function sampleOrGreedy(model: EncoderDecoder, backend: Backend, sources: readonly ArrayLike<number>[], o: ReturnType<typeof checkOptions>): Hypothesis[] {
  const c = model.config;
  const V = c.targetVocabSize;
  const tape = Tape.inference(backend);
  const enc = encodeToHeap(model, tape, sources);
  const B = sources.length;
  let state = enc.state;
  let feed = model.initialFeed(B);
  let prev = IntTensor.from(new Array<number>(B).fill(c.goId));
  const hyps: Hypothesis[] = Array.from({ length: B }, () => ({ tokens: [], logProb: 0, score: 0, finished: false, attention: o.attention ? [] : undefined }));
  const logp = new Float64Array(V);
  const p = new Float64Array(V);
  // Rows still unfinished after maxLength tokens stay so.
  for (let t = 0; t < o.maxLength && hyps.some((h) => !h.finished); t++) {
    const r = model.decodeStep(tape, enc, prev, state, feed);
    const logits = model.output.forward(tape, r.vector).data;
    const next = new Int32Array(B);
    const lz = o.method === 'greedy' ? logNormalizers(tape, logits, B, V) : undefined;
    for (let b = 0; b < B; b++) {
      const h = hyps[b]!;
      if (h.finished) continue;
      let id = 1; // never [PAD] (0)
      if (lz) {
        for (let v = 2; v < V; v++) if (logits[b * V + v]! > logits[b * V + id]!) id = v;
        h.logProb += logits[b * V + id]! - lz[b]!;
      } else {
        logSoftmaxRow(logits, b, V, o.temperature, logp);
        logp[0] = -Infinity;
        for (let v = 0; v < V; v++) p[v] = Math.exp(logp[v]!);
        id = drawIndex(p, o.rng!);
        h.logProb += logp[id]!;
      }
      if (r.weights && h.attention) h.attention.push(attentionRow(r.weights, b, enc.lengths[b]!, c.reverseSource));
      if (id === c.eosId) h.finished = true;
      else h.tokens.push(id);
      next[b] = id;
    }
    state = detachState(r.state);
    feed = feed ? r.vector.clone() : undefined;
    prev = new IntTensor(next, [B]);
    tape.reset();
  }
  for (const h of hyps) h.score = h.logProb;
  return hyps;
}

interface Beam {
  tokens: number[];
  logProb: number;
  attention?: number[][];
}

function beamSearch(model: EncoderDecoder, backend: Backend, sources: readonly ArrayLike<number>[], o: ReturnType<typeof checkOptions>): Hypothesis[][] {
  const c = model.config;
  const V = c.targetVocabSize;
  const K = o.beamWidth;
  const B = sources.length;
  const tape = Tape.inference(backend);
  const enc = expand(encodeToHeap(model, tape, sources), K);
  let state = enc.state;
  let feed = model.initialFeed(B * K);
  // Row b*K + k holds beam k of source b; at first only beam 0 is alive.
  let beams: (Beam | null)[] = Array.from({ length: B * K }, (_, i) => (i % K === 0 ? { tokens: [], logProb: 0, attention: o.attention ? [] : undefined } : null));
  const finished: Hypothesis[][] = Array.from({ length: B }, () => []);
  const done = new Array<boolean>(B).fill(false);
  const rank = (logProb: number, length: number) => logProb / Math.pow(Math.max(1, length), o.lengthPenalty);
  for (let t = 0; t <= o.maxLength && done.includes(false); t++) {
    const prev = IntTensor.from(beams.map((bm) => (bm === null ? c.goId : bm.tokens.length ? bm.tokens[bm.tokens.length - 1]! : c.goId)));
    const r = model.decodeStep(tape, enc, prev, state, feed);
    const logits = model.output.forward(tape, r.vector).data;
    const lz = logNormalizers(tape, logits, B * K, V);
    const parents: number[] = [];
    const nextBeams: (Beam | null)[] = [];
    for (let b = 0; b < B; b++) {
      // Candidates (total log-prob, parent row, token) from every live beam of source b.
      const cands: [number, number, number][] = [];
      if (!done[b]) {
        for (let k = 0; k < K; k++) {
          const row = b * K + k;
          const bm = beams[row];
          if (!bm) continue;
          const base = row * V;
          if (t === o.maxLength) {
            // Out of room: the hypothesis ends here, scored with [EOS] as the next token, and marked as cut.
            const total = bm.logProb + logits[base + c.eosId]! - lz[row]!;
            const att = bm.attention && r.weights ? [...bm.attention, attentionRow(r.weights, row, enc.lengths[row]!, c.reverseSource)] : undefined;
            finished[b]!.push({ tokens: bm.tokens, logProb: total, score: rank(total, bm.tokens.length + 1), finished: false, attention: att });
            continue;
          }
          // The K best tokens of this beam are enough: the K best extensions overall are among them.
          const top: [number, number][] = []; // (logit, token), never [PAD]
          for (let v = 1; v < V; v++) {
            const l = logits[base + v]!;
            if (top.length < K) { top.push([l, v]); top.sort((x, y) => y[0] - x[0]); } else if (l > top[K - 1]![0]) { top[K - 1] = [l, v]; top.sort((x, y) => y[0] - x[0]); }
          }
          for (const [l, v] of top) cands.push([bm.logProb + l - lz[row]!, row, v]);
        }
        cands.sort((x, y) => y[0] - x[0]);
      }
      let kept = 0;
      for (const [total, row, v] of cands) {
        if (kept === K) break;
        const parent = beams[row]!;
        const att = parent.attention && r.weights ? [...parent.attention, attentionRow(r.weights, row, enc.lengths[row]!, c.reverseSource)] : undefined;
        if (v === c.eosId) {
          finished[b]!.push({ tokens: parent.tokens, logProb: total, score: rank(total, parent.tokens.length + 1), finished: true, attention: att });
          continue;
        }
        parents.push(row);
        nextBeams.push({ tokens: [...parent.tokens, v], logProb: total, attention: att });
        kept++;
      }
      const bestEnded = cands.length > 0 && cands[0]![2] === c.eosId;
      if ((bestEnded && finished[b]!.length >= o.nBest) || t === o.maxLength || kept === 0) done[b] = true;
      for (; kept < K; kept++) { parents.push(b * K); nextBeams.push(null); }
      if (done[b]) for (let k = 0; k < K; k++) nextBeams[nextBeams.length - 1 - k] = null;
    }
    state = selectStateRows(r.state, parents);
    feed = feed ? gatherRows(r.vector, parents, 0) : undefined;
    beams = nextBeams;
    tape.reset();
  }
  return finished.map((list) => list.sort((x, y) => y.score - x.score).slice(0, o.nBest));
}
