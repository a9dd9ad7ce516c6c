/**
 * Labelled texts for classification from a table (TAB-separated, or comma-separated with RFC
 * 4180 quotes) or from one file of examples per class. Pure: strings in, examples out, so it
 * runs in a browser too; reading the files is labelled-text-file.ts. Not a tokenizer: the texts
 * come back as they were written.
 */
import { CsvReader, clip, columnList, type CsvRecord } from './csv-reader.js';

/** Examples of text with their labels; every field holds one entry per example. */
export interface LabelledTexts {
  texts: string[];
  /** The labels of each example: one for single-label data, one or more with a multi-label separator. */
  labels: string[][];
  /** The 1-based line each example came from (in its own file, for class files). */
  lines: number[];
  /** Rows (or lines) skipped because their text was empty or only spaces. */
  skippedEmpty: number;
  /** What the examples were read from (a file name), as errors name it. */
  source: string;
}

export interface LabelledTableOptions {
  /** The name errors start with (a file name); default 'labelled table'. */
  source?: string;
  /** Default 'auto': TAB when the first line has a TAB, else comma. */
  separator?: '\t' | ',' | 'auto';
  /**
   * Whether the first row names the columns. Default 'auto': it does when `textColumn` or
   * `labelColumn` is given as a name, or when the first row's cell in the text or the label
   * position (columns 1 and 2 unless given by index) reads `text` or `label` (any case, spaces
   * around ignored). Data whose first example is labelled `text` or `label` needs `false`.
   */
  header?: boolean | 'auto';
  /** A header name, or a 1-based index (a number or a string of digits). Default: see `parseLabelledTable`. */
  textColumn?: string | number;
  /** A header name, or a 1-based index (a number or a string of digits). Default: see `parseLabelledTable`. */
  labelColumn?: string | number;
  /** When given (e.g. ','), a label cell holds several labels split on it (trimmed, duplicates dropped). */
  multiLabelSeparator?: string;
  /** A row whose text is empty is an error instead of being skipped and counted. */
  strict?: boolean;
}

/** A file of examples of one class: its name (a path) gives the label, one example a line. */
export interface ClassFile { name: string; text: string }

/**
 * The lines of `text` without their line ends (LF or CRLF) and without a leading byte-order
 * mark; a final line end does not start another line.
 */
export function splitLines(text: string): string[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * The labels a label cell holds: trimmed, split on `separator` when given, each part trimmed,
 * duplicates dropped (first kept). An empty label, or an empty part, is an error naming `where`.
 */
export function splitLabels(cell: string, separator: string | undefined, where: string): string[] {
  const whole = cell.trim();
  if (whole === '') throw new Error(`${where}: the label is empty`);
  if (separator === undefined) return [whole];
  const parts = whole.split(separator).map((p) => p.trim());
  if (parts.includes('')) throw new Error(`${where}: the label cell '${clip(whole)}' has an empty label between '${clip(separator)}' separators`);
  return [...new Set(parts)];
}

/** Records of TAB-separated text: split on TAB only, quotes kept literally; lines with nothing but spaces skipped. */
function* tsvRecords(text: string): Generator<CsvRecord> {
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const row = lines[i]!;
    if (!row.includes('\t') && row.trim() === '') continue;
    yield { line: i + 1, cells: row.split('\t') };
  }
}

/** Records of comma-separated text with RFC 4180 quoting (CsvReader); the record object is reused. */
function* csvRecords(text: string, source: string): Generator<CsvRecord> {
  const reader = new CsvReader(text, source, ',');
  yield reader.header;
  for (let r = reader.next(); r !== null; r = reader.next()) yield r;
}

type Request = { index: number } | { name: string } | undefined;

/** A column option as an index (0-based) or a name; digits are an index. */
function request(value: string | number | undefined, key: string): Request {
  if (value === undefined) return undefined;
  const index = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : null;
  if (index === null) {
    if (typeof value !== 'string' || value === '') throw new Error(`parseLabelledTable: options.${key} must be a column name or a 1-based index, got ${JSON.stringify(value)}`);
    return { name: value };
  }
  if (!Number.isInteger(index) || index < 1) throw new Error(`parseLabelledTable: options.${key} must be a 1-based column index (1, 2, ...), got ${JSON.stringify(value)}`);
  return { index: index - 1 };
}

