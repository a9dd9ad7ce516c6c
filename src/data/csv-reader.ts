/**
 * Reads CSV text into records of string cells: RFC 4180 quoting ("a,b" and "" for a quote,
 * line breaks inside quotes), CRLF, LF or CR line ends, a UTF-8 byte-order mark, blank lines
 * skipped, and the separator (',' ';' or tab) told from the header. Each record knows the line
 * it starts on (the header is line 1). Not a typed table: cells stay strings, trimmed by no one.
 */

export type CsvSeparator = ',' | ';' | '\t';

/** One row of cells and the 1-based line it starts on. */
export interface CsvRecord { line: number; cells: string[] }

const QUOTE = 34, LF = 10, CR = 13;
const SEPARATOR_NAMES: Record<CsvSeparator, string> = { ',': "','", ';': "';'", '\t': 'tab' };

/**
 * `text` cut to `max` characters with an ellipsis and its line breaks and tabs written as \n,
 * \r, \t, for quoting a cell in a one-line message without echoing a megabyte.
 */
export function clip(text: string, max = 40): string {
  const cut = text.length <= max ? text : `${text.slice(0, max)}…`;
  return cut.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** A header's names for a message: quoted where spaces at the ends (or a comma) would hide them, at most 30. */
export function columnList(header: readonly string[]): string {
  const shown = header.slice(0, 30).map((h) => (h === '' || h.trim() !== h || h.includes(',') ? `'${clip(h)}'` : clip(h)));
  return shown.join(', ') + (header.length > 30 ? `, … (${header.length} in all)` : '');
}

/**
 * The separator the header line uses, counting outside quotes: the most frequent of ',' ';' and
 * tab (',' when there is only one column). Two of them equally frequent is an error: no guess.
 */
export function detectSeparator(text: string, source: string): CsvSeparator {
  const counts: Record<CsvSeparator, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++;
  }
  const ranked = (Object.keys(counts) as CsvSeparator[]).sort((a, b) => counts[b] - counts[a]);
  const [top, second] = [ranked[0]!, ranked[1]!];
  if (counts[top] === 0) return ',';
  if (counts[second] === counts[top]) {
    throw new Error(`${source} line 1: the header has ${counts[top]} ${SEPARATOR_NAMES[top]} and ${counts[second]} ${SEPARATOR_NAMES[second]}; cannot tell which separates the columns`);
  }
  return top;
}

/**
 * Record by record over CSV text. `header` is the first record; `next()` returns the following
 * ones and null at the end, in one record object whose cells array is reused: copy what you
 * keep. Work is linear in the text: no cell is scanned twice.
 */
export class CsvReader {
  readonly separator: CsvSeparator;
  readonly header: CsvRecord;
  private readonly text: string;
  private readonly source: string;
  private readonly sep: number;
  private pos = 0;
  private line = 1;
  /** Whether the record just read had a quoted cell (a quoted empty cell is not a blank line). */
  private lastQuoted = false;
  /** The record `next()` fills: a million rows should not be two million short-lived objects. */
  private readonly record: CsvRecord = { line: 0, cells: [] };

  /**
   * Throws naming `source` for text with no header (empty, or only blank lines). `separator`,
   * when given, is used as it is; otherwise the header line decides (`detectSeparator`).
   */
  constructor(text: string, source: string, separator?: CsvSeparator) {
    this.text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.source = source;
    this.separator = separator ?? detectSeparator(this.text, source);
    this.sep = this.separator.charCodeAt(0);
    const header = this.next();
    if (header === null) throw new Error(`${source} is empty`);
    this.header = { line: header.line, cells: [...header.cells] };
  }

  /** The next record that is not a blank line, or null after the last; valid until the next call. */
  next(): CsvRecord | null {
    for (;;) {
      if (this.pos >= this.text.length) return null;
      const record = this.readRecord();
      const only = record.cells.length === 1 ? record.cells[0]! : null;
      if (only !== null && only.trim() === '' && !this.lastQuoted) continue; // a blank or whitespace-only line
      return record;
    }
  }

  private readRecord(): CsvRecord {
    const { text, sep, record } = this;
    const n = text.length;
    record.line = this.line;
    const cells = record.cells;
    cells.length = 0;
    this.lastQuoted = false;
    for (;;) {
      let cell: string;
      let i = this.pos;
      if (text.charCodeAt(i) === QUOTE) {
        this.lastQuoted = true;
        const open = this.line;
        const parts: string[] = [];
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) throw new Error(`${this.source} line ${open}: a quoted cell opened here is never closed`);
          this.countLines(from, close);
          if (text.charCodeAt(close + 1) === QUOTE) { parts.push(text.slice(from, close + 1)); from = close + 2; continue; }
          parts.push(text.slice(from, close));
          i = close + 1;
          break;
        }
        cell = parts.length === 1 ? parts[0]! : parts.join('');
        const c = text.charCodeAt(i);
        if (i < n && c !== sep && c !== LF && c !== CR) {
          throw new Error(`${this.source} line ${this.line}: '${clip(text.slice(i, i + 1))}' after the closing quote of a quoted cell; expected the separator or the end of the line (write "" for a quote inside quotes)`);
        }
      } else {
        const start = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === sep || c === LF || c === CR) break;
          i++;
        }
        cell = text.slice(start, i);
      }
      cells.push(cell);
      if (i >= n) { this.pos = n; break; }
      const c = text.charCodeAt(i);
      if (c === sep) { this.pos = i + 1; if (this.pos >= n) { cells.push(''); break; } continue; }
      // End of line: CRLF, LF or a lone CR.
      this.pos = c === CR && text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      this.line++;
      break;
    }
    return record;
  }

  /** Counts the line breaks inside a quoted cell, so that later records report the right line. */
  private countLines(from: number, to: number): void {
    const { text } = this;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) this.line++;
    }
  }
}
