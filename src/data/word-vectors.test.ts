import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddingMatrix, loadWordVectors, parseWordVectors, type WordVectors } from './word-vectors.js';
import { readTextChunks } from './text-file.js';
import { Tokenizer } from './tokenizer.js';
import { tempDir } from '../testing/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../../src/data/fixtures/', import.meta.url));
const row = (v: WordVectors, word: string) => Array.from(v.vectors.subarray(v.words.indexOf(word) * v.dim, (v.words.indexOf(word) + 1) * v.dim));
const fails = (text: string, message: string) => assert.throws(() => parseWordVectors(text, 'v.txt'), { message });

test('parseWordVectors: GloVe text, tabs and trailing spaces, blank lines, first vector of a repeated word', () => {
  const v = parseWordVectors('good 1 2.5 -3e-1\r\nbad\t-1 0 .5 \n\ngood 9 9 9\n');
  assert.deepEqual(v.words, ['good', 'bad']);
  assert.equal(v.dim, 3);
  assert.equal(v.header, false);
  assert.equal(v.duplicates, 1);
  assert.deepEqual(Array.from(v.vectors), [1, 2.5, Math.fround(-0.3), -1, 0, 0.5]);
});

test('parseWordVectors: word2vec header detected and checked', () => {
  const v = parseWordVectors('2 3\nx 1 2 3\ny 4 5 6\n');
  assert.equal(v.header, true);
  assert.deepEqual(v.words, ['x', 'y']);
  assert.deepEqual(row(v, 'y'), [4, 5, 6]);
  fails('3 3\nx 1 2 3\ny 4 5 6\n', 'v.txt: the header (line 1) says 3 words but 2 lines of vectors follow');
  fails('2 4\nx 1 2 3\n', 'v.txt: line 2 has 3 values, the header (line 1) says 4');
  fails('2 3\n', 'v.txt: the header (line 1) says 2 words but 0 lines of vectors follow');
});

test('parseWordVectors: ragged rows, non-numbers, empty files, each naming the line', () => {
  fails('a 1 2\nb 1 2\n\nc 1\n', 'v.txt: line 4 has 1 values, line 1 had 2');
  fails('a 1 2\nb 1 x\n', 'v.txt: line 2, value 2 of "b" is not a finite number: "x"');
  fails('a 1 NaN\n', 'v.txt: line 1, value 2 of "a" is not a finite number: "NaN"');
  fails('a\n', 'v.txt: line 1 has a word ("a") but no values');
  fails(' a 1\n', 'v.txt: line 1 starts with whitespace; expected a word first');
  fails('', 'v.txt holds no word vectors (it is empty)');
  fails('\n \n', 'v.txt holds no word vectors (it is empty)');
  fails('0 5\n', 'v.txt holds no word vectors (only a header)');
});

test('the fixtures: 30 words of dimension 8 in both formats, sentiment along the first axis', async () => {
  const glove = await loadWordVectors(join(FIXTURES, 'vectors-tiny.txt'));
  const w2v = await loadWordVectors(join(FIXTURES, 'vectors-tiny-w2v.txt'));
  assert.equal(glove.words.length, 30);
  assert.equal(glove.dim, 8);
  assert.equal(glove.header, false);
  assert.equal(w2v.header, true);
  assert.deepEqual(w2v.words, glove.words);
  assert.deepEqual(w2v.vectors, glove.vectors);
  for (const w of ['good', 'great', 'love']) assert.ok(row(glove, w)[0]! > 0.5, w);
  for (const w of ['bad', 'awful', 'hate']) assert.ok(row(glove, w)[0]! < -0.5, w);
  assert.ok(Math.abs(row(glove, 'movie')[0]!) < 0.1);
  const kept = await loadWordVectors(join(FIXTURES, 'vectors-tiny.txt'), { keep: ['Good', 'hate', 'nope'] });
  assert.deepEqual(kept.words, ['good', 'hate']); // file order
  assert.deepEqual(row(kept, 'good'), row(glove, 'good'));
});

