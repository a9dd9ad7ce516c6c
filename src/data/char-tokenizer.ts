/**
 * `CharTokenizer`: characters (Unicode code points) <-> ids, char-rnn style: the vocabulary is
 * the sorted set of distinct characters of the data. Not a subword tokenizer. A vocabulary may
 * hold the unknown symbol U+FFFD (`fit` adds it, as torchtext and Keras add an out-of-vocabulary
 * entry): `encodeOrUnknown` reads characters outside the vocabulary as it, and counts them.
 * `encode` never maps an unknown character silently: encoding one is an error that names it.
 */

/** `'a'`, `'\n'`, `'é' (U+00E9)`: a character as error messages and displays show it. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const shown = JSON.stringify(ch).slice(1, -1).replace(/'/g, "\\'");
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return cp >= 0x20 && cp < 0x7f ? `'${shown}'` : `'${shown}' (${hex})`;
}

/** The unknown symbol of character vocabularies: U+FFFD REPLACEMENT CHARACTER. */
export const UNKNOWN_CHAR = '\uFFFD';

export interface CharFitOptions {
  /** Characters seen fewer times are left out of the vocabulary (read as the unknown symbol); default 1. */
  minCount?: number;
}

export class CharTokenizer {
  /** Token strings by id: one character (code point) each. */
  readonly vocabulary: readonly string[];
  private readonly ids: Map<string, number>;

  /**
   * A tokenizer over `vocabulary` (e.g. one read back from a model file): distinct single
   * characters, kept in the given order.
   */
  constructor(vocabulary: readonly string[]) {
    const where = 'CharTokenizer';
    if (!Array.isArray(vocabulary) || vocabulary.length === 0) throw new Error(`${where}: vocabulary must be a non-empty array of characters`);
    const ids = new Map<string, number>();
    vocabulary.forEach((ch, i) => {
      if (typeof ch !== 'string' || [...ch].length !== 1) throw new Error(`${where}: vocabulary[${i}] must be a single character, got ${JSON.stringify(ch)}`);
      if (ids.has(ch)) throw new Error(`${where}: vocabulary holds ${describeChar(ch)} twice (ids ${ids.get(ch)} and ${i})`);
      ids.set(ch, i);
    });
    this.vocabulary = Object.freeze([...vocabulary]);
    this.ids = ids;
  }

  /** The vocabulary of `text`: its distinct characters sorted by code point (char-rnn's `sorted(set(text))`). */
  static fromText(text: string): CharTokenizer {
    if (typeof text !== 'string' || text.length === 0) throw new Error('CharTokenizer.fromText: text must be a non-empty string');
    const seen = new Set<string>();
    for (const ch of text) seen.add(ch);
    return new CharTokenizer([...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /**
   * The vocabulary a new model learns from `text` (its training part): the characters seen at
   * least `minCount` times and the unknown symbol U+FFFD, sorted by code point.
   */
  static fit(text: string, options: CharFitOptions = {}): CharTokenizer {
    const minCount = options.minCount ?? 1;
    if (!(Number.isInteger(minCount) && minCount >= 1)) throw new Error(`CharTokenizer.fit: minCount must be an integer >= 1, got ${String(minCount)}`);
    if (typeof text !== 'string' || text.length === 0) throw new Error('CharTokenizer.fit: text must be a non-empty string');
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const kept = new Set([...counts].filter(([, n]) => n >= minCount).map(([ch]) => ch));
    kept.add(UNKNOWN_CHAR);
    return new CharTokenizer([...kept].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  /** The id of the unknown symbol U+FFFD, or undefined when the vocabulary has none (models trained before it existed). */
  get unknownId(): number | undefined {
    return this.idOf(UNKNOWN_CHAR);
  }

  /**
   * The ids of `text`'s characters, those outside the vocabulary read as the unknown symbol;
   * `unknown` counts them. An error when the vocabulary has no unknown symbol.
   */
  encodeOrUnknown(text: string): { ids: Int32Array; unknown: number } {
    const unk = this.unknownId;
    if (unk === undefined) throw new Error('CharTokenizer.encodeOrUnknown: this vocabulary has no unknown symbol (U+FFFD)');
    const out = new Int32Array(text.length);
    let n = 0, unknown = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) unknown++;
      out[n++] = id ?? unk;
    }
    return { ids: n === out.length ? out : out.slice(0, n), unknown };
  }

  /** Number of characters (V). */
  get size(): number {
    return this.vocabulary.length;
  }

  has(ch: string): boolean {
    return this.ids.has(ch);
  }

  /** The id of `ch`, or undefined when it is outside the vocabulary. */
  idOf(ch: string): number | undefined {
    return this.ids.get(ch);
  }

  /**
   * The ids of `text`'s characters. Characters outside the vocabulary are an error listing
   * each distinct one with its first position; `what` names the text in that message
   * (default 'CharTokenizer.encode: the text').
   */
  encode(text: string, what = 'CharTokenizer.encode: the text'): Int32Array {
    const out = new Int32Array(text.length); // upper bound: UTF-16 units >= code points
    let n = 0;
    let unknown: Map<string, number> | undefined;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) {
        unknown ??= new Map();
        if (!unknown.has(ch)) unknown.set(ch, n);
      } else {
        out[n] = id;
      }
      n++;
    }
    if (unknown) {
      const list = [...unknown].slice(0, 5).map(([ch, at]) => `${describeChar(ch)} at position ${at}`);
      const more = unknown.size > 5 ? ` and ${unknown.size - 5} more` : '';
      throw new Error(`${what} contains ${unknown.size === 1 ? 'a character' : `${unknown.size} characters`} ` +
        `outside the vocabulary of ${this.size}: ${list.join(', ')}${more}`);
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** The text of `ids`; an id outside [0, V) is an error. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const ch = this.vocabulary[ids[i]!];
      if (ch === undefined) throw new Error(`CharTokenizer.decode: id ${ids[i]} at position ${i} is outside [0, ${this.size})`);
      s += ch;
    }
    return s;
  }
}
