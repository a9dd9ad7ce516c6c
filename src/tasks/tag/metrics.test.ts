import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkMetrics, extractChunks, isChunkScheme, taggingMetrics } from './metrics.js';

const near = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const spans = (tags: string[]) => extractChunks(tags).map((c) => `${c.type}[${c.start},${c.end})`);

// seqeval's README example.
//   gold 0: O O O B-MISC I-MISC I-MISC O    chunks MISC [3,6)
//   pred 0: O O B-MISC I-MISC I-MISC I-MISC O   chunks MISC [2,6): wrong start, not correct
//   gold 1: B-PER I-PER O                   chunks PER [0,2)
//   pred 1: B-PER I-PER O                   chunks PER [0,2): correct
// gold 2, predicted 2, correct 1: precision 1/2, recall 1/2, F1 1/2.
// MISC: gold 1, predicted 1, correct 0 -> 0 / 0 / 0.   PER: 1, 1, 1 -> 1 / 1 / 1.
// Tokens: 10, wrong at sentence 0 positions 2 (O vs B-MISC) and 3 (B-MISC vs I-MISC): accuracy 8/10
// (seqeval's accuracy_score gives 0.80 too).
const readmeGold = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
const readmePred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];

test('chunkMetrics: the seqeval README example gives 0.5 / 0.5 / 0.5, MISC 0 and PER 1', () => {
  assert.deepEqual(spans(readmeGold[0]!), ['MISC[3,6)']);
  assert.deepEqual(spans(readmePred[0]!), ['MISC[2,6)']);
  const m = chunkMetrics(readmeGold, readmePred);
  assert.deepEqual(
    { p: m.precision, r: m.recall, f1: m.f1, gold: m.gold, predicted: m.predicted, correct: m.correct },
    { p: 0.5, r: 0.5, f1: 0.5, gold: 2, predicted: 2, correct: 1 },
  );
  assert.deepEqual(m.perType, [
    { type: 'MISC', precision: 0, recall: 0, f1: 0, gold: 1, predicted: 1, correct: 0 },
    { type: 'PER', precision: 1, recall: 1, f1: 1, gold: 1, predicted: 1, correct: 1 },
  ]);
});

test('taggingMetrics: the README example also has token accuracy 0.8 and chunk metrics (NER tags)', () => {
  const m = taggingMetrics(readmeGold, readmePred);
  assert.equal(m.tokens, 10);
  assert.equal(m.correct, 8);
  near(m.accuracy, 0.8);
  assert.ok(m.chunks);
  assert.equal(m.chunks.f1, 0.5);
  // Per tag: O gold 5 / predicted 4 / correct 4; I-MISC gold 2 / predicted 3 / correct 2.
  const byTag = Object.fromEntries(m.perTag.map((t) => [t.tag, t]));
  assert.deepEqual(m.perTag.map((t) => t.tag), ['B-MISC', 'B-PER', 'I-MISC', 'I-PER', 'O']);
  assert.deepEqual([byTag['O']!.support, byTag['O']!.predicted, byTag['O']!.recall], [5, 4, 0.8]);
  near(byTag['I-MISC']!.precision, 2 / 3);
  assert.equal(byTag['B-MISC']!.f1, 0);
});

test('extractChunks: an I- after O (or at the start of a sentence) starts a chunk, as in IOB1', () => {
  // i0 I-NP after the implicit O: O→I starts.  i2 O: I→O ends NP [0,2).
  // i3 I-VP after O: starts.  End of sentence (an implicit O): I→O ends VP [3,4).
  assert.deepEqual(spans(['I-NP', 'I-NP', 'O', 'I-VP']), ['NP[0,2)', 'VP[3,4)']);
  // IOB1: B- only where a chunk follows one of the same type.
  assert.deepEqual(spans(['I-NP', 'I-NP', 'B-NP', 'O']), ['NP[0,2)', 'NP[2,3)']);
});

test('extractChunks: a type change inside I- tags ends one chunk and starts another', () => {
  // i1 I-LOC after I-PER: type change ends PER [0,1) and starts LOC.
  // i3 B-LOC after I-LOC: I→B ends LOC [1,3), B starts.
  // i4 I-ORG after B-LOC: type change ends LOC [3,4), starts ORG; the sentence end closes ORG [4,5).
  assert.deepEqual(spans(['I-PER', 'I-LOC', 'I-LOC', 'B-LOC', 'I-ORG']), ['PER[0,1)', 'LOC[1,3)', 'LOC[3,4)', 'ORG[4,5)']);
  // A predicted chunk with the gold span but another type is not correct.
  const m = chunkMetrics([['B-PER', 'I-PER']], [['B-ORG', 'I-ORG']]);
  assert.deepEqual([m.gold, m.predicted, m.correct, m.f1], [1, 1, 0, 0]);
  // Types may hold hyphens (conlleval 2004-01-26 splits at the first '-').
  assert.deepEqual(spans(['B-DATE-TIME', 'I-DATE-TIME']), ['DATE-TIME[0,2)']);
});

