import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './hello.js';

test('hello: the Elman RNN learns to predict "ello" from "hell"', async () => {
  const r = await run({ steps: 150, seed: 1 });
  assert.equal(r.before.length, 4);
  assert.notEqual(r.before.map((s) => s.predicted).join(''), 'ello', 'the untrained model does not already know');
  assert.equal(r.predicted, 'ello');
  assert.ok(r.lossAfter < r.lossBefore / 4, `loss ${r.lossBefore} -> ${r.lossAfter}`);
  // The second "l" predicts "o" with confidence: the hidden state tells the two "l"s apart.
  assert.ok(r.after[3]!.probs[3]! > 0.8, `p(o | hell) = ${r.after[3]!.probs[3]}`);
  const again = await run({ steps: 150, seed: 1 });
  assert.deepEqual(again.after, r.after, 'same seed, same run');
});
