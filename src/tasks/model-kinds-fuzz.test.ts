import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzDiagnostics } from '../io/fuzz-runner.js';
import { runModelKindsFuzz } from './model-kinds.fuzz.js';

test('model kinds fuzz: 2,000 mutated encoder-decoder, tagger and forecaster files each load as their task reads them or fail with an error naming the file, fast', async (t) => {
  const r = await runModelKindsFuzz({ cases: 2000, seed: 1 });
  for (const line of fuzzDiagnostics(r)) t.diagnostic(line);
  assert.equal(r.cases, 2000);
  assert.deepEqual(r.failures, []);
  assert.equal(r.failed, 0);
  assert.ok(r.ok > 300 && r.rejected > 1000, `ok ${r.ok}, rejected ${r.rejected}`);
  // Every codec mutation, model edit and task-metadata edit ran.
  const kinds = Object.keys(r.byMutation);
  for (const k of ['bit-flip', 'combo', 'header', 'length-field', 'truncate', 'valid', 'model-config-field', 'model-config-huge', 'model-config-missing', 'model-config-remove',
    'model-config-text', 'model-config-unknown', 'model-drop-tensor', 'model-many-tensors', 'model-normalization', 'model-other-dtype', 'model-pass-config',
    'model-rename-tensor', 'model-version', 'model-vocabulary', 'model-checksum', 'model-data-flip',
    'task-name', 'task-text', 'task-same-json', 'task-extra-field', 'task-delete', 'task-replace', 'task-array-edit']) assert.ok(kinds.includes(k), `no ${k} cases`);
  // Edits that can go either way did both: the task's metadata edited field by field, checksums, configs passed alongside.
  for (const k of ['model-config-remove', 'model-other-dtype', 'model-pass-config', 'model-checksum', 'model-config-missing', 'task-name', 'task-delete', 'task-replace', 'task-array-edit']) {
    assert.ok(r.byMutation[k]!.ok > 0 && r.byMutation[k]!.rejected > 0, `${k}: ${JSON.stringify(r.byMutation[k])}`);
  }
  // Another spelling of the same metadata, and fields a reader does not know, always load.
  for (const k of ['task-same-json', 'task-extra-field']) assert.equal(r.byMutation[k]!.rejected, 0, k);
});
