import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectTaggedFormat, parseTagColumn, readTagged, writeTagged, type ReadTaggedOptions, type TaggedDocument } from './tagged-text.js';

/** Lines of fields joined by TABs, lines by LF. */
const rows = (...lines: string[][]) => lines.map((l) => l.join('\t')).join('\n');
const word = (...f: string[]) => f;

// "I don't know." with a multi-word token (2-3), an empty node (3.1), then "Dogs bark", in normalised form.
const CONLLU = [
  '# newdoc id = t',
  '# sent_id = 1',
  "# text = I don't know.",
  rows(
    word('1', 'I', 'I', 'PRON', 'PRP', 'Case=Nom|Number=Sing|Person=1|PronType=Prs', '4', 'nsubj', '4:nsubj', '_'),
    word('2-3', "don't", '_', '_', '_', '_', '_', '_', '_', '_'),
    word('2', 'do', 'do', 'AUX', 'VBP', 'Mood=Ind|Number=Sing|Person=1|Tense=Pres|VerbForm=Fin', '4', 'aux', '4:aux', '_'),
    word('3', "n't", 'not', 'PART', 'RB', 'Polarity=Neg', '4', 'advmod', '4:advmod', '_'),
    word('3.1', 'know', 'know', 'VERB', 'VB', '_', '_', '_', '4:conj', 'CopyOf=4'),
    word('4', 'know', 'know', 'VERB', 'VB', 'VerbForm=Inf', '0', 'root', '0:root', 'SpaceAfter=No'),
    word('5', '.', '.', 'PUNCT', '.', '_', '4', 'punct', '4:punct', '_'),
  ),
  '',
  '# sent_id = 2',
  rows(
    word('1', 'Dogs', 'dog', 'NOUN', 'NNS', 'Number=Plur', '2', 'nsubj', '2:nsubj', '_'),
    word('2', 'bark', 'bark', 'VERB', 'VBP', '_', '0', 'root', '0:root', '_'),
  ),
  '',
].join('\n');

const conllu = (text: string, options: Partial<ReadTaggedOptions> = {}) => readTagged(text, { source: 't.conllu', requireTags: true, ...options });
const tsv = (text: string, options: Partial<ReadTaggedOptions> = {}) => readTagged(text, { source: 't.tsv', requireTags: true, ...options });
const tagsOf = (doc: TaggedDocument) => doc.sentences.map((s) => s.tags);
const fails = (f: () => unknown, message: string) => assert.throws(f, { message });

test('CoNLL-U: words are the integer-ID lines (multi-word tokens and empty nodes skipped), tags from upos by default', () => {
  const doc = conllu(CONLLU);
  assert.equal(doc.format, 'conllu');
  assert.deepEqual(doc.column, { format: 'conllu', field: 4, label: 'upos' });
  assert.equal(doc.source, 't.conllu');
  assert.deepEqual(doc.sentences, [
    { words: ['I', 'do', "n't", 'know', '.'], tags: ['PRON', 'AUX', 'PART', 'VERB', 'PUNCT'], lines: [4, 6, 7, 9, 10] },
    { words: ['Dogs', 'bark'], tags: ['NOUN', 'VERB'], lines: [13, 14] },
  ]);
});

test('CoNLL-U: xpos, deprel, feats:Name (absent feature -> _) and field numbers', () => {
  assert.deepEqual(tagsOf(conllu(CONLLU, { column: 'xpos' })), [['PRP', 'VBP', 'RB', 'VB', '.'], ['NNS', 'VBP']]);
  assert.deepEqual(tagsOf(conllu(CONLLU, { column: 'DEPREL' })), [['nsubj', 'aux', 'advmod', 'root', 'punct'], ['nsubj', 'root']]);
  const number = conllu(CONLLU, { column: 'feats:Number' });
  assert.deepEqual(number.column, { format: 'conllu', field: 6, feature: 'Number', label: 'feats:Number' });
  assert.deepEqual(tagsOf(number), [['Sing', 'Sing', '_', '_', '_'], ['Plur', '_']]);
  assert.deepEqual(tagsOf(conllu(CONLLU, { column: 3 })), [['I', 'do', 'not', 'know', '.'], ['dog', 'bark']]);
  assert.deepEqual(tagsOf(conllu(CONLLU, { column: '5' })), tagsOf(conllu(CONLLU, { column: 'xpos' })));
});

