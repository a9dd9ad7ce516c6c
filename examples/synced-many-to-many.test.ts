import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './synced-many-to-many.js';

test('synced many-to-many: an LSTM forecasting one step ahead beats "next = current" clearly', async () => {
  const r = await run({ steps: 250, seed: 1 });
  assert.ok(r.naiveRmse > 0.15, `naive ${r.naiveRmse}`);
  assert.ok(r.modelRmse < 0.65 * r.naiveRmse, `LSTM ${r.modelRmse} vs naive ${r.naiveRmse}`);
  assert.ok(r.modelRmse > r.noiseFloorRmse * 0.9, 'no forecast beats the noise');
  // With more context the model's error falls; the naive error does not.
  const first = r.byStep[0]!, last = r.byStep[r.byStep.length - 1]!;
  assert.ok(last.model < first.model, `first steps ${first.model}, last steps ${last.model}`);
});
