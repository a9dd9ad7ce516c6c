import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzDiagnostics } from './fuzz-runner.js';
import { runFuzz } from './safetensors.fuzz.js';

test('safetensors fuzz: 2,000 mutated model files each load correctly or fail with a safetensors error, fast', async (t) => {
  const r = await runFuzz({ cases: 2000, seed: 1 });
  for (const line of fuzzDiagnostics(r)) t.diagnostic(line);
  assert.equal(r.cases, 2000);
  assert.equal(r.failed, 0);
  assert.deepEqual(r.failures, []);
  // Both outcomes are exercised, and every kind of mutation ran.
  assert.ok(r.ok > 100 && r.rejected > 1000, `ok ${r.ok}, rejected ${r.rejected}`);
  assert.deepEqual(Object.keys(r.byMutation).sort(), ['bit-flip', 'combo', 'delete-bytes', 'header', 'insert-bytes', 'length-field', 'overwrite-bytes', 'truncate', 'valid']);
});
