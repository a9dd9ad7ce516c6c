/**
 * The n-gram baseline of word-level language modelling: an interpolated, modified Kneser-Ney
 * trigram model over integer token ids, scored by perplexity on held-out ids from the same
 * tokenizer (unknown words already mapped to its [UNK] id by the caller). Plain Map and
 * Float64Array code, no autograd, deterministic.
 *
 * What it follows: Chen & Goodman (1998), "An Empirical Study of Smoothing Techniques for
 * Language Modeling", TR-10-98, section 3.5 (interpolated modified Kneser-Ney), with the
 * discounts of their equation (26), estimated per order from counts of counts, as KenLM's
 * `lmplz` does (lm/builder/adjust_counts.cc, `CalculateDiscounts`) and SRILM's
 * `ngram-count -kndiscount -interpolate` (ngram-discount(7)):
 *
 *   Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3
 *
 * where nk is the number of distinct n-grams of that order whose count is exactly k. With
 * a(h w) the count used at an order (below) and D(a) = D1, D2 or D3+ for a = 1, 2 or >= 3:
 *
 *   p(w | h) = max(a(h w) - D(a(h w)), 0) / Σ_x a(h x)  +  γ(h) p(w | h'),
 *   γ(h)     = (D1 N1(h •) + D2 N2(h •) + D3+ N3+(h •)) / Σ_x a(h x)
 *
 * with h' the context h without its oldest word and Nk(h •) the number of words x with
 * a(h x) = k (N3+: >= 3). γ(h) is exactly the mass the discounts took from context h, so each
 * order sums to 1 (KenLM's initial_probabilities.cc computes the same gamma). The counts a are:
 * - trigram order: raw counts c(u v w);
 * - bigram order: continuation counts N1+(• v w), the number of distinct words u before v w;
 * - unigram order: continuation counts N1+(• w), the number of distinct words v before w;
 *   and the unigram order interpolates with the uniform 1 / vocabSize (h' empty), so every id of
 *   the vocabulary, seen or not, has non-zero probability (KenLM's default
 *   `--interpolate_unigrams`; Chen & Goodman's recursion ends the same way).
 * The start of the training stream counts as one more distinct left context (of the first
 * bigram and the first token), as a begin-of-stream marker <s> would in KenLM or SRILM, so every
 * n-gram that occurs has a count >= 1 at its order. A context never seen at an order (Σ_x a = 0)
 * passes the lower order through unchanged.
 *
 * Discounts fall back to a fixed 0.75 for an order when its counts of counts cannot give the
 * three (any of n1..n4 is zero, which tiny data does) or when an estimate comes out <= 0 (a
 * very regular stream, with more n-grams seen 4 times than 3, gives D3+ < 0); KenLM stops with
 * an error there instead, and offers `--discount_fallback` (0.5, 1, 1.5).
 * `discounts` on the model says what was used. NLTK's `KneserNeyInterpolated` was also checked
 * and not followed: it uses one fixed discount (0.1) for all orders.
 */

/** The discounts D1, D2, D3+ subtracted from counts of 1, 2 and >= 3 at one order. */
export type KneserNeyDiscounts = readonly [d1: number, d2: number, d3plus: number];

export interface KneserNeyOptions {
  /**
   * Fixed discount for every order instead of the modified three (e.g. 0.75, Kneser & Ney's
   * usual choice): D1 = D2 = D3+ = discount. Must be in (0, 1].
   */
  discount?: number;
}

/** The discount used at an order whose counts of counts cannot estimate the modified three. */
export const FALLBACK_DISCOUNT = 0.75;

/**
 * Chen & Goodman's estimates (their eq. 26) of the modified Kneser-Ney discounts from the counts
 * of counts n1..n4 of one order: Y = n1 / (n1 + 2 n2), D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2,
 * D3+ = 3 - 4Y n4/n3. Returns null when they cannot be used: any of n1..n4 is zero, or an
 * estimate is not positive (D1 = Y never is; D2 or D3+ can be, when n3 > n2 or n4 > n3). KenLM
 * stops with an error for zero n1..n3 or an estimate out of range, and accepts n4 = 0 (D3+ = 3);
 * here n4 = 0 gives null too. Each estimate is below k by construction.
 */
