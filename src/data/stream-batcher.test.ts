import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamBatcher, splitContiguous } from './stream-batcher.js';

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

test('StreamBatcher: contiguous streams, windows that continue each other, targets one step ahead', () => {
  // N = 23 -> L = floor(22 / 2) = 11 predictions per stream, floor(11 / 4) = 2 windows per epoch.
  const b = new StreamBatcher(range(23), { batchSize: 2, seqLen: 4 });
  assert.equal(b.streamLength, 11);
  assert.equal(b.windowsPerEpoch, 2);
  const w0 = b.next();
  assert.deepEqual(w0.inputs.shape, [4, 2]);
  // time-major: inputs[t, b]; stream 0 starts at 0, stream 1 at 11
  assert.deepEqual([...w0.inputs.data], [0, 11, 1, 12, 2, 13, 3, 14]);
  assert.deepEqual([...w0.targets.data], [1, 12, 2, 13, 3, 14, 4, 15]);
  assert.equal(w0.startsEpoch, true);
  const w1 = b.next();
  assert.deepEqual([...w1.inputs.data], [4, 15, 5, 16, 6, 17, 7, 18]);
  assert.equal(w1.startsEpoch, false);
  assert.deepEqual(b.position(), { epoch: 1, window: 0 });
  assert.equal(b.next().startsEpoch, true);
});

test('StreamBatcher: position is serialisable and seek resumes the same windows', () => {
  const a = new StreamBatcher(range(200), { batchSize: 3, seqLen: 5 });
  for (let i = 0; i < 17; i++) a.next();
  const pos = JSON.parse(JSON.stringify(a.position()));
  const b = new StreamBatcher(range(200), { batchSize: 3, seqLen: 5 });
  b.seek(pos);
  for (let i = 0; i < 20; i++) assert.deepEqual([...b.next().inputs.data], [...a.next().inputs.data]);
  assert.throws(() => b.seek({ epoch: 0, window: 99 }), /window in \[0, 13\)/);
});

test('StreamBatcher and splitContiguous reject what cannot work', () => {
  assert.throws(() => new StreamBatcher(range(10), { batchSize: 2, seqLen: 5 }), /10 tokens cannot fill one window: batchSize × seqLen \+ 1 = 2 × 5 \+ 1 = 11/);
  assert.throws(() => new StreamBatcher(range(10), { batchSize: 2, seqLen: 0 }), /seqLen must be a positive integer, got 0/);
  const { train, validation } = splitContiguous(range(10), 0.9);
  assert.deepEqual([...train], [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...validation], [9]);
  assert.throws(() => splitContiguous(range(10), 1), /trainFraction must be in \(0, 1\)/);
});
