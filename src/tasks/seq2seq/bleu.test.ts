import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusBleu, corpusChrf, tokenize13a } from './bleu.js';

const near = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const nearAll = (a: number[], b: number[]) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => near(x, b[i]!));
};

test('tokenize13a: punctuation split off; "3.5", "1,000" and word-internal hyphens kept; a hyphen after a digit split', () => {
  assert.equal(tokenize13a('Hello, world!'), 'Hello , world !');
  // A period or comma stays when a digit is on that side: inside numbers, not at the end of one.
  assert.equal(tokenize13a('It costs 3.5 dollars, or 1,000 cents.'), 'It costs 3.5 dollars , or 1,000 cents .');
  assert.equal(tokenize13a('It rose 5.'), 'It rose 5 .');
  assert.equal(tokenize13a('.5 and e.g.'), '. 5 and e . g .');
  // '-' is not in the symbol class: it is split off only after a digit, once per match.
  assert.equal(tokenize13a('a well-known fact'), 'a well-known fact');
  assert.equal(tokenize13a('wait--what'), 'wait--what');
  assert.equal(tokenize13a('pages 10-20, a 3.5-inch disk'), 'pages 10 - 20 , a 3.5 - inch disk');
  assert.equal(tokenize13a('1--2'), '1 - -2');
  // Apostrophes stay; brackets, $, %, quotes, slashes and the like are split off.
  assert.equal(tokenize13a("isn't (really) $5/50% \"odd\"?"), 'isn\'t ( really ) $ 5 / 50 % " odd " ?');
});

test('tokenize13a: <skipped>, "-\\n" joins, newlines, HTML entities, Python whitespace', () => {
  assert.equal(tokenize13a('<skipped>a well-\nknown\nfact'), 'a wellknown fact');
  assert.equal(tokenize13a('&quot;Hi&quot; &amp; bye &lt;3 &gt;'), '" Hi " & bye < 3 >');
  assert.equal(tokenize13a('&amp;lt;'), '<'); // &amp; is decoded before &lt;
  // Python's str.split(): NBSP, ideographic space and U+001C split; U+FEFF does not.
  assert.equal(tokenize13a('a\u00a0b\u3000c\u001cd'), 'a b c d');
  assert.equal(tokenize13a('\ufeffx'), '\ufeffx');
  assert.equal(tokenize13a('  \t '), '');
});

// Corpus: two segments, one reference each.
//   1. hyp "the cat is on the mat"    ref "the cat sat on the mat"
//   2. hyp "A dog runs, quickly."     ref "A dog runs quickly."
//      13a: hyp "A dog runs , quickly ." (6 tokens), ref "A dog runs quickly ." (5 tokens)
//
//   order  segment 1 matches / hyp n-grams          segment 2 matches / hyp n-grams            sum
//   1      the×2 cat on mat = 5 / 6 (not: is)        A dog runs quickly . = 5 / 6 (not: ,)      10 / 12
//   2      the cat, on the, the mat = 3 / 5          A dog, dog runs, quickly . = 3 / 5          6 / 10
//   3      on the mat = 1 / 4                        A dog runs = 1 / 4                          2 / 8
//   4      0 / 3                                     0 / 3                                       0 / 6
// sysLen 12, refLen 6 + 5 = 11, so bp = 1. Order 4 has no match: the first such order gets
// 'exp' smoothing 1 / (2¹ · 6). BLEU = 100 · (10/12 · 6/10 · 2/8 · 1/12)^(1/4) = 100 · (1/96)^(1/4) ≈ 31.95.
test('corpusBleu: hand-worked two-segment corpus, with exp smoothing of the unmatched 4-grams', () => {
  const r = corpusBleu(['the cat is on the mat', 'A dog runs, quickly.'], ['the cat sat on the mat', 'A dog runs quickly.']);
  assert.deepEqual(r.counts, [10, 6, 2, 0]);
  assert.deepEqual(r.totals, [12, 10, 8, 6]);
  assert.equal(r.sysLen, 12);
  assert.equal(r.refLen, 11);
  assert.equal(r.bp, 1);
  nearAll(r.precisions, [1000 / 12, 60, 25, 100 / 12]);
  near(r.score, 100 * (1 / 96) ** 0.25);
});