export function modifiedKneserNeyDiscounts(n1: number, n2: number, n3: number, n4: number): KneserNeyDiscounts | null {
  if (!(n1 > 0 && n2 > 0 && n3 > 0 && n4 > 0)) return null;
  const y = n1 / (n1 + 2 * n2);
  const d: KneserNeyDiscounts = [1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3];
  return d.every((v) => v > 0) ? d : null;
}

/** Counts of counts n1..n4 of the values of `counts` (values 0 are not n-grams and are skipped). */
function countsOfCounts(counts: Iterable<number>): [number, number, number, number] {
  const n: [number, number, number, number] = [0, 0, 0, 0];
  for (const c of counts) if (c >= 1 && c <= 4) n[c - 1]!++;
  return n;
}

/** The three discounts of an order: fixed, or estimated from its counts with the 0.75 fallback. */
function orderDiscounts(counts: Iterable<number>, fixed: number | undefined): KneserNeyDiscounts {
  if (fixed !== undefined) return [fixed, fixed, fixed];
  const [n1, n2, n3, n4] = countsOfCounts(counts);
  return modifiedKneserNeyDiscounts(n1, n2, n3, n4) ?? [FALLBACK_DISCOUNT, FALLBACK_DISCOUNT, FALLBACK_DISCOUNT];
}

/** [0, D1, D2, D3+]: the discount of a count a >= 1 is table[min(a, 3)]. */
const discountTable = (d: KneserNeyDiscounts) => Float64Array.of(0, d[0], d[1], d[2]);

/**
 * An interpolated modified Kneser-Ney trigram model over ids in [0, vocabSize) (see the file
 * comment for the equations and what they follow). Fit it once on a training stream with
 * `KneserNeyTrigram.fit`; it is then read-only.
 *
 * Storage: raw trigram counts in a Map keyed (u·V + v)·V + w, bigram continuation counts keyed
 * v·V + w (exact integers while V³ < 2^53, so V up to 208,063), per-context totals and
 * discounted masses beside them; about 220,000 training tokens with V = 10,000 fit in well
 * under a second.
 */
export class KneserNeyTrigram {
  private constructor(
    /** Ids are in [0, vocabSize). */
    readonly vocabSize: number,
    /** The discounts D1, D2, D3+ used at each order, by order: [unigram, bigram, trigram]. */
    readonly discounts: readonly [KneserNeyDiscounts, KneserNeyDiscounts, KneserNeyDiscounts],
    /** c(u v w) by (u·V + v)·V + w. */
    private readonly trigrams: Map<number, number>,
    /** Row of trigram context u v (key u·V + v) in triTotal / triMass. */
    private readonly triContexts: Map<number, number>,
    /** [trigram contexts] Σ_x c(u v x). */
    private readonly triTotal: Float64Array,
    /** [trigram contexts] Σ_x D(c(u v x)): γ(u v) times triTotal. */
    private readonly triMass: Float64Array,
    /** N1+(• v w) by v·V + w. */
    private readonly bigrams: Map<number, number>,
    /** [V] Σ_x N1+(• v x) by v. */
    private readonly biTotal: Float64Array,
    /** [V] Σ_x D(N1+(• v x)) by v. */
    private readonly biMass: Float64Array,
    /** [V] N1+(• w). */
    private readonly unigrams: Float64Array,
    /** Σ_w N1+(• w). */
    private readonly uniTotal: number,
    /** Σ_w D(N1+(• w)). */
    private readonly uniMass: number,
    /** The discounts as lookup tables [0, D1, D2, D3+] by order: [unigram, bigram, trigram]. */
    private readonly tables: readonly [Float64Array, Float64Array, Float64Array],
  ) {}

