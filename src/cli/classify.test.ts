import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../src/data/fixtures/${name}`, import.meta.url));
const SENTIMENT = fixture('sentiment-tiny.tsv');
const dir = tempDir('recur-classify-cli-');
const recur = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, input });
type Ev = { type: string; step: number; loss: number; reason?: string; metrics?: Record<string, number>; details?: { facts: [string, string | number][] } };
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const FAST = ['--threads', '1', '--json', '--hidden-size', '16', '--batch-size', '8'];
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };

test('recur classify: sentiment table -> train, resume bit-exact, eval with a confusion matrix and plot, predict from arguments, stdin, --top-k, --json', () => {
  const train = (out: string, ...more: string[]) => recur(['classify', 'train', '--data', SENTIMENT, '--out', out, ...FAST, '--lr', '0.02', '--patience', '50', ...more]);
  const straight = train(join(dir, 'sent'), '--max-epochs', '12');
  assert.equal(straight.status, 0, straight.stderr);
  const events = jsonLines(straight.stdout);
  const facts = Object.fromEntries(events[0]!.details!.facts);
  assert.match(String(facts.classes), /^2: 0, 1$/);
  assert.ok(Number(facts.vocabulary) > 20, JSON.stringify(facts));
  const want = events.filter((e) => e.type === 'step').map((e) => e.loss);
  // Mean loss of the first and the last quarter of the step lines (head dropout makes single steps noisy).
  const mean = (l: number[]) => l.reduce((a, b) => a + b, 0) / l.length;
  const q = Math.floor(want.length / 4);
  assert.ok(q >= 3 && mean(want.slice(-q)) < mean(want.slice(0, q)) * 0.5, `loss ${want.join(' ')}`);

  // Stopped after 5 epochs and resumed to 12: the same losses as the straight run.
  const half = train(join(dir, 'half'), '--max-epochs', '5');
  assert.equal(half.status, 0, half.stderr);
  const resumed = recur(['classify', 'train', '--resume', '--out', join(dir, 'half'), '--max-epochs', '12', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const got = [...jsonLines(half.stdout), ...jsonLines(resumed.stdout)].filter((e) => e.type === 'step').map((e) => e.loss);
  assert.deepEqual(got, want);

  const plot = join(dir, 'confusion.svg');
  const ev = recur(['classify', 'eval', '--model', join(dir, 'sent'), '--data', SENTIMENT, '--plot', plot]);
  assert.equal(ev.status, 0, ev.stderr);
  const acc = Number(/^accuracy (\d+\.\d+)%/m.exec(ev.stdout)![1]);
  assert.ok(acc >= 90, ev.stdout);
  assert.match(ev.stdout, /^class +precision +recall +F1 +support$/m);
  assert.match(ev.stdout, /^confusion matrix \(rows: true class, columns: predicted\)$/m);
  const rows = ev.stdout.trim().split('\n').slice(-2).map((l) => l.trim().split(/\s+/).slice(1).map(Number));
  assert.equal(rows.flat().reduce((a, b) => a + b, 0), 40, ev.stdout);
  assert.match(readFileSync(plot, 'utf8'), /^<svg/);
  const ej = JSON.parse(recur(['classify', 'eval', '--model', join(dir, 'sent'), '--data', SENTIMENT, '--json']).stdout);
  assert.equal(ej.examples, 40);
  assert.equal(ej.accuracy, acc / 100);

  const p = recur(['classify', 'predict', '--model', join(dir, 'sent'), 'i love this great film', 'awful, i hate it']);
  assert.equal(p.status, 0, p.stderr);
  const lines = p.stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(lines.map((l) => [l[0], l[2]]), [['1', 'i love this great film'], ['0', 'awful, i hate it']]);
  assert.ok(Number(lines[0]![1]) > 0.5 && Number(lines[0]![1]) <= 1);
  const viaStdin = recur(['classify', 'predict', '--model', join(dir, 'sent'), '--top-k', '2', '--json'], 'i love this great film\n\nawful, i hate it\n');
  assert.equal(viaStdin.status, 0, viaStdin.stderr);
  const js = viaStdin.stdout.trim().split('\n').map((l) => JSON.parse(l) as { input: string; labels: { label: string; probability: number }[] });
  assert.equal(js.length, 2, 'the blank line is skipped');
  assert.equal(js[0]!.labels.length, 2);
  assert.ok(Math.abs(js[0]!.labels[0]!.probability + js[0]!.labels[1]!.probability - 1) < 1e-4);
  assert.equal(js[0]!.labels[0]!.label, '1');
  assert.ok(Math.abs(js[0]!.labels[0]!.probability - Number(lines[0]![1])) < 1e-4, 'the same model and probability as plain output');
});

test('recur classify: names (one file per class, characters), IDX images and JSON Lines sequences', () => {
  const names = recur(['classify', 'train', '--data', fixture('names-tiny'), '--out', join(dir, 'names'), ...FAST, '--lr', '0.02', '--max-epochs', '15', '--validation', '0.2']);
  assert.equal(names.status, 0, names.stderr);
  const facts = Object.fromEntries(jsonLines(names.stdout)[0]!.details!.facts);
  assert.match(String(facts.classes), /^3: Alpha, Beta, Gamma$/);
  const ev = recur(['classify', 'eval', '--model', join(dir, 'names'), '--data', fixture('names-tiny'), '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.ok(JSON.parse(ev.stdout).accuracy > 0.8, ev.stdout);
  const p = recur(['classify', 'predict', '--model', join(dir, 'names'), 'Smirnova']);
  assert.match(p.stdout, /^Alpha\t/);

  const images = fixture('tiny-images-idx3-ubyte.gz'), labels = fixture('tiny-labels-idx1-ubyte.gz');
  const idx = recur(['classify', 'train', '--data', images, '--labels', labels, '--out', join(dir, 'idx'), ...FAST, '--lr', '0.02', '--max-epochs', '20', '--validation', '0.25',
    // Validated once an epoch (the default), six validation images would stop the run in its
    // warm-up (patience 3 with accuracy stuck at 50%), or keep as best the first model to score
    // 100% on them; validating at the end keeps the model of all 20 epochs (so with the next run).
    '--eval-every', '0']);
  assert.equal(idx.status, 0, idx.stderr);
  const ie = JSON.parse(recur(['classify', 'eval', '--model', join(dir, 'idx'), '--data', images, '--labels', labels, '--json']).stdout);
  assert.ok(ie.accuracy > 0.9, JSON.stringify(ie));
  const ip = recur(['classify', 'predict', '--model', join(dir, 'idx'), '--input', images]);
  assert.equal(ip.stdout.trim().split('\n').length, 24);

  const seqs = fixture('sequences-tiny.jsonl');
  const sq = recur(['classify', 'train', '--data', seqs, '--out', join(dir, 'seq'), ...FAST, '--lr', '0.02', '--max-epochs', '20', '--pooling', 'attention', '--eval-every', '0']);
  assert.equal(sq.status, 0, sq.stderr);
  const se = JSON.parse(recur(['classify', 'eval', '--model', join(dir, 'seq'), '--data', seqs, '--json']).stdout);
  assert.ok(se.accuracy > 0.9, JSON.stringify(se));
  const unlabelled = file('to-classify.jsonl', '{"sequence":[[0,0],[0.5,0],[1,0],[1.5,0]]}\n{"sequence":[[0,0],[-0.5,0],[-1,0],[-1.5,0]]}\n');
  const sp = recur(['classify', 'predict', '--model', join(dir, 'seq'), '--input', unlabelled]);
  assert.equal(sp.status, 0, sp.stderr);
  assert.deepEqual(sp.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['up', 'down']);
});

test('recur classify: multi-label tables, class weights and pre-trained vectors', () => {
  const rows: string[] = [];
  const words = { a: ['apple', 'apricot'], b: ['banana', 'blueberry'], c: ['cherry', 'coconut'] };
  for (let i = 0; i < 60; i++) {
    const set = (["a", "b", "c"] as const).filter((_, k) => (((i % 7) + 1) >> k) & 1);
    rows.push(`${set.map((k, j) => words[k][(i + j) % 2]).join(' ')} and more\t${set.join(',')}`);
  }
  const ml = file('multi.tsv', `${rows.join('\n')}\n`);
  const t = recur(['classify', 'train', '--data', ml, '--multi-label', '--out', join(dir, 'ml'), ...FAST, '--lr', '0.03', '--max-epochs', '25']);
  assert.equal(t.status, 0, t.stderr);
  const e = JSON.parse(recur(['classify', 'eval', '--model', join(dir, 'ml'), '--data', ml, '--json']).stdout);
  assert.equal(e.multiLabel, true);
  assert.ok(e.accuracy > 0.9 && e.microF1 > 0.95, JSON.stringify(e));
  const p = recur(['classify', 'predict', '--model', join(dir, 'ml'), '--json', 'cherry apple']);
  assert.deepEqual(JSON.parse(p.stdout).predicted, ['a', 'c']);

  const w = recur(['classify', 'train', '--data', SENTIMENT, '--out', join(dir, 'weighted'), ...FAST, '--max-epochs', '1', '--class-weights', 'auto', '--vectors', fixture('vectors-tiny.txt'), '--freeze-vectors']);
  assert.equal(w.status, 0, w.stderr);
  const facts = Object.fromEntries(jsonLines(w.stdout)[0]!.details!.facts);
  assert.match(String(facts['class weights']), /^balanced, /);
  assert.match(String(facts.vectors), /^\d+ of \d+ vocabulary tokens found in .*vectors-tiny\.txt \(8 dimensions, frozen\); \d+ out of vocabulary/);
  const w2v = recur(['classify', 'train', '--data', SENTIMENT, '--out', join(dir, 'w2v'), ...FAST, '--max-epochs', '1', '--vectors', fixture('vectors-tiny-w2v.txt')]);
  assert.equal(w2v.status, 0, w2v.stderr);
});

test('recur classify: bad input is one clear line, a non-zero exit, and touches no file', () => {
  const run = join(dir, 'guarded');
  assert.equal(recur(['classify', 'train', '--data', SENTIMENT, '--out', run, ...FAST, '--max-epochs', '1', '--max-length', '6']).status, 0);
  const before = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  const lm = join(dir, 'lm-run');
  assert.equal(recur(['lm', 'train', '--text', SENTIMENT, '--out', lm, '--max-steps', '1', '--threads', '1', '--hidden-size', '8', '--batch-size', '2', '--seq-len', '16', '--json']).status, 0);
  // An IDX images file whose header counts 24 images of 28x28 but whose data stops after 100 bytes.
  const idxShort = join(dir, 'short-images-idx3-ubyte');
  writeFileSync(idxShort, Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 24, 0, 0, 0, 28, 0, 0, 0, 28, ...new Array<number>(100).fill(7)]));
  const cases: [string[], RegExp, string?][] = [
    [['--label-column', 'sentiment'], /column 'sentiment' not found in .*sentiment-tiny.tsv; the columns are/],
    [['--data', file('one-class.tsv', 'good\t1\nfine\t1\nnice\t1\n')], /at least 2 classes/],
    [['--data', file('empty-row.tsv', 'good\t1\n\t0\nbad\t0\n'), '--strict'], /line 2.*empty/i],
    [['--data', fixture('tiny-images-idx3-ubyte.gz'), '--labels', fixture('tiny-labels-bad-count-idx1-ubyte.gz')], /24 images .* 20 labels/],
    [['--data', idxShort, '--labels', fixture('tiny-labels-idx1-ubyte.gz')], /dims \[24, 28, 28\] needs 18816 bytes after the 16-byte header, got 100/],
    [['--data', file('ragged.jsonl', '{"sequence": [[1, 2], [3, 4]], "label": "a"}\n{"sequence": [[1, 2], [3]], "label": "b"}\n')], /line 2.*step 1 has 1 values but step 0 has 2/],
    [['--vectors', file('ragged.txt', 'good 1 2 3\nbad 1 2\n')], /line 2 has 2 values/],
    [['--vectors', fixture('vectors-tiny.txt'), '--embedding-dim', '5'], /8 dimensions but --embedding-dim is 5/],
    [['--validation-data', file('unseen.tsv', 'good\t1\nbad\t0\nmeh\t2\n')], /label '2'.*training data does not have/],
  ];
  for (const [flags, msg] of cases) {
    const args = ['classify', 'train', '--data', SENTIMENT, '--out', run, '--force', ...FAST, '--max-epochs', '1'];
    const r = recur([...args.filter((a, i) => !(flags.includes('--data') && (a === '--data' || args[i - 1] === '--data'))), ...flags]);
    assert.notEqual(r.status, 0, `${flags.join(' ')} should fail`);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
    assert.equal(lines.length, 1, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, msg, flags.join(' '));
  }
  const predictCases: [string[], RegExp][] = [
    [['--model', lm, 'hello'], /'char-lm' model, not a classifier/],
    [['--model', run, 'a very good film that i love and would watch again'], /more than the 6 the model was trained on.*--truncate/],
  ];
  for (const [flags, msg] of predictCases) {
    const r = recur(['classify', 'predict', ...flags]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr.trim(), msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(recur(['classify', 'predict', '--model', run, '--truncate', 'a very good film that i love and would watch again']).status, 0);
  const unknown = recur(['classify', 'eval', '--model', run, '--data', file('unknown-label.tsv', 'good\t1\nbad\tneutral\n')]);
  assert.match(unknown.stderr, /label 'neutral', which the model does not know/);
  const after = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  assert.deepEqual(after, before, 'the run directory is untouched');
});
