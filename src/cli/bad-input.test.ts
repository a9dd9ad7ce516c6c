/**
 * The bad-input catalogue (issue 20): one table of wrong inputs across every command and flag
 * (wrong types, out-of-range numbers, missing files, directories for files, binary and non-UTF-8
 * text, empty data, mismatched model kinds, conflicting flags, resume with changed model flags).
 * Each must give exactly one line on stderr naming the problem, a non-zero exit code, and leave
 * every file in the working directory byte-identical (hashed before and after, new files and
 * directories included).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const src = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));
const RHYMES = src('tasks/char-lm/fixtures/rhymes.txt');
const SENTIMENT = src('data/fixtures/sentiment-tiny.tsv');
const SALES = src('tasks/forecast/fixtures/monthly-sales.csv');
const dir = tempDir('recur-bad-input-');
const recur = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000, input: '' });
const T = ['--threads', '1', '--max-steps', '2'];

/** Every path under `root` with the bytes of each file: any change, creation or removal alters it. */
function treeHash(root: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      h.update(`${p}\0`);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest('hex');
}

before(() => {
  const lm = recur(['lm', 'train', '--text', RHYMES, '--out', 'lm-run', '--hidden-size', '8', '--batch-size', '2', '--seq-len', '8', ...T, '--json']);
  assert.equal(lm.status, 0, lm.stderr);
  const cls = recur(['classify', 'train', '--data', SENTIMENT, '--out', 'cls-run', '--hidden-size', '8', ...T, '--json']);
  assert.equal(cls.status, 0, cls.stderr);
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'binary.dat'), Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251));
  writeFileSync(join(dir, 'latin1.txt'), Buffer.from('caf\xe9 au lait\n', 'latin1'));
  writeFileSync(join(dir, 'text.safetensors'), 'not a safetensors file\n');
  writeFileSync(join(dir, 'truncated.safetensors'), readFileSync(join(dir, 'lm-run', 'model.safetensors')).subarray(0, 100));
  writeFileSync(join(dir, 'one-column.tsv'), 'just a sentence\nanother one\n');
  mkdirSync(join(dir, 'a-directory'));
});