test('CoNLL-U: writing the tags read gives the normalised input back exactly, for every column', () => {
  for (const column of ['upos', 'xpos', 'deprel', 'feats:Number', 'feats:Polarity', 3]) {
    const doc = conllu(CONLLU, { column });
    assert.equal(writeTagged(doc, tagsOf(doc) as string[][]), CONLLU, `column ${column}`);
  }
});

test('CoNLL-U: BOM, CRLF, several blank lines and no final newline read the same and write normalised', () => {
  const messy = `\ufeff${CONLLU.trimEnd().replace('\n\n', '\n\n \n\t\n\n').replace(/\n/g, '\r\n')}`;
  const doc = conllu(messy);
  assert.deepEqual(tagsOf(doc), tagsOf(conllu(CONLLU)));
  assert.deepEqual(doc.sentences[1]!.lines, [16, 17]); // 11 to 14 are blank, 15 the comment
  assert.equal(writeTagged(doc, tagsOf(doc) as string[][]), CONLLU);
});

test('CoNLL-U: predictions go into the tag column; other lines and fields stay as they were', () => {
  const doc = conllu(CONLLU);
  const out = writeTagged(doc, [['X1', 'X2', 'X3', 'X4', 'X5'], ['Y1', 'Y2']]).split('\n');
  assert.equal(out[3], rows(word('1', 'I', 'I', 'X1', 'PRP', 'Case=Nom|Number=Sing|Person=1|PronType=Prs', '4', 'nsubj', '4:nsubj', '_')));
  assert.equal(out[4], rows(word('2-3', "don't", '_', '_', '_', '_', '_', '_', '_', '_')));
  assert.equal(out[7], rows(word('3.1', 'know', 'know', 'VERB', 'VB', '_', '_', '_', '4:conj', 'CopyOf=4')));
  assert.equal(out[13], rows(word('2', 'bark', 'bark', 'Y2', 'VBP', '_', '0', 'root', '0:root', '_')));
  assert.deepEqual(out.slice(0, 3), CONLLU.split('\n').slice(0, 3));
  const deprel = writeTagged(conllu(CONLLU, { column: 'deprel' }), [['a', 'b', 'c', 'd', 'e'], ['f', 'g']]).split('\n');
  assert.equal(deprel[12], rows(word('1', 'Dogs', 'dog', 'NOUN', 'NNS', 'Number=Plur', '2', 'f', '2:nsubj', '_')));
});

test('CoNLL-U feats:Name: a prediction replaces, inserts (FEATS kept sorted, case-insensitively) or removes with _', () => {
  const doc = conllu(CONLLU, { column: 'feats:Number' });
  const out = writeTagged(doc, [['Plur', '_', 'Sing', '_', '_'], ['_', 'Sing']]).split('\n').map((l) => l.split('\t')[5]);
  assert.deepEqual([out[3], out[5], out[6], out[8], out[9], out[12], out[13]], [
    'Case=Nom|Number=Plur|Person=1|PronType=Prs', // replaced in place
    'Mood=Ind|Person=1|Tense=Pres|VerbForm=Fin', // removed
    'Number=Sing|Polarity=Neg', // inserted before Polarity
    'VerbForm=Inf', // absent and predicted absent
    '_',
    '_', // the only feature removed
    'Number=Sing', // inserted into '_'
  ]);
  const lower = conllu(rows(word('1', 'a', '_', 'X', '_', 'abbr=Yes|Case=Nom|typo=Yes', '0', 'root', '_', '_')), { column: 'feats:Number' });
  assert.equal(writeTagged(lower, [['Sing']]).split('\t')[5], 'abbr=Yes|Case=Nom|Number=Sing|typo=Yes');
  fails(() => writeTagged(doc, [['A|B', '_', '_', '_', '_'], ['_', '_']]), "writeTagged: predicted[0][0]: the value 'A|B' of feature Number cannot hold '|' or '='");
});

