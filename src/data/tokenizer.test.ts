import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer, PAD_ID, UNK_ID, type TokenizerJson } from './tokenizer.js';

const ids = (a: Int32Array) => Array.from(a);

test('word level: reserved ids, then tokens by descending count with ties in first-appearance order', () => {
  const tok = Tokenizer.fit(['the cat sat', 'The dog sat on the mat']);
  assert.deepEqual(tok.vocabulary, ['[PAD]', '[UNK]', '[NUM]', '[URL]', 'the', 'sat', 'cat', 'dog', 'on', 'mat']);
  assert.deepEqual(Array.from(tok.counts), [0, 0, 0, 0, 3, 2, 1, 1, 1, 1]);
  assert.equal(tok.size, 10);
  assert.equal(PAD_ID, 0);
  assert.equal(UNK_ID, 1);
  assert.equal(tok.idOf('dog'), 7);
  assert.equal(tok.idOf('Dog'), undefined);
  assert.deepEqual(ids(tok.encode('The bird sat')), [4, UNK_ID, 5]);
  assert.deepEqual(ids(tok.encode('')), []);
  assert.equal(tok.decode([4, 6, 0, 0]), 'the cat');
  assert.throws(() => tok.decode([4, 10]), { message: 'Tokenizer.decode: id 10 at position 1 is outside [0, 10)' });
  assert.deepEqual(tok.options, { level: 'word', lowercase: true, splitPunctuation: true, numbers: true, urls: true, specials: [], minCount: 1, stripAccents: false });
});

test('word level: punctuation marks and symbols are tokens, apostrophes inside words stay', () => {
  const tok = Tokenizer.fit(['x']);
  assert.deepEqual(tok.tokenize("Don't stop—it's great!!! (really) :-) $5 😀"),
    ["don't", 'stop', '—', "it's", 'great', '!', '!', '!', '(', 'really', ')', ':', '-', ')', '$', '[NUM]', '😀']);
  assert.deepEqual(tok.tokenize('I ❤️ NY 👍🏽👍 🇫🇷 👨‍👩‍👧!'), ['i', '❤️', 'ny', '👍🏽', '👍', '🇫🇷', '👨‍👩‍👧', '!']);
  const ws = Tokenizer.fit(['x'], { splitPunctuation: false });
  assert.deepEqual(ws.tokenize("Don't stop—it's great!!!  (really)\n"), ["don't", "stop—it's", 'great!!!', '(really)']);
});

test('word level: numbers become [NUM] (signs only at a word start), other digit runs stay words', () => {
  const tok = Tokenizer.fit(['x']);
  assert.deepEqual(tok.tokenize('12 3.5 1,000 -7 +2 .5 10% (-3) 3-7 12th abc123 1,0000'),
    ['[NUM]', '[NUM]', '[NUM]', '[NUM]', '[NUM]', '[NUM]', '[NUM]', '(', '[NUM]', ')', '[NUM]', '-', '[NUM]', '12th', 'abc123', '[NUM]', ',', '[NUM]']);
  assert.deepEqual(tok.tokenize('x.5 -.5'), ['x', '.', '[NUM]', '[NUM]']);
  const off = Tokenizer.fit(['x'], { numbers: false });
  assert.deepEqual(off.tokenize('3.5 -7'), ['3', '.', '5', '-', '7']);
  // Neither numbers nor URLs: plain words and punctuation (translation keeps both as written).
  const neither = Tokenizer.fit(['x'], { numbers: false, urls: false });
  assert.deepEqual(neither.tokenize('See www.x.org, 3 times!'), ['see', 'www', '.', 'x', '.', 'org', ',', '3', 'times', '!']);
  const ws = Tokenizer.fit(['x'], { splitPunctuation: false });
  assert.deepEqual(ws.tokenize('-7 1,000 3.5. 12th'), ['[NUM]', '[NUM]', '3.5.', '12th']);
  // [NUM] has its id whatever the texts hold
  const fitted = Tokenizer.fit(['I paid 12 and 30']);
  assert.deepEqual(ids(fitted.encode('7 and')), [2, fitted.idOf('and')]);
});

test('word level: URLs become [URL] without their trailing punctuation', () => {
  const tok = Tokenizer.fit(['x']);
  assert.deepEqual(tok.tokenize('See https://example.com/a?b=1. Or www.Example.org, or (HTTP://x.y/z).'),
    ['see', '[URL]', '.', 'or', '[URL]', ',', 'or', '(', '[URL]', ')', '.']);
  const off = Tokenizer.fit(['x'], { urls: false });
  assert.deepEqual(off.tokenize('http://a.b'), ['http', ':', '/', '/', 'a', '.', 'b']);
  const ws = Tokenizer.fit(['x'], { splitPunctuation: false });
  assert.deepEqual(ws.tokenize('go www.a.org now'), ['go', '[URL]', 'now']);
});

