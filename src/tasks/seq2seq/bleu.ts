/**
 * Machine-translation metrics computed as sacreBLEU 2.x computes them with its defaults: the
 * mteval-v13a tokenizer, corpus BLEU (4-grams, 'exp' smoothing, closest reference length) and
 * chrF2 (character 6-grams, whitespace removed). Pure functions of strings; not sentence-level
 * BLEU (sacreBLEU's effective-order variant), chrF++ (word n-grams) or TER.
 *
 * Corpus scores sum statistics over all segments first and score the sums once; they are not
 * means of sentence scores. Several references are given as sacreBLEU takes them, as streams:
 * `references[k][i]` is the k-th reference of hypothesis i; an empty string there means "no k-th
 * reference for this hypothesis" (sacreBLEU drops empty references), but each hypothesis needs one.
 */

/** Python's `str.isspace()` set, which `str.split()` and `str.rstrip()` use. JS `\s` differs: it
 * lacks U+001C..U+001F and U+0085, and has U+FEFF. */
const PY_SPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const PY_SPACE_RUN = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `s.split()`: runs of whitespace separate, no empty pieces. */
function pySplit(s: string): string[] {
  return s.split(PY_SPACE_RUN).filter((w) => w !== '');
}

/** Python's `s.rstrip()` (every whitespace character is in the BMP, so one code unit). */
function pyRstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE.test(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/**
 * mteval-v13a's punctuation rules, applied in order to the line padded with one space each side.
 * The first class is the ASCII symbols other than `' , - .` (the original
 * `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: `{|}~ [\]^_\` space!"#$%& ()*+ :;<=>?@ /`); they are split off
 * everywhere. A period or comma is split off unless it sits between digits on that side, so
 * "3.5" and "1,000" stay whole; a hyphen is split off only after a digit ("10-20" → "10 - 20").
 */
const PUNCTUATION_13A: readonly (readonly [RegExp, string])[] = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/g, ' $1 '],
  [/([^0-9])([.,])/g, '$1 $2 '],
  [/([.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

/**
 * sacreBLEU's default '13a' tokenizer (mteval-v13a.pl): drops `<skipped>`, joins `-\n` line
 * breaks, turns other newlines into spaces, decodes `&quot; &amp; &lt; &gt;` (in that order, so
 * "&amp;lt;" becomes "<"), applies the four punctuation rules above and collapses whitespace.
 * Case is kept; apostrophes and word-internal hyphens ("well-known", "wait--what") are not split.
 */
export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  for (const [pattern, replacement] of PUNCTUATION_13A) s = s.replace(pattern, replacement);
  return pySplit(s).join(' ');
}

/** n-gram counts of orders 1..maxOrder (index n - 1); an n-gram is its units joined by `sep`. */
function ngramCounts(units: readonly string[], maxOrder: number, sep: string): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= units.length; i++) {
      const g = units.slice(i, i + n).join(sep);
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    out.push(counts);
  }
  return out;
}

/** Σ over the hypothesis n-grams of min(count in hypothesis, count in reference), and the hypothesis total. */
function clippedMatches(hyp: Map<string, number>, ref: Map<string, number>): { matches: number; total: number } {
  let matches = 0, total = 0;
  for (const [g, c] of hyp) {
    total += c;
    matches += Math.min(c, ref.get(g) ?? 0);
  }
  return { matches, total };
}

/**
 * References per hypothesis from one stream (`string[]`) or several (`string[][]`,
 * `references[k][i]`), with empty strings dropped as sacreBLEU drops them.
 */
