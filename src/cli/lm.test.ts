import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const dir = tempDir('recur-lm-cli-');
const recur = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const SMALL = ['--text', RHYMES, '--hidden-size', '24', '--num-layers', '2', '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16', '--lr', '0.01', '--seed', '3'];
const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step: number; loss: number; reason?: string });
const run = join(dir, 'run');

test('recur lm: --help for every command, unknown flags rejected', () => {
  assert.match(recur('lm', '--help').stdout, /train[\s\S]*sample[\s\S]*eval[\s\S]*explain/);
  for (const [cmd, flag] of [['train', '--max-time <duration>'], ['sample', '--top-p <p>'], ['eval', '--text <file>'], ['explain', '--top <k>']]) {
    const r = recur('lm', cmd!, '--help');
    assert.equal(r.status, 0);
    assert.ok(r.stdout.includes(flag!), `${cmd} --help lists ${flag}`);
  }
  const bad = recur('lm', 'train', '--hidden-sise', '3');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown option '--hidden-sise'/);
});

test('recur lm train -> sample, eval, explain, export onnx on the run directory', () => {
  const t = recur('lm', 'train', ...SMALL, '--max-steps', '30', '--eval-every', '15', '--out', run, '--json', '--threads', '2');
  assert.equal(t.status, 0, t.stderr);
  const events = jsonLines(t.stdout);
  assert.match((events[0] as unknown as { details: { backend: string } }).details.backend, /^wasm \(.*, 2 threads\)$/, '--threads reaches the backend');
  assert.deepEqual(events.filter((e) => e.type !== 'step').map((e) => e.type), ['start', 'eval', 'sample', 'eval', 'sample', 'checkpoint', 'end']);
  assert.equal(events.filter((e) => e.type === 'step').length, 30);
  assert.ok(existsSync(join(run, 'model.safetensors')) && existsSync(join(run, 'checkpoint.safetensors')));

  const plain = recur('lm', 'train', ...SMALL, '--max-steps', '4', '--eval-every', '0', '--out', join(dir, 'plain'), '--threads', '1');
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^training: 2×24 lstm, embedding 8 \(\d[\d,]* parameters\)/);
  assert.match(plain.stdout, /wasm \(\w+(-\w+)?, 1 thread\)/);
  assert.match(plain.stdout, /validation loss \d\.\d{4} nats\/char/);
  assert.match(plain.stdout, /done at step 4 after/);

  const s1 = recur('lm', 'sample', '--model', run, '--prime', 'Jack', '--length', '50', '--seed', '7');
  assert.equal(s1.status, 0, s1.stderr);
  assert.ok(s1.stdout.startsWith('Jack'));
  assert.equal(s1.stdout.length, 4 + 50 + 1);
  assert.equal(recur('lm', 'sample', '--model', run, '--prime', 'Jack', '--length', '50', '--seed', '7').stdout, s1.stdout, 'same seed, same text');
  const g1 = recur('lm', 'sample', '--model', run, '--length', '40', '--temperature', '0', '--seed', '1');
  assert.equal(recur('lm', 'sample', '--model', run, '--length', '40', '--temperature', '0', '--seed', '2').stdout, g1.stdout, 'greedy ignores the seed');
  const js = JSON.parse(recur('lm', 'sample', '--model', run, '--length', '20', '--top-k', '3', '--top-p', '0.9', '--json').stdout);
  assert.equal(js.text.length, 20);
  assert.equal(js.topK, 3);
  assert.ok(Number.isInteger(js.seed));

  const e = recur('lm', 'eval', '--model', run, '--text', RHYMES);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /: \d\.\d{4} nats\/char, \d\.\d{4} bits\/char, perplexity \d+\.\d{3} \(3,209 predictions/);
  const ej = JSON.parse(recur('lm', 'eval', '--model', run, '--text', RHYMES, '--json').stdout);
  assert.ok(Math.abs(ej.bitsPerChar - ej.natsPerChar / Math.LN2) < 1e-12);

  const x = recur('lm', 'explain', '--model', run, '--text', 'Jack\nand');
  assert.equal(x.status, 0, x.stderr);
  const lines = x.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 8, 'one line per input character');
  assert.match(lines[4]!, /^ {2}4 '\\n' \(U\+000A\) [▁▂▃▄▅▆▇█]{24} {2}\|h\| \d+\.\d\d mean [+-]\d\.\d{3} \|c\| \d+\.\d\d {2}units #\d+ [+-]\d\.\d\d/);
  assert.equal(recur('lm', 'explain', '--model', run, '--text', 'Jack', '--json').stdout.trim().split('\n').length, 4);

  const onnx = recur('export', 'onnx', '--model', run, '--out', join(dir, 'lm.onnx'));
  assert.equal(onnx.status, 0, onnx.stderr);
});