test('extractChunks: IOBES with S- and E-', () => {
  //  i  tag      end?                       start?
  //  0  S-PER    -                          S starts
  //  1  B-LOC    after S: ends PER [0,1)    B starts
  //  2  I-LOC    B→I same type: no          no
  //  3  E-LOC    I→E same type: no          no
  //  4  S-LOC    after E: ends LOC [1,4)    S starts
  //  5  E-LOC    after S: ends LOC [4,5)    S→E starts
  //  6  O        after E: ends LOC [5,6)    no
  //  7  E-ORG    -                          O→E starts
  //  8  I-ORG    after E: ends ORG [7,8)    E→I starts
  //  (end)       I→O: ends ORG [8,9)
  assert.deepEqual(spans(['S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC', 'E-LOC', 'O', 'E-ORG', 'I-ORG']),
    ['PER[0,1)', 'LOC[1,4)', 'LOC[4,5)', 'LOC[5,6)', 'ORG[7,8)', 'ORG[8,9)']);
  // E-X B-X: seqeval ends at every E and starts at every B, so two chunks (conlleval.pl, which
  // lists neither E→B as an end nor as a start, would merge them into one).
  assert.deepEqual(spans(['B-X', 'E-X', 'B-X', 'E-X']), ['X[0,2)', 'X[2,4)']);
  // Chunk scores on IOBES: gold PER [0,1), LOC [2,4); predicted PER [0,1), LOC [2,3), LOC [3,4).
  // correct 1 (PER): precision 1/3, recall 1/2, F1 = 2·(1/3)(1/2)/(5/6) = 2/5.
  const m = chunkMetrics([['S-PER', 'O', 'B-LOC', 'E-LOC']], [['S-PER', 'O', 'S-LOC', 'S-LOC']]);
  assert.deepEqual([m.gold, m.predicted, m.correct], [2, 3, 1]);
  near(m.precision, 1 / 3);
  near(m.recall, 1 / 2);
  near(m.f1, 2 / 5);
  assert.deepEqual(m.perType.map((t) => [t.type, t.gold, t.predicted, t.correct, t.f1]), [['LOC', 1, 2, 0, 0], ['PER', 1, 1, 1, 1]]);
});

test('extractChunks: BILOU reads L as E and U as S', () => {
  // U-PER O B-ORG I-ORG L-ORG U-ORG L-LOC = S-PER O B-ORG I-ORG E-ORG S-ORG E-LOC:
  //   PER [0,1); ORG [2,5) closed after L; ORG [5,6) (U); L-LOC after U: ends ORG, S→E starts LOC [6,7).
  const bilou = ['U-PER', 'O', 'B-ORG', 'I-ORG', 'L-ORG', 'U-ORG', 'L-LOC'];
  const iobes = ['S-PER', 'O', 'B-ORG', 'I-ORG', 'E-ORG', 'S-ORG', 'E-LOC'];
  assert.deepEqual(spans(bilou), ['PER[0,1)', 'ORG[2,5)', 'ORG[5,6)', 'LOC[6,7)']);
  assert.deepEqual(extractChunks(bilou), extractChunks(iobes));
  assert.equal(taggingMetrics([bilou], [bilou]).chunks?.f1, 1);
});

// A small part-of-speech example (UPOS tags):
//   sentence 0  gold DET NOUN VERB           pred DET VERB VERB          unseen . x .
//   sentence 1  gold PRON VERB ADV PUNCT     pred PRON VERB ADJ PUNCT    unseen . x x .
// 7 tokens, wrong: NOUN→VERB (0,1) and ADV→ADJ (1,2): 5 correct, accuracy 5/7.
// Unseen tokens (0,1) wrong, (1,1) right, (1,2) wrong: 3 tokens, accuracy 1/3.
// Per tag (gold count, predicted count, correct -> precision, recall, F1):
//   ADJ   0 1 0 -> 0, 0, 0        (no gold ADJ: recall 0 by zero_division=0)
//   ADV   1 0 0 -> 0, 0, 0
//   DET   1 1 1 -> 1, 1, 1
//   NOUN  1 0 0 -> 0, 0, 0
//   PRON  1 1 1 -> 1, 1, 1
//   PUNCT 1 1 1 -> 1, 1, 1
//   VERB  2 3 2 -> 2/3, 1, 2·(2/3)·1 / (5/3) = 4/5
// macro-F1 over the 7 tags in gold or predictions = (0 + 0 + 1 + 0 + 1 + 1 + 4/5) / 7 = 3.8 / 7.
const posGold = [['DET', 'NOUN', 'VERB'], ['PRON', 'VERB', 'ADV', 'PUNCT']];
const posPred = [['DET', 'VERB', 'VERB'], ['PRON', 'VERB', 'ADJ', 'PUNCT']];
const posUnseen = [[false, true, false], [false, true, true, false]];