/** [arguments, what the one line must say]. */
const CASES: [string[], RegExp][] = [
  // wrong types and out-of-range numbers
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--hidden-size', '0', ...T], /--hidden-size must be an integer >= 1, got '0'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--hidden-size', 'abc', ...T], /--hidden-size must be an integer >= 1, got 'abc'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--hidden-size', '1.5', ...T], /--hidden-size must be an integer >= 1, got '1.5'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--batch-size', '99999999999999999999', ...T], /--batch-size must be an integer >= 1/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--lr', '-1', ...T], /--lr must be a number > 0, got '-1'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--lr', 'nan', ...T], /--lr must be a number > 0, got 'nan'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--lr', '1e400', ...T], /--lr must be a number > 0, got '1e400'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--batch-size', '0', ...T], /--batch-size must be an integer >= 1, got '0'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--seq-len', '-5', ...T], /--seq-len must be an integer >= 1, got '-5'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--dropout', '1.5', ...T], /--dropout must be a number in \[0, 1\), got '1.5'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--num-layers', '0', ...T], /--num-layers must be an integer >= 1, got '0'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--max-steps', '0'], /--max-steps must be an integer >= 1, got '0'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--max-epochs', '0', ...T], /--max-epochs must be an integer >= 1, got '0'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--max-time', 'xyz', ...T], /--max-time must be a duration such as 30m/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--threads', '0'], /--threads must be an integer >= 1, got '0'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--clip-norm', '-1', ...T], /--clip-norm must be a number > 0, got '-1'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--eval-every', '-1', ...T], /--eval-every must be an integer >= 0 or 'epoch', got '-1'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--checkpoint-every', 'x', ...T], /--checkpoint-every must be an integer >= 0 or 'epoch', got 'x'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--cell', 'foo', ...T], /--cell must be one of lstm, gru, rnn-tanh, rnn-relu, rnn, got 'foo'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--tokens', 'bytes', ...T], /--tokens must be one of char, word, got 'bytes'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--backend', 'cuda', ...T], /--backend must be one of auto, native, wasm, reference, got 'cuda'/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--hiden-size', '8', ...T], /unknown option '--hiden-size' \(did you mean --hidden-size\?\)/],
  [['lm', 'trian'], /unknown command 'trian' \(did you mean train\?\)/],
  [['lm', 'sample', '--model', 'lm-run', '--temperature', '-1'], /--temperature must be a number >= 0, got '-1'/],
  [['lm', 'sample', '--model', 'lm-run', '--length', '-1'], /--length must be an integer >= 0, got '-1'/],
  [['lm', 'sample', '--model', 'lm-run', '--seed', '-1'], /--seed must be an integer >= 0, got '-1'/],
  [['lm', 'sample', '--model'], /option '--model <dir>' argument missing/],
  [['lm', 'complete', '--model', 'lm-run', '--top-k', '0', 'hello'], /--top-k must be an integer >= 1, got '0'/],
  [['classify', 'train', '--data', SENTIMENT, '--out', 'new', '--validation', '1.5', ...T], /--validation must be a number in \(0, 0\.5\], got '1\.5'/],
  [['classify', 'train', '--data', SENTIMENT, '--out', 'new', '--hidden-size', '-3', ...T], /--hidden-size must be an integer >= 1, got '-3'/],
  [['forecast', 'train', '--data', SALES, '--target', 'sales', '--horizon', '0', '--out', 'new', ...T], /--horizon must be an integer >= 1, got '0'/],
  [['seq2seq', 'train', '--data', SENTIMENT, '--tokenizer', 'foo', '--out', 'new', ...T], /--tokenizer must be one of word, char, got 'foo'/],
  [['export', 'onnx', '--model', 'lm-run', '--out', 'x.onnx', '--opset', '5'], /--opset must be from 14 to \d+/],
  [['dashboard', 'lm-run', '--port', '70000'], /--port must be an integer from 0 to 65535, got '70000'/],
  [['doctor', '--jsn'], /unknown option '--jsn' \(did you mean --json\?\)/],
  // missing files, directories for files, files for directories
  [['lm', 'train', '--text', 'missing.txt', '--out', 'new', ...T], /text file not found: missing\.txt/],
  [['lm', 'train', '--text', 'a-directory', '--out', 'new', ...T], /a-directory is a directory, not a text file/],
  [['lm', 'train', '--text', RHYMES, '--out', 'empty.txt', ...T], /--out empty\.txt is a file, not a directory/],
  [['lm', 'train', '--text', RHYMES, '--out', 'new', '--init-from', 'missing.safetensors', ...T], /--init-from missing\.safetensors: no such file or directory/],
  [['lm', 'sample', '--model', 'missing.safetensors'], /model not found: missing\.safetensors/],
  [['lm', 'sample', '--model', 'a-directory'], /model file not found: a-directory\/model\.safetensors/],
  [['lm', 'eval', '--model', 'lm-run', '--text', 'missing.txt'], /text file not found: missing\.txt/],
  [['classify', 'train', '--data', 'missing.tsv', '--out', 'new', ...T], /data not found: missing\.tsv/],
  [['forecast', 'train', '--data', 'a-directory', '--target', 'sales', '--horizon', '3', '--out', 'new', ...T], /a-directory/],
  [['seq2seq', 'train', '--data', 'missing.tsv', '--out', 'new', ...T], /not found: missing\.tsv/],
  [['export', 'onnx', '--model', 'missing.safetensors', '--out', 'x.onnx'], /model not found: missing\.safetensors/],
  [['export', 'onnx', '--model', 'lm-run', '--out', 'a-directory'], /--out a-directory is a directory; give the path of a file to write/],
  [['export', 'pytorch', '--model', 'missing.safetensors', '--out', 'pkg'], /model not found: missing\.safetensors/],
  [['inspect', 'missing.safetensors'], /inspect: missing\.safetensors: no such file or directory/],
  [['dashboard', 'missing-dir'], /dashboard: \S+missing-dir does not exist/],
  // binary, non-UTF-8, empty and malformed data; files that are not models
  [['lm', 'train', '--text', 'binary.dat', '--out', 'new', ...T], /binary\.dat looks binary \(NUL byte at offset \d+\); expected UTF-8 text/],
  [['lm', 'train', '--text', 'latin1.txt', '--out', 'new', ...T], /latin1\.txt is not UTF-8 text \(invalid byte 0xe9 at offset 3\)/],
  [['lm', 'train', '--text', 'empty.txt', '--out', 'new', ...T], /empty\.txt is empty/],
  [['lm', 'eval', '--model', 'lm-run', '--text', 'empty.txt'], /empty\.txt is empty/],
  [['classify', 'train', '--data', 'empty.txt', '--out', 'new', ...T], /empty\.txt is empty/],
  [['classify', 'train', '--data', 'binary.dat', '--out', 'new', ...T], /binary\.dat looks binary/],
  [['classify', 'eval', '--model', 'cls-run', '--data', 'latin1.txt'], /latin1\.txt is not UTF-8 text/],
  [['forecast', 'train', '--data', 'binary.dat', '--target', 'sales', '--horizon', '3', '--out', 'new', ...T], /binary\.dat looks binary/],
  [['forecast', 'train', '--data', SALES, '--target', 'nope', '--horizon', '3', '--out', 'new', ...T], /nope/],
  [['tag', 'train', '--data', 'empty.txt', '--out', 'new', ...T], /empty\.txt is empty/],
  [['tag', 'train', '--data', 'one-column.tsv', '--out', 'new', ...T], /one-column\.tsv line 1: .* has no tag/],
  [['lm', 'sample', '--model', 'text.safetensors'], /text\.safetensors: safetensors: header length \d+ exceeds the limit/],
  [['lm', 'eval', '--model', 'truncated.safetensors', '--text', RHYMES], /truncated\.safetensors: safetensors: header length \d+ runs past the end of the 100-byte file/],
  [['export', 'pytorch', '--model', 'text.safetensors', '--out', 'pkg'], /text\.safetensors: safetensors: header length/],
  [['inspect', 'text.safetensors'], /inspect: text\.safetensors is not a safetensors file/],
  [['inspect', 'truncated.safetensors'], /inspect: truncated\.safetensors is not a safetensors file/],
  [['classify', 'predict', '--model', 'cls-run'], /no text to classify/],
  // mismatched model kinds
  [['lm', 'sample', '--model', 'cls-run'], /cls-run\/model\.safetensors is a 'classify' model, not a language model/],
  [['classify', 'predict', '--model', 'lm-run', 'hello'], /is a 'char-lm' model, not a classifier/],
  [['forecast', 'predict', '--model', 'lm-run', '--data', SALES], /is a 'char-lm' model, not a forecasting model/],
  [['seq2seq', 'translate', '--model', 'lm-run', 'hello'], /is a 'char-lm' model, not an encoder-decoder/],
  [['tag', 'predict', '--model', 'cls-run', 'hello'], /is a 'classify' model, not a tagger/],
  // conflicting flags; resume with changed model flags; a run that exists
  [['lm', 'train', '--text', RHYMES, '--out', 'lm-run', '--resume', '--force', ...T], /--resume and --force cannot be used together/],
  [['lm', 'train', '--text', RHYMES, '--out', 'lm-run', '--init-from', 'lm-run/model.safetensors', '--resume', ...T], /--init-from starts a new run from a model file and --resume continues/],
  [['lm', 'train', '--text', RHYMES, '--out', 'lm-run', '--resume', '--hidden-size', '12', ...T], /cannot change hiddenSize when resuming: the checkpoint was trained with 8, got 12/],
  [['lm', 'train', '--text', RHYMES, '--out', 'lm-run', ...T], /lm-run already holds a training run \(checkpoint\.safetensors\); continue it with --resume or start over with --force/],
  [['classify', 'train', '--data', SENTIMENT, '--out', 'new', '--labels', 'missing.gz', ...T], /--labels is for IDX images/],
];

