import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const dir = tempDir('recur-seq2seq-cli-');
const recur = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000, input });
type Ev = { type: string; step: number; loss: number; metrics?: Record<string, number>; details?: { facts: [string, string | number][]; model: string } };
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
const FAST = ['--threads', '1', '--json', '--hidden-size', '32', '--embedding-dim', '16', '--batch-size', '32', '--lr', '0.01'];

test('recur seq2seq: dates -> train (characters, attention), resume bit-exact, translate with beam and n-best, eval with BLEU and an attention plot', () => {
  const gen = recur(['seq2seq', 'dates', '--count', '1500', '--seed', '1', '--out', join(dir, 'dates.tsv')]);
  assert.equal(gen.status, 0, gen.stderr);
  const lines = readFileSync(join(dir, 'dates.tsv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 1500);
  assert.ok(lines.every((l) => /^[^\t]+\t\d{4}-\d\d-\d\d$/.test(l)), lines[0]);
  assert.equal(recur(['seq2seq', 'dates', '--count', '300', '--seed', '2', '--out', join(dir, 'held-out.tsv')]).status, 0);

  const train = (out: string, ...more: string[]) => recur(['seq2seq', 'train', '--data', join(dir, 'dates.tsv'), '--out', out, '--tokenizer', 'char', ...FAST, ...more]);
  const straight = train(join(dir, 'dates'), '--max-steps', '160', '--eval-every', '80');
  assert.equal(straight.status, 0, straight.stderr);
  const events = jsonLines(straight.stdout);
  assert.match(events[0]!.details!.model, /^encoder 1×16 bidirectional gru -> decoder 1×32 gru, general attention, input feeding, embedding 16$/);
  const steps = events.filter((e) => e.type === 'step').map((e) => e.loss);
  assert.ok(steps.at(-1)! < steps[0]! * 0.5, `loss ${steps.join(' ')}`);
  const evals = events.filter((e) => e.type === 'eval');
  assert.equal(evals.length, 2);
  assert.ok(evals.every((e) => typeof e.metrics!.bleu === 'number' && typeof e.metrics!.exact === 'number'), JSON.stringify(evals));

  // Stopped at 80 steps and resumed to 160: the same losses.
  const half = train(join(dir, 'half'), '--max-steps', '80', '--eval-every', '80');
  assert.equal(half.status, 0, half.stderr);
  const resumed = recur(['seq2seq', 'train', '--resume', '--out', join(dir, 'half'), '--max-steps', '160', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual([...jsonLines(half.stdout), ...jsonLines(resumed.stdout)].filter((e) => e.type === 'step').map((e) => e.loss), steps);

  const model = join(dir, 'dates');
  const t = recur(['seq2seq', 'translate', '--model', model, 'March 3, 2021', '3rd of March 2021']);
  assert.equal(t.status, 0, t.stderr);
  const out = t.stdout.trim().split('\n');
  assert.equal(out.length, 2);
  assert.ok(out.every((l) => /^[0-9-]+$/.test(l)), t.stdout);
  const nb = recur(['seq2seq', 'translate', '--model', model, '--n-best', '3', '--json'], '2021.3.3\n\n1 jan 1999\n');
  assert.equal(nb.status, 0, nb.stderr);
  const js = nb.stdout.trim().split('\n').map((l) => JSON.parse(l) as { source: string; translations: { text: string; score: number }[] });
  assert.deepEqual(js.map((j) => j.source), ['2021.3.3', '1 jan 1999']);
  assert.ok(js.every((j) => j.translations.length === 3 && j.translations[0]!.score >= j.translations[2]!.score), nb.stdout);

  const plot = join(dir, 'attention.svg');
  const ev = recur(['seq2seq', 'eval', '--model', model, '--data', join(dir, 'held-out.tsv'), '--plot-attention', plot, '--example', '2']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /^BLEU \d+\.\d\d {2}\(.*sacreBLEU 13a\)$/m);
  assert.match(ev.stdout, /^chrF \d+\.\d\d$/m);
  assert.match(ev.stdout, /^exact match \d+\.\d\d%$/m);
  assert.match(ev.stdout, /^source length {2}pairs {2}exact match$/m);
  const svg = readFileSync(plot, 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /attention weight/);
  const ej = JSON.parse(recur(['seq2seq', 'eval', '--model', model, '--data', join(dir, 'held-out.tsv'), '--decode', 'greedy', '--json']).stdout);
  assert.equal(ej.pairs, 300);
  assert.equal(ej.decoding, 'greedy');
  assert.ok(ej.bleu >= 0 && ej.bleu <= 100 && ej.chrf >= 0 && ej.exactMatch >= 0, JSON.stringify(ej));

  const onnx = recur(['export', 'onnx', '--model', model, '--out', join(dir, 'dates.onnx'), '--json']);
  assert.equal(onnx.status, 0, onnx.stderr);
  assert.deepEqual(JSON.parse(onnx.stdout).files.map((f: { path: string }) => f.path), [join(dir, 'dates.encoder.onnx'), join(dir, 'dates.decoder-step.onnx')]);
  assert.ok(statSync(join(dir, 'dates.decoder-step.onnx')).size > 1000);
});

test('recur seq2seq: word-level pairs with extra columns, no attention, reversed source; translate from a file', () => {
  const rows: string[] = [];
  const en = ['i am', 'you are', 'he is', 'she is', 'we are', 'they are'];
  const fr = ['je suis', 'tu es', 'il est', 'elle est', 'nous sommes', 'ils sont'];
  const adj = [['happy', 'heureux'], ['tired', 'fatigué'], ['here', 'ici'], ['late', 'en retard'], ['ready', 'prêt']];
  en.forEach((e, i) => adj.forEach(([a, b]) => rows.push(`${e} ${a} .\t${fr[i]} ${b} .\tCC-BY attribution #${i}`)));
  const pairs = file('pairs.tsv', `${rows.join('\n')}\n`);
  const r = recur(['seq2seq', 'train', '--data', pairs, '--out', join(dir, 'words'), ...FAST, '--attention', 'none', '--reverse-source', '--no-bidirectional', '--max-steps', '60', '--eval-every', '0', '--validation', '0.2']);
  assert.equal(r.status, 0, r.stderr);
  const ev = jsonLines(r.stdout);
  assert.match(ev[0]!.details!.model, /^encoder 1×32 gru \(reversed source\) -> decoder 1×32 gru, no attention, embedding 16$/);
  const facts = Object.fromEntries(ev[0]!.details!.facts);
  assert.match(String(facts.pairs), /^24 training, 6 validation \(held out by source sentence\)$/);
  const input = file('to-translate.txt', 'i am happy .\nthey are ready .\n');
  const t = recur(['seq2seq', 'translate', '--model', join(dir, 'words'), '--input', input, '--decode', 'greedy']);
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.stdout.trim().split('\n').length, 2);
  const p = recur(['seq2seq', 'translate', '--model', join(dir, 'words'), '--plot-attention', join(dir, 'none.svg'), 'i am happy .']);
  assert.notEqual(p.status, 0);
  assert.match(p.stderr, /this model has no attention/);
});

test('recur seq2seq: bad input is one clear line, a non-zero exit, and touches no file', () => {
  const data = file('ok.tsv', 'one\tun\ntwo\tdeux\nthree\ttrois\nfour\tquatre\nfive\tcinq\n');
  const run = join(dir, 'guarded');
  assert.equal(recur(['seq2seq', 'train', '--data', data, '--out', run, ...FAST, '--max-steps', '2', '--eval-every', '0']).status, 0);
  const before = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  const lm = join(dir, 'lm-run');
  assert.equal(recur(['lm', 'train', '--text', data, '--out', lm, '--max-steps', '1', '--threads', '1', '--hidden-size', '8', '--batch-size', '2', '--seq-len', '8', '--json']).status, 0);
  const train: [string[], RegExp][] = [
    [['--data', file('no-tab.tsv', 'one\tun\ntwo deux\n')], /no-tab\.tsv: line 2 has no TAB; each line must be source<TAB>target/],
    [['--data', file('empty-side.tsv', 'one\tun\n\tdeux\n')], /empty-side\.tsv: line 2 has an empty source \(column 1\)/],
    [['--data', file('empty-target.tsv', 'one\tun\ntwo\t \n')], /line 2 has an empty target \(column 2\)/],
    [['--tokenizer', 'char', '--source-tokenizer', 'word'], /give --tokenizer for both sides, or --source-tokenizer \/ --target-tokenizer, not both/],
    [['--shared-vocabulary', '--source-tokenizer', 'char'], /sharedVocabulary needs the same tokenizer on both sides/],
    [['--hidden-size', '33'], /a bidirectional encoder gives each direction half of hiddenSize, so it must be even, got 33/],
  ];
  for (const [flags, msg] of train) {
    const args = ['seq2seq', 'train', '--data', data, '--out', run, '--force', ...FAST, '--max-steps', '1'];
    const r = recur([...args.filter((a, i) => !(flags.includes('--data') && (a === '--data' || args[i - 1] === '--data'))), ...flags]);
    assert.notEqual(r.status, 0, `${flags.join(' ')} should fail`);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
    assert.equal(lines.length, 1, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, msg, flags.join(' '));
  }
  const schedule = recur(['seq2seq', 'train', '--data', data, '--out', run, '--force', ...FAST, '--teacher-forcing-end', '0.5', '--max-time', '5s']);
  assert.notEqual(schedule.status, 0);
  assert.match(schedule.stderr, /teacherForcingEnd: a teacher forcing schedule runs over the steps of the run; give --max-steps or --max-epochs/);
  const translate: [string[], RegExp][] = [
    [['--model', lm, 'one'], /'char-lm' model, not an encoder-decoder/],
    [['--model', run, 'one two three'], /text 1: 3 source tokens, more than the model's bound of 2 \(its training length limit, else twice its longest training source\); --truncate cuts it to 2/],
    [['--model', run, '--beam-width', '0', 'one'], /^recur: --beam-width must be an integer >= 1, got '0'$/],
    [['--model', run, '--unknown', 'unk', 'seven'], /--unknown unk: this model never read \[UNK\] in training/],
    [['--model', run, 'seven'], /text 1: no source token is in the model's vocabulary/],
    [['--model', run, '--decode', 'greedy', '--beam-width', '3', 'one'], /--beam-width and --length-penalty steer beam search, and --decode is greedy/],
  ];
  for (const [flags, msg] of translate) {
    const r = recur(['seq2seq', 'translate', ...flags]);
    assert.notEqual(r.status, 0, flags.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), msg);
  }
  const cut = recur(['seq2seq', 'translate', '--model', run, '--truncate', 'one two three']);
  assert.equal(cut.status, 0, cut.stderr);
  assert.match(cut.stderr, /warning: 1 source cut to 2 tokens, the model's bound/);
  const after = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  assert.deepEqual(after, before, 'the run directory is untouched');
});
