import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EOS, GO, PAD, makeBatch, run } from './encoder-decoder.js';

test('encoder-decoder: batches are right-padded, decoder input is <go> + reversed, target reversed + <eos>', () => {
  const b = makeBatch([[3, 4, 5], [6, 7]]);
  assert.deepEqual(b.src.shape, [3, 2]);
  assert.deepEqual(b.src.toArray(), [3, 6, 4, 7, 5, PAD]); // time-major [T, B]
  assert.deepEqual(b.srcLengths, [3, 2]);
  assert.deepEqual(b.decIn.toArray(), [GO, GO, 5, 7, 4, 6, 3, PAD]);
  assert.deepEqual(b.decOut.toArray(), [5, 7, 4, 6, 3, EOS, EOS, PAD]);
  assert.deepEqual(b.decLengths, [4, 3]);
});

test('encoder-decoder: a GRU seq2seq learns to reverse held-out sequences of 3..8 tokens', async () => {
  const r = await run({ steps: 400, batchSize: 32, testSize: 500, seed: 1 });
  assert.ok(r.chance < 1e-2, `chance ${r.chance}`);
  assert.ok(r.exactMatch > 0.85, `exact match ${r.exactMatch}`);
  for (const { length, exactMatch } of r.byLength) {
    if (length <= 5) assert.ok(exactMatch > 0.95, `length ${length}: ${exactMatch}`);
  }
  // Greedy decoding chose its own output lengths: they differ across the batch.
  const lengths = new Set(r.examples.map((e) => e.decoded.split(' ').length));
  assert.ok(lengths.size > 1, `decoded lengths ${[...lengths]}`);
});