  /**
   * Fits the model to one training stream of ids in [0, vocabSize): counts every trigram of the
   * stream, derives the continuation counts of the lower orders, and estimates each order's
   * discounts from its counts of counts (or uses `options.discount` for all). Throws for
   * vocabSize < 1 (or too large for exact keys), fewer than 3 tokens, an id outside
   * [0, vocabSize), or a discount outside (0, 1].
   */
  static fit(ids: ArrayLike<number>, vocabSize: number, options: KneserNeyOptions = {}): KneserNeyTrigram {
    const where = 'KneserNeyTrigram.fit';
    if (!(Number.isInteger(vocabSize) && vocabSize >= 1)) throw new Error(`${where}: vocabSize must be an integer >= 1, got ${vocabSize}`);
    if (vocabSize ** 3 > Number.MAX_SAFE_INTEGER) throw new Error(`${where}: vocabSize ${vocabSize} is too large: trigram keys need vocabSize³ <= 2^53 - 1 (vocabSize <= 208063)`);
    const fixed = options.discount;
    if (fixed !== undefined && !(fixed > 0 && fixed <= 1)) throw new Error(`${where}: discount must be in (0, 1], got ${fixed}`);
    if (ids.length < 3) throw new Error(`${where}: the training stream needs at least 3 tokens to count a trigram, got ${ids.length}`);
    checkIds(where, ids, vocabSize);
    const V = vocabSize, VV = V * V, n = ids.length;

    // Trigram order: raw counts c(u v w).
    const trigrams = new Map<number, number>();
    for (let i = 0; i + 2 < n; i++) {
      const key = (ids[i]! * V + ids[i + 1]!) * V + ids[i + 2]!;
      trigrams.set(key, (trigrams.get(key) ?? 0) + 1);
    }
    // Bigram order: N1+(• v w) = distinct trigrams u v w, + 1 for the stream's first bigram
    // (the start of the stream is its left context). Every bigram of the stream gets >= 1.
    const bigrams = new Map<number, number>();
    for (const key of trigrams.keys()) {
      const vw = key % VV;
      bigrams.set(vw, (bigrams.get(vw) ?? 0) + 1);
    }
    const first = ids[0]! * V + ids[1]!;
    bigrams.set(first, (bigrams.get(first) ?? 0) + 1);
    // Unigram order: N1+(• w) = distinct bigrams v w, + 1 for the stream's first token.
    const unigrams = new Float64Array(V);
    for (const vw of bigrams.keys()) unigrams[vw % V]! += 1;
    unigrams[ids[0]!]! += 1;

    const discounts = [orderDiscounts(unigrams, fixed), orderDiscounts(bigrams.values(), fixed), orderDiscounts(trigrams.values(), fixed)] as const;
    const tables = discounts.map(discountTable) as [Float64Array, Float64Array, Float64Array];
    const [d1, d2, d3] = tables;

    // Per-context totals Σ_x a(h x) and discounted masses Σ_x D(a(h x)) = γ(h) Σ_x a(h x).
    const triContexts = new Map<number, number>();
    const triTotal: number[] = [], triMass: number[] = [];
    for (const [key, c] of trigrams) {
      const context = (key - (key % V)) / V; // u·V + v, exact
      let row = triContexts.get(context);
      if (row === undefined) {
        row = triTotal.length;
        triContexts.set(context, row);
        triTotal.push(0);
        triMass.push(0);
      }
      triTotal[row]! += c;
      triMass[row]! += d3[Math.min(c, 3)]!;
    }
    const biTotal = new Float64Array(V), biMass = new Float64Array(V);
    for (const [vw, c] of bigrams) {
      const v = (vw - (vw % V)) / V;
      biTotal[v]! += c;
      biMass[v]! += d2[Math.min(c, 3)]!;
    }
    let uniTotal = 0, uniMass = 0;
    for (const c of unigrams) {
      if (c === 0) continue;
      uniTotal += c;
      uniMass += d1[Math.min(c, 3)]!;
    }
    return new KneserNeyTrigram(
      V, discounts, trigrams, triContexts, Float64Array.from(triTotal), Float64Array.from(triMass),
      bigrams, biTotal, biMass, unigrams, uniTotal, uniMass, tables,
    );
  }