function referencesPerHypothesis(who: string, hypotheses: readonly string[], references: readonly string[] | readonly (readonly string[])[]): string[][] {
  if (!Array.isArray(hypotheses)) throw new Error(`${who}: hypotheses must be an array of strings, got ${typeof hypotheses}`);
  if (!Array.isArray(references)) throw new Error(`${who}: references must be an array of strings or an array of reference streams, got ${typeof references}`);
  const N = hypotheses.length;
  if (N === 0) throw new Error(`${who}: there are no hypotheses`);
  hypotheses.forEach((h, i) => {
    if (typeof h !== 'string') throw new Error(`${who}: hypotheses[${i}] must be a string, got ${typeof h}`);
  });
  const given = references as readonly unknown[];
  let streams: readonly (readonly string[])[];
  if (given.every((r) => typeof r === 'string')) {
    if (given.length !== N) throw new Error(`${who}: there are ${N} hypotheses but ${given.length} references (one reference per hypothesis, or reference streams references[k][i])`);
    streams = [given as readonly string[]];
  } else if (given.every((r) => Array.isArray(r))) {
    streams = given as readonly (readonly string[])[];
    streams.forEach((stream, k) => {
      if (stream.length !== N) throw new Error(`${who}: reference stream ${k} has ${stream.length} lines but there are ${N} hypotheses (references[k][i] is the k-th reference of hypothesis i)`);
      stream.forEach((r, i) => {
        if (typeof r !== 'string') throw new Error(`${who}: references[${k}][${i}] must be a string, got ${typeof r}`);
      });
    });
  } else {
    throw new Error(`${who}: references must be all strings (one stream) or all arrays (reference streams), got a mixture`);
  }
  return hypotheses.map((_, i) => {
    const refs = streams.map((s) => s[i]!).filter((r) => r !== '');
    if (refs.length === 0) throw new Error(`${who}: hypothesis ${i} has only empty references`);
    return refs;
  });
}

/** The maximum n-gram order of BLEU. */
export const BLEU_MAX_ORDER = 4;

export interface BleuOptions {
  /** Lowercase hypotheses and references before tokenizing (sacreBLEU `-lc`). Default false. */
  lowercase?: boolean;
}

export interface BleuScore {
  /** BLEU in 0..100: `bp · exp((1/4) Σₙ log pₙ)` with the precisions pₙ in percent. */
  score: number;
  /** pₙ in percent, n = 1..4: `100 · counts[n] / totals[n]`, or with 'exp' smoothing `100 / (2ᵏ · totals[n])`
   * for the k-th order that has no match. */
  precisions: number[];
  /** Brevity penalty: 1 if sysLen ≥ refLen, else `exp(1 - refLen / sysLen)`, and 0 when sysLen is 0. */
  bp: number;
  /** Tokens in all hypotheses. */
  sysLen: number;
  /** Σ over hypotheses of the length of the reference closest in length to it (ties: the shorter). */
  refLen: number;
  /** Clipped n-gram matches per order: Σ over n-grams of min(count in hypothesis, max count in one reference). */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
}

/** `log x`, with log 0 floored to -9999999999 as sacreBLEU's `my_log` does (a zero precision makes BLEU 0). */
const flooredLog = (x: number) => (x === 0 ? -9999999999 : Math.log(x));

/**
 * BLEU from corpus statistics, as sacreBLEU's `compute_bleu` with 'exp' smoothing (mteval-v13a's
 * NIST smoothing, Chen & Cherry 2014 method 3): no match at all gives 0; an order with no
 * hypothesis n-grams stops the loop and leaves its precision (and so BLEU) at 0; the k-th order
 * with hypothesis n-grams but no match gets `100 / (2ᵏ · total)`.
 */
function bleuFromStatistics(counts: number[], totals: number[], sysLen: number, refLen: number): BleuScore {
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(BLEU_MAX_ORDER).fill(0);
  const result = { precisions, bp, sysLen, refLen, counts, totals };
  if (counts.every((c) => c === 0)) return { score: 0, ...result };
  let smooth = 1;
  for (let n = 0; n < BLEU_MAX_ORDER; n++) {
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * totals[n]!);
    } else {
      precisions[n] = (100 * counts[n]!) / totals[n]!;
    }
  }
  let logSum = 0;
  for (const p of precisions) logSum += flooredLog(p);
  return { score: bp * Math.exp(logSum / BLEU_MAX_ORDER), ...result };
}

