// Language-model vocabularies at both levels: words join back with punctuation attached, the
// unknown-symbol policies (read as [UNK] or left out) always count what they touched, a
// character model has no unknown symbol to read, and a model file's metadata picks the level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { Tokenizer, UNK_ID } from '../../data/tokenizer.js';
import { CharVocabulary, WORD_LM_METADATA_KEY, WordVocabulary, encodeText, lmVocabularyOf, unknownNote } from './vocab.js';

const words = new WordVocabulary(Tokenizer.fit(['To be, or not to be: that is the question.'], { level: 'word', lowercase: false }));
const chars = new CharVocabulary(CharTokenizer.fromText('abc '));

test('WordVocabulary: splits as the tokenizer does, joins with punctuation against its word', () => {
  assert.deepEqual(words.split('To be, or not'), ['To', 'be', ',', 'or', 'not']);
  assert.equal(words.join(['To', 'be', ',', 'or', 'not', 'to', 'be', ':', 'that', 'is', '(', 'the', 'question', ')', '.']), 'To be, or not to be: that is (the question).');
  assert.equal(words.join(['good', 'to', '-', 'morrow', ',', 'my', 'lord']), 'good to-morrow, my lord');
  assert.equal(chars.join(['a', 'b', ' ', 'c']), 'ab c');
});

test('encodeText: unknown words read as [UNK] or left out, counted either way, with examples for the message', () => {
  const unk = encodeText(words, 'to be or xyzzy, plugh xyzzy', 'unk');
  assert.deepEqual([...unk.ids], [words.idOf('to'), words.idOf('be'), words.idOf('or'), UNK_ID, words.idOf(','), UNK_ID, UNK_ID]);
  assert.deepEqual([unk.unknown, unk.symbols, unk.examples], [3, 7, ['"xyzzy"', '"plugh"']]);
  const skip = encodeText(words, 'to be or xyzzy, plugh xyzzy', 'skip');
  assert.deepEqual([...skip.ids], [words.idOf('to'), words.idOf('be'), words.idOf('or'), words.idOf(',')]);
  assert.equal(skip.unknown, 3);
  assert.equal(unknownNote(words, skip, 'skip', 'x.txt'), 'x.txt: 3 of 7 words outside the vocabulary ("xyzzy", "plugh", ...) left out');
  assert.equal(unknownNote(words, encodeText(words, 'to be', 'unk'), 'unk', 'x.txt'), '');
  const c = encodeText(chars, 'ab🙂c', 'skip');
  assert.deepEqual([[...c.ids], c.unknown, c.symbols], [[chars.idOf('a'), chars.idOf('b'), chars.idOf('c')], 1, 4]);
  assert.throws(() => encodeText(chars, 'ab', 'unk'), /this character model has no unknown symbol/);
});

test('lmVocabularyOf: a word tokenizer in the metadata makes a word model, a vocabulary a character model', () => {
  const w = lmVocabularyOf({ [WORD_LM_METADATA_KEY]: JSON.stringify(words.toJSON()) }, undefined, 'm');
  assert.equal(w.level, 'word');
  assert.equal(w.size, words.size);
  assert.equal(lmVocabularyOf(undefined, ['a', 'b'], 'm').level, 'char');
  assert.throws(() => lmVocabularyOf({ [WORD_LM_METADATA_KEY]: '{' }, undefined, 'm'), /m: its word vocabulary \('recur\.lm\.words'\) is not valid JSON/);
  assert.throws(() => lmVocabularyOf(undefined, undefined, 'm'), /m is not a language model: its metadata has no vocabulary/);
});
