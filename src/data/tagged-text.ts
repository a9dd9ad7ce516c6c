/**
 * Token-tagged corpora for a part-of-speech or named-entity tagger, read and written back in two
 * formats: CoNLL-U (Universal Dependencies: 10 TAB-separated fields a word, comments, multi-word
 * tokens, empty nodes) and tagged TSV (token, then tag columns; a blank line ends a sentence).
 * Pure: strings in, sentences out, so it runs in a browser too. Not a dependency-tree reader:
 * HEAD and DEPS are carried along verbatim, never checked.
 */
import { clip } from './csv-reader.js';
import { splitLines } from './labelled-text.js';

/** 'conllu' (Universal Dependencies CoNLL-U) or 'tsv' (token, then tag columns). */
export type TaggedFormat = 'conllu' | 'tsv';

/** Which column of a tagged file holds the tags (`parseTagColumn`). */
export interface TagColumn {
  format: TaggedFormat;
  /** 1-based field (CoNLL-U) or column (TSV). */
  field: number;
  /** CoNLL-U `feats:Name`: the feature whose value in FEATS (field 6) is the tag. */
  feature?: string;
  /** As the user wrote it, for messages: 'upos', 'feats:Number', '3'. */
  label: string;
}

/** One sentence: its words, their tags and the lines they came from. */
export interface TaggedSentence {
  words: string[];
  /** One per word; undefined where the input has no tag (predict input). */
  tags: (string | undefined)[];
  /** 1-based line number of each word in its file (for messages). */
  lines: number[];
}

/** How one sentence was written, which `writeTagged` needs to write it back. */
export interface TaggedSentenceLayout {
  /** Every line of the sentence as read (line end removed): comments, multi-word tokens, empty nodes and words. */
  readonly text: readonly string[];
  /** For each word, the index in `text` of its line. */
  readonly wordLines: readonly number[];
}

/** A tagged corpus as `readTagged` reads it. */
export interface TaggedDocument {
  format: TaggedFormat;
  column: TagColumn;
  sentences: TaggedSentence[];
  /** The name messages start with (`ReadTaggedOptions.source`). */
  source: string;
  /** Internal, for `writeTagged`: the lines of each sentence as read, one entry per sentence. */
  readonly layout: readonly TaggedSentenceLayout[];
}

/** How `readTagged` reads a text. */
export interface ReadTaggedOptions {
  /** Default 'auto': `detectTaggedFormat(text, source)`. */
  format?: TaggedFormat | 'auto';
  /** The tag column (see `parseTagColumn`); default 'upos' for CoNLL-U, 2 for TSV. */
  column?: string | number;
  /** Every word must have a tag (training, eval): a missing/empty tag is an error naming the line. */
  requireTags: boolean;
  /** Name used in messages, e.g. the file path. */
  source: string;
}

const CONLLU_FIELDS = 10;
const FIELD_NAMES = ['ID', 'FORM', 'LEMMA', 'UPOS', 'XPOS', 'FEATS', 'HEAD', 'DEPREL', 'DEPS', 'MISC'];
const NAMED_FIELDS: Record<string, number> = { upos: 4, xpos: 5, deprel: 8 };
const FEATS_FIELD = 6;
const COLUMN_NAMES = 'upos, xpos, deprel, feats:Name';
/** A UD feature name: letters and digits, with an optional layer in brackets (Number[psor]). */
const FEATURE_NAME = /^[A-Za-z0-9]+(\[[A-Za-z0-9]+\])?$/;
const DETECT_ID = /^\d+(-\d+|\.\d+)?$/;
const WORD_ID = /^[1-9]\d*$/;
const RANGE_ID = /^([1-9]\d*)-([1-9]\d*)$/;
const EMPTY_ID = /^(0|[1-9]\d*)\.([1-9]\d*)$/;

/**
 * The tag column `spec` names. CoNLL-U: 'upos' (field 4, the default), 'xpos' (5), 'deprel' (8),
 * 'feats:Name' (the value of feature Name in FEATS, field 6; '_' where absent), or a field number
 * 3..10 (1 and 2 are ID and FORM). TSV: a column number 2 or more (column 1 is the token), default
 * 2. Numbers may be given as numbers or strings of digits; names are case-insensitive, feature
 * names are not. Errors start with `where` (readTagged passes the source).
 */