test('CoNLL-U: _ is no tag (an error with requireTags, undefined without); for feats:Name _ is a tag', () => {
  const text = rows(word('1', 'a', 'a', '_', '_', '_', '0', 'root', '_', '_'), word('2', 'b', 'b', 'NOUN', '_', '_', '1', 'dep', '_', '_'));
  fails(() => conllu(text), "t.conllu line 1: word 'a' has no tag (upos is '_')");
  fails(() => conllu(text, { column: 'xpos' }), "t.conllu line 1: word 'a' has no tag (xpos is '_')");
  fails(() => conllu(text, { column: 9 }), "t.conllu line 1: word 'a' has no tag (field 9 is '_')");
  const predict = conllu(text, { requireTags: false });
  assert.deepEqual(tagsOf(predict), [[undefined, 'NOUN']]);
  assert.equal(writeTagged(predict, [['DET', 'NOUN']]).split('\n')[0], rows(word('1', 'a', 'a', 'DET', '_', '_', '0', 'root', '_', '_')));
  assert.deepEqual(tagsOf(conllu(text, { column: 'feats:Gender' })), [['_', '_']]);
});

test('CoNLL-U errors: field count, malformed and out-of-order IDs, ranges without their words, FEATS, empty FORM', () => {
  const w = (id: string, form = 'x') => rows(word(id, form, '_', 'X', '_', '_', '0', 'root', '_', '_'));
  const mwt = (id: string) => rows(word(id, 'xy', '_', '_', '_', '_', '_', '_', '_', '_'));
  const lines = (...l: string[]) => l.join('\n');
  fails(() => conllu('1\tthe\tthe\tDET\n'), 't.conllu line 1: expected 10 TAB-separated fields (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), got 4');
  fails(() => conllu('# c\n1 the the DET DT _ 0 root _ _\n'),
    't.conllu line 2: expected 10 TAB-separated fields (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), got 1; are the fields separated by spaces? CoNLL-U needs TABs');
  fails(() => conllu(lines(w('1'), w('2'), mwt('3-2'))), "t.conllu line 3: multi-word token ID '3-2' is a malformed range (start must be below end)");
  fails(() => conllu(lines(w('1'), mwt('2-2'))), "t.conllu line 2: multi-word token ID '2-2' is a malformed range (start must be below end)");
  fails(() => conllu(lines(w('1'), mwt('a-b'))), "t.conllu line 2: multi-word token ID 'a-b' is a malformed range (expected two word IDs like 3-4)");
  fails(() => conllu(lines(w('1'), mwt('3-'))), "t.conllu line 2: multi-word token ID '3-' is a malformed range (expected two word IDs like 3-4)");
  fails(() => conllu(lines(w('1'), mwt('3-4'))), "t.conllu line 2: multi-word token ID '3-4' must start at the next word ID 2");
  fails(() => conllu(w('0')), "t.conllu line 1: word ID '0' is malformed (expected 1; word IDs count 1, 2, 3... without leading zeros)");
  fails(() => conllu(w('01')), "t.conllu line 1: word ID '01' is malformed (expected 1; word IDs count 1, 2, 3... without leading zeros)");
  fails(() => conllu(lines(w('1'), w('3'))), "t.conllu line 2: word ID '3' is out of order (expected 2)");
  fails(() => conllu(lines(w('1'), '', w('2'))), "t.conllu line 3: word ID '2' is out of order (expected 1)");
  fails(() => conllu(w('x')), "t.conllu line 1: ID 'x' is malformed (expected a word ID like 3, a multi-word token range like 3-4 or an empty node like 8.1)");
  fails(() => conllu(lines(w('1'), mwt('2-3'), w('2'))), "t.conllu line 2: multi-word token ID '2-3' is not followed by its words 2 to 3 (the sentence ends first)");
  fails(() => conllu(lines(w('1'), mwt('2-3'), w('2'), w('2.1'), w('3'))), "t.conllu line 2: multi-word token ID '2-3' is not followed by its words 2 to 3 (line 4 has ID '2.1')");
  fails(() => conllu(lines(w('1'), mwt('2-3'), '# c', w('2'), w('3'))), "t.conllu line 2: multi-word token ID '2-3' is not followed by its words 2 to 3 (line 3 is a comment)");
  fails(() => conllu(lines(w('1'), mwt('2-3'), w('2'), mwt('3-4'))), "t.conllu line 2: multi-word token ID '2-3' is not followed by its words 2 to 3 (line 4 has ID '3-4')");
  fails(() => conllu(lines(w('1'), w('2.1'))), "t.conllu line 2: empty node ID '2.1' is out of order (expected 1.1)");
  fails(() => conllu(lines(w('1'), w('1.1'), w('1.3'))), "t.conllu line 3: empty node ID '1.3' is out of order (expected 1.2)");
  fails(() => conllu(lines(w('1'), w('1.0'))), "t.conllu line 2: empty node ID '1.0' is malformed (expected a word ID, a dot and a number, like 8.1)");
  fails(() => conllu(lines(w('1'), '', '# newdoc', '# only comments')), 't.conllu line 3: the sentence starting here has no word lines (only comments or empty nodes)');
  fails(() => conllu(w('1', '')), "t.conllu line 1: word ID '1' has an empty FORM");
  fails(() => conllu(rows(word('1', 'a', '_', 'X', '_', 'Number', '0', 'root', '_', '_')), { column: 'feats:Number' }),
    "t.conllu line 1: word 'a': FEATS 'Number' is malformed (expected '_' or Name=Value pairs joined by '|')");
  // Empty nodes may come before the first word (0.1), and several after one word.
  assert.deepEqual(conllu(lines(w('0.1'), w('1', 'a'), w('1.1'), w('1.2'), w('2', 'b'))).sentences[0]!.words, ['a', 'b']);
});