/** The reference length closest to the hypothesis length; of two equally close, the shorter. */
function closestReferenceLength(hypLen: number, refLens: readonly number[]): number {
  let best = refLens[0]!;
  for (const len of refLens) {
    const d = Math.abs(hypLen - len), bestD = Math.abs(hypLen - best);
    if (d < bestD || (d === bestD && len < best)) best = len;
  }
  return best;
}

/**
 * Corpus BLEU (Papineni et al. 2002) as sacreBLEU's `corpus_bleu` defaults compute it: each line
 * lowercased (if asked), right-stripped and 13a-tokenized; per hypothesis, n-gram matches clipped
 * by the largest count of that n-gram in any one of its references, and the reference length
 * closest to its length; all summed over the corpus, then
 * `BLEU = bp · exp((1/4) Σₙ₌₁..₄ log pₙ)` (see `BleuScore` for pₙ and bp).
 *
 * `references` is one reference per hypothesis (`string[]`), or reference streams (`string[][]`,
 * `references[k][i]` the k-th reference of hypothesis i). Lengths that differ throw.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly string[] | readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  const refsPer = referencesPerHypothesis('corpusBleu', hypotheses, references);
  const prepare = (line: string) => {
    const s = options.lowercase ? line.toLowerCase() : line;
    return pySplit(tokenize13a(pyRstrip(s)));
  };
  const counts = new Array<number>(BLEU_MAX_ORDER).fill(0);
  const totals = new Array<number>(BLEU_MAX_ORDER).fill(0);
  let sysLen = 0, refLen = 0;
  hypotheses.forEach((hypothesis, i) => {
    const refTokens = refsPer[i]!.map(prepare);
    // Per n-gram, the largest count in any one reference.
    const refMax = new Array(BLEU_MAX_ORDER).fill(null).map(() => new Map<string, number>());
    for (const tokens of refTokens) {
      ngramCounts(tokens, BLEU_MAX_ORDER, ' ').forEach((m, n) => {
        for (const [g, c] of m) refMax[n]!.set(g, Math.max(refMax[n]!.get(g) ?? 0, c));
      });
    }
    const hypTokens = prepare(hypothesis);
    ngramCounts(hypTokens, BLEU_MAX_ORDER, ' ').forEach((m, n) => {
      const { matches, total } = clippedMatches(m, refMax[n]!);
      counts[n] += matches;
      totals[n] += total;
    });
    sysLen += hypTokens.length;
    refLen += closestReferenceLength(hypTokens.length, refTokens.map((t) => t.length));
  });
  return bleuFromStatistics(counts, totals, sysLen, refLen);
}

export interface ChrfOptions {
  /** Character n-gram orders 1..charOrder. Default 6. */
  charOrder?: number;
  /** Recall weighs beta times as much as precision. Default 2 (chrF2). */
  beta?: number;
  /** Lowercase hypotheses and references first. Default false. */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams. Default false: all whitespace is removed first. */
  whitespace?: boolean;
}

export interface ChrfScore {
  /** chrF in 0..100: `100 · (1 + β²) P R / (β² P + R)`, 0 when P + R = 0. */
  score: number;
  /** P in percent: the mean over the effective orders of matches[n] / hypNgrams[n]. */
  precision: number;
  /** R in percent: the mean over the effective orders of matches[n] / refNgrams[n]. */
  recall: number;
  /** Hypothesis character n-grams per order, summed over the corpus. A segment whose reference has
   * no n-grams of an order contributes 0 here for that order (as sacreBLEU counts). */
  hypNgrams: number[];
  /** Reference character n-grams per order (of the reference chosen for each hypothesis). */
  refNgrams: number[];
  /** Clipped matches per order: Σ min(count in hypothesis, count in reference). */
  matches: number[];
  /** Orders with hypNgrams > 0 and refNgrams > 0, over which P and R are averaged. */
  effectiveOrder: number;
}

interface ChrfStatistics {
  hyp: number[];
  ref: number[];
  match: number[];
}

