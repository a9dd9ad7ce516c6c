/**
 * Pre-trained word vectors (GloVe and word2vec/fastText text files) and the embedding table
 * they give a vocabulary, for `Embedding.fromPretrained`. Reads text formats only (not
 * word2vec's binary one), and knows nothing of models: the table is a plain Float32Array.
 */
import { PAD_TOKEN, UNK_TOKEN, NUM_TOKEN, URL_TOKEN } from './tokenizer.js';
import { readTextChunks } from './text-file.js';

/** Words and their vectors, in file order. */
export interface WordVectors {
  /** The words, each once (a repeated word keeps its first vector). */
  words: string[];
  /** Values per vector (D). */
  dim: number;
  /** [N, D] row-major: row i is `words[i]`'s vector. */
  vectors: Float32Array;
  /** True when the file began with word2vec's "count dim" line. */
  header: boolean;
  /** Lines whose word had come before (left out: the first vector of a word wins). */
  duplicates: number;
}

export interface WordVectorsOptions {
  /**
   * Keep only these words (a tokenizer's vocabulary, say) and their lower-cased forms (for
   * `embeddingMatrix`'s `lowercaseFallback`); every line is still checked. Saves memory with
   * large files: glove.6B.300d holds 400,000 vectors, 480 MB as float32.
   */
  keep?: Iterable<string>;
}

/**
 * Parses GloVe text ("word v1 v2 ... vD" per line, separated by spaces or tabs) or word2vec text
 * (the same after a first line "count dim", recognised as exactly two integers; the count must
 * match the lines that follow). Blank lines are skipped. Errors start with `source` and name the
 * line: ragged rows, values that are not finite numbers, a header whose count or dimension the
 * lines do not match, no vectors at all.
 */
export function parseWordVectors(text: string, source = 'vectors', options: WordVectorsOptions = {}): WordVectors {
  if (typeof text !== 'string') throw new Error(`parseWordVectors: text must be a string, got ${typeof text}`);
  const reader = new VectorReader(source, options.keep);
  reader.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  return reader.finish();
}

/**
 * Reads a word-vector file (see `parseWordVectors`), checked as UTF-8 text and read piece by
 * piece, so files larger than one JavaScript string (glove.6B.300d.txt, 1 GB) load too.
 */
export async function loadWordVectors(path: string, options: WordVectorsOptions = {}): Promise<WordVectors> {
  const reader = new VectorReader(path, options.keep);
  for await (const piece of readTextChunks(path, 'word-vector file')) reader.push(piece);
  return reader.finish();
}

/** Reads lines as they come, growing the vector buffer; the state of one parse. */
class VectorReader {
  private readonly keep: Set<string> | undefined;
  private pending = ''; // the start of a line the last piece cut off
  private line = 0;
  private started = false; // a non-blank line has been read
  private headerCount = -1;
  private dim = 0;
  private dimLine = 0;
  private rows = 0;
  private duplicates = 0;
  private readonly seen = new Set<string>();
  private readonly words: string[] = [];
  private values = new Float32Array(1024);

  constructor(private readonly source: string, keep: Iterable<string> | undefined) {
    if (keep !== undefined) {
      this.keep = new Set();
      for (const w of keep) { this.keep.add(w); this.keep.add(w.toLowerCase()); }
    }
  }

  push(text: string): void {
    const all = this.pending + text;
    let start = 0;
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', start)) {
      this.readLine(all, start, nl);
      start = nl + 1;
    }
    this.pending = all.slice(start);
  }

  finish(): WordVectors {
    if (this.pending.length > 0) this.readLine(this.pending, 0, this.pending.length);
    this.pending = '';
    const { source } = this;
    const header = this.headerCount >= 0;
    if (header && this.rows !== this.headerCount) {
      throw new Error(`${source}: the header (line ${this.dimLine}) says ${this.headerCount} words but ${this.rows} lines of vectors follow`);
    }
    if (this.rows === 0) throw new Error(`${source} holds no word vectors (${this.started ? 'only a header' : 'it is empty'})`);
    const n = this.words.length;
    return { words: this.words, dim: this.dim, vectors: this.values.length === n * this.dim ? this.values : this.values.slice(0, n * this.dim), header, duplicates: this.duplicates };
  }

  /**
   * Reads the line s[start, end). Scans character codes rather than splitting: five times
   * faster, which matters for files of hundreds of megabytes.
   */
  private readLine(s: string, start: number, end: number): void {
    const lineNo = ++this.line;
    while (end > start && isBlank(s.charCodeAt(end - 1))) end--;
    if (end === start) return;
    const { source } = this;
    if (!this.started) {
      this.started = true;
      if (this.readHeader(s.slice(start, end), lineNo)) return;
    }
    let i = start;
    while (i < end && !isSeparator(s.charCodeAt(i))) i++;
    if (i === start) throw new Error(`${source}: line ${lineNo} starts with whitespace; expected a word first`);
    const word = s.slice(start, i);
    const repeated = this.seen.has(word);
    if (repeated) this.duplicates++;
    else this.seen.add(word);
    const keepIt = !repeated && (this.keep === undefined || this.keep.has(word));
    const firstRow: number[] | undefined = this.dim === 0 ? [] : undefined;
    if (keepIt && !firstRow) this.reserve();
    const at = this.words.length * this.dim;
    let count = 0;
    while (i < end) {
      while (isSeparator(s.charCodeAt(i))) i++; // the line does not end in a separator
      const from = i;
      while (i < end && !isSeparator(s.charCodeAt(i))) i++;
      const field = s.slice(from, i);
      const v = Number(field);
      if (!Number.isFinite(v)) throw new Error(`${source}: line ${lineNo}, value ${count + 1} of ${JSON.stringify(clip(word))} is not a finite number: ${JSON.stringify(clip(field))}`);
      if (firstRow) firstRow.push(v);
      else if (keepIt && count < this.dim) this.values[at + count] = v;
      count++;
    }
    if (firstRow) {
      if (count === 0) throw new Error(`${source}: line ${lineNo} has a word (${JSON.stringify(clip(word))}) but no values`);
      this.dim = count;
      this.dimLine = lineNo;
      if (keepIt) { this.reserve(); this.values.set(firstRow, 0); }
    } else if (count !== this.dim) {
      const before = this.headerCount >= 0 ? `the header (line ${this.dimLine}) says ${this.dim}` : `line ${this.dimLine} had ${this.dim}`;
      throw new Error(`${source}: line ${lineNo} has ${count} values, ${before}`);
    }
    if (keepIt) this.words.push(word);
    this.rows++;
  }

  /** Takes `line` as word2vec's "count dim" header when it is exactly two integers. */
  private readHeader(line: string, lineNo: number): boolean {
    const h = /^(\d+)[ \t]+(\d+)$/.exec(line);
    if (!h) return false;
    this.headerCount = Number(h[1]);
    this.dim = Number(h[2]);
    this.dimLine = lineNo;
    if (this.dim === 0) throw new Error(`${this.source}: the header (line ${lineNo}) says the vectors have 0 dimensions`);
    return true;
  }

  /** Room in `values` for one more kept row. */
  private reserve(): void {
    const need = (this.words.length + 1) * this.dim;
    if (need <= this.values.length) return;
    const grown = new Float32Array(Math.max(this.values.length * 2, need));
    grown.set(this.values);
    this.values = grown;
  }
}