const TSV = 'From\tADP\tIN\nthe\tDET\tDT\n#\tSYM\tNFP\n\nHi\tINTJ\tUH\n';

test('TSV: token first, column 2 by default or any column >= 2; a # token is a word; round trip', () => {
  const doc = tsv(TSV);
  assert.equal(doc.format, 'tsv');
  assert.deepEqual(doc.column, { format: 'tsv', field: 2, label: '2' });
  assert.deepEqual(doc.sentences, [
    { words: ['From', 'the', '#'], tags: ['ADP', 'DET', 'SYM'], lines: [1, 2, 3] },
    { words: ['Hi'], tags: ['INTJ'], lines: [5] },
  ]);
  const xpos = tsv(TSV, { column: 3 });
  assert.deepEqual(tagsOf(xpos), [['IN', 'DT', 'NFP'], ['UH']]);
  assert.deepEqual(tagsOf(tsv(TSV, { column: '3' })), tagsOf(xpos));
  assert.equal(writeTagged(doc, tagsOf(doc) as string[][]), TSV);
  assert.equal(writeTagged(xpos, [['a', 'b', 'c'], ['d']]), 'From\tADP\ta\nthe\tDET\tb\n#\tSYM\tc\n\nHi\tINTJ\td\n');
  assert.equal(writeTagged(doc, [['a', 'b', 'c'], ['d']]), 'From\ta\tIN\nthe\tb\tDT\n#\tc\tNFP\n\nHi\td\tUH\n');
  // BOM, CRLF, several blank lines, no final newline; tag cells trimmed, '_' a tag like any other.
  const messy = tsv('\ufeffa\t X \r\n\r\n\r\n  \r\nb\t_');
  assert.deepEqual(messy.sentences, [{ words: ['a'], tags: ['X'], lines: [1] }, { words: ['b'], tags: ['_'], lines: [5] }]);
});