test('recur lm train: Ctrl-C writes a checkpoint, exits 130, and --resume gives the losses of an uninterrupted run', async () => {
  const args = [...SMALL, '--dropout', '0.2', '--max-steps', '60', '--eval-every', '20', '--checkpoint-every', '25', '--json'];
  const straight = recur('lm', 'train', ...args, '--out', join(dir, 'straight'));
  assert.equal(straight.status, 0, straight.stderr);
  const want = jsonLines(straight.stdout).filter((e) => e.type === 'step').map((e) => e.loss);

  const out = join(dir, 'interrupted');
  const child = spawn(process.execPath, [bin, 'lm', 'train', ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', sent = false;
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.on('data', (d) => {
    stdout += d;
    if (!sent && /"type":"step","step":(1[2-9]|[2-9]\d)/.test(stdout)) { sent = true; child.kill('SIGINT'); }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  const first = jsonLines(stdout);
  const end = first.at(-1)!;
  assert.equal(end.type, 'end');
  assert.equal(end.reason, 'interrupted');
  assert.ok(end.step < 60, `interrupted at step ${end.step}`);
  assert.ok(first.some((e) => e.type === 'checkpoint' && e.reason === 'interrupt' && e.step === end.step));

  const resumed = recur('lm', 'train', '--resume', '--out', out, '--json');
  assert.equal(resumed.status, 0, resumed.stderr);
  const got = [...first, ...jsonLines(resumed.stdout)].filter((e) => e.type === 'step').map((e) => e.loss);
  assert.deepEqual(got, want, 'bit-identical losses');
});

test('recur lm: bad input gives a one-line error, a non-zero exit, and leaves an existing checkpoint alone', () => {
  assert.ok(existsSync(join(run, 'checkpoint.safetensors')), 'needs the run of the earlier test');
  const before = readFileSync(join(run, 'checkpoint.safetensors'));
  const mtime = statSync(join(run, 'checkpoint.safetensors')).mtimeMs;
  const file = (name: string, data: string | Uint8Array) => { writeFileSync(join(dir, name), data); return join(dir, name); };
  const otherVersion = join(dir, 'other-version');
  mkdirSync(otherVersion, { recursive: true });
  const m = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  writeFileSync(join(otherVersion, 'model.safetensors'), encodeSafetensors(m.tensors, { ...m.metadata, 'recur.format_version': '7' }));
  const corrupt = join(dir, 'corrupt');
  mkdirSync(corrupt, { recursive: true });
  writeFileSync(join(corrupt, 'checkpoint.safetensors'), before.subarray(0, before.length - 100));

  const cases: [string[], RegExp][] = [
    [['lm', 'train', '--text', join(dir, 'missing.txt'), '--out', run, '--force'], /^recur: text file not found: .*missing\.txt$/],
    [['lm', 'train', '--text', file('empty.txt', ''), '--out', run, '--force'], /^recur: .*empty\.txt is empty$/],
    [['lm', 'train', '--text', file('image.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])), '--out', run, '--force'], /^recur: .*image\.png looks binary \(NUL byte at offset 8\)/],
    [['lm', 'train', '--text', file('latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9])), '--out', run, '--force'], /^recur: .*latin1\.txt is not UTF-8 text \(invalid byte 0xe9 at offset 3\)$/],
    [['lm', 'train', '--text', file('short.txt', 'to be or not to be'), '--out', run, '--force'], /^recur: the text is too short for one training window/],
    [['lm', 'train', '--seq-len', '0', '--out', run], /^recur: --seq-len must be an integer >= 1, got '0'$/],
    [['lm', 'train', '--lr', '-0.1', '--out', run], /^recur: --lr must be a number > 0, got '-0.1'$/],
    [['lm', 'train', '--dropout', '1', '--out', run], /^recur: --dropout must be a number in \[0, 1\), got '1'$/],
    [['lm', 'train', '--max-time', '5 minutes', '--out', run], /^recur: --max-time must be a duration such as 30m/],
    [['lm', 'train', '--input', 'one-hot', '--embedding-dim', '32', '--out', run], /^recur: --embedding-dim applies to --input embedding, not one-hot$/],
    [['lm', 'train', '--num-layers', '1', '--dropout', '0.3', '--out', run], /^recur: --dropout applies between recurrent layers, and --num-layers 1 has none/],
    [['lm', 'train', ...SMALL, '--max-steps', '5', '--out', run], /^recur: .* already holds a training run \(checkpoint\.safetensors\); continue it with --resume or start over with --force$/],
    [['lm', 'train', '--resume', '--hidden-size', '64', '--out', run], /^recur: cannot change hiddenSize when resuming: the checkpoint was trained with 24, got 64$/],
    [['lm', 'train', '--resume', '--out', corrupt], /^recur: .*checkpoint\.safetensors is corrupted or not a recur checkpoint: safetensors: /],
    [['lm', 'sample', '--model', run, '--prime', 'Jack é'], /^recur: the prime contains a character outside the vocabulary of \d+: 'é' \(U\+00E9\) at position 5$/],
    [['lm', 'sample', '--model', run, '--top-p', '1.5'], /^recur: --top-p must be a number in \(0, 1\], got '1\.5'$/],
    [['lm', 'sample', '--model', otherVersion], /^recur: .*model file format version 7 is not supported by this recur \(expects 1\)$/],
    [['lm', 'sample', '--model', join(dir, 'nowhere')], /^recur: model not found: /],
    [['lm', 'eval', '--model', run, '--text', file('accents.txt', 'Jack é')], /^recur: .*accents\.txt: contains a character outside the vocabulary of \d+: 'é' \(U\+00E9\) at position 5$/],
    [['lm', 'explain', '--model', run, '--text', ''], /^recur: --text must not be empty$/],
  ];
  for (const [args, want] of cases) {
    const r = recur(...args);
    assert.notEqual(r.status, 0, `${args.join(' ')} must fail`);
    assert.equal(r.stdout, '', `${args.join(' ')} prints nothing on stdout`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), want, args.join(' '));
  }
  assert.deepEqual(readFileSync(join(run, 'checkpoint.safetensors')), before);
  assert.equal(statSync(join(run, 'checkpoint.safetensors')).mtimeMs, mtime);
});
