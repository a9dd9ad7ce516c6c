import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './one-to-many.js';

for (const conditioning of ['repeat', 'state'] as const) {
  test(`one-to-many (${conditioning}): a GRU decodes (amplitude, frequency) into the sine it names`, async () => {
    const r = await run({ conditioning, steps: 400, seed: 1 });
    assert.ok(r.zerosRmse > 0.6, `predicting zeros ${r.zerosRmse}`);
    assert.ok(r.rmse < 0.15 * r.zerosRmse, `RMSE ${r.rmse} vs zeros ${r.zerosRmse}`);
    assert.equal(r.example.decoded.length, 20);
  });
}
