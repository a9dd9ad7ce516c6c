/**
 * Sampling the next token from logits: temperature, top-k, top-p (nucleus) and greedy
 * (temperature 0). The distribution is computed explicitly so tests can check its support and
 * values; the draw takes an `Rng`. Not a generation loop (`generate.ts`).
 */
import type { Rng } from '../../random/rng.js';

export interface SamplingOptions {
  /** Divides the logits; 0 is greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (undefined: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p, in (0, 1] (undefined: all). */
  topP?: number;
}

/** Validates sampling options; errors name the option, the valid range and the value. */
export function checkSampling(o: SamplingOptions): void {
  const { temperature = 1, topK, topP } = o;
  if (!(typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0)) {
    throw new Error(`sampling: temperature must be a finite number >= 0 (0 is greedy), got ${String(temperature)}`);
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) throw new Error(`sampling: topK must be an integer >= 1, got ${String(topK)}`);
  if (topP !== undefined && !(typeof topP === 'number' && topP > 0 && topP <= 1)) throw new Error(`sampling: topP must be in (0, 1], got ${String(topP)}`);
}

/**
 * The distribution a draw comes from: softmax(logits / temperature), then only the topK most
 * likely kept, then only the smallest most-likely prefix with mass >= topP kept, renormalised
 * (the order of Hugging Face's warpers). Temperature 0 puts all mass on the argmax (lowest
 * index on ties). Ties at a top-k boundary keep the lower index.
 */
export function samplingDistribution(logits: ArrayLike<number>, options: SamplingOptions = {}): Float64Array {
  checkSampling(options);
  const V = logits.length;
  if (V === 0) throw new Error('samplingDistribution: logits must not be empty');
  const p = new Float64Array(V);
  const temperature = options.temperature ?? 1;
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) {
    p[best] = 1;
    return p;
  }
  const max = logits[best]!;
  let sum = 0;
  for (let i = 0; i < V; i++) sum += (p[i] = Math.exp((logits[i]! - max) / temperature));
  for (let i = 0; i < V; i++) p[i]! /= sum;
  const { topK, topP } = options;
  if ((topK === undefined || topK >= V) && (topP === undefined || topP >= 1)) return p;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  let keep = topK === undefined ? V : Math.min(topK, V);
  if (topP !== undefined && topP < 1) {
    let mass = 0;
    for (let r = 0; r < keep; r++) mass += p[order[r]!]!;
    let cum = 0;
    for (let r = 0; r < keep; r++) {
      cum += p[order[r]!]! / mass; // the top-k distribution, renormalised
      if (cum >= topP) { keep = r + 1; break; }
    }
  }
  let kept = 0;
  for (let r = 0; r < keep; r++) kept += p[order[r]!]!;
  for (let r = keep; r < V; r++) p[order[r]!] = 0;
  for (let r = 0; r < keep; r++) p[order[r]!]! /= kept;
  return p;
}

/** Draws an index from a distribution (inverse CDF with one `rng.next()`); a one-hot distribution draws nothing. */
export function drawIndex(p: Float64Array, rng: Rng): number {
  let nonzero = 0, last = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) { nonzero++; last = i; }
  if (nonzero === 1) return last;
  const u = rng.next();
  let cum = 0;
  for (let i = 0; i < p.length; i++) {
    cum += p[i]!;
    if (u < cum) return i;
  }
  return last; // rounding: u beyond the accumulated mass
}

/** One token id drawn from `logits` with the given options. */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
  return drawIndex(samplingDistribution(logits, options), rng);
}
