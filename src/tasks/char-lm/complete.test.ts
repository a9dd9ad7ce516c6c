// Autocomplete: the next words are the model's most likely allowed words with their exact
// probabilities; a typed prefix keeps only the words it starts; beam search over two words finds
// the brute-force best pair; a character model completes the word being typed with the
// probability of its letters and the boundary that ends it; clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../../autograd/tape.js';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { Tokenizer } from '../../data/tokenizer.js';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { complete } from './complete.js';
import type { LoadedLm } from './evaluate.js';
import { CharVocabulary, type LmVocabulary, WordVocabulary } from './vocab.js';

const backend = new ReferenceBackend();

function lmOver(vocab: LmVocabulary, seed: number): LoadedLm {
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: vocab.size, embeddingDim: 6 }, cell: 'gru', hiddenSize: 8, outputSize: vocab.size }, { rng: new Rng(seed) });
  // Larger output weights: a peaked distribution, so that the ranking is decided.
  for (const x of [model.head.weight, model.head.bias!]) for (let i = 0; i < x.size; i++) x.data[i]! *= 6;
  return { model, vocab };
}

/** log P(symbols | context ids) under the model, by feeding them one by one. */
function logProbOf(lm: LoadedLm, context: number[], symbols: number[]): number {
  const ids = [...context, ...symbols];
  const { logits } = lm.model.forward(Tape.inference(backend), new IntTensor(Int32Array.from(ids), [ids.length, 1]));
  const V = lm.vocab.size;
  let total = 0;
  for (let i = 0; i < symbols.length; i++) {
    const row = logits.data.subarray((context.length - 1 + i) * V, (context.length + i) * V);
    const top = Math.max(...row);
    const lz = top + Math.log(row.reduce((a, v) => a + Math.exp(v - top), 0));
    total += row[symbols[i]!]! - lz;
  }
  return total;
}

const words = new WordVocabulary(Tokenizer.fit(['the cat sat on the mat , then the cat ran to the man and the map .'], { level: 'word' }));
const ids = (s: string) => words.split(s).map((w) => words.idOf(w)!);
const isWord = (id: number) => !/^\[[A-Z]+\]$/.test(words.symbol(id));

test('complete (words): the most likely next words with their exact probabilities, reserved tokens never suggested', () => {
  const lm = lmOver(words, 3);
  const r = complete(lm, backend, 'the cat ', { topK: 4 });
  const want = [...Array(words.size).keys()].filter(isWord).map((v) => ({ v, lp: logProbOf(lm, ids('the cat'), [v]) })).sort((a, b) => b.lp - a.lp).slice(0, 4);
  assert.deepEqual(r.completions.map((c) => c.text), want.map((w) => words.symbol(w.v)));
  r.completions.forEach((c, i) => assert.ok(Math.abs(c.probability - Math.exp(want[i]!.lp)) < 1e-6, `${c.text}: ${c.probability} vs ${Math.exp(want[i]!.lp)}`));
  assert.equal(r.prefix, '');
});

test('complete (words): a typed prefix keeps the words it starts, ranked by their probability after the words before it', () => {
  const lm = lmOver(words, 4);
  const r = complete(lm, backend, 'the cat sat on the ma', { topK: 5 });
  assert.equal(r.prefix, 'ma');
  const want = ['mat', 'man', 'map'].map((w) => ({ w, lp: logProbOf(lm, ids('the cat sat on the'), [words.idOf(w)!]) })).sort((a, b) => b.lp - a.lp);
  assert.deepEqual(r.completions.map((c) => c.text), want.map((x) => x.w.slice(2)));
  r.completions.forEach((c, i) => assert.ok(Math.abs(c.probability - Math.exp(want[i]!.lp)) < 1e-6));
});

test('complete (words): beam search over two words finds the brute-force best pairs', () => {
  const lm = lmOver(words, 5);
  const r = complete(lm, backend, 'the ', { topK: 40, words: 2 }); // a beam wider than the vocabulary: exact
  const all: { pair: number[]; lp: number }[] = [];
  for (let a = 0; a < words.size; a++) for (let b = 0; b < words.size; b++) if (isWord(a) && isWord(b)) all.push({ pair: [a, b], lp: logProbOf(lm, ids('the'), [a, b]) });
  all.sort((x, y) => y.lp - x.lp);
  assert.ok(words.size < 40);
  for (let i = 0; i < 5; i++) {
    assert.equal(r.completions[i]!.text, words.join(all[i]!.pair.map((v) => words.symbol(v))));
    assert.ok(Math.abs(r.completions[i]!.probability - Math.exp(all[i]!.lp)) < 1e-6);
  }
  const narrow = complete(lm, backend, 'the ', { topK: 3, words: 2 });
  assert.equal(narrow.completions.length, 3);
  assert.ok(narrow.completions.every((c, i) => i === 0 || c.probability <= narrow.completions[i - 1]!.probability));
});

test('complete (characters): the rest of the word being typed, with the probability of its letters and of any boundary ending it', () => {
  const chars = new CharVocabulary(CharTokenizer.fromText('abc .'));
  const lm = lmOver(chars, 6);
  const r = complete(lm, backend, 'ab ca', { topK: 20, maxWordChars: 3 }); // 'ca' typed: at most one more letter
  assert.equal(r.prefix, 'ca');
  const cid = (s: string) => [...s].map((c) => chars.idOf(c)!);
  const ctx = cid('ab ca');
  // Brute force: no letter or one letter, then a space or a full stop; each completion's probability sums its two endings.
  const want = ['', 'a', 'b', 'c'].map((w) => ({ w, p: [' ', '.'].reduce((acc, end) => acc + Math.exp(logProbOf(lm, ctx, cid(w + end))), 0) })).sort((x, y) => y.p - x.p);
  assert.deepEqual(r.completions.map((c) => c.text), want.map((x) => x.w));
  r.completions.forEach((c, i) => assert.ok(Math.abs(c.probability - want[i]!.p) < 1e-6, `${c.text}: ${c.probability} vs ${want[i]!.p}`));
});

test('complete: clear errors', () => {
  const lm = lmOver(words, 7);
  assert.throws(() => complete(lm, backend, '   '), /the text is empty; type a few words to complete/);
  assert.throws(() => complete(lm, backend, 'the ', { topK: 0 }), /topK must be an integer from 1 to 100, got 0/);
  assert.throws(() => complete(lm, backend, 'the ', { words: 51 }), /words must be an integer from 1 to 50, got 51/);
});
