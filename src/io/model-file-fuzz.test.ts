import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzDiagnostics } from './fuzz-runner.js';
import { runModelFuzz } from './model-file.fuzz.js';

test('model file fuzz: 2,000 mutated recur model files each load correctly or fail with a decodeModelFile error, fast', async (t) => {
  const r = await runModelFuzz({ cases: 2000, seed: 1 });
  for (const line of fuzzDiagnostics(r)) t.diagnostic(line);
  assert.equal(r.cases, 2000);
  assert.deepEqual(r.failures, []);
  assert.equal(r.failed, 0);
  assert.ok(r.ok > 200 && r.rejected > 1000, `ok ${r.ok}, rejected ${r.rejected}`);
  // Every model edit and every codec mutation ran, and the model edits both loaded and were rejected.
  const kinds = Object.keys(r.byMutation).sort();
  for (const k of ['bit-flip', 'combo', 'header', 'length-field', 'truncate', 'valid', 'model-config-field', 'model-config-huge', 'model-config-missing', 'model-config-remove',
    'model-config-text', 'model-config-unknown', 'model-drop-tensor', 'model-many-tensors', 'model-normalization', 'model-other-dtype', 'model-pass-config',
    'model-rename-tensor', 'model-version', 'model-vocabulary', 'model-checksum', 'model-data-flip']) assert.ok(kinds.includes(k), `no ${k} cases`);
  // Checksums: flipped data bits and edited CRC-32s are rejected, removed or recomputed ones load.
  for (const k of ['model-config-remove', 'model-normalization', 'model-other-dtype', 'model-pass-config', 'model-vocabulary', 'model-checksum', 'model-data-flip']) {
    assert.ok(r.byMutation[k]!.ok > 0 && r.byMutation[k]!.rejected > 0, `${k}: ${JSON.stringify(r.byMutation[k])}`);
  }
});
