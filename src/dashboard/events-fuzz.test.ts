import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzDiagnostics } from '../io/fuzz-runner.js';
import { runEventsFuzz } from './events.fuzz.js';

test('events.jsonl fuzz: 2,000 mutated events files read from random offsets give consistent chunks the page can draw, fast', async (t) => {
  const r = await runEventsFuzz({ cases: 2000, seed: 1 });
  for (const line of fuzzDiagnostics(r)) t.diagnostic(line);
  assert.equal(r.cases, 2000);
  assert.deepEqual(r.failures, []);
  assert.equal(r.failed, 0);
  assert.equal(r.ok, 2000, 'readEventsChunk never throws for what a file holds');
  assert.deepEqual(Object.keys(r.byMutation).sort(), ['bit-flip', 'blank-lines', 'combo', 'crlf', 'deep', 'field', 'huge-line', 'invalid-utf8', 'lines', 'long-line', 'many-lines', 'missing',
    'non-object', 'nul', 'number', 'offset', 'truncate', 'type']);
  // Mutations that damage some lines left others readable: chunks held both events and error lines.
  for (const k of ['bit-flip', 'combo', 'deep', 'field', 'invalid-utf8', 'non-object', 'nul', 'offset', 'type', 'blank-lines', 'crlf', 'long-line', 'many-lines']) {
    assert.ok(r.outcomes[k]!.events > 0 && r.outcomes[k]!.errors > 0, `${k}: ${JSON.stringify(r.outcomes[k])}`);
  }
});