test('TSV predict input: tokens only (requireTags false) have no tags; the column is appended, padded with _', () => {
  const doc = tsv('From\nthe\n\nHi\n', { requireTags: false });
  assert.deepEqual(tagsOf(doc), [[undefined, undefined], [undefined]]);
  assert.equal(writeTagged(doc, [['ADP', 'DET'], ['INTJ']]), 'From\tADP\nthe\tDET\n\nHi\tINTJ\n');
  const third = tsv('From\nthe\tDET\n', { requireTags: false, column: 3 });
  assert.deepEqual(tagsOf(third), [[undefined, undefined]]);
  assert.equal(writeTagged(third, [['IN', 'DT']]), 'From\t_\tIN\nthe\tDET\tDT\n');
});

test('TSV errors: no tag (naming the column), column beyond the line, empty token, names refused', () => {
  fails(() => tsv('From\tADP\nthe\n'), "t.tsv line 2: token 'the' has no tag (no column 2: the line has only the token)");
  fails(() => tsv('the DET\n'), "t.tsv line 1: token 'the DET' has no tag (no column 2: the line has only the token; are the columns separated by spaces? TSV needs TABs)");
  fails(() => tsv('From\tADP\nthe\tDET\n', { column: 3 }), "t.tsv line 1: token 'From' has no tag (no column 3: the line has 2 columns)");
  fails(() => tsv('From\t \tIN\n'), "t.tsv line 1: token 'From' has no tag (column 2 is empty)");
  fails(() => tsv('\tADP\n'), 't.tsv line 1: the token (column 1) is empty');
  fails(() => tsv(TSV, { column: 'upos', format: 'tsv' }), "t.tsv: tag column 'upos' is a name, but TSV takes a column number (2 or more; column 1 is the token)");
  fails(() => tsv(TSV, { column: 'upos' }),
    "t.tsv: tag column 'upos' is a name, but TSV takes a column number (2 or more; column 1 is the token) (the text was read as TSV: its first line that is not a comment has no 10 CoNLL-U fields; give the format to force it)");
  fails(() => tsv(TSV, { column: 1 }), 't.tsv: tag column 1 is the token column; give 2 or more');
});

test('errors for both formats: no sentences, unknown or impossible tag columns, bad format', () => {
  fails(() => tsv(''), 't.tsv: no sentences (the text is empty or holds only blank lines)');
  fails(() => tsv('\n \n\r\n', { format: 'tsv' }), 't.tsv: no sentences (the text is empty or holds only blank lines)');
  fails(() => conllu('\n\n'), 't.conllu: no sentences (the text is empty or holds only blank lines and comments)');
  fails(() => conllu(CONLLU, { column: 'lemmas' }), "t.conllu: unknown tag column 'lemmas'; give upos, xpos, deprel, feats:Name or a field number 3 to 10");
  fails(() => conllu(CONLLU, { column: 'feats:' }), "t.conllu: tag column 'feats:' needs a feature name after 'feats:' (letters and digits, like feats:Number)");
  fails(() => conllu(CONLLU, { column: 2 }), 't.conllu: tag column 2 is FORM, not a tag; give upos, xpos, deprel, feats:Name or a field number 3 to 10');
  fails(() => conllu(CONLLU, { column: '1' }), 't.conllu: tag column 1 is ID, not a tag; give upos, xpos, deprel, feats:Name or a field number 3 to 10');
  fails(() => conllu(CONLLU, { column: 11 }), 't.conllu: tag column 11 is beyond the 10 CoNLL-U fields; give upos, xpos, deprel, feats:Name or a field number 3 to 10');
  fails(() => conllu(CONLLU, { column: 2.5 }), 't.conllu: tag column 2.5 is not a column number (columns count from 1)');
  fails(() => conllu(CONLLU, { column: ' ' }), 't.conllu: the tag column is empty; give upos, xpos, deprel, feats:Name or a field number 3 to 10');
  fails(() => conllu(CONLLU, { format: 'csv' as 'tsv' }), "t.conllu: format must be 'conllu', 'tsv' or 'auto', got 'csv'");
});