test('specials: matched first (longest first), never split or lower-cased, ids after the built-ins', () => {
  const tok = Tokenizer.fit(['I <3 it [SEP] You <3 me', 'Me too'], { specials: ['<3', '[SEP]', '<3<3'] });
  assert.deepEqual(tok.vocabulary.slice(0, 7), ['[PAD]', '[UNK]', '[NUM]', '[URL]', '<3', '[SEP]', '<3<3']);
  assert.deepEqual(tok.vocabulary.slice(7), ['me', 'i', 'it', 'you', 'too']);
  assert.deepEqual(tok.tokenize('Hi<3<3you[SEP]<3'), ['hi', '<3<3', 'you', '[SEP]', '<3']);
  assert.deepEqual(Array.from(tok.counts.slice(4, 7)), [0, 0, 0]);
  assert.throws(() => Tokenizer.fit(['a'], { specials: ['[PAD]'] }), /specials\[0\] = "\[PAD\]" is a built-in token already/);
  assert.throws(() => Tokenizer.fit(['a'], { specials: ['x', 'x'] }), /specials holds "x" twice/);
  assert.throws(() => Tokenizer.fit(['a'], { specials: [' '] }), /specials\[0\] must be a string with something besides whitespace/);
});

test('lowercase on and off; stripAccents folds accents as the names tutorial does', () => {
  const cased = Tokenizer.fit(['Good good GOOD'], { lowercase: false });
  assert.deepEqual(cased.vocabulary.slice(4), ['Good', 'good', 'GOOD']);
  const lower = Tokenizer.fit(['Good good GOOD']);
  assert.deepEqual(lower.vocabulary.slice(4), ['good']);
  assert.deepEqual(Array.from(lower.counts.slice(4)), [3]);
  const plain = Tokenizer.fit(['Ślusàrski café']);
  assert.deepEqual(plain.vocabulary.slice(4), ['ślusàrski', 'café']);
  const folded = Tokenizer.fit(['Ślusàrski café'], { stripAccents: true });
  assert.deepEqual(folded.vocabulary.slice(4), ['slusarski', 'cafe']);
  const chars = Tokenizer.fit(['Ślusàrski'], { level: 'char', stripAccents: true });
  assert.deepEqual(chars.tokenize('Àé'), ['A', 'e']);
});

test('minCount and maxVocab: rare tokens become [UNK], the most frequent are kept, ties to the first seen', () => {
  const texts = ['b a c a d b e a'];
  const all = Tokenizer.fit(texts);
  assert.deepEqual(all.vocabulary.slice(4), ['a', 'b', 'c', 'd', 'e']);
  const min2 = Tokenizer.fit(texts, { minCount: 2 });
  assert.deepEqual(min2.vocabulary.slice(4), ['a', 'b']);
  assert.deepEqual(ids(min2.encode('a c b')), [4, UNK_ID, 5]);
  const max7 = Tokenizer.fit(texts, { maxVocab: 7 });
  assert.deepEqual(max7.vocabulary, ['[PAD]', '[UNK]', '[NUM]', '[URL]', 'a', 'b', 'c']);
  const max8 = Tokenizer.fit(['z y x w', 'x'], { maxVocab: 6 });
  assert.deepEqual(max8.vocabulary.slice(4), ['x', 'z']);
  assert.throws(() => Tokenizer.fit(texts, { maxVocab: 4 }), /maxVocab 4 leaves no room for tokens after the 4 reserved ones/);
  assert.throws(() => Tokenizer.fit(texts, { minCount: 4 }), /no token appears minCount = 4 times \(the most frequent appears 3 times\)/);
  assert.throws(() => Tokenizer.fit(texts, { minCount: 0 }), /minCount must be an integer >= 1, got 0/);
});

test('encodeAll counts the tokens and the [UNK] ids', () => {
  const tok = Tokenizer.fit(['a b c']);
  const { ids: rows, unknown, tokens } = tok.encodeAll(['a x', '', 'y z c']);
  assert.deepEqual(rows.map(ids), [[4, 1], [], [1, 1, 6]]);
  assert.equal(unknown, 3);
  assert.equal(tokens, 5);
});

test('char level: [PAD], [UNK], specials, then code points by count; no [NUM] or [URL]', () => {
  const tok = Tokenizer.fit(['abba 😀', 'Ab<eos>'], { level: 'char', specials: ['<eos>'] });
  assert.deepEqual(tok.vocabulary, ['[PAD]', '[UNK]', '<eos>', 'b', 'a', ' ', '😀', 'A']);
  assert.equal(tok.options.lowercase, false);
  assert.equal(tok.options.numbers, false);
  assert.deepEqual(ids(tok.encode('ab😀c<eos>')), [4, 3, 6, UNK_ID, 2]);
  assert.equal(tok.decode([7, 3, 0, 0]), 'Ab');
  const lower = Tokenizer.fit(['AbBa'], { level: 'char', lowercase: true });
  assert.deepEqual(lower.vocabulary.slice(2), ['a', 'b']);
  assert.throws(() => Tokenizer.fit(['a'], { level: 'char', numbers: true }), /numbers applies to word-level tokenizers only/);
});