export function parseTagColumn(spec: string | number | undefined, format: TaggedFormat, where = 'parseTagColumn'): TagColumn {
  if (format !== 'conllu' && format !== 'tsv') throw new Error(`${where}: format must be 'conllu' or 'tsv', got ${describe(format)}`);
  if (spec === undefined) return format === 'conllu' ? { format, field: 4, label: 'upos' } : { format, field: 2, label: '2' };
  if (typeof spec !== 'string' && typeof spec !== 'number') throw new Error(`${where}: the tag column must be a name or a number, got ${describe(spec)}`);
  const label = typeof spec === 'number' ? String(spec) : spec.trim();
  if (label === '') throw new Error(`${where}: the tag column is empty; give ${format === 'conllu' ? `${COLUMN_NAMES} or a field number 3 to 10` : 'a column number (2 or more)'}`);
  const number = typeof spec === 'number' ? spec : /^\d+$/.test(label) ? Number(label) : undefined;
  if (number !== undefined) {
    if (!Number.isInteger(number) || number < 1) throw new Error(`${where}: tag column ${label} is not a column number (columns count from 1)`);
    if (format === 'tsv') {
      if (number === 1) throw new Error(`${where}: tag column 1 is the token column; give 2 or more`);
      return { format, field: number, label };
    }
    if (number <= 2) throw new Error(`${where}: tag column ${label} is ${FIELD_NAMES[number - 1]}, not a tag; give ${COLUMN_NAMES} or a field number 3 to 10`);
    if (number > CONLLU_FIELDS) throw new Error(`${where}: tag column ${label} is beyond the 10 CoNLL-U fields; give ${COLUMN_NAMES} or a field number 3 to 10`);
    return { format, field: number, label };
  }
  if (format === 'tsv') throw new Error(`${where}: tag column '${clip(label)}' is a name, but TSV takes a column number (2 or more; column 1 is the token)`);
  const lower = label.toLowerCase();
  const named = NAMED_FIELDS[lower];
  if (named !== undefined) return { format, field: named, label };
  if (lower.startsWith('feats:')) {
    const feature = label.slice('feats:'.length);
    if (!FEATURE_NAME.test(feature)) throw new Error(`${where}: tag column '${clip(label)}' needs a feature name after 'feats:' (letters and digits, like feats:Number)`);
    return { format, field: FEATS_FIELD, feature, label };
  }
  throw new Error(`${where}: unknown tag column '${clip(label)}'; give ${COLUMN_NAMES} or a field number 3 to 10`);
}

/**
 * The format of a tagged text: CoNLL-U when `path` ends in .conllu, or when the first line that
 * is neither blank nor a comment ('#') has 10 TAB-separated fields and a CoNLL-U ID (3, 3-4,
 * 3.1); TSV otherwise.
 */
export function detectTaggedFormat(text: string, path?: string): TaggedFormat {
  if (path !== undefined && /\.conllu$/i.test(path)) return 'conllu';
  for (const line of splitLines(text)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split('\t');
    return fields.length === CONLLU_FIELDS && DETECT_ID.test(fields[0]!) ? 'conllu' : 'tsv';
  }
  return 'tsv';
}

/**
 * Reads a tagged text into sentences of words and tags. CoNLL-U: only word lines (integer IDs)
 * are tagged; comments, multi-word tokens (3-4) and empty nodes (8.1) are checked and kept for
 * `writeTagged`; a tag of '_' is no tag, except for feats:Name where '_' is the valid tag of an
 * absent feature. TSV: the token is column 1 exactly as written, the tag cell is trimmed; a
 * missing or empty cell is no tag ('_' is a tag like any other); a line may hold '#'. Both: a
 * byte-order mark, CRLF, no final newline and several blank lines between sentences are fine.
 * Errors name `source`, the line and the problem.
 */
