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
  assert.match(recur('lm', '--help').stdout, /train[\s\S]*sample[\s\S]*eval[\s\S]*explain[\s\S]*complete/);
  for (const [cmd, flag] of [['train', '--max-time <duration>'], ['train', '--tokens <level>'], ['sample', '--top-p <p>'], ['eval', '--text <file>'], ['eval', '--unknown <policy>'], ['explain', '--top <k>'], ['complete', '--words <n>']]) {
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
  assert.match((events[0] as unknown as { details: { backend: string } }).details.backend, /^(wasm|native) \(.*, 2 threads\)$/, '--threads reaches the backend');
  assert.deepEqual(events.filter((e) => e.type !== 'step').map((e) => e.type), ['start', 'eval', 'sample', 'eval', 'sample', 'checkpoint', 'end']);
  assert.equal(events.filter((e) => e.type === 'step').length, 30);
  assert.ok(existsSync(join(run, 'model.safetensors')) && existsSync(join(run, 'checkpoint.safetensors')));

  const plain = recur('lm', 'train', ...SMALL, '--max-steps', '4', '--eval-every', '0', '--out', join(dir, 'plain'), '--threads', '1');
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^training: 2×24 lstm, embedding 8 \(\d[\d,]* parameters\)/);
  assert.match(plain.stdout, /(wasm \(\w+(-\w+)?|native \(\w+), 1 thread\)/);
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
  // A character model from before character vocabularies held the unknown symbol U+FFFD.
  const legacy = join(dir, 'legacy.safetensors');
  const vocabulary = (JSON.parse(m.metadata['recur.vocabulary']!) as string[]).map((ch) => (ch === '\uFFFD' ? '~' : ch));
  assert.ok(!(JSON.parse(m.metadata['recur.vocabulary']!) as string[]).includes('~'));
  writeFileSync(legacy, encodeSafetensors(m.tensors, { ...m.metadata, 'recur.vocabulary': JSON.stringify(vocabulary) }));
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
    [['lm', 'sample', '--model', legacy, '--prime', 'Jack é', '--unknown', 'unk'], /^recur: --unknown unk: this character model has no unknown symbol \(it was trained before recur gave character models one\); use --unknown skip$/],
    [['lm', 'sample', '--model', run, '--prime', 'ééé', '--unknown', 'skip'], /^recur: --prime has no symbol inside the vocabulary to start from$/],
    [['lm', 'sample', '--model', legacy, '--prime', 'ééé'], /^recur: --prime has no symbol inside the vocabulary to start from$/],
    [['lm', 'sample', '--model', run, '--top-p', '1.5'], /^recur: --top-p must be a number in \(0, 1\], got '1\.5'$/],
    [['lm', 'sample', '--model', otherVersion], /^recur: .*model file format version 7 is not supported by this recur \(expects 1\)$/],
    [['lm', 'sample', '--model', join(dir, 'nowhere')], /^recur: model not found: /],
    [['lm', 'eval', '--model', run, '--text', file('accents.txt', 'é')], /^recur: .*accents\.txt: must have at least 2 characters to score a prediction, got 1$/],
    [['lm', 'eval', '--model', run, '--text', file('accents2.txt', 'éé'), '--unknown', 'skip'], /^recur: .*accents2\.txt: must have at least 2 characters inside the vocabulary to score a prediction, got 0$/],
    [['lm', 'complete', '--model', run, '--text', '  '], /^recur: --text is empty; type a few words to complete$/],
    [['lm', 'train', '--resume', '--tokens', 'word', '--out', run], /^recur: --tokens word: the run in .* trains a character-level model; a resumed run keeps its tokens/],
    [['lm', 'train', '--max-vocab', '100', '--out', run, '--force'], /^recur: --max-vocab applies to --tokens word$/],
    [['lm', 'train', '--tie-weights', '--embedding-dim', '8', '--out', run, '--force'], /^recur: char-lm config: tieWeights needs embeddingDim equal to hiddenSize/],
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

test('recur lm: a character outside a character model\'s vocabulary is read as its unknown symbol (or left out) and counted, not fatal', () => {
  const text = join(dir, 'stray.txt');
  writeFileSync(text, 'Jack and Jill went up the hill 🙂 to fetch a pail of water é\n');
  const chars = [...readFileSync(text, 'utf8')].length;
  const evalJson = (...extra: string[]) => {
    const e = recur('lm', 'eval', '--model', run, '--text', text, '--json', ...extra);
    assert.equal(e.status, 0, e.stderr);
    return JSON.parse(e.stdout) as { unknown: { policy: string; count: number; examples: string[] }; predictions: number; natsPerChar: number };
  };
  // A new model learned U+FFFD: by default the stray characters are read as it, every character is scored.
  const r = evalJson();
  assert.deepEqual([r.unknown.policy, r.unknown.count, r.predictions], ['unk', 2, chars - 1]);
  assert.ok(Number.isFinite(r.natsPerChar));
  const skipped = evalJson('--unknown', 'skip');
  assert.deepEqual([skipped.unknown.policy, skipped.unknown.count, skipped.predictions], ['skip', 2, chars - 2 - 1]);
  const plain = recur('lm', 'eval', '--model', run, '--text', text);
  assert.match(plain.stdout, /stray\.txt: 2 of \d+ characters outside the vocabulary \(.*U\+1F642.*U\+00E9.*\) read as the unknown symbol$/m);
  // A model without one leaves them out.
  const legacyEval = recur('lm', 'eval', '--model', join(dir, 'legacy.safetensors'), '--text', text);
  assert.match(legacyEval.stdout, /stray\.txt: 2 of \d+ characters outside the vocabulary \(.*\) left out$/m);
  const s = recur('lm', 'sample', '--model', run, '--prime', 'Jack é', '--length', '5', '--seed', '1');
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /^note: --prime: 1 of 6 characters outside the vocabulary \('é' \(U\+00E9\)\) read as the unknown symbol/);
  assert.ok(s.stdout.startsWith('Jack é'));
  // complete: the rest of the word being typed, ranked; probabilities of distinct completions sum to at most 1.
  const c = recur('lm', 'complete', '--model', run, '--text', 'Jack and Ji', '--top-k', '3', '--json');
  assert.equal(c.status, 0, c.stderr);
  const got = JSON.parse(c.stdout) as { prefix: string; completions: { text: string; probability: number }[] };
  assert.equal(got.prefix, 'Ji');
  assert.equal(got.completions.length, 3);
  assert.ok(got.completions.every((x, i) => /^[\p{L}'’-]*$/u.test(x.text) && (i === 0 || x.probability <= got.completions[i - 1]!.probability)), c.stdout);
  assert.ok(got.completions.reduce((a, x) => a + x.probability, 0) <= 1 + 1e-9);
});

test('recur lm --tokens word: train, resume keeps the tokens, eval per word with [UNK] counted, sample, complete from stdin', () => {
  const words = join(dir, 'words');
  const W = ['--text', RHYMES, '--tokens', 'word', '--hidden-size', '16', '--embedding-dim', '16', '--num-layers', '1', '--batch-size', '4', '--seq-len', '8', '--lr', '0.01', '--threads', '1', '--json'];
  const t = recur('lm', 'train', ...W, '--tie-weights', '--max-vocab', '60', '--max-steps', '40', '--eval-every', '20', '--out', words);
  assert.equal(t.status, 0, t.stderr);
  const ev = jsonLines(t.stdout) as unknown as { type: string; metrics?: { perplexity: number }; details?: { model: string; facts: [string, string][] } }[];
  assert.match(ev[0]!.details!.model, /^1×16 lstm, embedding 16, tied output layer, words$/);
  assert.match(ev[0]!.details!.facts.find((f) => f[0] === 'vocabulary')![1], /^60 words/);
  assert.ok(ev.filter((e) => e.type === 'eval').every((e) => e.metrics!.perplexity > 1), t.stdout);
  const resumed = recur('lm', 'train', '--resume', '--out', words, '--max-steps', '50', '--json');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(jsonLines(resumed.stdout).filter((e) => e.type === 'step').length, 10);

  const text = join(dir, 'words-eval.txt');
  writeFileSync(text, 'Jack and Jill went up the hill to fetch a pail of xyzzy water .\n');
  const e = recur('lm', 'eval', '--model', words, '--text', text, '--json');
  assert.equal(e.status, 0, e.stderr);
  const r = JSON.parse(e.stdout) as { tokens: string; natsPerWord: number; perplexity: number; predictions: number; unknown: { policy: string; count: number; symbols: number } };
  assert.equal(r.tokens, 'word');
  assert.equal(r.unknown.policy, 'unk');
  assert.ok(r.unknown.count >= 1 && r.unknown.symbols === 15, e.stdout);
  assert.equal(r.predictions, 14);
  assert.ok(Math.abs(Math.exp(r.natsPerWord) - r.perplexity) < 1e-6 * r.perplexity);
  const skip = JSON.parse(recur('lm', 'eval', '--model', words, '--text', text, '--json', '--unknown', 'skip').stdout) as { predictions: number; unknown: { count: number } };
  assert.equal(skip.predictions, 14 - skip.unknown.count);

  const s = recur('lm', 'sample', '--model', words, '--prime', 'Jack and', '--length', '6', '--seed', '2', '--json');
  assert.equal(s.status, 0, s.stderr);
  assert.ok((JSON.parse(s.stdout) as { text: string }).text.trim().length > 0);
  const c = spawnSync(process.execPath, [bin, 'lm', 'complete', '--model', words, '--json', '--top-k', '4'], { encoding: 'utf8', input: 'Jack and \nthe hi\n\nup the hill to fetch a ' });
  assert.equal(c.status, 0, c.stderr);
  const lines = c.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; prefix: string; completions: { text: string; probability: number }[] });
  assert.deepEqual(lines.map((l) => [l.text, l.prefix]), [['Jack and ', ''], ['the hi', 'hi'], ['up the hill to fetch a ', '']]);
  for (const l of lines) {
    assert.equal(l.completions.length, l.prefix ? Math.min(4, l.completions.length) : 4, JSON.stringify(l)); // a prefix may start fewer words
    assert.ok(l.completions.length >= 1 && l.completions.every((x) => !/\[(UNK|PAD|NUM|URL)\]/.test(x.text)), JSON.stringify(l));
  }
  const beam = recur('lm', 'complete', '--model', words, '--text', 'Jack and ', '--words', '3', '--top-k', '2', '--json');
  const b = JSON.parse(beam.stdout) as { completions: { text: string; probability: number }[] };
  assert.equal(b.completions.length, 2);
  assert.ok(b.completions.every((x) => x.text.split(' ').filter(Boolean).length >= 1 && x.probability > 0 && x.probability < 1), beam.stdout);
});
