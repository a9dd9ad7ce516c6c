import { test } from 'node:test';
import assert from 'node:assert/strict';
import { padSequences, truncateSequences } from './padding.js';

const rows = (ids: Int32Array, T: number) => Array.from({ length: ids.length / T }, (_, n) => Array.from(ids.subarray(n * T, (n + 1) * T)));

test('padSequences: post padding to the longest by default, true lengths', () => {
  const out = padSequences([[5, 6, 7], [8], []]);
  assert.equal(out.length, 3);
  assert.deepEqual(rows(out.ids, 3), [[5, 6, 7], [8, 0, 0], [0, 0, 0]]);
  assert.deepEqual(Array.from(out.lengths), [3, 1, 0]);
  assert.equal(out.truncated, 0);
});

test('padSequences: pre padding, value, and truncation at either end', () => {
  const seqs = [Int32Array.of(1, 2, 3, 4, 5), [6, 7]];
  const pre = padSequences(seqs, { maxLength: 3, padding: 'pre', value: 9 });
  assert.deepEqual(rows(pre.ids, 3), [[1, 2, 3], [9, 6, 7]]);
  assert.deepEqual(Array.from(pre.lengths), [3, 2]);
  assert.equal(pre.truncated, 1);
  const cutPre = padSequences(seqs, { maxLength: 3, truncating: 'pre' });
  assert.deepEqual(rows(cutPre.ids, 3), [[3, 4, 5], [6, 7, 0]]);
  const both = padSequences(seqs, { maxLength: 4, truncating: 'pre', padding: 'pre' });
  assert.deepEqual(rows(both.ids, 4), [[2, 3, 4, 5], [0, 0, 6, 7]]);
  const wide = padSequences(seqs, { maxLength: 7 });
  assert.equal(wide.length, 7);
  assert.deepEqual(rows(wide.ids, 7)[1], [6, 7, 0, 0, 0, 0, 0]);
  assert.equal(padSequences([]).length, 0);
});

test('padSequences: one-line errors', () => {
  assert.throws(() => padSequences([[1]], { maxLength: 0 }), { message: 'padSequences: maxLength must be a positive integer, got 0' });
  assert.throws(() => padSequences([[1]], { padding: 'left' as 'pre' }), { message: `padSequences: padding must be 'pre' or 'post', got "left"` });
  assert.throws(() => padSequences([[1], [2, 2.5]]), { message: 'padSequences: sequences[1][1] = 2.5 is not an integer id' });
  assert.throws(() => padSequences([[1]], { value: 0.5 }), /value must be a 32-bit integer, got 0.5/);
});

test('truncateSequences: ids and feature vectors cut at whole steps, from either end; short ones returned as they are', () => {
  const short = Int32Array.of(1, 2);
  const ids = truncateSequences([Int32Array.of(1, 2, 3, 4), short], 3);
  assert.deepEqual(ids.sequences.map((s) => Array.from(s)), [[1, 2, 3], [1, 2]]);
  assert.equal(ids.sequences[1], short);
  assert.ok(ids.sequences[0] instanceof Int32Array);
  assert.equal(ids.truncated, 1);
  const feats = truncateSequences([Float32Array.of(1, 1, 2, 2, 3, 3)], 2, { side: 'pre', features: 2 });
  assert.ok(feats.sequences[0] instanceof Float32Array);
  assert.deepEqual(Array.from(feats.sequences[0]!), [2, 2, 3, 3]);
  assert.deepEqual(Array.from(truncateSequences([Float32Array.of(1, 1, 2, 2, 3, 3)], 2, { features: 2 }).sequences[0]!), [1, 1, 2, 2]);
  assert.throws(() => truncateSequences([Float32Array.of(1, 2, 3)], 2, { features: 2 }), /sequences\[0\] has 3 values, not a whole number of steps of 2 features/);
  assert.throws(() => truncateSequences([[1, 2] as unknown as Int32Array], 2), /sequences\[0\] must be an Int32Array or Float32Array/);
});
