import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shuffledSplit, stratifiedSplit } from './split.js';

/** Labels: class c repeated sizes[c] times, interleaved as a dataset would be. */
function labelsOf(sizes: number[]): Int32Array {
  const out: number[] = [];
  for (let i = 0; out.length < sizes.reduce((a, b) => a + b, 0); i++) sizes.forEach((n, c) => { if (i < n) out.push(c); });
  return Int32Array.from(out);
}
const countBy = (labels: Int32Array, idx: Int32Array) => {
  const m = new Map<number, number>();
  for (const i of idx) m.set(labels[i]!, (m.get(labels[i]!) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));
};
const isPartition = (n: number, s: { train: Int32Array; validation: Int32Array }) => {
  const all = [...s.train, ...s.validation].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: n }, (_, i) => i));
  assert.deepEqual(Array.from(s.train), [...s.train].sort((a, b) => a - b));
  assert.deepEqual(Array.from(s.validation), [...s.validation].sort((a, b) => a - b));
};

test('stratifiedSplit: round(fraction x count) per class, at least one each side, singletons stay in train', () => {
  const labels = labelsOf([100, 30, 5, 2, 1]);
  const s = stratifiedSplit(labels, { validation: 0.2, seed: 7 });
  isPartition(labels.length, s);
  assert.deepEqual(countBy(labels, s.validation), { 0: 20, 1: 6, 2: 1, 3: 1 });
  assert.deepEqual(countBy(labels, s.train), { 0: 80, 1: 24, 2: 4, 3: 1, 4: 1 });
  assert.deepEqual(s.unsplit, [4]);
  // a large fraction still leaves one of each class in train
  const most = stratifiedSplit(labelsOf([10, 3]), { validation: 0.9 });
  assert.deepEqual(countBy(labelsOf([10, 3]), most.validation), { 0: 9, 1: 2 });
});

test('stratifiedSplit: the same seed gives the same split, another seed another', () => {
  const labels = labelsOf([40, 40, 20]);
  const a = stratifiedSplit(labels, { validation: 0.25, seed: 1 });
  const b = stratifiedSplit(Array.from(labels), { validation: 0.25, seed: 1 });
  const c = stratifiedSplit(labels, { validation: 0.25, seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(Array.from(a.validation), Array.from(c.validation));
  assert.deepEqual(countBy(labels, c.validation), countBy(labels, a.validation));
  // golden values: the split depends only on the seed and Rng, the same on every platform
  assert.deepEqual(Array.from(stratifiedSplit([0, 0, 0, 0, 1, 1, 1, 1, 2, 2], { validation: 0.5, seed: 3 }).validation), [0, 3, 6, 7, 8]);
  assert.deepEqual(Array.from(shuffledSplit(10, { validation: 0.3, seed: 3 }).validation), [0, 5, 6]);
});

test('stratifiedSplit: { count } gives exactly that many, spread by class', () => {
  const labels = labelsOf([50, 30, 20]);
  for (const count of [3, 10, 33, 97]) {
    const s = stratifiedSplit(labels, { validation: { count }, seed: 5 });
    isPartition(100, s);
    assert.equal(s.validation.length, count, `count ${count}`);
  }
  assert.deepEqual(countBy(labels, stratifiedSplit(labels, { validation: { count: 10 } }).validation), { 0: 5, 1: 3, 2: 2 });
  assert.deepEqual(countBy(labels, stratifiedSplit(labels, { validation: { count: 11 } }).validation), { 0: 6, 1: 3, 2: 2 });
  assert.throws(() => stratifiedSplit(labels, { validation: { count: 2 } }), /validation count 2 is fewer than the 3 classes with 2 or more examples/);
  assert.throws(() => stratifiedSplit(labels, { validation: { count: 98 } }), /validation count 98 leaves too few in train: at most 97/);
});

test('stratifiedSplit: errors', () => {
  assert.throws(() => stratifiedSplit([0, 1, 1], { validation: 1 }), { message: 'stratifiedSplit: validation must be a fraction in (0, 1) or { count }, got 1' });
  assert.throws(() => stratifiedSplit([0, 1, 1], { validation: 0 }), /fraction in \(0, 1\)/);
  assert.throws(() => stratifiedSplit([0], { validation: 0.5 }), { message: 'stratifiedSplit: needs at least 2 examples to split, got 1' });
  assert.throws(() => stratifiedSplit([0, 1.5], { validation: 0.5 }), /labels\[1\] = 1.5 is not an integer class id/);
  assert.throws(() => stratifiedSplit([0, 1, 2], { validation: 0.5 }), /every one of the 3 classes has a single example/);
  assert.throws(() => stratifiedSplit([0, 0, 1], { validation: { count: 3 } }), /validation count must be an integer in \[1, 2\] for 3 examples, got 3/);
});

test('shuffledSplit: round(fraction x n) or count, seeded', () => {
  const s = shuffledSplit(10, { validation: 0.25, seed: 4 });
  isPartition(10, s);
  assert.equal(s.validation.length, 3); // round(2.5) = 3
  assert.deepEqual(shuffledSplit(10, { validation: 0.25, seed: 4 }), s);
  assert.notDeepEqual(shuffledSplit(10, { validation: 0.25, seed: 5 }).validation, s.validation);
  assert.equal(shuffledSplit(10, { validation: 0.01 }).validation.length, 1);
  assert.equal(shuffledSplit(10, { validation: 0.99 }).validation.length, 9);
  assert.equal(shuffledSplit(10, { validation: { count: 4 } }).validation.length, 4);
  assert.throws(() => shuffledSplit(1, { validation: 0.5 }), /needs at least 2 examples/);
});
