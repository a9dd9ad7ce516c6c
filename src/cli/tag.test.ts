// `recur tag` end to end on a toy grammar (no ../shared needed): train on TSV with character
// features, resume bit-exact, eval with unseen-word accuracy and per-tag F1, predict plain
// sentences and files (TSV tokens alone, CoNLL-U with comments and a multi-word token written
// back), a CRF model on CoNLL-U; and bad input: one clear line, a non-zero exit, no file touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/temp-dir.js';
import { toyConllu, toyTaggedSentences, toyTsv } from '../testing/toy-tagged.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const dir = tempDir('recur-tag-cli-');
const recur = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000, input });
type Ev = { type: string; step: number; loss: number; metrics?: Record<string, number>; details?: { model: string } };
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const file = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
const FAST = ['--threads', '1', '--json', '--hidden-size', '32', '--embedding-dim', '16', '--char-embedding-dim', '8', '--char-hidden-size', '16', '--batch-size', '16', '--lr', '0.01', '--dropout', '0.1'];
const TRAIN = file('train.tsv', toyTsv(toyTaggedSentences(400, 1)));
const HELD_OUT = file('held-out.tsv', toyTsv(toyTaggedSentences(100, 2, 0.5)));

test('recur tag: train on TSV, resume bit-exact, eval with unseen-word accuracy, predict sentences and files', () => {
  const train = (out: string, ...more: string[]) => recur(['tag', 'train', '--data', TRAIN, '--out', out, ...FAST, ...more]);
  const straight = train(join(dir, 'pos'), '--max-steps', '160', '--eval-every', '80');
  assert.equal(straight.status, 0, straight.stderr);
  const events = jsonLines(straight.stdout);
  assert.equal(events[0]!.details!.model, 'word embedding 16 + character BiLSTM 16×2 -> 1×32 bidirectional lstm -> softmax over 8 tags');
  const evals = events.filter((e) => e.type === 'eval');
  assert.equal(evals.length, 2);
  assert.ok(evals[1]!.metrics!.accuracy! > 0.9, JSON.stringify(evals));

  // Stopped within the warm-up (where the learning rate does not depend on --max-steps) and resumed to 160: the same losses.
  const half = train(join(dir, 'half'), '--max-steps', '40', '--eval-every', '80');
  assert.equal(half.status, 0, half.stderr);
  const resumed = recur(['tag', 'train', '--resume', '--out', join(dir, 'half'), '--max-steps', '160', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const losses = (s: string) => jsonLines(s).filter((e) => e.type === 'step').map((e) => e.loss);
  assert.deepEqual([...losses(half.stdout), ...losses(resumed.stdout)], losses(straight.stdout));

  const model = join(dir, 'pos');
  const ev = recur(['tag', 'eval', '--model', model, '--data', HELD_OUT, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const m = (JSON.parse(ev.stdout) as { metrics: { accuracy: number; unseenTokens: number; unseenAccuracy: number; perTag: { tag: string; f1: number }[]; chunks?: unknown } }).metrics;
  assert.ok(m.accuracy > 0.9, `held-out accuracy ${m.accuracy}`);
  assert.ok(m.unseenTokens > 20, `unseen tokens ${m.unseenTokens}`);
  assert.ok(m.unseenAccuracy > 0.5, `unseen-word accuracy ${m.unseenAccuracy} (character features)`);
  assert.deepEqual(m.perTag.map((r) => r.tag), ['ADJ', 'ADP', 'ADV', 'DET', 'NOUN', 'PROPN', 'PUNCT', 'VERB']);
  assert.equal(m.chunks, undefined); // POS tags are not BIO chunks
  const table = recur(['tag', 'eval', '--model', model, '--data', HELD_OUT]);
  assert.match(table.stdout, /^accuracy \d+\.\d\d%$/m);
  assert.match(table.stdout, /^unseen-word accuracy \d+\.\d\d% \(\d+ tokens outside the vocabulary\)$/m);
  assert.match(table.stdout, /^NOUN +\d+\.\d\d% +\d+\.\d\d% +\d+\.\d\d% +\d+$/m);

  const p = recur(['tag', 'predict', '--model', model, 'the big dog saw a cat.', "Alice can't see Bob's car."]);
  assert.equal(p.status, 0, p.stderr);
  assert.deepEqual(p.stdout.trim().split('\n').map((l) => l.split(' ').map((wt) => wt.split('/')[0])),
    [['the', 'big', 'dog', 'saw', 'a', 'cat', '.'], ['Alice', 'ca', "n't", 'see', 'Bob', "'s", 'car', '.']]); // words split as treebanks do
  assert.match(p.stdout, /^the\/DET big\/ADJ dog\/NOUN saw\/VERB a\/DET cat\/NOUN \.\/PUNCT$/m);

  // A TSV of tokens alone gets the tag column; the same tokens, in order, sentence breaks kept.
  const tokens = toyTaggedSentences(5, 3).map((s) => s.words.join('\n')).join('\n\n');
  const t = recur(['tag', 'predict', '--model', model], `${tokens}\n`);
  assert.equal(t.status, 0, t.stderr);
  const rows = t.stdout.split('\n');
  assert.deepEqual(rows.map((r) => r.split('\t')[0]), `${tokens}\n`.split('\n'));
  assert.ok(rows.filter((r) => r !== '').every((r) => /^[^\t]+\t(ADJ|ADP|ADV|DET|NOUN|PROPN|PUNCT|VERB)$/.test(r)), t.stdout);
});

test('recur tag: a CRF on CoNLL-U, written back with comments and multi-word tokens as they were', () => {
  const out = join(dir, 'crf');
  const r = recur(['tag', 'train', '--data', file('train.conllu', toyConllu(toyTaggedSentences(300, 4))), '--out', out, ...FAST, '--crf', '--max-steps', '120', '--eval-every', '0']);
  assert.equal(r.status, 0, r.stderr);
  const events = jsonLines(r.stdout);
  assert.match(events[0]!.details!.model, /-> CRF over 8 tags$/);
  assert.ok(events.filter((e) => e.type === 'eval').at(-1)!.metrics!.accuracy! > 0.85, r.stdout);
  const input = '# text = Bob saw the dog.\n# sent_id = x1\n1\tBob\t_\t_\t_\t_\t_\t_\t_\t_\n2-3\tsaw the\t_\t_\t_\t_\t_\t_\t_\t_\n2\tsaw\t_\t_\t_\t_\t_\t_\t_\t_\n3\tthe\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n4\tdog\t_\t_\t_\t_\t_\t_\t_\t_\n5\t.\t_\t_\t_\t_\t_\t_\t_\t_\n';
  const p = recur(['tag', 'predict', '--model', out, '--input', file('raw.conllu', input)]);
  assert.equal(p.status, 0, p.stderr);
  const lines = p.stdout.trimEnd().split('\n');
  const inLines = input.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 2), inLines.slice(0, 2)); // comments unchanged
  assert.equal(lines[3], inLines[3]); // the multi-word token's range line unchanged
  assert.deepEqual([2, 4, 5, 6, 7].map((i) => lines[i]!.split('\t')[3]), ['PROPN', 'VERB', 'DET', 'NOUN', 'PUNCT']);
  assert.equal(lines[5]!.split('\t')[9], 'SpaceAfter=No'); // other fields as they were
  assert.equal(lines.length, inLines.length);
});

test('recur tag: bad input is one clear line, a non-zero exit, and touches no file', () => {
  const run = join(dir, 'guarded');
  assert.equal(recur(['tag', 'train', '--data', TRAIN, '--out', run, ...FAST, '--max-steps', '2']).status, 0);
  const before = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  const cases: [string[], RegExp][] = [
    [['--data', file('no-tag.tsv', 'the\tDET\ndog\n\na\tDET\ncat\tNOUN\n')], /no-tag\.tsv line 2: token 'dog' has no tag \(no column 2: the line has only the token\)/],
    [['--tag-column', '5'], /train\.tsv line 1: token '\S+' has no tag \(no column 5: the line has 2 columns\)/],
    [['--data', file('x.conllu', '1\tthe\t_\tDET\t_\t_\t_\t_\t_\t_\n'), '--tag-column', 'lemmas'], /unknown tag column 'lemmas'; give upos, xpos, deprel, feats:Name or a field number 3 to 10/],
    [['--data', file('range.conllu', '1\tI\t_\tPRON\t_\t_\t_\t_\t_\t_\n3-2\tdon\'t\t_\t_\t_\t_\t_\t_\t_\t_\n2\tdo\t_\tAUX\t_\t_\t_\t_\t_\t_\n3\tn\'t\t_\tPART\t_\t_\t_\t_\t_\t_\n')], /range\.conllu line 2: multi-word token ID '3-2' is a malformed range \(start must be below end\)/],
    [['--data', file('one-tag.tsv', 'a\tX\nb\tX\n\nc\tX\n')], /every token has the tag "X"; a tagger needs at least 2 different tags/],
  ];
  for (const [flags, msg] of cases) {
    const args = ['tag', 'train', '--data', TRAIN, '--out', run, '--force', ...FAST, '--max-steps', '2'];
    const r = recur([...args.filter((a, i) => !(flags.includes('--data') && (a === '--data' || args[i - 1] === '--data'))), ...flags]);
    assert.notEqual(r.status, 0, `${flags.join(' ')} should fail`);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
    assert.equal(lines.length, 1, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, msg, flags.join(' '));
  }
  const lm = join(dir, 'lm-run');
  assert.equal(recur(['lm', 'train', '--text', TRAIN, '--out', lm, '--max-steps', '1', '--threads', '1', '--hidden-size', '8', '--batch-size', '2', '--seq-len', '16', '--json']).status, 0);
  for (const [args, msg] of [
    [['predict', '--model', lm, 'a dog'], /'char-lm' model, not a tagger/],
    [['eval', '--model', run, '--data', file('no-tag-eval.tsv', 'the\tDET\ndog\n')], /line 2: token 'dog' has no tag/],
    [['predict', '--model', run, '--input', file('bad.conllu', '1\tthe\t_\t_\t_\t_\t_\t_\t_\t_\n1.0\tx\t_\t_\t_\t_\t_\t_\t_\t_\n')], /bad\.conllu line 2: empty node ID '1\.0' is malformed/],
  ] as [string[], RegExp][]) {
    const r = recur(['tag', ...args]);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr.trim(), msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const after = readdirSync(run).map((f) => [f, statSync(join(run, f)).mtimeMs, readFileSync(join(run, f))] as const);
  assert.deepEqual(after, before);
});