test('parseTagColumn: defaults, names (case-insensitive), feature names kept as written, numbers', () => {
  assert.deepEqual(parseTagColumn(undefined, 'conllu'), { format: 'conllu', field: 4, label: 'upos' });
  assert.deepEqual(parseTagColumn(undefined, 'tsv'), { format: 'tsv', field: 2, label: '2' });
  assert.deepEqual(parseTagColumn('XPOS', 'conllu'), { format: 'conllu', field: 5, label: 'XPOS' });
  assert.deepEqual(parseTagColumn('feats:Number[psor]', 'conllu'), { format: 'conllu', field: 6, feature: 'Number[psor]', label: 'feats:Number[psor]' });
  assert.deepEqual(parseTagColumn(' 8 ', 'conllu'), { format: 'conllu', field: 8, label: '8' });
  assert.deepEqual(parseTagColumn(7, 'tsv'), { format: 'tsv', field: 7, label: '7' });
  fails(() => parseTagColumn(0, 'tsv'), 'parseTagColumn: tag column 0 is not a column number (columns count from 1)');
  fails(() => parseTagColumn('upos', 'csv' as 'tsv'), "parseTagColumn: format must be 'conllu' or 'tsv', got 'csv'");
});

test('detectTaggedFormat: .conllu extension, else the first line that is neither blank nor a comment', () => {
  assert.equal(detectTaggedFormat(CONLLU), 'conllu');
  assert.equal(detectTaggedFormat(`\ufeff\r\n${CONLLU.replace(/\n/g, '\r\n')}`), 'conllu');
  assert.equal(detectTaggedFormat(rows(word('2-3', "don't", '_', '_', '_', '_', '_', '_', '_', '_'))), 'conllu');
  assert.equal(detectTaggedFormat(rows(word('0.1', 'x', '_', '_', '_', '_', '_', '_', '_', '_'))), 'conllu');
  assert.equal(detectTaggedFormat(TSV), 'tsv');
  assert.equal(detectTaggedFormat('#\tSYM\tNFP\nthe\tDET\tDT\n'), 'tsv');
  assert.equal(detectTaggedFormat(rows(word('x', 'a', '_', '_', '_', '_', '_', '_', '_', '_'))), 'tsv');
  assert.equal(detectTaggedFormat(''), 'tsv');
  assert.equal(detectTaggedFormat('', 'data/en_ewt-train.CoNLLU'), 'conllu');
  assert.equal(detectTaggedFormat(TSV, 'a.conllu.tsv'), 'tsv');
  assert.equal(readTagged(CONLLU, { source: 'x.txt', requireTags: true }).format, 'conllu');
  assert.equal(readTagged(TSV, { source: 'x.txt', requireTags: true, format: 'auto' }).format, 'tsv');
});

test('writeTagged: predictions must match the document shape and be one-line, non-empty tags', () => {
  const doc = tsv(TSV);
  fails(() => writeTagged(doc, [['a', 'b', 'c']]), 'writeTagged: predicted has 1 sentences, the document 2');
  fails(() => writeTagged(doc, [['a', 'b', 'c'], ['d', 'e']]), 'writeTagged: predicted[1] has 2 tags, sentence 2 (line 5) has 1 words');
  fails(() => writeTagged(doc, [['a', '', 'c'], ['d']]), "writeTagged: predicted[0][1] must be a non-empty tag without TAB or line breaks, got ''");
  fails(() => writeTagged(doc, [['a', 'b', 'c\td'], ['d']]), "writeTagged: predicted[0][2] must be a non-empty tag without TAB or line breaks, got 'c\\td'");
  fails(() => writeTagged(doc, 'ab' as unknown as string[][]), "writeTagged: predicted must be an array of tag arrays (one per sentence), got 'ab'");
});
