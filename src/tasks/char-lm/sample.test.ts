import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { createBackend } from '../../kernels/index.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { Rng } from '../../random/rng.js';
import { generateText } from './generate.js';
import { drawIndex, samplingDistribution, sampleToken } from './sample.js';

const logits = [2.0, 1.0, 0.5, -1.0, 3.0, 0.0];
const softmax = (l: number[], t = 1) => {
  const m = Math.max(...l);
  const e = l.map((v) => Math.exp((v - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('samplingDistribution: temperature is softmax(logits / T); 0 is greedy (one-hot argmax)', () => {
  close(samplingDistribution(logits), softmax(logits));
  close(samplingDistribution(logits, { temperature: 0.5 }), softmax(logits, 0.5));
  close(samplingDistribution(logits, { temperature: 2 }), softmax(logits, 2));
  close(samplingDistribution(logits, { temperature: 0 }), [0, 0, 0, 0, 1, 0]);
  close(samplingDistribution([1, 5, 5], { temperature: 0 }), [0, 1, 0]); // ties: lowest index
});

test('samplingDistribution: top-k keeps the k most likely, top-p the smallest set reaching p, renormalised', () => {
  const p = softmax(logits); // order: 4 (0.60), 0 (0.22), 1 (0.08), 2 (0.05), 5 (0.03), 3 (0.01)
  const k2 = samplingDistribution(logits, { topK: 2 });
  close(k2, [p[0]! / (p[0]! + p[4]!), 0, 0, 0, p[4]! / (p[0]! + p[4]!), 0]);
  assert.equal([...samplingDistribution(logits, { topK: 3 })].filter((v) => v > 0).length, 3);
  // p[4] + p[0] = 0.826 < 0.85 <= p[4] + p[0] + p[1] = 0.907: three tokens
  const nucleus = samplingDistribution(logits, { topP: 0.85 });
  assert.deepEqual([...nucleus].map((v) => v > 0), [true, true, false, false, true, false]);
  close(nucleus, [p[0]!, p[1]!, 0, 0, p[4]!, 0].map((v) => v / (p[0]! + p[1]! + p[4]!)));
  assert.deepEqual([...samplingDistribution(logits, { topP: 0.1 })].map((v) => v > 0), [false, false, false, false, true, false]);
  // both: top-p applies to the top-k distribution
  assert.deepEqual([...samplingDistribution(logits, { topK: 2, topP: 0.99 })].map((v) => v > 0), [true, false, false, false, true, false]);
  assert.throws(() => samplingDistribution(logits, { topK: 0 }), /topK must be an integer >= 1, got 0/);
  assert.throws(() => samplingDistribution(logits, { topP: 0 }), /topP must be in \(0, 1\], got 0/);
  assert.throws(() => samplingDistribution(logits, { temperature: -1 }), /temperature must be a finite number >= 0/);
});

test('drawIndex: empirical frequencies match the distribution and never leave its support', () => {
  const p = samplingDistribution(logits, { topK: 4, temperature: 1.3 });
  const rng = new Rng(7);
  const n = 40_000;
  const counts = new Array<number>(p.length).fill(0);
  for (let i = 0; i < n; i++) counts[drawIndex(p, rng)]!++;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) { assert.equal(counts[i], 0, `index ${i} is outside the support`); continue; }
    const sd = Math.sqrt(n * p[i]! * (1 - p[i]!));
    assert.ok(Math.abs(counts[i]! - n * p[i]!) < 5 * sd, `index ${i}: ${counts[i]} draws, expected ${n * p[i]!}`);
  }
  const a = new Rng(3), b = new Rng(3);
  for (let i = 0; i < 100; i++) assert.equal(sampleToken(logits, {}, a), sampleToken(logits, {}, b));
});

test('generateText: greedy is deterministic and draws nothing; same seed, same text; top-k 1 is greedy', async () => {
  const backend = await createBackend('wasm', { threads: 1 });
  const tok = CharTokenizer.fromText('abcdefgh \n');
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: tok.size, embeddingDim: 4 }, cell: 'gru', hiddenSize: 8, outputSize: tok.size }, { rng: new Rng(2) }).to(backend);
  const rng = new Rng(1);
  const greedy = generateText(model, tok, backend, { prime: 'ab', length: 40, temperature: 0, rng });
  assert.equal(generateText(model, tok, backend, { prime: 'ab', length: 40, temperature: 0, rng: new Rng(99) }), greedy);
  assert.deepEqual(rng.state(), new Rng(1).state(), 'greedy decoding draws no random numbers');
  assert.equal(generateText(model, tok, backend, { prime: 'ab', length: 40, topK: 1, rng: new Rng(5) }), greedy);
  const s1 = generateText(model, tok, backend, { prime: 'ab', length: 60, rng: new Rng(11) });
  assert.equal(generateText(model, tok, backend, { prime: 'ab', length: 60, rng: new Rng(11) }), s1);
  assert.notEqual(generateText(model, tok, backend, { prime: 'ab', length: 60, rng: new Rng(12) }), s1);
  assert.equal(s1.length, 60);
  assert.throws(() => generateText(model, tok, backend, { prime: 'abz', length: 5, rng }), /the prime contains a character outside the vocabulary of 10: 'z' at position 2/);
});

test('generateText never draws the unknown symbol U+FFFD, nor the ids in `never`', async () => {
  const backend = await createBackend('wasm', { threads: 1 });
  const tok = CharTokenizer.fit('abcdefgh \n');
  const unk = tok.unknownId!;
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: tok.size, embeddingDim: 4 }, cell: 'gru', hiddenSize: 8, outputSize: tok.size, tieWeights: false }, { rng: new Rng(2) }).to(backend);
  // Make U+FFFD the most likely next character everywhere: a large output bias.
  const bias = new Map(model.namedParameters()).get('head.bias')!;
  const b = bias.toArray();
  b[unk] = 50;
  bias.data.set(b);
  const text = generateText(model, tok, backend, { prime: 'ab', length: 200, rng: new Rng(3) });
  assert.equal(text.length, 200);
  assert.ok(!text.includes('\uFFFD'), text);
  assert.ok(!generateText(model, tok, backend, { prime: 'ab', length: 50, temperature: 0, rng: new Rng(3) }).includes('\uFFFD'), 'greedy too');
  // Given explicitly, `never` replaces the default: here U+FFFD is allowed and 'a' is not.
  const a = tok.encode('a')[0]!;
  const other = generateText(model, tok, backend, { prime: 'ab', length: 50, temperature: 0, rng: new Rng(3), never: [a] });
  assert.ok(other.includes('\uFFFD') && !other.includes('a'), other);
});
