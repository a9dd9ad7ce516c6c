// The seq2seq task's data side: TSV pairs with their errors, the split by source sentence (no
// source on both sides), tokenizers with [GO] and [EOS], length filters, bucketed batches that
// resume where they stopped, the teacher forcing schedule, and references normalised for exact
// match (an unknown word never matches [UNK]).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer } from '../../data/tokenizer.js';
import { Rng } from '../../random/rng.js';
import { PairBatcher, makePairBatch } from './batches.js';
import { normalizeSeq2seqConfig, teacherForcingAt } from './config.js';
import { EOS_TOKEN, GO_TOKEN, parsePairs, prepareSeq2seq, splitBySource } from './prepare.js';
import { normalizeReference } from './task.js';

const cols = { sourceColumn: 1, targetColumn: 2 };

test('parsePairs: columns, extra columns ignored, CRLF and blank lines; errors name the line', () => {
  const r = parsePairs('a b\tx y\tnote\r\n\nc\tz\n', 'p.tsv', cols);
  assert.deepEqual([r.sources, r.targets, r.lines], [['a b', 'c'], ['x y', 'z'], [1, 3]]);
  assert.deepEqual(parsePairs('x\ty\tz\n', 'p', { sourceColumn: 3, targetColumn: 1 }).sources, ['z']);
  assert.throws(() => parsePairs('a\tb\nc d\n', 'p.tsv', cols), /^Error: p\.tsv: line 2 has no TAB; each line must be source<TAB>target$/);
  assert.throws(() => parsePairs('a\tb\tc\n', 'p.tsv', { sourceColumn: 1, targetColumn: 4 }), /line 1 has 3 columns, and column 4 is asked for/);
  assert.throws(() => parsePairs(' \tb\n', 'p.tsv', cols), /line 1 has an empty source \(column 1\)/);
  assert.throws(() => parsePairs('\n\n', 'p.tsv', cols), /p\.tsv: holds no pairs/);
});

test('splitBySource: every pair of a held-out source is held out; seeded; at least one on each side', () => {
  const sources = ['a', 'b', 'a', 'c', 'd', 'b', 'e', 'f', 'g', 'h', 'a'];
  const s = splitBySource(sources, 0.3, 7);
  const held = new Set(s.validation.map((i) => sources[i]));
  assert.ok(s.train.every((i) => !held.has(sources[i]!)), 'no source on both sides');
  assert.equal(held.size, 2); // round(0.3 * 8 distinct)
  assert.deepEqual(splitBySource(sources, 0.3, 7), s);
  assert.equal(s.train.length + s.validation.length, sources.length);
  assert.throws(() => splitBySource(['a', 'a'], 0.1, 1), /1 distinct source sentence; a validation split by source needs at least 2/);
});

test('prepareSeq2seq: [GO] and [EOS] in the target vocabulary only, length filters counted, validation untouched', () => {
  const lines = ['one\tun', 'two\tdeux', 'three four five\ttrois quatre cinq', 'six\tsix', 'seven\tsept', 'eight\thuit'];
  const c = normalizeSeq2seqConfig({ maxSourceLength: 2, validation: 0.2, maxSteps: 1 });
  const d = prepareSeq2seq(c, parsePairs(lines.join('\n'), 'p', c));
  assert.equal(d.sourceTokenizer.idOf(GO_TOKEN), undefined);
  assert.equal(d.targetTokenizer.vocabulary[d.goId], GO_TOKEN);
  assert.equal(d.targetTokenizer.vocabulary[d.eosId], EOS_TOKEN);
  const total = d.train.sources.length + d.validation.sources.length;
  const filtered = d.facts.find(([k]) => k === 'length filter');
  assert.ok(total === 6 || filtered, JSON.stringify(d.facts));
  assert.ok(d.train.sources.every((s) => s.length <= 2));
  assert.equal(d.maxSourceLength, 2, 'the bound is the length filter');
  const shared = prepareSeq2seq(normalizeSeq2seqConfig({ sharedVocabulary: true, maxSteps: 1 }), parsePairs(lines.join('\n'), 'p', c));
  assert.equal(shared.sourceTokenizer, shared.targetTokenizer);
});

test('PairBatcher: bucketed by length, every pair once an epoch, the same order after seek', () => {
  const rng = new Rng(3);
  const sources = Array.from({ length: 300 }, () => Int32Array.from({ length: 1 + rng.int(12) }, () => 4 + rng.int(5)));
  const set = { sources, targets: sources.map((s) => s.slice().reverse()) };
  const a = new PairBatcher(set, 16, 2, 3, new Rng(9));
  const seen: number[] = [];
  let spread = 0;
  for (let i = 0; i < a.batchesPerEpoch; i++) {
    const b = a.next().batch;
    seen.push(...b.indices);
    const lens = Array.from(b.indices, (k) => sources[k]!.length);
    spread = Math.max(spread, Math.max(...lens) - Math.min(...lens));
  }
  assert.deepEqual(seen.slice().sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i));
  assert.ok(spread <= 2, `lengths within a batch differ by up to ${spread}`);
  const pos = a.position();
  const want = a.next().batch.indices;
  const b = new PairBatcher(set, 16, 2, 3, new Rng(9));
  b.seek(pos);
  assert.deepEqual(b.next().batch.indices, want);
  const batch = makePairBatch(set, [0], 2, 3);
  assert.deepEqual(Array.from(batch.decoderInputs.data), [2, ...sources[0]!.slice().reverse()]);
  assert.deepEqual(Array.from(batch.decoderTargets.data), [...sources[0]!.slice().reverse(), 3]);
  assert.throws(() => b.seek({ epoch: 0, index: 99 }), /PairBatcher\.seek: expected \{ epoch >= 0, index in \[0, 19\) \}/);
});

test('teacher forcing: constant, or linear from start to end over the run', () => {
  assert.equal(teacherForcingAt({ teacherForcing: 0.9 }, 50, 100), 0.9);
  assert.equal(teacherForcingAt({ teacherForcing: 1, teacherForcingEnd: 0.5 }, 50, 100), 0.75);
  assert.equal(teacherForcingAt({ teacherForcing: 1, teacherForcingEnd: 0.5 }, 200, 100), 0.5);
  assert.throws(() => normalizeSeq2seqConfig({ teacherForcingEnd: 0.5 }), /teacherForcingEnd: a teacher forcing schedule runs over the steps of the run; give --max-steps or --max-epochs/);
});

test('normalizeReference: tokens as translations join them; a word outside the vocabulary stays itself', () => {
  const words = Tokenizer.fit(['je suis là .'], { numbers: false, urls: false, lowercase: false });
  assert.equal(normalizeReference(words, 'Je suis là.'), 'Je suis là .');
  assert.equal(normalizeReference(words, 'Je suis xylophone.'), 'Je suis xylophone .', 'not "[UNK]"');
  const chars = Tokenizer.fit(['2021-03-03'], { level: 'char' });
  assert.equal(normalizeReference(chars, '1999-12-31'), '1999-12-31');
});
