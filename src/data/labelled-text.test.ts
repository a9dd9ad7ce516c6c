import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClassFiles, parseLabelledTable, type LabelledTableOptions, type LabelledTexts } from './labelled-text.js';
import { loadClassFiles, loadLabelledTable } from './labelled-text-file.js';
import { tempDir } from '../testing/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../../src/data/fixtures/', import.meta.url));

const parse = (text: string, options: LabelledTableOptions = {}): LabelledTexts => parseLabelledTable(text, { source: 't.tsv', ...options });
const fails = (text: string, options: LabelledTableOptions, message: string | RegExp) =>
  assert.throws(() => parse(text, options), typeof message === 'string' ? { message } : message);
/** The examples as [text, labels] pairs. */
const pairs = (d: LabelledTexts) => d.texts.map((t, i) => [t, d.labels[i]!.join('|')]);

test('TSV: split on TAB only, quotes kept literally (also at the start of a field), text kept exactly, labels trimmed', () => {
  const d = parse('"great" film, i "love" it\t1\n  spaces kept \t 0 \nshe said "hi\t1\n"\t0\n');
  assert.deepEqual(pairs(d), [['"great" film, i "love" it', '1'], ['  spaces kept ', '0'], ['she said "hi', '1'], ['"', '0']]);
  assert.deepEqual(d.lines, [1, 2, 3, 4]);
  assert.equal(d.skippedEmpty, 0);
  assert.equal(d.source, 't.tsv');
  // CRLF, a byte-order mark, no final newline, blank lines (no rows at all) and extra columns.
  const e = parse('\ufeffa\tx\textra\r\n\r\n   \r\nb\ty');
  assert.deepEqual(pairs(e), [['a', 'x'], ['b', 'y']]);
  assert.deepEqual(e.lines, [1, 4]);
  assert.equal(e.skippedEmpty, 0);
});

test('CSV: RFC 4180 quotes (commas, "" and line breaks in a cell), line numbers after a multi-line cell', () => {
  const d = parse('"hello, world",pos\n"she said ""no""",neg\n"two\nlines",pos\nplain,neg\r\n', { source: 'c.csv' });
  assert.deepEqual(pairs(d), [['hello, world', 'pos'], ['she said "no"', 'neg'], ['two\nlines', 'pos'], ['plain', 'neg']]);
  assert.deepEqual(d.lines, [1, 2, 3, 5]);
  fails('"open,pos\n', {}, 't.tsv line 1: a quoted cell opened here is never closed');
});

test('separator: auto is TAB when the first line has one (commas then stay in the text), else comma; or forced', () => {
  assert.deepEqual(pairs(parse('hello, world\tpos\n')), [['hello, world', 'pos']]);
  assert.deepEqual(pairs(parse('hello,pos\n')), [['hello', 'pos']]);
  // Forced TAB on a file whose first line has none: that row lacks its label cell.
  fails('hello,pos\n', { separator: '\t' }, 't.tsv line 1: no label cell (the row has 1 column; the label is column 2)');
  // Forced comma on a file with TABs: the TAB stays in the text.
  assert.deepEqual(pairs(parse('a\tb,pos\n', { separator: ',' })), [['a\tb', 'pos']]);
  // A comma file never takes ';' for the separator (CsvReader would guess it from the header).
  assert.deepEqual(pairs(parse('a;b;c,pos\n')), [['a;b;c', 'pos']]);
});

test('header: auto when the first row says text or label, or a column is named; else data; or forced', () => {
  // SST-2's layout: sentence<TAB>label; the text is the first column the label does not use.
  const sst = parse('sentence\tlabel\nit is good\t1\n');
  assert.deepEqual(pairs(sst), [['it is good', '1']]);
  assert.deepEqual(sst.lines, [2]);
  assert.deepEqual(pairs(parse('Label,Text\npos,fine\n')), [['fine', 'pos']]);
  assert.deepEqual(pairs(parse(' TEXT \tkind\nfine\tpos\n')), [['fine', 'pos']]);
  // No header: the first row is an example.
  assert.deepEqual(pairs(parse('fine\tpos\nbad\tneg\n')), [['fine', 'pos'], ['bad', 'neg']]);
  assert.deepEqual(pairs(parse('text\tlabel\nfine\tpos\n', { header: false })), [['text', 'label'], ['fine', 'pos']]);
  assert.deepEqual(pairs(parse('a\tb\nfine\tpos\n', { header: true })), [['fine', 'pos']]);
  // Naming a column means there is a header.
  assert.deepEqual(pairs(parse('id\treview\tstars\n1\tok\t3\n', { textColumn: 'review', labelColumn: 'stars' })), [['ok', '3']]);
  fails('text\tlabel\nfine\tpos\n', { header: true, separator: '\t', multiLabelSeparator: '' }, "parseLabelledTable: options.multiLabelSeparator must be a non-empty string, got \"\"");
  fails('a\tb\n', { header: false, labelColumn: 'b' }, 't.tsv: a column is given by name but options.header is false; give a 1-based index instead');
  fails('text\tlabel\n', {}, 't.tsv: no examples');
});