test('fit rejects bad input and options with one-line messages', () => {
  assert.throws(() => Tokenizer.fit('abc' as unknown as string[]), /texts must be an iterable of strings .* got one string/);
  assert.throws(() => Tokenizer.fit(['a', 3 as unknown as string]), { message: 'Tokenizer.fit: texts[1] must be a string, got number' });
  assert.throws(() => Tokenizer.fit(['  ', '']), { message: 'Tokenizer.fit: the 2 texts hold no tokens' });
  assert.throws(() => Tokenizer.fit(['a'], { level: 'bpe' as 'word' }), /level must be 'word' or 'char', got "bpe"/);
  assert.throws(() => Tokenizer.fit(['a'], { lowercas: true } as unknown as { lowercase: boolean }), /lowercas is not a tokenizer option/);
});

test('JSON round trip: same vocabulary, options, counts and encodings', () => {
  const texts = ['Visit www.x.org, it costs $12.50!', "I <3 it; don't you?", 'Café CAFÉ'];
  for (const options of [{ specials: ['<3'], stripAccents: true }, { level: 'char' as const, maxVocab: 12 }, { splitPunctuation: false, numbers: false, lowercase: false }]) {
    const tok = Tokenizer.fit(texts, options);
    const json = JSON.parse(JSON.stringify(tok)) as TokenizerJson;
    assert.equal(json.version, 1);
    const back = Tokenizer.fromJSON(json);
    assert.deepEqual(back.vocabulary, tok.vocabulary);
    assert.deepEqual(back.options, tok.options);
    assert.deepEqual(back.counts, tok.counts);
    for (const text of [...texts, 'new words 7 http://z.com <3 ÀÉ']) assert.deepEqual(back.encode(text), tok.encode(text));
  }
});

test('fromJSON names what is wrong', () => {
  const good = Tokenizer.fit(['a b'], { specials: ['<s>'] }).toJSON();
  const bad = (patch: (j: TokenizerJson) => void): TokenizerJson => {
    const j = structuredClone(good);
    patch(j);
    return j;
  };
  const fails = (json: unknown, message: string | RegExp) => assert.throws(() => Tokenizer.fromJSON(json, 'model.safetensors tokenizer'), typeof message === 'string' ? { message } : message);
  fails(null, 'model.safetensors tokenizer: expected a tokenizer object, got null');
  fails(bad((j) => { (j as { version: number }).version = 2; }), 'model.safetensors tokenizer: version must be 1, got 2');
  fails(bad((j) => { (j as { level: string }).level = 'bpe'; }), `model.safetensors tokenizer: level must be 'word' or 'char', got "bpe"`);
  fails(bad((j) => { delete (j.options as { urls?: boolean }).urls; }), 'model.safetensors tokenizer: options.urls is missing');
  fails(bad((j) => { (j.options as unknown as { lowercase: string }).lowercase = 'yes'; }), /options\.lowercase must be true or false, got "yes"/);
  fails(bad((j) => { (j.options as unknown as Record<string, unknown>).foo = 1; }), /options\.foo is not a tokenizer option/);
  fails(bad((j) => { j.vocabulary[1] = 'b'; }), 'model.safetensors tokenizer: vocabulary[1] must be "[UNK]", got "b"');
  fails(bad((j) => { j.vocabulary[4] = 'x'; }), 'model.safetensors tokenizer: vocabulary[4] must be "<s>", got "x"');
  fails(bad((j) => { j.vocabulary[6] = 'a'; }), 'model.safetensors tokenizer: vocabulary holds "a" twice (ids 5 and 6)');
  fails(bad((j) => { j.vocabulary[6] = 'a b'; }), /vocabulary\[6\] = "a b" holds whitespace/);
  fails(bad((j) => { (j.vocabulary as unknown[])[5] = 5; }), 'model.safetensors tokenizer: vocabulary[5] must be a non-empty string, got 5');
  fails(bad((j) => { j.vocabulary = j.vocabulary.slice(0, 5); }), /must hold the 5 reserved tokens and at least one more, got 5 tokens/);
  fails(bad((j) => { j.counts = [1]; }), /counts must be an array of 7 counts \(one per token\), got 1/);
  fails(bad((j) => { j.counts![5] = -1; }), /counts\[5\] must be an integer >= 0, got -1/);
  const chars = Tokenizer.fit(['ab'], { level: 'char' }).toJSON();
  chars.vocabulary[2] = 'ab';
  fails(chars, /vocabulary\[2\] = "ab" must be a single character at char level/);
  // A long token or value is cut short in the message (found by the model kinds fuzzer: a 100,000-character message).
  fails(bad((j) => { j.vocabulary[6] = 'x'.repeat(100_000); j.vocabulary[5] = 'x'.repeat(100_000); }), `model.safetensors tokenizer: vocabulary holds "${'x'.repeat(40)}…" twice (ids 5 and 6)`);
  fails(bad((j) => { (j as { vocabulary: unknown }).vocabulary = 'y'.repeat(100_000); }), `model.safetensors tokenizer: vocabulary must be an array of strings, got "${'y'.repeat(40)}…"`);
  // counts are optional: zeros when absent
  const noCounts = bad((j) => { delete j.counts; });
  assert.deepEqual(Array.from(Tokenizer.fromJSON(noCounts).counts), [0, 0, 0, 0, 0, 0, 0]);
});