  /**
   * log P(next | prev2, prev1) in nats. prev2 / prev1 may be -1 for "no context" at the start of
   * a stream: with prev2 = -1 the bigram order is the answer, with both -1 the unigram order
   * (prev2 without prev1 is an error). A context never seen in training falls through to the
   * next lower order. Every id in [0, vocabSize) has a finite log-probability.
   */
  logProb(prev2: number, prev1: number, next: number): number {
    const where = 'KneserNeyTrigram.logProb', V = this.vocabSize;
    if (!(Number.isInteger(next) && next >= 0 && next < V)) throw new Error(`${where}: next is ${next}, outside [0, ${V})`);
    for (const [name, id] of [['prev1', prev1], ['prev2', prev2]] as const) {
      if (!(Number.isInteger(id) && id >= -1 && id < V)) throw new Error(`${where}: ${name} is ${id}, outside [0, ${V}) and not -1 (no context)`);
    }
    if (prev1 === -1 && prev2 !== -1) throw new Error(`${where}: prev2 is ${prev2} but prev1 is -1: a context of one word is prev1, with prev2 = -1`);
    return Math.log(this.probability(prev2, prev1, next));
  }

  /**
   * Mean negative log-likelihood (nats per token) of every token of `ids` after the first, each
   * given its two predecessors (the first prediction, of ids[1], uses only ids[0]), and the
   * count of predictions (ids.length - 1); perplexity = exp(nats). Throws for fewer than 2 ids or
   * an id outside [0, vocabSize).
   */
  evaluate(ids: ArrayLike<number>): { nats: number; predictions: number; perplexity: number } {
    const where = 'KneserNeyTrigram.evaluate';
    if (ids.length < 2) throw new Error(`${where}: need at least 2 ids to make a prediction, got ${ids.length}`);
    checkIds(where, ids, this.vocabSize);
    let sum = 0;
    for (let i = 1; i < ids.length; i++) sum -= Math.log(this.probability(i >= 2 ? ids[i - 2]! : -1, ids[i - 1]!, ids[i]!));
    const predictions = ids.length - 1, nats = sum / predictions;
    return { nats, predictions, perplexity: Math.exp(nats) };
  }

  /** P(w | u v) by the interpolation recursion, ids already checked (u, v = -1: no context). */
  private probability(u: number, v: number, w: number): number {
    const V = this.vocabSize;
    const [d1, d2, d3] = this.tables;
    // Unigram: continuation counts interpolated with the uniform 1 / V.
    const a1 = this.unigrams[w]!;
    let p = (a1 > 0 ? (a1 - d1[Math.min(a1, 3)]!) / this.uniTotal : 0) + (this.uniMass / this.uniTotal) / V;
    if (v < 0) return p;
    const total2 = this.biTotal[v]!;
    if (total2 > 0) {
      const a2 = this.bigrams.get(v * V + w) ?? 0;
      p = (a2 > 0 ? (a2 - d2[Math.min(a2, 3)]!) / total2 : 0) + (this.biMass[v]! / total2) * p;
    }
    if (u < 0) return p;
    const row = this.triContexts.get(u * V + v);
    if (row !== undefined) {
      const total3 = this.triTotal[row]!;
      const c = this.trigrams.get((u * V + v) * V + w) ?? 0;
      p = (c > 0 ? (c - d3[Math.min(c, 3)]!) / total3 : 0) + (this.triMass[row]! / total3) * p;
    }
    return p;
  }

}

/** Throws unless every id is an integer in [0, vocabSize). */
function checkIds(where: string, ids: ArrayLike<number>, vocabSize: number): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) throw new Error(`${where}: id ${id} at position ${i} is outside [0, ${vocabSize})`);
  }
}