test('columns: by name, by 1-based index (number or digits), defaults around the other one', () => {
  const table = 'id\treview\tstars\n1\tok\t3\n2\tmeh\t2\n';
  assert.deepEqual(pairs(parse(table, { textColumn: 2, labelColumn: '3', header: true })), [['ok', '3'], ['meh', '2']]);
  assert.deepEqual(pairs(parse(table, { textColumn: 'review', labelColumn: 1 })), [['ok', '1'], ['meh', '2']]);
  // Label in column 1 and the text by default: the first column the label does not use.
  assert.deepEqual(pairs(parse('pos\tfine\n', { labelColumn: 1 })), [['fine', 'pos']]);
  assert.deepEqual(pairs(parse('x\tfine\tpos\n', { textColumn: 2, labelColumn: 3 })), [['fine', 'pos']]);
  fails(table, { textColumn: 'Review' }, "column 'Review' not found in t.tsv; the columns are id, review, stars (names are matched exactly: did you mean 'review'?)");
  fails(table, { labelColumn: 'class' }, "column 'class' not found in t.tsv; the columns are id, review, stars");
  fails(table, { header: true, labelColumn: 4 }, 't.tsv: no column 4 for the label; the columns are id, review, stars');
  fails('fine\tpos\n', { textColumn: 3 }, 't.tsv line 1: no text cell (the row has 2 columns; the text is column 3)');
  fails(table, { textColumn: 2, labelColumn: 'review' }, "t.tsv: the text and the label are both column 2 ('review'); give them different columns");
  fails(table, { textColumn: 0 }, 'parseLabelledTable: options.textColumn must be a 1-based column index (1, 2, ...), got 0');
  fails(table, { labelColumn: 1.5 }, 'parseLabelledTable: options.labelColumn must be a 1-based column index (1, 2, ...), got 1.5');
  fails('a\ta\tb\n1\t2\t3\n', { textColumn: 'a' }, "t.tsv line 1: column 'a' is named twice (columns 1 and 2); rename one or give an index");
  fails('x\n', { separator: ';' as ',' }, `parseLabelledTable: options.separator must be '\\t', ',' or 'auto', got ";"`);
});

test('rows: empty texts skipped and counted (or an error with strict); missing or empty labels are errors naming the line', () => {
  const d = parse('a\t1\n \t1\n\t0\nb\t0\n');
  assert.deepEqual(pairs(d), [['a', '1'], ['b', '0']]);
  assert.deepEqual(d.lines, [1, 4]);
  assert.equal(d.skippedEmpty, 2);
  fails('a\t1\n \t1\n', { strict: true }, 't.tsv line 2: the text is empty');
  fails('a\t1\nb\n', {}, 't.tsv line 2: no label cell (the row has 1 column; the label is column 2)');
  fails('a\t1\nb\t  \n', {}, 't.tsv line 2: the label is empty');
  fails('a,1\n"b",""\n', {}, 't.tsv line 2: the label is empty');
  fails('\t1\n\t0\n', {}, 't.tsv: no examples (2 rows with empty text skipped)');
  fails('', {}, 't.tsv is empty');
  fails('\n  \n', { separator: '\t' }, 't.tsv is empty');
});

test('multi-label: the label cell split, parts trimmed, duplicates dropped; an empty part is an error', () => {
  const d = parse('"a film",\"drama, comedy ,drama\"\nb,war\n', { multiLabelSeparator: ',' });
  assert.deepEqual(d.labels, [['drama', 'comedy'], ['war']]);
  assert.deepEqual(parse('x\ta|b\n', { multiLabelSeparator: '|' }).labels, [['a', 'b']]);
  // Without the option, the cell is one label.
  assert.deepEqual(parse('x\ta|b\n').labels, [['a|b']]);
  fails('x\ta||b\n', { multiLabelSeparator: '|' }, "t.tsv line 1: the label cell 'a||b' has an empty label between '|' separators");
});

