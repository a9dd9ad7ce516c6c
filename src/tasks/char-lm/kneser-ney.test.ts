import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { type KneserNeyDiscounts, KneserNeyTrigram, modifiedKneserNeyDiscounts } from './kneser-ney.js';

const near = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;
const prob = (m: KneserNeyTrigram, u: number, v: number, w: number) => Math.exp(m.logProb(u, v, w));

/**
 * A stream over words 0..7 of a vocabulary of 12 (8..11 never occur): mostly a second-order rule
 * next = (2a + b + 1) mod 8, sometimes a random word, so that contexts repeat and branch.
 */
function smallCorpus(rng: Rng, n: number): Int32Array {
  const ids = new Int32Array(n);
  ids[0] = 1; ids[1] = 2;
  for (let i = 2; i < n; i++) ids[i] = rng.uniform() < 0.3 ? rng.int(8) : (2 * ids[i - 2]! + ids[i - 1]! + 1) % 8;
  return ids;
}

test('probabilities sum to 1 over the vocabulary in every kind of context; never-seen words keep non-zero probability', () => {
  const V = 12, ids = smallCorpus(new Rng(11), 300);
  const seen = (u: number, v: number) => ids.some((_, i) => i + 2 < ids.length && ids[i] === u && ids[i + 1] === v);
  const contexts: [string, number, number][] = [
    ['seen trigram context', ids[3]!, ids[4]!],
    ['seen bigram, unseen trigram context', 10, ids[4]!], // word 10 never occurs
    ['unseen context', 10, 11],
    ['one word of context', -1, ids[4]!],
    ['one unseen word of context', -1, 11],
    ['no context', -1, -1],
  ];
  assert.ok(seen(ids[3]!, ids[4]!) && !seen(10, ids[4]!));
  for (const [label, model] of [['modified', KneserNeyTrigram.fit(ids, V)], ['fixed 0.75', KneserNeyTrigram.fit(ids, V, { discount: 0.75 })]] as const) {
    assert.equal(model.vocabSize, V);
    for (const [name, u, v] of contexts) {
      let sum = 0;
      for (let w = 0; w < V; w++) {
        const p = prob(model, u, v, w);
        assert.ok(p > 0 && Number.isFinite(p), `${label}, ${name}: P(${w}) = ${p}`);
        sum += p;
      }
      assert.ok(near(sum, 1, 1e-9), `${label}, ${name}: sums to ${sum}`);
    }
    // An unseen context passes the lower order through unchanged.
    for (let w = 0; w < V; w++) {
      assert.equal(model.logProb(10, ids[4]!, w), model.logProb(-1, ids[4]!, w));
      assert.equal(model.logProb(-1, 11, w), model.logProb(-1, -1, w));
    }
  }
  // The corpus is large enough for the modified discounts at the trigram order.
  const d = KneserNeyTrigram.fit(ids, V).discounts[2];
  assert.ok(d[0] !== 0.75 && d[0] < d[1] && d[1] < d[2], `${d}`);
});

