import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './fit-classifier.js';

test('fit-classifier: fit trains a many-to-one LSTM classifier far above the majority class', async () => {
  const r = await run({ epochs: 4, seed: 1 });
  assert.ok(r.majorityBaseline < 0.5, `majority ${r.majorityBaseline}`);
  assert.ok(r.accuracy > 0.8, `accuracy ${r.accuracy}`);
});