/** Runs `args` without blocking, as `recur` would from `dir`. */
function recurAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

function check(args: string[], want: RegExp, r: { status: number | null; stderr: string }): void {
  const what = `recur ${args.join(' ')}`;
  assert.equal(r.status, 1, `${what}: exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, /^recur: [^\n]+\n$/, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, want, what);
}

test(`the bad-input catalogue: ${CASES.length} wrong inputs, each one line naming the problem, exit 1, every file untouched`, async () => {
  assert.ok(CASES.length >= 60);
  // Two at a time (CI has 2 cores); the directory is hashed around each pair, and a pair that
  // changed it is rerun one case at a time to name the culprit.
  for (let i = 0; i < CASES.length; i += 2) {
    const pair = CASES.slice(i, i + 2);
    const before = treeHash(dir);
    const results = await Promise.all(pair.map(([args]) => recurAsync(args)));
    pair.forEach(([args, want], j) => check(args, want, results[j]!));
    if (treeHash(dir) === before) continue;
    for (const [args] of pair) {
      const start = treeHash(dir);
      recur(args);
      assert.equal(treeHash(dir), start, `recur ${args.join(' ')}: the working directory changed`);
    }
    assert.fail(`recur ${pair.map(([a]) => a.join(' ')).join(' / ')} changed the working directory`);
  }
});