test('hand-worked example: "a b a b c" with a fixed discount of 0.75, V = 4 (d never occurs)', () => {
  const [a, b, c, d] = [0, 1, 2, 3];
  const model = KneserNeyTrigram.fit(Int32Array.of(a, b, a, b, c), 4, { discount: 0.75 });
  assert.deepEqual(model.discounts, [[0.75, 0.75, 0.75], [0.75, 0.75, 0.75], [0.75, 0.75, 0.75]]);
  // Trigrams: c(a b a) = c(b a b) = c(a b c) = 1. Contexts: "a b" total 2 (types a, c); "b a" total 1 (type b).
  // Bigram continuation counts N1+(• v w), the stream's start counting as a left context:
  //   (a b): start, b  -> 2;   (b a): a -> 1;   (b c): a -> 1.
  //   context a: total 2, 1 type;   context b: total 2, 2 types.
  // Unigram continuation counts N1+(• w): a: start, b -> 2;  b: a -> 1;  c: b -> 1;  d: 0. Total 4, 3 types.
  // Unigram: γ = 0.75 · 3 / 4 = 0.5625, spread uniformly: 0.5625 / 4 = 0.140625.
  //   P(a) = (2 - 0.75) / 4 + 0.140625 = 0.3125 + 0.140625 = 0.453125
  //   P(b) = P(c) = (1 - 0.75) / 4 + 0.140625 = 0.203125;   P(d) = 0.140625.   Sum: 1.
  assert.ok(near(prob(model, -1, -1, a), 0.453125));
  assert.ok(near(prob(model, -1, -1, b), 0.203125));
  assert.ok(near(prob(model, -1, -1, c), 0.203125));
  assert.ok(near(prob(model, -1, -1, d), 0.140625));
  // Bigram: P(b | a) = (2 - 0.75) / 2 + (0.75 · 1 / 2) · P(b) = 0.625 + 0.375 · 0.203125 = 0.701171875
  assert.ok(near(prob(model, -1, a, b), 0.701171875));
  //         P(c | b) = (1 - 0.75) / 2 + (0.75 · 2 / 2) · P(c) = 0.125 + 0.75 · 0.203125 = 0.27734375
  assert.ok(near(prob(model, -1, b, c), 0.27734375));
  // Trigram: P(c | a b) = (1 - 0.75) / 2 + (0.75 · 2 / 2) · P(c | b) = 0.125 + 0.75 · 0.27734375 = 0.3330078125
  assert.ok(near(prob(model, a, b, c), 0.3330078125));
  // Unseen trigram "b a a": P(a | b a) = 0 + (0.75 · 1 / 1) · P(a | a), and
  //   P(a | a) = 0 + (0.75 · 1 / 2) · P(a) = 0.375 · 0.453125 = 0.169921875, so 0.75 · 0.169921875 = 0.12744140625.
  assert.ok(near(prob(model, b, a, a), 0.12744140625));
  // evaluate: the first prediction uses one word of context, the rest two.
  const held = Int32Array.of(a, b, c);
  const r = model.evaluate(held);
  const nats = -(Math.log(0.701171875) + Math.log(0.3330078125)) / 2;
  assert.equal(r.predictions, 2);
  assert.ok(near(r.nats, nats) && near(r.perplexity, Math.exp(nats)), JSON.stringify(r));
});

