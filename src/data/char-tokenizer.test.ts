import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, UNKNOWN_CHAR, describeChar } from './char-tokenizer.js';

test('CharTokenizer.fromText: sorted distinct characters (code points), encode/decode round trip', () => {
  const tok = CharTokenizer.fromText('hello, world\n😀é');
  assert.deepEqual(tok.vocabulary, ['\n', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'é', '😀']);
  const ids = tok.encode('hello😀');
  assert.deepEqual([...ids], [5, 4, 6, 6, 7, 11]);
  assert.equal(tok.decode(ids), 'hello😀');
  assert.equal(tok.size, 12);
});

test('CharTokenizer.encode names every unknown character with its first position', () => {
  const tok = CharTokenizer.fromText('abc');
  assert.throws(() => tok.encode('abxcé', 'the prime'),
    { message: "the prime contains 2 characters outside the vocabulary of 3: 'x' at position 2, 'é' (U+00E9) at position 4" });
  assert.throws(() => tok.decode([0, 3]), /id 3 at position 1 is outside \[0, 3\)/);
});

test('CharTokenizer rejects a bad vocabulary', () => {
  assert.throws(() => new CharTokenizer(['a', 'a']), /holds 'a' twice/);
  assert.throws(() => new CharTokenizer(['ab']), /vocabulary\[0\] must be a single character/);
  assert.throws(() => new CharTokenizer([]), /non-empty/);
  assert.equal(describeChar('\n'), "'\\n' (U+000A)");
});

test('CharTokenizer.fit: the characters seen at least minCount times and U+FFFD, sorted; encodeOrUnknown reads the rest as U+FFFD and counts them', () => {
  const tok = CharTokenizer.fit('abracadabra!', { minCount: 2 });
  assert.deepEqual(tok.vocabulary, ['a', 'b', 'r', UNKNOWN_CHAR]); // c, d and ! are seen once
  assert.equal(tok.unknownId, 3);
  const { ids, unknown } = tok.encodeOrUnknown('cab😀');
  assert.deepEqual([...ids], [3, 0, 1, 3]);
  assert.equal(unknown, 2);
  assert.deepEqual(CharTokenizer.fit('ba').vocabulary, ['a', 'b', UNKNOWN_CHAR]);
  // Text holding U+FFFD itself: it is the unknown symbol, once.
  assert.deepEqual(CharTokenizer.fit(`a${UNKNOWN_CHAR}`).vocabulary, ['a', UNKNOWN_CHAR]);
  // A vocabulary without it (a model from before) has no unknown id and refuses to map.
  const old = CharTokenizer.fromText('ab');
  assert.equal(old.unknownId, undefined);
  assert.throws(() => old.encodeOrUnknown('abc'), /has no unknown symbol/);
  assert.throws(() => CharTokenizer.fit('ab', { minCount: 0 }), /minCount must be an integer >= 1, got 0/);
  assert.throws(() => CharTokenizer.fit(''), /non-empty/);
});