test('loadLabelledTable: errors name the file; the sentiment fixture reads as 40 examples, quotes and all', async () => {
  const dir = tempDir('recur-labelled-');
  const latin1 = join(dir, 'latin1.tsv');
  writeFileSync(latin1, Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x09, 0x31, 0x0a]));
  await assert.rejects(loadLabelledTable(latin1), /latin1\.tsv is not UTF-8 text \(invalid byte 0xe9 at offset 3\)/);
  const short = join(dir, 'short.tsv');
  writeFileSync(short, 'a\t1\nb\n');
  await assert.rejects(loadLabelledTable(short), { message: `${short} line 2: no label cell (the row has 1 column; the label is column 2)` });
  const d = await loadLabelledTable(join(FIXTURES, 'sentiment-tiny.tsv'));
  assert.equal(d.texts.length, 40);
  assert.equal(d.source, join(FIXTURES, 'sentiment-tiny.tsv'));
  assert.deepEqual([d.labels.filter((l) => l[0] === '1').length, d.labels.filter((l) => l[0] === '0').length], [20, 20]);
  assert.ok(d.texts.some((t) => t.startsWith('"')), 'a text starting with a literal quote');
  // Separable by words: every positive text has good/great/love, every negative one bad/awful/hate.
  d.texts.forEach((t, i) => assert.equal(/good|great|love/.test(t), d.labels[i]![0] === '1', t));
  d.texts.forEach((t, i) => assert.equal(/bad|awful|hate/.test(t), d.labels[i]![0] === '0', t));
});

test('parseClassFiles: label from the file name, one example a line kept exactly, empty lines counted or strict', () => {
  const d = parseClassFiles([
    { name: 'names/Arabic.txt', text: '\ufeffKhoury\r\n  Nader \r\n\r\nHaddad' },
    { name: 'C:\\data\\Irish.names.txt', text: "O'Neill\n \nMurphy\n" },
  ]);
  assert.deepEqual(pairs(d), [['Khoury', 'Arabic'], ['  Nader ', 'Arabic'], ['Haddad', 'Arabic'], ["O'Neill", 'Irish.names'], ['Murphy', 'Irish.names']]);
  assert.deepEqual(d.lines, [1, 2, 4, 1, 3]);
  assert.equal(d.skippedEmpty, 2);
  assert.equal(d.source, 'names/Arabic.txt, C:\\data\\Irish.names.txt');
  assert.throws(() => parseClassFiles([{ name: 'a/X.txt', text: 'p\n\nq' }], { strict: true }), { message: 'a/X.txt line 2: the line is empty' });
  assert.throws(() => parseClassFiles([{ name: 'a/X.txt', text: 'p' }, { name: 'b/X.csv', text: 'q' }]), { message: "a/X.txt and b/X.csv both give the label 'X'; one file per class" });
  assert.throws(() => parseClassFiles([{ name: 'a/X.txt', text: 'p' }, { name: 'Y.txt', text: '\n \n' }]), { message: 'Y.txt has no examples (2 empty lines)' });
  assert.throws(() => parseClassFiles([]), { message: 'parseClassFiles: no class files' });
});

test('loadClassFiles: a directory (its *.txt files in name order, others ignored), a list of files, errors', async () => {
  const dir = tempDir('recur-classes-');
  writeFileSync(join(dir, 'b.txt'), 'bee\nbuzz\n');
  writeFileSync(join(dir, 'a.txt'), 'ant\n');
  writeFileSync(join(dir, 'notes.md'), 'not a class\n');
  mkdirSync(join(dir, 'c.txt')); // a directory named like a class file is not one
  const d = await loadClassFiles(dir);
  assert.deepEqual(pairs(d), [['ant', 'a'], ['bee', 'b'], ['buzz', 'b']]);
  assert.equal(d.source, dir);
  const listed = await loadClassFiles([join(dir, 'b.txt'), join(dir, 'notes.md')]);
  assert.deepEqual(pairs(listed), [['bee', 'b'], ['buzz', 'b'], ['not a class', 'notes']]);
  assert.equal(listed.source, `${join(dir, 'b.txt')}, ${join(dir, 'notes.md')}`);
  const empty = tempDir('recur-classes-none-');
  writeFileSync(join(empty, 'readme.md'), 'x');
  await assert.rejects(loadClassFiles(empty), { message: `no class files (*.txt) in directory ${empty}` });
  await assert.rejects(loadClassFiles(join(dir, 'missing')), { message: `class files not found: ${join(dir, 'missing')}` });
  writeFileSync(join(dir, 'z.txt'), '');
  await assert.rejects(loadClassFiles(dir), { message: `${join(dir, 'z.txt')} is empty` });
  const names = await loadClassFiles(join(FIXTURES, 'names-tiny'));
  assert.equal(names.texts.length, 45);
  assert.deepEqual([...new Set(names.labels.map((l) => l[0]))], ['Alpha', 'Beta', 'Gamma']);
  // Told apart by their endings: -ova / -sson / Polish -ski, -wicz, -ak, -ur, -yk.
  names.texts.forEach((t, i) => assert.equal(/ss?on$/.test(t), names.labels[i]![0] === 'Beta', t));
  names.texts.forEach((t, i) => assert.equal(/[ov]a$/.test(t), names.labels[i]![0] === 'Alpha', t));
});
