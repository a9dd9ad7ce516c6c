import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../random/rng.js';
import { PAD_LABEL, SequenceBatcher, makeSequenceBatch } from './sequence-batcher.js';

test('makeSequenceBatch pads time-major to the longest, with lengths and -1 labels past each end', () => {
  const d = { inputs: [[1, 2, 3], [4], [5, 6]], labels: [[0, 1, 0], [1], [1, 1]] };
  const b = makeSequenceBatch(d, Int32Array.of(0, 1, 2));
  assert.deepEqual(b.inputs.shape, [3, 3]);
  assert.deepEqual([...b.inputs.data], [1, 4, 5, 2, 0, 6, 3, 0, 0]);
  assert.deepEqual([...b.lengths], [3, 1, 2]);
  assert.deepEqual([...b.labels!.data], [0, 1, 1, 1, PAD_LABEL, 1, 0, PAD_LABEL, PAD_LABEL]);
  const dense = makeSequenceBatch({ inputs: [[1, 2, 3, 4], [5, 6]], features: 2, targets: [[9], [8]] }, Int32Array.of(1, 0));
  assert.deepEqual(dense.inputs.shape, [2, 2, 2]);
  assert.deepEqual([...dense.inputs.data], [5, 6, 1, 2, 0, 0, 3, 4]);
  assert.deepEqual([...dense.targets!.data], [8, 9]);
});

test('SequenceBatcher: every example once per epoch, a new seeded order each epoch, and seek resumes the exact order', () => {
  const d = { inputs: Array.from({ length: 10 }, (_, i) => [i]), labels: Array.from({ length: 10 }, (_, i) => i % 2) };
  const a = new SequenceBatcher(d, { batchSize: 4, rng: new Rng(3) });
  assert.equal(a.batchesPerEpoch, 3);
  const seen = (n: number, s: SequenceBatcher) => Array.from({ length: n }, () => [...s.next().batch.indices]);
  const first = seen(6, a);
  const epoch0 = first.slice(0, 3).flat(), epoch1 = first.slice(3).flat();
  assert.deepEqual([...epoch0].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(epoch0, epoch1, 'reshuffled');
  const b = new SequenceBatcher(d, { batchSize: 4, rng: new Rng(3) });
  b.seek({ epoch: 1, index: 1 });
  assert.deepEqual(seen(2, b), first.slice(4));
  assert.deepEqual(new SequenceBatcher(d, { batchSize: 4, shuffle: false }).next().batch.indices, Int32Array.of(0, 1, 2, 3));
  assert.throws(() => new SequenceBatcher(d, { batchSize: 4 }), /shuffling needs options.rng/);
  assert.throws(() => b.seek({ epoch: 0, index: 3 }), /SequenceBatcher.seek: expected \{ epoch >= 0, index in \[0, 3\) \}/);
  assert.throws(() => new SequenceBatcher({ inputs: [[1], [2, 3]], labels: [[0], [1]] }, { batchSize: 2, shuffle: false }), /labels\[1\] must hold one class id per step \(2\), got 1/);
  assert.throws(() => new SequenceBatcher({ inputs: [[1, 2, 3]], features: 2 }, { batchSize: 1, shuffle: false }), /inputs\[0\] must hold at least one step of 2 values \(a multiple of 2\), got 3 values/);
});
