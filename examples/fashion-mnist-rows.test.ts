import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { run } from './fashion-mnist-rows.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../src/data/fixtures/${name}`, import.meta.url));

test('fashion-mnist-rows: a GRU over image rows learns the tiny IDX fixture (24 images of 4 rows of 3 pixels)', async () => {
  const tiny = { images: fixture('tiny-images-idx3-ubyte.gz'), labels: fixture('tiny-labels-idx1-ubyte.gz') };
  const settings = { train: tiny, test: tiny, epochs: 10, hiddenSize: 16, batchSize: 8 };
  const untrained = await run({ ...settings, lr: 1e-9 });
  const r = await run({ ...settings, lr: 0.02 });
  assert.deepEqual([r.trainImages, r.testImages], [24, 24]);
  assert.ok(untrained.accuracy <= 0.6, `untrained accuracy ${untrained.accuracy}`);
  assert.ok(r.accuracy > 0.9, `accuracy ${r.accuracy}`);
});