// hyp "the dog barked at night", ref "the dog slept at noon":
//   1-grams the dog at = 3 / 5; 2-grams "the dog" = 1 / 4; 3-grams 0 / 3; 4-grams 0 / 2.
// Orders 3 and 4 are the 1st and 2nd without a match: p3 = 100 / (2 · 3), p4 = 100 / (4 · 2).
// BLEU = 100 · (3/5 · 1/4 · 1/6 · 1/8)^(1/4) = 100 · (1/320)^(1/4) ≈ 23.64.
test('corpusBleu: exp smoothing doubles its divisor for each further order without a match', () => {
  const r = corpusBleu(['the dog barked at night'], ['the dog slept at noon']);
  assert.deepEqual(r.counts, [3, 1, 0, 0]);
  assert.deepEqual(r.totals, [5, 4, 3, 2]);
  nearAll(r.precisions, [60, 25, 100 / 6, 12.5]);
  near(r.score, 100 * (1 / 320) ** 0.25);
});

// hyp "the cat sat on the" (5 tokens), ref "the cat sat on the mat" (6): every n-gram matches
// (5/5, 4/4, 3/3, 2/2), bp = exp(1 - 6/5), BLEU = 100 · exp(-0.2) ≈ 81.87.
test('corpusBleu: brevity penalty exp(1 - refLen / sysLen) when the hypotheses are shorter', () => {
  const r = corpusBleu(['the cat sat on the'], ['the cat sat on the mat']);
  assert.deepEqual(r.counts, [5, 4, 3, 2]);
  nearAll(r.precisions, [100, 100, 100, 100]);
  near(r.bp, Math.exp(-0.2));
  near(r.score, 100 * Math.exp(-0.2));
});

// hyp "the cat" has no 3- or 4-grams: sacreBLEU stops at the first order with no hypothesis
// n-grams and leaves p3 = p4 = 0, so BLEU is 0 although p1 = p2 = 100; bp = exp(1 - 6/2).
test('corpusBleu: a corpus with no 3-grams scores 0 (no smoothing for orders with no n-grams)', () => {
  const r = corpusBleu(['the cat'], ['the cat sat on the mat']);
  assert.deepEqual(r.counts, [2, 1, 0, 0]);
  assert.deepEqual(r.totals, [2, 1, 0, 0]);
  assert.deepEqual(r.precisions, [100, 100, 0, 0]);
  near(r.bp, Math.exp(-2));
  assert.equal(r.score, 0);
});

test('corpusBleu: a perfect match scores 100', () => {
  const lines = ['The quick brown fox jumps over the lazy dog.', 'Prices rose 3.5% to $1,000 in 2023 -- a record.'];
  const r = corpusBleu(lines, lines);
  nearAll(r.precisions, [100, 100, 100, 100]);
  assert.equal(r.bp, 1);
  assert.equal(r.sysLen, r.refLen);
  near(r.score, 100);
  // Lines are right-stripped before tokenizing, so a final "-\n" is not joined to nothing.
  near(corpusBleu(['one two three four-\n'], ['one two three four-']).score, 100);
});

test('corpusBleu: an empty hypothesis scores 0 with BP 0', () => {
  const r = corpusBleu([''], ['the cat sat']);
  assert.equal(r.score, 0);
  assert.equal(r.bp, 0);
  assert.equal(r.sysLen, 0);
  assert.equal(r.refLen, 3);
  assert.deepEqual(r.counts, [0, 0, 0, 0]);
  assert.deepEqual(r.totals, [0, 0, 0, 0]);
  assert.deepEqual(r.precisions, [0, 0, 0, 0]);
});