test('modified discounts from counts of counts (Chen & Goodman eq. 26), with the 0.75 fallback', () => {
  // n1..n4 = 12, 4, 2, 1: Y = 12 / (12 + 8) = 0.6; D1 = 1 - 2 · 0.6 · 4/12 = 0.6;
  // D2 = 2 - 3 · 0.6 · 2/4 = 1.1; D3+ = 3 - 4 · 0.6 · 1/2 = 1.8.
  const close = (got: KneserNeyDiscounts | null, want: number[]) => got !== null && got.every((v, k) => near(v, want[k]!, 1e-14));
  assert.ok(close(modifiedKneserNeyDiscounts(12, 4, 2, 1), [0.6, 1.1, 1.8]));
  // 10, 4, 2, 1: Y = 5/9; D1 = 1 - 4/9 = 5/9; D2 = 2 - 5/6 = 7/6; D3+ = 3 - 10/9 = 17/9.
  assert.ok(close(modifiedKneserNeyDiscounts(10, 4, 2, 1), [5 / 9, 7 / 6, 17 / 9]));
  assert.equal(modifiedKneserNeyDiscounts(6, 7, 0, 0), null); // a count of counts is zero
  assert.equal(modifiedKneserNeyDiscounts(3, 2, 1, 0), null);
  assert.equal(modifiedKneserNeyDiscounts(7, 1, 1, 1), null); // D2 = 2 - 3 · 7/9 = -1/3

  // A stream of runs of distinct words: 4 runs of length 4 (words 0-3), 2 of length 5 (4, 5),
  // 1 of length 6 (6); word 7 never occurs. Trigram counts: (t t t) = length - 2, i.e. 2, 2, 2,
  // 2, 3, 3, 4, and at each of the 6 boundaries s|t, (s s t) = (s t t) = 1: n1..n4 = 12, 4, 2, 1.
  const runs = [4, 4, 4, 4, 5, 5, 6];
  const ids = Int32Array.from(runs.flatMap((length, t) => new Array<number>(length).fill(t)));
  const model = KneserNeyTrigram.fit(ids, 8);
  assert.ok(close(model.discounts[2], [0.6, 1.1, 1.8]), `${model.discounts[2]}`);
  // Bigram continuation counts: (t t) has left contexts t and the previous word (or the start): 2,
  // seven times; (s t) has s: 1, six times. n3 = 0, so the bigram order falls back to 0.75; so does
  // the unigram order (every word has left contexts itself and its predecessor: seven 2s).
  assert.deepEqual(model.discounts[1], [0.75, 0.75, 0.75]);
  assert.deepEqual(model.discounts[0], [0.75, 0.75, 0.75]);
  // P(6 | 6 6): context "6 6" holds only (6 6 6), count 4 (>= 3: D3+ = 1.8), so γ = 1.8 / 4;
  // context "6" holds only (6 6), continuation count 2: P(6 | 6) = (2 - 0.75) / 2 + (0.75 / 2) P(6);
  // P(6) = (2 - 0.75) / 14 + (0.75 · 7 / 14) / 8.
  const p1 = 1.25 / 14 + (0.75 * 7 / 14) / 8;
  const p2 = 1.25 / 2 + (0.75 / 2) * p1;
  assert.ok(near(prob(model, 6, 6, 6), (4 - 1.8) / 4 + (1.8 / 4) * p2));
  // A fixed discount replaces all nine.
  assert.deepEqual(KneserNeyTrigram.fit(ids, 8, { discount: 0.5 }).discounts, [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
});

/**
 * The model's probabilities recomputed from the definitions with string keys and sets of left
 * contexts (the start of the stream a left context "^"), given the model's discounts.
 */
function naiveProbability(ids: Int32Array, V: number, discounts: readonly KneserNeyDiscounts[], u: number, v: number, w: number): number {
  const D = (order: number, a: number) => (a === 0 ? 0 : discounts[order]![Math.min(a, 3) - 1]!);
  const lefts = new Map<string, Set<string>>(), tri = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const left = i > 0 ? String(ids[i - 1]) : '^';
    const add = (key: string) => { if (!lefts.has(key)) lefts.set(key, new Set()); lefts.get(key)!.add(left); };
    add(`${ids[i]}`);
    if (i + 1 < ids.length) add(`${ids[i]},${ids[i + 1]}`);
    if (i + 2 < ids.length) { const k = `${ids[i]},${ids[i + 1]},${ids[i + 2]}`; tri.set(k, (tri.get(k) ?? 0) + 1); }
  }
  const a1 = (x: number) => lefts.get(`${x}`)?.size ?? 0;
  const a2 = (y: number, x: number) => lefts.get(`${y},${x}`)?.size ?? 0;
  const a3 = (z: number, y: number, x: number) => tri.get(`${z},${y},${x}`) ?? 0;
  const level = (order: number, a: (x: number) => number, lower: number) => {
    let total = 0, mass = 0;
    for (let x = 0; x < V; x++) { total += a(x); mass += D(order, a(x)); }
    return total === 0 ? lower : (a(w) - D(order, a(w))) / total + (mass / total) * lower;
  };
  let p = level(0, a1, 1 / V);
  if (v >= 0) p = level(1, (x) => a2(v, x), p);
  if (u >= 0) p = level(2, (x) => a3(u, v, x), p);
  return p;
}

test('logProb matches a naive recomputation from the definitions for every context and word', () => {
  const V = 7, ids = new Int32Array(120);
  const rng = new Rng(5);
  for (let i = 0; i < ids.length; i++) ids[i] = i >= 2 && rng.uniform() < 0.6 ? (ids[i - 2]! + 2 * ids[i - 1]!) % 5 : rng.int(6); // word 6 unseen
  for (const model of [KneserNeyTrigram.fit(ids, V), KneserNeyTrigram.fit(ids, V, { discount: 0.6 })]) {
    for (let u = -1; u < V; u++) for (let v = u === -1 ? -1 : 0; v < V; v++) for (let w = 0; w < V; w++) {
      const want = naiveProbability(ids, V, model.discounts, u, v, w);
      assert.ok(near(prob(model, u, v, w), want, 1e-13), `P(${w} | ${u} ${v}) = ${prob(model, u, v, w)}, naive ${want}`);
    }
  }
});

test('held-out text from the training process has lower perplexity than the same words shuffled', () => {
  // A second-order process over 40 words: next = (3a + b) mod 40 with probability 0.85, else random.
  const V = 40, rng = new Rng(2024);
  const stream = (n: number) => {
    const ids = new Int32Array(n);
    ids[0] = rng.int(V); ids[1] = rng.int(V);
    for (let i = 2; i < n; i++) ids[i] = rng.uniform() < 0.85 ? (3 * ids[i - 2]! + ids[i - 1]!) % V : rng.int(V);
    return ids;
  };
  const model = KneserNeyTrigram.fit(stream(20000), V);
  const held = stream(2000);
  const shuffled = held.slice();
  for (let i = shuffled.length - 1; i > 0; i--) { const j = rng.int(i + 1); [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]; }
  const same = model.evaluate(held), other = model.evaluate(shuffled);
  assert.equal(same.predictions, 1999);
  assert.ok(near(same.perplexity, Math.exp(same.nats)));
  // The process's entropy: 0.85 + 0.15/40 on the rule's word, 0.15/40 on each of the other 39.
  const pRule = 0.85 + 0.15 / V, pOther = 0.15 / V;
  const entropy = -(pRule * Math.log(pRule) + (V - 1) * pOther * Math.log(pOther));
  assert.ok(same.nats > entropy - 0.05 && same.nats < entropy + 0.25, `held-out ${same.nats} nats, process entropy ${entropy}`);
  assert.ok(other.perplexity > 5 * same.perplexity, `same process ${same.perplexity}, shuffled ${other.perplexity}`);
  assert.ok(other.perplexity > V * 0.8, `shuffled ${other.perplexity}`); // about uniform at best
});

test('fits a word-level sized stream: 220,000 tokens over a 10,000-word vocabulary', () => {
  const V = 10000, n = 220000, rng = new Rng(9);
  // Zipf-like words (rank r with weight 1 / (r + 1)) with a little local structure.
  const cdf = new Float64Array(V);
  for (let r = 0, s = 0; r < V; r++) { s += 1 / (r + 1); cdf[r] = s; }
  const zipf = () => { const x = rng.uniform() * cdf[V - 1]!; let lo = 0, hi = V - 1; while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid]! < x) lo = mid + 1; else hi = mid; } return lo; };
  const ids = new Int32Array(n + 20000);
  for (let i = 0; i < ids.length; i++) ids[i] = i >= 1 && rng.uniform() < 0.3 ? (ids[i - 1]! * 7 + 1) % V : zipf();
  const t0 = performance.now();
  const model = KneserNeyTrigram.fit(ids.subarray(0, n), V);
  const r = model.evaluate(ids.subarray(n));
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(Number.isFinite(r.perplexity) && r.perplexity > 1 && r.perplexity < V, JSON.stringify(r));
  let sum = 0;
  for (let w = 0; w < V; w++) sum += prob(model, ids[n - 2]!, ids[n - 1]!, w);
  assert.ok(near(sum, 1, 1e-9), `sums to ${sum}`);
  assert.ok(seconds < 20, `fit + evaluate took ${seconds.toFixed(2)} s`); // about 0.5 s on one core; the bound is for loaded machines
});