export function readTagged(text: string, options: ReadTaggedOptions): TaggedDocument {
  const { source, requireTags } = options;
  const given = options.format ?? 'auto';
  if (given !== 'auto' && given !== 'conllu' && given !== 'tsv') throw new Error(`${source}: format must be 'conllu', 'tsv' or 'auto', got ${describe(given)}`);
  const format = given === 'auto' ? detectTaggedFormat(text, source) : given;
  let column: TagColumn;
  try {
    column = parseTagColumn(options.column, format, source);
  } catch (e) {
    const named = typeof options.column === 'string' && !/^\s*\d+\s*$/.test(options.column);
    if (given !== 'auto' || format !== 'tsv' || !named) throw e;
    throw new Error(`${(e as Error).message} (the text was read as TSV: its first line that is not a comment has no 10 CoNLL-U fields; give the format to force it)`);
  }
  const sentences: TaggedSentence[] = [];
  const layout: TaggedSentenceLayout[] = [];
  for (const block of blocks(text)) {
    const read = format === 'conllu' ? readConlluSentence(block, column, requireTags, source) : readTsvSentence(block, column, requireTags, source);
    sentences.push(read.sentence);
    layout.push(read.layout);
  }
  if (sentences.length === 0) throw new Error(`${source}: no sentences (the text is empty or holds only blank lines${format === 'conllu' ? ' and comments' : ''})`);
  return { format, column, sentences, source, layout };
}

/**
 * The document's text with the tag column of every word replaced by predicted[s][w] (same
 * format as read; TSV lines shorter than the column are padded with '_' columns; CoNLL-U
 * feats:Name sets or removes that feature keeping FEATS sorted; a '_' prediction for a feature
 * removes it). Lines that are not words (comments, ranges, empty nodes) come back unchanged;
 * sentences separated by one blank line; ends with a newline. Throws if predicted's shape
 * differs from the document's, or a tag is empty or holds a TAB or line break.
 */