// hyp "the cat is on the mat"; references (two streams, one segment):
//   A "the cat sat on the mat" (6 tokens), B "there is a cat on the mat" (7 tokens).
// Clipping uses each n-gram's largest count in one reference: "the" 2 (A), "is" 1 (B).
//   1-grams the×2 cat is on mat = 6 / 6
//   2-grams "the cat" (A), "on the", "the mat" = 3 / 5 (not "cat is", "is on")
//   3-grams "on the mat" = 1 / 4;  4-grams 0 / 3 → p4 = 100 / (2 · 3)
// refLen = 6 (closest to 6). BLEU = 100 · (1 · 3/5 · 1/4 · 1/6)^(1/4) = 100 · (1/40)^(1/4) ≈ 39.76,
// above the 37.99 of reference A alone (100 · (5/6 · 3/5 · 1/4 · 1/6)^(1/4)).
test('corpusBleu: several references (streams references[k][i]) clip by the largest count in one reference', () => {
  const r = corpusBleu(['the cat is on the mat'], [['the cat sat on the mat'], ['there is a cat on the mat']]);
  assert.deepEqual(r.counts, [6, 3, 1, 0]);
  assert.deepEqual(r.totals, [6, 5, 4, 3]);
  assert.equal(r.refLen, 6);
  near(r.score, 100 * (1 / 40) ** 0.25);
  near(corpusBleu(['the cat is on the mat'], ['the cat sat on the mat']).score, 100 * ((5 / 6) * (3 / 5) * (1 / 4) * (1 / 6)) ** 0.25);
});

test('corpusBleu: effective reference length is the closest, the shorter on ties; empty references are dropped', () => {
  // 4 hypothesis tokens; references of 3 and 5 tokens are equally close: 3 is taken, in either order.
  assert.equal(corpusBleu(['one two three four'], [['one two three'], ['one two three four five']]).refLen, 3);
  assert.equal(corpusBleu(['one two three four'], [['one two three four five'], ['one two three']]).refLen, 3);
  // An empty reference means "no reference here", not a reference of length 0 (which would be closer to 1).
  assert.equal(corpusBleu(['one'], [['one two three'], ['']]).refLen, 3);
  // Over a corpus the closest lengths add up: 3 (segment 1) + 1 (segment 2, only one reference).
  assert.equal(corpusBleu(['one two three four', 'x'], [['one two three', 'y'], ['one two three four five', '']]).refLen, 4);
});

// Case-sensitive by default: "The Cat sat on the mat" vs "the cat sat on the mat" matches
//   1-grams sat on the mat = 4 / 6; 2-grams sat on, on the, the mat = 3 / 5;
//   3-grams sat on the, on the mat = 2 / 4; 4-grams sat on the mat = 1 / 3
// BLEU = 100 · (4/6 · 3/5 · 2/4 · 1/3)^(1/4) = 100 · (1/15)^(1/4) ≈ 50.81; lowercased, 100.
test('corpusBleu: case-sensitive by default; lowercase: true ignores case', () => {
  const hyp = ['The Cat sat on the mat'], ref = ['the cat sat on the mat'];
  const cased = corpusBleu(hyp, ref);
  assert.deepEqual(cased.counts, [4, 3, 2, 1]);
  near(cased.score, 100 * (1 / 15) ** 0.25);
  near(corpusBleu(hyp, ref, { lowercase: true }).score, 100);
});

test('corpusBleu: mismatched or malformed inputs throw, naming the problem', () => {
  assert.throws(() => corpusBleu(['a', 'b'], ['a']), /corpusBleu: there are 2 hypotheses but 1 references/);
  assert.throws(() => corpusBleu(['a', 'b'], [['a', 'b'], ['a']]), /corpusBleu: reference stream 1 has 1 lines but there are 2 hypotheses/);
  assert.throws(() => corpusBleu([], []), /corpusBleu: there are no hypotheses/);
  assert.throws(() => corpusBleu(['a'], [['']]), /corpusBleu: hypothesis 0 has only empty references/);
  assert.throws(() => corpusBleu(['a'], ['a', ['a']] as unknown as string[]), /corpusBleu: references must be all strings \(one stream\) or all arrays/);
  assert.throws(() => corpusBleu(['a', undefined] as unknown as string[], ['a', 'b']), /corpusBleu: hypotheses\[1\] must be a string, got undefined/);
});

