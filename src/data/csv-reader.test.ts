import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsvReader, clip, detectSeparator } from './csv-reader.js';

/** All records of `text` as [line, cells] (copied: the reader reuses its record). */
function records(text: string): [number, string[]][] {
  const reader = new CsvReader(text, 'test.csv');
  const out: [number, string[]][] = [[reader.header.line, reader.header.cells]];
  for (let r = reader.next(); r !== null; r = reader.next()) out.push([r.line, [...r.cells]]);
  return out;
}

test('CsvReader: RFC 4180 quoting, "" escapes and line breaks inside quotes, with the line each record starts on', () => {
  assert.deepEqual(records('a,b\n"x,y","say ""hi"""\n"two\nlines",3\nlast,4'), [
    [1, ['a', 'b']], [2, ['x,y', 'say "hi"']], [3, ['two\nlines', '3']], [5, ['last', '4']],
  ]);
  assert.deepEqual(records('a,b\n"",""\n'), [[1, ['a', 'b']], [2, ['', '']]]);
  assert.deepEqual(records('"a"\n""\n'), [[1, ['a']], [2, ['']]], 'a quoted empty cell is a value, not a blank line');
});

test('CsvReader: CRLF, LF and lone CR line ends, a BOM, blank and trailing empty lines, a trailing separator', () => {
  const want: [number, string[]][] = [[1, ['t', 'y']], [2, ['1', '2']], [3, ['3', '4']]];
  assert.deepEqual(records('t,y\r\n1,2\r\n3,4\r\n'), want);
  assert.deepEqual(records('t,y\r1,2\r3,4'), want);
  assert.deepEqual(records('\uFEFFt,y\n1,2\n3,4\n\n\n'), want);
  assert.deepEqual(records('t,y\n1,2\n   \n3,4\n \r\n'), [[1, ['t', 'y']], [2, ['1', '2']], [4, ['3', '4']]]);
  assert.deepEqual(records('t,y,\n1,2,\n'), [[1, ['t', 'y', '']], [2, ['1', '2', '']]]);
  assert.deepEqual(records('"t\r\nx",y\r\n1,2\r\n'), [[1, ['t\r\nx', 'y']], [3, ['1', '2']]]);
});

test('detectSeparator: the header tells comma, semicolon or tab, and refuses to guess between equals', () => {
  assert.equal(detectSeparator('Month,Passengers\n', 'f'), ',');
  assert.equal(detectSeparator('Month;Passengers;x\n1949-01;1,5;2\n', 'f'), ';');
  assert.equal(detectSeparator('Month\tPassengers, total\tx\n', 'f'), '\t');
  assert.equal(detectSeparator('"a;b",c\n', 'f'), ',', 'separators inside quotes do not count');
  assert.equal(detectSeparator('y\n1,2;3\n', 'f'), ',', 'one column: the header alone decides');
  assert.throws(() => detectSeparator('a,b;c\n', 'f.csv'), { message: "f.csv line 1: the header has 1 ',' and 1 ';'; cannot tell which separates the columns" });
  assert.deepEqual(records('a;b\n"1;2";3\n'), [[1, ['a', 'b']], [2, ['1;2', '3']]]);
  assert.deepEqual(records('a\tb\n1\t2\n'), [[1, ['a', 'b']], [2, ['1', '2']]]);
});

test('CsvReader: one-line errors for a quote never closed and for text after a closing quote', () => {
  assert.throws(() => records('t,y\n1,2\n3,"4\n5,6\n'), { message: 'test.csv line 3: a quoted cell opened here is never closed' });
  assert.throws(() => records('t,y\n1,"2"x\n'), { message: `test.csv line 2: 'x' after the closing quote of a quoted cell; expected the separator or the end of the line (write "" for a quote inside quotes)` });
  assert.throws(() => records('\n\n  \n'), { message: 'test.csv is empty' });
  assert.equal(clip('x'.repeat(100)), `${'x'.repeat(40)}…`);
  assert.equal(clip('a\r\nb\tc'), 'a\\r\\nb\\tc', 'a message stays on one line');
});

test('CsvReader: linear work on hostile input (a 4 MB cell, 4 MB of quotes, a quote that never closes)', () => {
  const t0 = performance.now();
  const big = 'x'.repeat(4 << 20);
  assert.equal(records(`a,b\n1,${big}\n`)[1]![1][1]!.length, 4 << 20);
  assert.equal(records(`a,b\n1,"${'""'.repeat(2 << 20)}"\n`)[1]![1][1]!.length, 2 << 20);
  assert.throws(() => records(`a,b\n1,"${'x\n'.repeat(1 << 20)}`), /never closed/);
  const ms = performance.now() - t0;
  assert.ok(ms < 5000, `took ${ms.toFixed(0)} ms`);
});