export function writeTagged(doc: TaggedDocument, predicted: readonly (readonly string[])[]): string {
  const where = 'writeTagged';
  const { column, layout, sentences } = doc;
  if (!Array.isArray(predicted)) throw new Error(`${where}: predicted must be an array of tag arrays (one per sentence), got ${describe(predicted)}`);
  if (predicted.length !== sentences.length) throw new Error(`${where}: predicted has ${predicted.length} sentences, the document ${sentences.length}`);
  const out: string[] = [];
  for (let s = 0; s < sentences.length; s++) {
    const tags = predicted[s];
    const { text, wordLines } = layout[s]!;
    if (!Array.isArray(tags) || tags.length !== wordLines.length) {
      const got = Array.isArray(tags) ? `${tags.length} tags` : describe(tags);
      throw new Error(`${where}: predicted[${s}] has ${got}, sentence ${s + 1} (line ${sentences[s]!.lines[0]}) has ${wordLines.length} words`);
    }
    const lines = [...text];
    for (let w = 0; w < wordLines.length; w++) {
      const tag = tags[w];
      if (typeof tag !== 'string' || tag === '' || /[\t\r\n]/.test(tag)) throw new Error(`${where}: predicted[${s}][${w}] must be a non-empty tag without TAB or line breaks, got ${describe(tag)}`);
      const i = wordLines[w]!;
      lines[i] = doc.format === 'conllu' ? writeConlluTag(lines[i]!, column, tag, `${where}: predicted[${s}][${w}]`) : writeTsvTag(lines[i]!, column.field, tag);
    }
    out.push(lines.join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}

/** A run of non-blank lines: their text and their 1-based line numbers. */
interface Block { text: string[]; lineNumbers: number[] }

/** The blocks of non-blank lines of `text` (a line of only spaces and TABs is blank). */
function* blocks(text: string): Generator<Block> {
  let block: Block = { text: [], lineNumbers: [] };
  const lines = splitLines(text);
  for (let i = 0; i <= lines.length; i++) {
    const line = lines[i];
    if (line === undefined || line.trim() === '') {
      if (block.text.length > 0) yield block;
      block = { text: [], lineNumbers: [] };
    } else {
      block.text.push(line);
      block.lineNumbers.push(i + 1);
    }
  }
}

interface SentenceRead { sentence: TaggedSentence; layout: TaggedSentenceLayout }

/** One CoNLL-U sentence: IDs checked (words 1, 2, 3...; ranges followed by their words; empty nodes after their word). */
function readConlluSentence(block: Block, column: TagColumn, requireTags: boolean, source: string): SentenceRead {
  const sentence: TaggedSentence = { words: [], tags: [], lines: [] };
  const wordLines: number[] = [];
  let next = 1; // the next word ID
  let emptyNodes = 0; // empty nodes since the last word
  let range: { id: string; start: number; end: number; line: number } | undefined; // a multi-word token whose words are still to come
  const unfollowed = (why: string) => {
    const r = range!;
    return new Error(`${source} line ${r.line}: multi-word token ID '${r.id}' is not followed by its words ${r.start} to ${r.end} (${why})`);
  };
  for (let k = 0; k < block.text.length; k++) {
    const line = block.text[k]!;
    const n = block.lineNumbers[k]!;
    const at = `${source} line ${n}`;
    if (line.startsWith('#')) {
      if (range) throw unfollowed(`line ${n} is a comment`);
      continue;
    }
    const fields = line.split('\t');
    if (fields.length !== CONLLU_FIELDS) {
      const spaces = fields.length === 1 && / /.test(line) ? '; are the fields separated by spaces? CoNLL-U needs TABs' : '';
      throw new Error(`${at}: expected 10 TAB-separated fields (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), got ${fields.length}${spaces}`);
    }
    const id = fields[0]!;
    if (WORD_ID.test(id)) {
      if (Number(id) !== next) throw new Error(`${at}: word ID '${id}' is out of order (expected ${next})`);
      const form = fields[1]!;
      if (form === '') throw new Error(`${at}: word ID '${id}' has an empty FORM`);
      sentence.words.push(form);
      sentence.tags.push(conlluTag(fields, column, requireTags, `${at}: word '${clip(form)}'`));
      sentence.lines.push(n);
      wordLines.push(k);
      if (range && next === range.end) range = undefined;
      next++;
      emptyNodes = 0;
    } else if (id.includes('-')) {
      const m = RANGE_ID.exec(id);
      if (!m) throw new Error(`${at}: multi-word token ID '${clip(id)}' is a malformed range (expected two word IDs like 3-4)`);
      const start = Number(m[1]), end = Number(m[2]);
      if (start >= end) throw new Error(`${at}: multi-word token ID '${id}' is a malformed range (start must be below end)`);
      if (range) throw unfollowed(`line ${n} has ID '${id}'`);
      if (start !== next) throw new Error(`${at}: multi-word token ID '${id}' must start at the next word ID ${next}`);
      range = { id, start, end, line: n };
    } else if (id.includes('.')) {
      if (!EMPTY_ID.test(id)) throw new Error(`${at}: empty node ID '${clip(id)}' is malformed (expected a word ID, a dot and a number, like 8.1)`);
      if (range) throw unfollowed(`line ${n} has ID '${id}'`);
      const expected = `${next - 1}.${emptyNodes + 1}`;
      if (id !== expected) throw new Error(`${at}: empty node ID '${id}' is out of order (expected ${expected})`);
      emptyNodes++;
    } else if (/^\d+$/.test(id)) {
      throw new Error(`${at}: word ID '${id}' is malformed (expected ${next}; word IDs count 1, 2, 3... without leading zeros)`);
    } else {
      throw new Error(`${at}: ID '${clip(id)}' is malformed (expected a word ID like 3, a multi-word token range like 3-4 or an empty node like 8.1)`);
    }
  }
  if (range) throw unfollowed('the sentence ends first');
  if (sentence.words.length === 0) throw new Error(`${source} line ${block.lineNumbers[0]}: the sentence starting here has no word lines (only comments or empty nodes)`);
  return { sentence, layout: { text: block.text, wordLines } };
}

/** The tag of a CoNLL-U word line; undefined (or an error when required) where it is '_'. */
function conlluTag(fields: readonly string[], column: TagColumn, requireTags: boolean, at: string): string | undefined {
  if (column.feature !== undefined) return parseFeats(fields[FEATS_FIELD - 1]!, at).get(column.feature) ?? '_';
  const value = fields[column.field - 1]!;
  if (value !== '_' && value !== '') return value;
  if (requireTags) throw new Error(`${at} has no tag (${columnName(column)} is '${value}')`);
  return undefined;
}

/** 'upos' for a named field, 'field 3' for a numbered one. */
function columnName(column: TagColumn): string {
  return /^\d+$/.test(column.label) ? `field ${column.label}` : column.label;
}

/** FEATS ('_' or Name=Value pairs joined by '|') as a map in written order. */
function parseFeats(feats: string, at: string): Map<string, string> {
  const map = new Map<string, string>();
  if (feats === '_') return map;
  for (const pair of feats.split('|')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new Error(`${at}: FEATS '${clip(feats)}' is malformed (expected '_' or Name=Value pairs joined by '|')`);
    map.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return map;
}

/** A CoNLL-U word line with its tag replaced (for feats:Name, the feature set, or removed by '_'). */
function writeConlluTag(line: string, column: TagColumn, tag: string, at: string): string {
  const fields = line.split('\t');
  if (column.feature === undefined) {
    fields[column.field - 1] = tag;
    return fields.join('\t');
  }
  if (tag !== '_' && /[|=]/.test(tag)) throw new Error(`${at}: the value '${clip(tag)}' of feature ${column.feature} cannot hold '|' or '='`);
  const feats = parseFeats(fields[FEATS_FIELD - 1]!, at);
  const name = column.feature;
  let pairs = [...feats];
  if (tag === '_') {
    pairs = pairs.filter(([k]) => k !== name);
  } else if (feats.has(name)) {
    pairs = pairs.map(([k, v]) => [k, k === name ? tag : v]);
  } else {
    // Insert where sorted input stays sorted (UD sorts FEATS by name, case-insensitively), without reordering the rest.
    const key = name.toLowerCase();
    const i = pairs.findIndex(([k]) => k.toLowerCase() > key);
    pairs.splice(i < 0 ? pairs.length : i, 0, [name, tag]);
  }
  fields[FEATS_FIELD - 1] = pairs.length === 0 ? '_' : pairs.map(([k, v]) => `${k}=${v}`).join('|');
  return fields.join('\t');
}

/** One TSV sentence: the token is column 1, the tag cell (trimmed) is `column.field`. */
function readTsvSentence(block: Block, column: TagColumn, requireTags: boolean, source: string): SentenceRead {
  const sentence: TaggedSentence = { words: [], tags: [], lines: [] };
  const wordLines: number[] = [];
  for (let k = 0; k < block.text.length; k++) {
    const line = block.text[k]!;
    const n = block.lineNumbers[k]!;
    const cells = line.split('\t');
    const token = cells[0]!;
    if (token === '') throw new Error(`${source} line ${n}: the token (column 1) is empty`);
    const cell = cells[column.field - 1]?.trim();
    const tag = cell === '' ? undefined : cell;
    if (tag === undefined && requireTags) {
      const why = cell !== undefined ? `column ${column.field} is empty`
        : cells.length === 1 ? `no column ${column.field}: the line has only the token${token.includes(' ') ? '; are the columns separated by spaces? TSV needs TABs' : ''}`
          : `no column ${column.field}: the line has ${cells.length} columns`;
      throw new Error(`${source} line ${n}: token '${clip(token)}' has no tag (${why})`);
    }
    sentence.words.push(token);
    sentence.tags.push(tag);
    sentence.lines.push(n);
    wordLines.push(k);
  }
  return { sentence, layout: { text: block.text, wordLines } };
}

/** A TSV line with column `field` set to `tag`, padded with '_' columns when shorter. */
function writeTsvTag(line: string, field: number, tag: string): string {
  const cells = line.split('\t');
  while (cells.length < field) cells.push('_');
  cells[field - 1] = tag;
  return cells.join('\t');
}

/** A value as an error message shows it: strings quoted and clipped, others by type. */
function describe(v: unknown): string {
  if (typeof v === 'string') return `'${clip(v)}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