test('taggingMetrics: token accuracy and unseen-word accuracy with a mask (POS example)', () => {
  const m = taggingMetrics(posGold, posPred, posUnseen);
  assert.deepEqual([m.tokens, m.correct, m.unseenTokens], [7, 5, 3]);
  near(m.accuracy, 5 / 7);
  near(m.unseenAccuracy, 1 / 3);
  assert.equal(m.chunks, undefined, 'UPOS tags are not chunk tags');
  // Without a mask there are no unseen tokens, and their accuracy is NaN.
  const noMask = taggingMetrics(posGold, posPred);
  assert.equal(noMask.unseenTokens, 0);
  assert.ok(Number.isNaN(noMask.unseenAccuracy));
  // No tokens at all: accuracies and macro-F1 are NaN, not 0.
  const empty = taggingMetrics([[]], [[]]);
  assert.deepEqual([empty.tokens, empty.perTag.length, empty.chunks], [0, 0, undefined]);
  assert.ok(Number.isNaN(empty.accuracy) && Number.isNaN(empty.macroF1));
});

test('taggingMetrics: per-tag precision / recall / F1 and macro-F1 on the POS example, by hand', () => {
  const m = taggingMetrics(posGold, posPred, posUnseen);
  const rows = m.perTag.map((t) => [t.tag, t.support, t.predicted, t.precision, t.recall]);
  assert.deepEqual(rows, [
    ['ADJ', 0, 1, 0, 0],
    ['ADV', 1, 0, 0, 0],
    ['DET', 1, 1, 1, 1],
    ['NOUN', 1, 0, 0, 0],
    ['PRON', 1, 1, 1, 1],
    ['PUNCT', 1, 1, 1, 1],
    ['VERB', 2, 3, 2 / 3, 1],
  ]);
  const f1 = m.perTag.map((t) => t.f1);
  assert.deepEqual(f1.slice(0, 6), [0, 0, 1, 0, 1, 1]);
  near(f1[6]!, 4 / 5);
  near(m.macroF1, 3.8 / 7);
});

test('isChunkScheme: IOB, IOBES and BILOU tags are; part-of-speech tags and all-O are not', () => {
  assert.equal(isChunkScheme(['O', 'B-PER', 'I-PER']), true);
  assert.equal(isChunkScheme(['I-NP', 'I-VP']), true);
  assert.equal(isChunkScheme(['S-LOC', 'B-ORG', 'E-ORG', 'O']), true);
  assert.equal(isChunkScheme(['U-PER', 'B-ORG', 'L-ORG']), true);
  assert.equal(isChunkScheme(new Set(['B-DATE-TIME'])), true);
  // UPOS and Penn tags, even ones that look like a prefix letter, are not chunk tags.
  assert.equal(isChunkScheme(['NOUN', 'VERB', 'ADJ', 'PUNCT', 'X']), false);
  assert.equal(isChunkScheme(['NN', 'VBZ', 'PRP$', '-LRB-']), false);
  assert.equal(isChunkScheme(['B-PER', 'NOUN']), false, 'one non-chunk tag is enough');
  assert.equal(isChunkScheme(['O', 'O']), false, 'at least one tag must not be O');
  assert.equal(isChunkScheme([]), false);
  assert.equal(isChunkScheme(['B-']), false, 'the type must not be empty');
  assert.equal(isChunkScheme(['B', 'I']), false);
  assert.equal(isChunkScheme(['M-PER']), false);
  assert.equal(isChunkScheme(['b-per']), false);
});

test('shape errors name the sentence and both lengths', () => {
  assert.throws(() => taggingMetrics([['DET'], ['NOUN']], [['DET']]), /2 gold sentences but 1 predicted sentences/);
  assert.throws(() => taggingMetrics([['DET'], ['NOUN', 'VERB']], [['DET'], ['NOUN']]), /sentence 1 has 2 gold tags but 1 predicted tags/);
  assert.throws(() => taggingMetrics([['DET']], [['DET']], []), /1 gold sentences but 0 sentences in the unseen mask/);
  assert.throws(() => taggingMetrics([['DET', 'NOUN']], [['DET', 'NOUN']], [[true, false, true]]), /sentence 0 has 2 gold tags but 3 unseen flags/);
  assert.throws(() => chunkMetrics([['B-PER'], ['O', 'O', 'O']], [['B-PER'], ['O']]), /chunkMetrics: sentence 1 has 3 gold tags but 1 predicted tags/);
  assert.throws(() => chunkMetrics([], [['O']]), /chunkMetrics: 0 gold sentences but 1 predicted sentences/);
});