function checkOptions(options: LabelledTableOptions): void {
  const fn = 'parseLabelledTable';
  if (options.separator !== undefined && !['\t', ',', 'auto'].includes(options.separator)) {
    throw new Error(`${fn}: options.separator must be '\\t', ',' or 'auto', got ${JSON.stringify(options.separator)}`);
  }
  if (options.header !== undefined && options.header !== true && options.header !== false && options.header !== 'auto') {
    throw new Error(`${fn}: options.header must be true, false or 'auto', got ${JSON.stringify(options.header)}`);
  }
  const m = options.multiLabelSeparator;
  if (m !== undefined && (typeof m !== 'string' || m === '')) throw new Error(`${fn}: options.multiLabelSeparator must be a non-empty string, got ${JSON.stringify(m)}`);
}

/** The 0-based index of the header cell named `name` (exactly, or with `loose` ignoring case and spaces); -1 when none. */
function findColumn(header: readonly string[], name: string, loose: boolean, source: string): number {
  const same = loose ? (h: string) => h.trim().toLowerCase() === name : (h: string) => h === name;
  const at = header.flatMap((h, i) => (same(h) ? [i] : []));
  if (at.length > 1) throw new Error(`${source} line 1: column '${clip(header[at[0]!]!)}' is named twice (columns ${at[0]! + 1} and ${at[1]! + 1}); rename one or give an index`);
  return at.length === 1 ? at[0]! : -1;
}

/** The text and label columns (0-based) for a first row; whether that row is a header. */
function resolveColumns(first: readonly string[], options: LabelledTableOptions, source: string): { text: number; label: number; header: boolean } {
  const text = request(options.textColumn, 'textColumn');
  const label = request(options.labelColumn, 'labelColumn');
  const named = (text !== undefined && 'name' in text) || (label !== undefined && 'name' in label);
  const cell = (r: Request, fallback: number) => (first[r !== undefined && 'index' in r ? r.index : fallback] ?? '').trim().toLowerCase();
  const header = options.header === undefined || options.header === 'auto'
    ? named || [cell(text, 0), cell(label, 1)].some((c) => c === 'text' || c === 'label')
    : options.header;
  if (named && !header) throw new Error(`${source}: a column is given by name but options.header is false; give a 1-based index instead`);
  const resolve = (r: Request, loose: string): number => {
    if (r === undefined) return header ? findColumn(first, loose, true, source) : -1;
    if ('index' in r) return r.index;
    const i = findColumn(first, r.name, false, source);
    if (i < 0) {
      const near = first.find((h) => h.trim().toLowerCase() === r.name.trim().toLowerCase());
      const hint = near === undefined ? '' : ` (names are matched exactly: did you mean '${clip(near)}'?)`;
      throw new Error(`column '${clip(r.name)}' not found in ${source}; the columns are ${columnList(first)}${hint}`);
    }
    return i;
  };
  let t = resolve(text, 'text');
  let l = resolve(label, 'label');
  if (t < 0) t = l === 0 ? 1 : 0;
  if (l < 0) l = t === 0 ? 1 : 0;
  if (t === l) throw new Error(`${source}: the text and the label are both column ${t + 1}${header ? ` ('${clip(first[t] ?? '')}')` : ''}; give them different columns`);
  if (header) {
    for (const [i, role] of [[t, 'text'], [l, 'label']] as const) {
      if (i >= first.length) throw new Error(`${source}: no column ${i + 1} for the ${role}; the columns are ${columnList(first)}`);
    }
  }
  return { text: t, label: l, header };
}