/** Space, tab or carriage return: what may end a line. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Space or tab: what separates fields. */
function isSeparator(c: number): boolean {
  return c === 32 || c === 9;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

export interface EmbeddingMatrixOptions {
  /** The embedding's dimension: a check that the vectors have it. Default: the vectors' own. */
  dim?: number;
  /** Look up the lower-cased token when the token itself is missing (default true). */
  lowercaseFallback?: boolean;
  /**
   * Values for the rows not found (and skipped rows other than [PAD]): called once with the
   * number of values (rows × dim), returning exactly that many, filled in vocabulary order.
   * Default: zeros.
   */
  init?: (count: number) => Float32Array;
  /**
   * Tokens not looked up (they get `init` rows and do not count as missing). Default: the
   * tokenizer's built-ins [PAD], [UNK], [NUM], [URL]. The [PAD] row is zero whatever this says.
   */
  skip?: readonly string[];
}

export interface EmbeddingMatrix {
  /** [V, dim] row-major: row i is the vector of `vocabulary[i]`. */
  table: Float32Array;
  /** Tokens whose vector was found (lower-case fallbacks included). */
  found: number;
  /** Tokens looked up and not found, in vocabulary order. */
  missing: string[];
}

/**
 * The [V, dim] table of `vocabulary`'s vectors (row i for token i), ready for
 * `Embedding.fromPretrained(new Tensor(table, [V, dim]))`.
 */
export function embeddingMatrix(vectors: WordVectors, vocabulary: readonly string[], options: EmbeddingMatrixOptions = {}): EmbeddingMatrix {
  const where = 'embeddingMatrix';
  const D = vectors?.dim;
  if (!(Number.isInteger(D) && D > 0) || !Array.isArray(vectors.words) || !(vectors.vectors instanceof Float32Array) || vectors.vectors.length !== vectors.words.length * D) {
    throw new Error(`${where}: vectors must be WordVectors with words.length × dim values`);
  }
  if (options.dim !== undefined && options.dim !== D) throw new Error(`${where}: vectors have ${D} dimensions but the embedding has ${options.dim}`);
  if (!Array.isArray(vocabulary)) throw new Error(`${where}: vocabulary must be an array of tokens`);
  const skip = new Set(options.skip ?? [PAD_TOKEN, UNK_TOKEN, NUM_TOKEN, URL_TOKEN]);
  const fallback = options.lowercaseFallback ?? true;
  const rowOf = new Map<string, number>();
  vectors.words.forEach((w, i) => { if (!rowOf.has(w)) rowOf.set(w, i); });
  const table = new Float32Array(vocabulary.length * D);
  const initRows: number[] = [];
  const missing: string[] = [];
  let found = 0;
  vocabulary.forEach((token, i) => {
    if (token === PAD_TOKEN) return;
    if (skip.has(token)) { initRows.push(i); return; }
    let row = rowOf.get(token);
    if (row === undefined && fallback) row = rowOf.get(token.toLowerCase());
    if (row === undefined) {
      missing.push(token);
      initRows.push(i);
      return;
    }
    table.set(vectors.vectors.subarray(row * D, (row + 1) * D), i * D);
    found++;
  });
  if (options.init && initRows.length > 0) {
    const want = initRows.length * D;
    const values = options.init(want);
    if (!(values instanceof Float32Array) || values.length !== want) {
      throw new Error(`${where}: init(${want}) must return a Float32Array of ${want} values, got ${values instanceof Float32Array ? values.length : typeof values}`);
    }
    initRows.forEach((i, k) => table.set(values.subarray(k * D, (k + 1) * D), i * D));
  }
  return { table, found, missing };
}
