import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './sine.js';

test('sine: an Elman RNN reading 50 values predicts the next (validation RMSE far below the mean)', async () => {
  const r = await run({ steps: 100, seed: 1 });
  assert.ok(r.meanBaselineRmse > 0.6, `predicting the mean scores ${r.meanBaselineRmse}`);
  assert.ok(r.validationRmseBefore > 0.3, `untrained ${r.validationRmseBefore}`);
  assert.ok(r.validationRmse < 0.02, `validation RMSE ${r.validationRmse} (tutorial: 0.127)`);
});

test('sine: same seed, same numbers', async () => {
  const a = await run({ steps: 10, seed: 3 });
  const b = await run({ steps: 10, seed: 3 });
  assert.equal(a.validationRmse, b.validationRmse);
  assert.equal(a.trainRmse, b.trainRmse);
});