/**
 * Reads a table of labelled texts. The separator is TAB or comma (`'auto'`: TAB when the first
 * line holds one). TAB-separated text is split on TABs only and quotes are kept literally (a `"`
 * may open a real sentence); comma-separated text follows RFC 4180 (quoted cells may hold commas,
 * `""` and line breaks). CRLF, a byte-order mark and a final newline are fine; lines with nothing
 * but spaces are no rows at all.
 *
 * Columns: by header name (exact) or 1-based index. By default the text is the header's `text`
 * column (any case) and the label its `label` column; without those names, or without a header,
 * the text is the first column the label does not use and the label the first column the text
 * does not use (so columns 1 and 2). See `header` for when the first row is a header.
 *
 * The text is kept exactly as in its cell; labels are trimmed. A row whose text is empty (or only
 * spaces) is skipped and counted in `skippedEmpty`, or with `strict` an error. A row too short
 * to hold the text or label cell, an empty label, a column that does not exist (the message lists
 * those there are) and a table with no examples are errors; each names `source` and the line.
 */
export function parseLabelledTable(text: string, options: LabelledTableOptions = {}): LabelledTexts {
  checkOptions(options);
  const source = options.source ?? 'labelled table';
  const newline = text.indexOf('\n');
  const firstLine = newline < 0 ? text : text.slice(0, newline);
  const tab = options.separator === '\t' || ((options.separator ?? 'auto') === 'auto' && firstLine.includes('\t'));
  const records = tab ? tsvRecords(text) : csvRecords(text, source);
  const out: LabelledTexts = { texts: [], labels: [], lines: [], skippedEmpty: 0, source };
  let columns: { text: number; label: number; header: boolean } | undefined;
  for (const { line, cells } of records) {
    if (columns === undefined) {
      columns = resolveColumns(cells, options, source);
      if (columns.header) continue;
    }
    const where = `${source} line ${line}`;
    for (const [i, role] of [[columns.label, 'label'], [columns.text, 'text']] as const) {
      if (i >= cells.length) throw new Error(`${where}: no ${role} cell (the row has ${cells.length} column${cells.length === 1 ? '' : 's'}; the ${role} is column ${i + 1})`);
    }
    const example = cells[columns.text]!;
    if (example.trim() === '') {
      if (options.strict) throw new Error(`${where}: the text is empty`);
      out.skippedEmpty++;
      continue;
    }
    out.labels.push(splitLabels(cells[columns.label]!, options.multiLabelSeparator, where));
    out.texts.push(example);
    out.lines.push(line);
  }
  if (columns === undefined) throw new Error(`${source} is empty`);
  if (out.texts.length === 0) throw new Error(`${source}: no examples${out.skippedEmpty > 0 ? ` (${out.skippedEmpty} rows with empty text skipped)` : ''}`);
  return out;
}

/** The label a class file gives: its name without folders and without its last extension. */
export function classFileLabel(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Labelled texts from one file per class: each line an example (kept exactly, but for a trailing
 * CR), labelled with its file's name without folders and extension (`names/Arabic.txt` ->
 * `Arabic`). Lines that are empty or only spaces are skipped and counted, or with `strict` an
 * error. Two files giving one label, a file with no examples, or no files are errors naming the
 * files. `lines` are 1-based lines of each example's own file; `source` defaults to the names.
 */
export function parseClassFiles(files: readonly ClassFile[], options: { strict?: boolean; source?: string } = {}): LabelledTexts {
  if (files.length === 0) throw new Error('parseClassFiles: no class files');
  const out: LabelledTexts = { texts: [], labels: [], lines: [], skippedEmpty: 0, source: options.source ?? files.map((f) => f.name).join(', ') };
  const seen = new Map<string, string>();
  for (const { name, text } of files) {
    const label = classFileLabel(name);
    const other = seen.get(label);
    if (other !== undefined) throw new Error(`${other} and ${name} both give the label '${clip(label)}'; one file per class`);
    seen.set(label, name);
    const lines = splitLines(text);
    let kept = 0;
    lines.forEach((example, i) => {
      if (example.trim() === '') {
        if (options.strict) throw new Error(`${name} line ${i + 1}: the line is empty`);
        out.skippedEmpty++;
        return;
      }
      out.texts.push(example);
      out.labels.push([label]);
      out.lines.push(i + 1);
      kept++;
    });
    if (kept === 0) throw new Error(`${name} has no examples (${lines.length} empty line${lines.length === 1 ? '' : 's'})`);
  }
  return out;
}