/**
 * chrF from (summed) statistics, as sacreBLEU's `_compute_f_score` without eps smoothing (its
 * default): P and R are averaged over the orders where both the hypothesis and the reference
 * have n-grams (orders missing on either side are left out rather than counted as 0), then
 * combined once into F_β.
 */
function chrfFromStatistics(s: ChrfStatistics, beta: number): Omit<ChrfScore, 'hypNgrams' | 'refNgrams' | 'matches'> {
  const factor = beta ** 2;
  let avgPrecision = 0, avgRecall = 0, effectiveOrder = 0;
  for (let n = 0; n < s.hyp.length; n++) {
    if (s.hyp[n]! > 0 && s.ref[n]! > 0) {
      avgPrecision += s.match[n]! / s.hyp[n]!;
      avgRecall += s.match[n]! / s.ref[n]!;
      effectiveOrder++;
    }
  }
  if (effectiveOrder > 0) {
    avgPrecision /= effectiveOrder;
    avgRecall /= effectiveOrder;
  }
  const score = avgPrecision + avgRecall === 0 ? 0 : 100 * (((1 + factor) * avgPrecision * avgRecall) / (factor * avgPrecision + avgRecall));
  return { score, precision: 100 * avgPrecision, recall: 100 * avgRecall, effectiveOrder };
}

/**
 * Corpus chrF (Popović 2015) as sacreBLEU's `corpus_chrf` defaults compute it: character
 * n-grams of orders 1..6 (code points, whitespace removed), per hypothesis the [hypothesis,
 * reference, match] counts against the one reference whose own chrF is highest (the first on
 * ties), summed over the corpus, then P and R averaged over orders and `F_β` with β = 2.
 * Unlike BLEU, no tokenization. `references` as in `corpusBleu`.
 */
export function corpusChrf(hypotheses: readonly string[], references: readonly string[] | readonly (readonly string[])[], options: ChrfOptions = {}): ChrfScore {
  const charOrder = options.charOrder ?? 6, beta = options.beta ?? 2;
  if (!Number.isInteger(charOrder) || charOrder < 1) throw new Error(`corpusChrf: charOrder must be a positive integer, got ${charOrder}`);
  if (!Number.isFinite(beta) || beta < 0) throw new Error(`corpusChrf: beta must be a finite number >= 0, got ${beta}`);
  const refsPer = referencesPerHypothesis('corpusChrf', hypotheses, references);
  const ngrams = (line: string) => {
    const s = options.lowercase ? line.toLowerCase() : line;
    return ngramCounts(Array.from(options.whitespace ? s : pySplit(s).join('')), charOrder, '');
  };
  const total: ChrfStatistics = { hyp: new Array<number>(charOrder).fill(0), ref: new Array<number>(charOrder).fill(0), match: new Array<number>(charOrder).fill(0) };
  hypotheses.forEach((hypothesis, i) => {
    const hyp = ngrams(hypothesis);
    let best: ChrfStatistics | undefined, bestScore = -1;
    for (const reference of refsPer[i]!) {
      const s: ChrfStatistics = { hyp: [], ref: [], match: [] };
      ngrams(reference).forEach((ref, n) => {
        const { matches, total: hypTotal } = clippedMatches(hyp[n]!, ref);
        // sacreBLEU counts no hypothesis n-grams of an order the reference lacks.
        s.hyp.push(ref.size > 0 ? hypTotal : 0);
        let refTotal = 0;
        for (const c of ref.values()) refTotal += c;
        s.ref.push(refTotal);
        s.match.push(matches);
      });
      const { score } = chrfFromStatistics(s, beta);
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    for (let n = 0; n < charOrder; n++) {
      total.hyp[n] += best!.hyp[n]!;
      total.ref[n] += best!.ref[n]!;
      total.match[n] += best!.match[n]!;
    }
  });
  return { ...chrfFromStatistics(total, beta), hypNgrams: total.hyp, refNgrams: total.ref, matches: total.match };
}