test('errors name the function and the bad value', () => {
  const ids = Int32Array.of(0, 1, 2, 1, 0);
  assert.throws(() => KneserNeyTrigram.fit(ids, 0), /KneserNeyTrigram\.fit: vocabSize must be an integer >= 1, got 0/);
  assert.throws(() => KneserNeyTrigram.fit(ids, 2.5), /vocabSize must be an integer >= 1, got 2\.5/);
  assert.throws(() => KneserNeyTrigram.fit(ids, 300000), /vocabSize 300000 is too large/);
  assert.throws(() => KneserNeyTrigram.fit(Int32Array.of(0, 1), 3), /KneserNeyTrigram\.fit: the training stream needs at least 3 tokens to count a trigram, got 2/);
  assert.throws(() => KneserNeyTrigram.fit(ids, 2), /KneserNeyTrigram\.fit: id 2 at position 2 is outside \[0, 2\)/);
  assert.throws(() => KneserNeyTrigram.fit(Int32Array.of(0, -1, 1), 2), /id -1 at position 1 is outside \[0, 2\)/);
  assert.throws(() => KneserNeyTrigram.fit(ids, 3, { discount: 0 }), /KneserNeyTrigram\.fit: discount must be in \(0, 1\], got 0/);
  assert.throws(() => KneserNeyTrigram.fit(ids, 3, { discount: 1.5 }), /discount must be in \(0, 1\], got 1\.5/);
  const model = KneserNeyTrigram.fit(ids, 3);
  assert.throws(() => model.logProb(0, 1, 3), /KneserNeyTrigram\.logProb: next is 3, outside \[0, 3\)/);
  assert.throws(() => model.logProb(0, -2, 1), /KneserNeyTrigram\.logProb: prev1 is -2, outside \[0, 3\) and not -1/);
  assert.throws(() => model.logProb(3, 1, 1), /KneserNeyTrigram\.logProb: prev2 is 3, outside \[0, 3\) and not -1/);
  assert.throws(() => model.logProb(1, -1, 1), /KneserNeyTrigram\.logProb: prev2 is 1 but prev1 is -1/);
  assert.throws(() => model.evaluate(Int32Array.of(1)), /KneserNeyTrigram\.evaluate: need at least 2 ids to make a prediction, got 1/);
  assert.throws(() => model.evaluate(Int32Array.of(1, 5)), /KneserNeyTrigram\.evaluate: id 5 at position 1 is outside \[0, 3\)/);
});
