import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz } from './safetensors.fuzz.js';

test('safetensors fuzz: 2,000 mutated model files each load correctly or fail with a safetensors error, fast', (t) => {
  const r = runFuzz({ cases: 2000, seed: 1 });
  t.diagnostic(`${r.cases} cases in ${r.seconds.toFixed(2)} s: ${r.ok} loaded, ${r.rejected} rejected, ${r.failed} failed`);
  t.diagnostic(`slowest decode ${r.maxMs.toFixed(2)} ms; rss ${r.rssStartMb.toFixed(0)} -> ${r.rssPeakMb.toFixed(0)} MB peak`);
  for (const f of r.failures.slice(0, 10)) t.diagnostic(`FAIL case ${f.case} (${f.mutation}): ${f.problem}`);
  assert.equal(r.cases, 2000);
  assert.equal(r.failed, 0);
  assert.deepEqual(r.failures, []);
  // Both outcomes are exercised, and every kind of mutation ran.
  assert.ok(r.ok > 100 && r.rejected > 1000, `ok ${r.ok}, rejected ${r.rejected}`);
  assert.deepEqual(Object.keys(r.byMutation).sort(), ['bit-flip', 'combo', 'delete-bytes', 'header', 'insert-bytes', 'length-field', 'overwrite-bytes', 'truncate', 'valid']);
});