// chrF, whitespace removed. Segment 1: hyp "the cat" → "thecat", ref "the cats" → "thecats".
//   Every hypothesis n-gram is in the reference (a prefix of it):
//   order      1  2  3  4  5  6
//   hyp        6  5  4  3  2  1
//   ref        7  6  5  4  3  2
//   match      6  5  4  3  2  1
// P = 1, R = (6/7 + 5/6 + 4/5 + 3/4 + 2/3 + 1/2) / 6 ≈ 0.7345, chrF2 = 100 · 5PR / (4P + R) ≈ 77.57.
const R1 = (6 / 7 + 5 / 6 + 4 / 5 + 3 / 4 + 2 / 3 + 1 / 2) / 6;
const f = (P: number, R: number, beta = 2) => (100 * (1 + beta ** 2) * P * R) / (beta ** 2 * P + R);

test('corpusChrf: hand-worked single pair, whitespace removed from the character n-grams', () => {
  const r = corpusChrf(['the cat'], ['the cats']);
  assert.deepEqual(r.hypNgrams, [6, 5, 4, 3, 2, 1]);
  assert.deepEqual(r.refNgrams, [7, 6, 5, 4, 3, 2]);
  assert.deepEqual(r.matches, [6, 5, 4, 3, 2, 1]);
  assert.equal(r.effectiveOrder, 6);
  near(r.precision, 100);
  near(r.recall, 100 * R1);
  near(r.score, f(1, R1));
});

// hyp "dog", ref "dogs": orders 1..3 have (hyp, ref, match) = (3,4,3), (2,3,2), (1,2,1); order 4
// has no hypothesis n-gram (0,1,0) and orders 5, 6 none at all, so the averages run over 3 orders:
// P = 1, R = (3/4 + 2/3 + 1/2) / 3, chrF2 ≈ 68.86 (counting the missing orders as 0 would give less).
test('corpusChrf: orders the hypothesis or the reference lacks are left out of the averages', () => {
  const r = corpusChrf(['dog'], ['dogs']);
  assert.deepEqual(r.hypNgrams, [3, 2, 1, 0, 0, 0]);
  assert.deepEqual(r.refNgrams, [4, 3, 2, 1, 0, 0]);
  assert.equal(r.effectiveOrder, 3);
  near(r.score, f(1, (3 / 4 + 2 / 3 + 1 / 2) / 3));
});

// Corpus = segment 1 above + segment 2: hyp "a dog" → "adog", ref "dog".
//   segment 2: order 1 (4,3,3) a d o g vs d o g; order 2 (3,2,2) ad do og vs do og;
//   order 3 (2,1,1) ado dog vs dog; order 4: the reference has no 4-gram, and sacreBLEU then
//   counts the hypothesis's "adog" as 0, not 1: (0,0,0); orders 5, 6 (0,0,0).
// Sums:  order      1   2   3   4   5   6
//        hyp       10   8   6   3   2   1
//        ref       10   8   6   4   3   2
//        match      9   7   5   3   2   1
// P = (9/10 + 7/8 + 5/6 + 1 + 1 + 1) / 6, R = (9/10 + 7/8 + 5/6 + 3/4 + 2/3 + 1/2) / 6, chrF2 ≈ 78.45.
const P12 = (9 / 10 + 7 / 8 + 5 / 6 + 1 + 1 + 1) / 6;
const R12 = (9 / 10 + 7 / 8 + 5 / 6 + 3 / 4 + 2 / 3 + 1 / 2) / 6;

