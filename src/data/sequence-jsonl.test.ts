import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSequenceJsonl } from './sequence-jsonl.js';
import { loadSequenceJsonl } from './labelled-text-file.js';
import { tempDir } from '../testing/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../../src/data/fixtures/', import.meta.url));

const jsonl = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
const fails = (text: string, message: string) => assert.throws(() => parseSequenceJsonl(text, 's.jsonl'), { message });

test('parseSequenceJsonl: steps of F features step-major, flat arrays as one feature, labels as strings, blank lines skipped', () => {
  const d = parseSequenceJsonl(jsonl(
    { sequence: [[1, 2], [3, 4.5], [-0.1, 1e-3]], label: 'up', id: 7 },
    '',
    '   ',
    { label: 3, sequence: [[0, 0]] },
    { sequence: [[5, 6], [7, 8]], label: ['b', ' a ', 'b', 2] },
  ), 's.jsonl');
  assert.equal(d.features, 2);
  assert.equal(d.source, 's.jsonl');
  assert.deepEqual(d.inputs.map((x) => Array.from(x)), [[1, 2, 3, 4.5, Math.fround(-0.1), Math.fround(1e-3)], [0, 0], [5, 6, 7, 8]]);
  assert.ok(d.inputs.every((x) => x instanceof Float32Array));
  assert.deepEqual(d.labels, [['up'], ['3'], ['b', 'a', '2']]);
  assert.deepEqual(d.lines, [1, 4, 5]);
  const flat = parseSequenceJsonl('\ufeff{"sequence": [1, 2.5, 3], "label": 0}\r\n{"sequence": [[4]], "label": 1.5}');
  assert.equal(flat.features, 1);
  assert.deepEqual(flat.inputs.map((x) => Array.from(x)), [[1, 2.5, 3], [4]]);
  assert.deepEqual(flat.labels, [['0'], ['1.5']]);
  assert.equal(flat.source, 'JSON Lines');
});

test('parseSequenceJsonl: one-line errors naming the line', () => {
  const ok = { sequence: [[1, 2]], label: 'a' };
  // V8's own wording differs between Node versions.
  assert.throws(() => parseSequenceJsonl(jsonl(ok, '{"sequence": [[1, 2]], "label": "a"'), 's.jsonl'), /^Error: s\.jsonl line 2: not JSON \(.*JSON.*\)$/);
  fails(jsonl([[1, 2]]), "s.jsonl line 1: expected an object with 'sequence' and 'label', got an array");
  fails(jsonl('null'), "s.jsonl line 1: expected an object with 'sequence' and 'label', got null");
  fails(jsonl({ label: 'a' }), "s.jsonl line 1: missing field 'sequence'");
  fails(jsonl({ sequence: [1] }), "s.jsonl line 1: missing field 'label'");
  fails(jsonl({ sequence: 'abc', label: 'a' }), `s.jsonl line 1: 'sequence' must be an array of steps, got the string "abc"`);
  fails(jsonl({ sequence: [], label: 'a' }), 's.jsonl line 1: the sequence is empty');
  fails(jsonl({ sequence: [[]], label: 'a' }), 's.jsonl line 1: step 0 is an empty array');
  fails(jsonl({ sequence: [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4, 5]], label: 'a' }), 's.jsonl line 1: step 3 has 5 values but step 0 has 4');
  fails(jsonl(ok, '', { sequence: [[1, 2, 3]], label: 'a' }), "s.jsonl line 3: steps have 3 values but line 1's have 2; every sequence needs the same number of features");
  fails(jsonl({ sequence: [1, 2], label: 'a' }, ok), "s.jsonl line 2: steps have 2 values but line 1's have 1; every sequence needs the same number of features");
  fails(jsonl({ sequence: [1, [2]], label: 'a' }), 's.jsonl line 1: step 1 is an array but step 0 is a number; write every step as an array, or every step as one number');
  fails(jsonl({ sequence: [[1], 2], label: 'a' }), 's.jsonl line 1: step 1 is number 2 but step 0 is an array of 1 values');
  fails(jsonl({ sequence: [[1, 2], [3, null]], label: 'a' }), 's.jsonl line 1: step 1 value 1 is null, not a finite number');
  fails(jsonl({ sequence: [[1, '2']], label: 'a' }), 's.jsonl line 1: step 0 value 1 is the string "2", not a finite number');
  fails('{"sequence": [[1, 1e999]], "label": "a"}', 's.jsonl line 1: step 0 value 1 is number Infinity, not a finite number');
  fails('{"sequence": [[1e39]], "label": "a"}', 's.jsonl line 1: step 0 value 0 is number 1e+39, not a finite number (beyond float32 range)');
  fails(jsonl({ sequence: [1], label: ' ' }), 's.jsonl line 1: the label is empty');
  fails(jsonl({ sequence: [1], label: [] }), 's.jsonl line 1: the label list is empty');
  fails(jsonl({ sequence: [1], label: true }), 's.jsonl line 1: a label must be a string or a number, got boolean true');
  fails(jsonl({ sequence: [1], label: ['a', { b: 1 }] }), 's.jsonl line 1: a label must be a string or a number, got an object');
  fails('\n \n', 's.jsonl: no sequences (every line is blank)');
});

test('loadSequenceJsonl: errors name the file; the fixture has 30 sequences of 2 features, 3..8 steps, labelled by the trend of feature 0', async () => {
  const dir = tempDir('recur-jsonl-');
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"sequence": [1], "label": "a"}\n{"sequence": [1]}\n');
  await assert.rejects(loadSequenceJsonl(bad), { message: `${bad} line 2: missing field 'label'` });
  const path = join(FIXTURES, 'sequences-tiny.jsonl');
  const d = await loadSequenceJsonl(path);
  assert.equal(d.source, path);
  assert.equal(d.features, 2);
  assert.equal(d.inputs.length, 30);
  const steps = d.inputs.map((x) => x.length / 2);
  assert.deepEqual([Math.min(...steps), Math.max(...steps)], [3, 8]);
  assert.deepEqual([...new Set(d.labels.map((l) => l.join()))].sort(), ['down', 'up']);
  d.inputs.forEach((x, i) => assert.equal(x[x.length - 2]! > x[0]!, d.labels[i]![0] === 'up', `line ${d.lines[i]}`));
});