test('loadWordVectors reads in pieces, with errors naming the file', async () => {
  const dir = tempDir('recur-vectors-');
  // over 1 MiB, so that lines and characters are cut between pieces
  const big = Array.from({ length: 50_000 }, (_, i) => `wörd${i} ${i} ${-i} 0.5`).join('\n');
  const file = join(dir, 'big.txt');
  writeFileSync(file, '\ufeff' + big);
  assert.ok(readFileSync(file).length > 1 << 20);
  const v = await loadWordVectors(file);
  assert.equal(v.words.length, 50_000);
  assert.deepEqual(row(v, 'wörd49999'), [49999, -49999, 0.5]);
  assert.deepEqual(row(v, 'wörd0'), [0, 0, 0.5]);
  // pieces cut inside a character decode as one string
  const small = join(dir, 'small.txt');
  const smallText = 'wörd 😀 é\n'.repeat(40);
  writeFileSync(small, smallText);
  let text = '';
  for await (const piece of readTextChunks(small, 'text file', 7)) text += piece;
  assert.equal(text, smallText);
  writeFileSync(join(dir, 'ragged.txt'), 'a 1 2\nb 3\n');
  await assert.rejects(loadWordVectors(join(dir, 'ragged.txt')), { message: `${join(dir, 'ragged.txt')}: line 2 has 1 values, line 1 had 2` });
  await assert.rejects(loadWordVectors(join(dir, 'none.txt')), { message: `word-vector file not found: ${join(dir, 'none.txt')}` });
  writeFileSync(join(dir, 'latin1.txt'), Uint8Array.from([...Buffer.from('a 1\ncaf'), 0xe9, 0x20, 0x31, 0x0a]));
  await assert.rejects(loadWordVectors(join(dir, 'latin1.txt')), /latin1\.txt is not UTF-8 text \(invalid byte 0xe9 at offset 7\)/);
  writeFileSync(join(dir, 'cut.txt'), Uint8Array.from([0x61, 0x20, 0x31, 0xc3]));
  await assert.rejects(loadWordVectors(join(dir, 'cut.txt')), /cut\.txt is not UTF-8 text \(invalid byte 0xc3 at offset 3\)/);
  writeFileSync(join(dir, 'empty.txt'), '');
  await assert.rejects(loadWordVectors(join(dir, 'empty.txt')), /empty\.txt is empty$/);
});

test('embeddingMatrix: rows by vocabulary id, lower-case fallback, missing list, [PAD] zero, init for the rest', () => {
  const vectors = parseWordVectors('good 1 1\nbad -1 -1\nParis 5 5\n');
  const vocabulary = ['[PAD]', '[UNK]', 'good', 'Bad', 'paris', 'zzz'];
  const m = embeddingMatrix(vectors, vocabulary);
  assert.deepEqual(Array.from(m.table), [0, 0, 0, 0, 1, 1, -1, -1, 0, 0, 0, 0]);
  assert.equal(m.found, 2);
  assert.deepEqual(m.missing, ['paris', 'zzz']);
  const strict = embeddingMatrix(vectors, vocabulary, { lowercaseFallback: false });
  assert.equal(strict.found, 1);
  assert.deepEqual(strict.missing, ['Bad', 'paris', 'zzz']);
  const asked: number[] = [];
  const init = (n: number) => { asked.push(n); return Float32Array.from({ length: n }, (_, i) => 10 + i); };
  const filled = embeddingMatrix(vectors, vocabulary, { init, skip: ['[PAD]', '[UNK]', '[NUM]'] });
  assert.deepEqual(asked, [6]); // [UNK], paris, zzz
  assert.deepEqual(Array.from(filled.table), [0, 0, 10, 11, 1, 1, -1, -1, 12, 13, 14, 15]);
  // skip empty: [UNK] is looked up (and missing); [PAD] stays zero
  assert.deepEqual(embeddingMatrix(vectors, vocabulary, { skip: [] }).missing, ['[UNK]', 'paris', 'zzz']);
  assert.throws(() => embeddingMatrix(vectors, vocabulary, { dim: 64 }), { message: 'embeddingMatrix: vectors have 2 dimensions but the embedding has 64' });
  assert.throws(() => embeddingMatrix(vectors, vocabulary, { init: () => new Float32Array(1) }), /init\(6\) must return a Float32Array of 6 values, got 1/);
});

test('embeddingMatrix with a fitted tokenizer and the fixture', async () => {
  const vectors = await loadWordVectors(join(FIXTURES, 'vectors-tiny.txt'));
  const tok = Tokenizer.fit(['A great movie, I love it!', 'An awful film: 2 stars.']);
  const m = embeddingMatrix(vectors, tok.vocabulary, { dim: 8 });
  assert.equal(m.table.length, tok.size * 8);
  assert.deepEqual(m.missing, ['i', '!', 'an', ':', 'stars']); // vocabulary order
  assert.equal(m.found, tok.size - 4 - m.missing.length);
  const g = tok.idOf('great')!;
  assert.deepEqual(Array.from(m.table.subarray(g * 8, g * 8 + 8)), row(vectors, 'great'));
});