test('corpusChrf: statistics summed over the corpus, then averaged over orders once', () => {
  const r = corpusChrf(['the cat', 'a dog'], ['the cats', 'dog']);
  assert.deepEqual(r.hypNgrams, [10, 8, 6, 3, 2, 1]);
  assert.deepEqual(r.refNgrams, [10, 8, 6, 4, 3, 2]);
  assert.deepEqual(r.matches, [9, 7, 5, 3, 2, 1]);
  near(r.precision, 100 * P12);
  near(r.recall, 100 * R12);
  near(r.score, f(P12, R12));
});

// Per segment, the reference whose own chrF is highest is used (not a merge as in BLEU):
//   "the cat": "the cats" scores 77.57, "a dog" ≈ 5.7 (only 'a' matches) → "the cats";
//   "a dog": "the cat" ≈ 4.5, "dog" ≈ 89.84 (P = (3/4 + 2/3 + 1/2) / 3, R = 1) → "dog".
// So the statistics, and the score, are those of the corpus above.
test('corpusChrf: several references: each hypothesis is scored against its best reference', () => {
  const r = corpusChrf(['the cat', 'a dog'], [['the cats', 'the cat'], ['a dog', 'dog']]);
  assert.deepEqual(r.hypNgrams, [10, 8, 6, 3, 2, 1]);
  assert.deepEqual(r.refNgrams, [10, 8, 6, 4, 3, 2]);
  near(r.score, f(P12, R12));
  near(corpusChrf(['a dog'], ['dog']).score, f((3 / 4 + 2 / 3 + 1 / 2) / 3, 1));
  near(corpusChrf(['the cat'], [['a dog'], ['the cat']]).score, 100);
});

test('corpusChrf: a perfect match scores 100, an empty hypothesis 0', () => {
  assert.equal(corpusChrf(['the cat sat.', 'Prices rose 3.5%'], ['the cat sat.', 'Prices rose 3.5%']).score, 100);
  const empty = corpusChrf([''], ['the cat']);
  assert.equal(empty.score, 0);
  assert.equal(empty.effectiveOrder, 0);
  assert.deepEqual(empty.hypNgrams, [0, 0, 0, 0, 0, 0]);
});

test('corpusChrf options: beta, charOrder, whitespace and lowercase each change the score as worked out', () => {
  // beta 1 weighs precision and recall alike: 100 · 2PR / (P + R).
  near(corpusChrf(['the cat'], ['the cats'], { beta: 1 }).score, f(1, R1, 1));
  // charOrder 2: only orders 1 and 2.
  near(corpusChrf(['the cat'], ['the cats'], { charOrder: 2 }).score, f(1, (6 / 7 + 5 / 6) / 2));
  // whitespace kept: "the cat" (7 characters) is a prefix of "the cats" (8): hyp 7..2, ref 8..3, all matched.
  near(corpusChrf(['the cat'], ['the cats'], { whitespace: true }).score, f(1, (7 / 8 + 6 / 7 + 5 / 6 + 4 / 5 + 3 / 4 + 2 / 3) / 6));
  assert.ok(corpusChrf(['The Cat'], ['the cat']).score < 100);
  assert.equal(corpusChrf(['The Cat'], ['the cat'], { lowercase: true }).score, 100);
  // Characters are code points: an astral character is one unigram, not two.
  assert.deepEqual(corpusChrf(['a😀'], ['a😀']).hypNgrams, [2, 1, 0, 0, 0, 0]);
});

test('corpusChrf: bad options and mismatched inputs throw, naming the problem', () => {
  assert.throws(() => corpusChrf(['a'], ['a'], { charOrder: 0 }), /corpusChrf: charOrder must be a positive integer, got 0/);
  assert.throws(() => corpusChrf(['a'], ['a'], { beta: -1 }), /corpusChrf: beta must be a finite number >= 0, got -1/);
  assert.throws(() => corpusChrf(['a', 'b'], ['a', 'b', 'c']), /corpusChrf: there are 2 hypotheses but 3 references/);
  assert.throws(() => corpusChrf(['a', 'b'], [['a'], ['b']]), /corpusChrf: reference stream 0 has 1 lines but there are 2 hypotheses/);
});
