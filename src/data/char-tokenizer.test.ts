import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CharTokenizer, describeChar } from './char-tokenizer.js';

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
