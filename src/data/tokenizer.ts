/**
 * `Tokenizer`: text <-> token ids at word or character level, with the reserved tokens a
 * classifier or word-level language model needs ([PAD], [UNK], [NUM], [URL], user specials) and
 * a vocabulary cut by count (Keras' `Tokenizer` / `TextVectorization`). Its JSON form lets a
 * model file tokenize at `predict` exactly as at `train`. Not a subword tokenizer, and not the
 * char-LM's strict `CharTokenizer`, which has no specials and rejects unknown characters.
 */
import { describeChar } from './char-tokenizer.js';

/** Word tokens (split at whitespace and punctuation) or characters (Unicode code points). */
export type TokenizerLevel = 'word' | 'char';

/** Id of `[PAD]`: the padding token, always 0 (`padSequences`' default value, an Embedding's `paddingIdx`). */
export const PAD_ID = 0;
/** Id of `[UNK]`: every token outside the vocabulary encodes to it. */
export const UNK_ID = 1;
export const PAD_TOKEN = '[PAD]';
export const UNK_TOKEN = '[UNK]';
/** What a number (12, 3.5, 1,000, -7, 10%) becomes at word level with `numbers`. */
export const NUM_TOKEN = '[NUM]';
/** What a URL (http://..., https://..., www....) becomes at word level with `urls`. */
export const URL_TOKEN = '[URL]';

/** How `Tokenizer.fit` splits, normalises and counts. Every field has a default. */
export interface TokenizerOptions {
  /** 'word' (default) or 'char' (code points, Keras' `char_level=True`). */
  level?: TokenizerLevel;
  /** Lower-case the text (outside specials). Default true at word level, false at char level. */
  lowercase?: boolean;
  /**
   * Word level: each punctuation mark or symbol (Unicode P and S; an emoji with its modifiers) is
   * a token of its own, and an apostrophe between letters stays inside its word (don't, l'amour),
   * as in Keras. False: split on whitespace only. Default true.
   */
  splitPunctuation?: boolean;
  /**
   * Word level: a token that is a number (12, 3.5, 1,000, -7, +2, .5, 10%) becomes `[NUM]`. A
   * sign counts only at the start of a word (3-7 is [NUM] - [NUM]). Default true.
   */
  numbers?: boolean;
  /** Word level: http(s)://... and www.... become `[URL]` (trailing punctuation stays outside). Default true. */
  urls?: boolean;
  /**
   * User tokens (e.g. '<3', '[SEP]'), matched wherever they occur in the text before anything
   * else (longest first), never split, lower-cased or accent-stripped. Their ids follow the
   * built-ins, in the given order.
   */
  specials?: readonly string[];
  /** Tokens seen fewer times are left out of the vocabulary (they encode to [UNK]). Default 1. */
  minCount?: number;
  /**
   * Largest vocabulary size, reserved tokens included: the most frequent tokens are kept, ties
   * going to the token that appeared first in the texts. Default: no limit.
   */
  maxVocab?: number;
  /**
   * Decompose (NFD) and drop non-spacing marks (Unicode Mn), so 'Ślusàrski' reads 'Slusarski',
   * as the PyTorch char-RNN names tutorial does. Marks that are letters' vowels in some scripts
   * (Devanagari, say) go too. Default false.
   */
  stripAccents?: boolean;
}

/** `TokenizerOptions` with every default filled in (options that do not apply to a level are false). */
export interface NormalizedTokenizerOptions {
  readonly level: TokenizerLevel;
  readonly lowercase: boolean;
  readonly splitPunctuation: boolean;
  readonly numbers: boolean;
  readonly urls: boolean;
  readonly specials: readonly string[];
  readonly minCount: number;
  /** Absent: no limit. */
  readonly maxVocab?: number;
  readonly stripAccents: boolean;
}

/** The plain JSON a model file stores (`Tokenizer.toJSON`, read back by `Tokenizer.fromJSON`). */
export interface TokenizerJson {
  version: 1;
  level: TokenizerLevel;
  /** Every option but `level`; all are required when read back, so that defaults can change safely. */
  options: Omit<NormalizedTokenizerOptions, 'level'>;
  /** Tokens by id. */
  vocabulary: string[];
  /** Training count per id (0 for reserved tokens); optional when read back. */
  counts?: number[];
}

const TOKENIZER_JSON_VERSION = 1;
const OPTION_KEYS = ['level', 'lowercase', 'splitPunctuation', 'numbers', 'urls', 'specials', 'minCount', 'maxVocab', 'stripAccents'] as const;
const WORD_ONLY = ['splitPunctuation', 'numbers', 'urls'] as const;

/** Text -> token strings, for one set of options. */
type Splitter = (text: string) => string[];

export class Tokenizer {
  /** Tokens by id: [PAD], [UNK], ([NUM], [URL] at word level), the specials, then tokens by descending count. */
  readonly vocabulary: readonly string[];
  /** Training count per id, 0 for reserved tokens (and for all when read from JSON that carries none). */
  readonly counts: Int32Array;
  /** The options, normalised. */
  readonly options: NormalizedTokenizerOptions;
  private readonly ids: Map<string, number>;
  private readonly split: Splitter;

  private constructor(options: NormalizedTokenizerOptions, vocabulary: readonly string[], counts: Int32Array, ids: Map<string, number>) {
    this.options = options;
    this.vocabulary = Object.freeze([...vocabulary]);
    this.counts = counts;
    this.ids = ids;
    this.split = makeSplitter(options);
  }

  /**
   * Builds the vocabulary of `texts`: the reserved tokens, then every token seen at least
   * `minCount` times by descending count (ties: first appearance), cut to `maxVocab`.
   * Deterministic for the same texts in the same order.
   */
  static fit(texts: Iterable<string>, options: TokenizerOptions = {}): Tokenizer {
    const where = 'Tokenizer.fit';
    const opts = normalizeTokenizerOptions(options, where);
    if (texts == null || typeof (texts as Iterable<string>)[Symbol.iterator] !== 'function' || typeof texts === 'string') {
      throw new Error(`${where}: texts must be an iterable of strings (an array, say), got ${typeof texts === 'string' ? 'one string' : typeof texts}`);
    }
    const reserved = reservedTokens(opts);
    if (opts.maxVocab !== undefined && opts.maxVocab <= reserved.length) {
      throw new Error(`${where}: maxVocab ${opts.maxVocab} leaves no room for tokens after the ${reserved.length} reserved ones (${reserved.join(' ')}); give at least ${reserved.length + 1}`);
    }
    const split = makeSplitter(opts);
    const isReserved = new Set(reserved);
    const seen = new Map<string, number>(); // insertion order = first appearance
    let n = 0;
    for (const text of texts) {
      if (typeof text !== 'string') throw new Error(`${where}: texts[${n}] must be a string, got ${text === null ? 'null' : typeof text}`);
      for (const token of split(text)) if (!isReserved.has(token)) seen.set(token, (seen.get(token) ?? 0) + 1);
      n++;
    }
    if (seen.size === 0) throw new Error(`${where}: the ${n} texts hold no tokens`);
    const kept = [...seen].filter(([, c]) => c >= opts.minCount);
    if (kept.length === 0) throw new Error(`${where}: no token appears minCount = ${opts.minCount} times (the most frequent appears ${Math.max(...seen.values())} times)`);
    kept.sort((a, b) => b[1] - a[1]); // stable: equal counts keep first-appearance order
    const room = opts.maxVocab === undefined ? kept.length : Math.min(kept.length, opts.maxVocab - reserved.length);
    const vocabulary = [...reserved, ...kept.slice(0, room).map(([t]) => t)];
    const counts = new Int32Array(vocabulary.length);
    for (let i = 0; i < room; i++) counts[reserved.length + i] = kept[i]![1];
    return new Tokenizer(opts, vocabulary, counts, new Map(vocabulary.map((t, i) => [t, i])));
  }

  /**
   * A tokenizer from `toJSON`'s output (e.g. read from a model file). Checks the version, the
   * level, every option (all must be present), the reserved tokens at their ids, duplicates and
   * the counts; errors start with `source`.
   */
  static fromJSON(json: unknown, source = 'tokenizer'): Tokenizer {
    if (!isRecord(json)) throw new Error(`${source}: expected a tokenizer object, got ${describeValue(json)}`);
    if (json.version !== TOKENIZER_JSON_VERSION) throw new Error(`${source}: version must be ${TOKENIZER_JSON_VERSION}, got ${describeValue(json.version)}`);
    if (json.level !== 'word' && json.level !== 'char') throw new Error(`${source}: level must be 'word' or 'char', got ${describeValue(json.level)}`);
    if (!isRecord(json.options)) throw new Error(`${source}: options must be an object, got ${describeValue(json.options)}`);
    if ('level' in json.options) throw new Error(`${source}: options.level does not belong in options (the level is a top-level field)`);
    for (const key of OPTION_KEYS) {
      if (key !== 'level' && key !== 'maxVocab' && !(key in json.options)) throw new Error(`${source}: options.${key} is missing`);
    }
    const opts = normalizeTokenizerOptions({ ...json.options, level: json.level } as TokenizerOptions, source, 'options.');
    const vocabulary = json.vocabulary;
    if (!Array.isArray(vocabulary)) throw new Error(`${source}: vocabulary must be an array of strings, got ${describeValue(vocabulary)}`);
    const reserved = reservedTokens(opts);
    if (vocabulary.length <= reserved.length) throw new Error(`${source}: vocabulary must hold the ${reserved.length} reserved tokens and at least one more, got ${vocabulary.length} tokens`);
    if (opts.maxVocab !== undefined && vocabulary.length > opts.maxVocab) throw new Error(`${source}: vocabulary holds ${vocabulary.length} tokens, more than options.maxVocab = ${opts.maxVocab}`);
    const ids = new Map<string, number>();
    vocabulary.forEach((token: unknown, i) => {
      if (typeof token !== 'string' || token.length === 0) throw new Error(`${source}: vocabulary[${i}] must be a non-empty string, got ${describeValue(token)}`);
      if (i < reserved.length && token !== reserved[i]) throw new Error(`${source}: vocabulary[${i}] must be ${shown(reserved[i]!)}, got ${shown(token)}`);
      if (i >= reserved.length) {
        if (opts.level === 'char' && [...token].length !== 1) throw new Error(`${source}: vocabulary[${i}] = ${shown(token)} must be a single character at char level`);
        if (opts.level === 'word' && /\s/u.test(token)) throw new Error(`${source}: vocabulary[${i}] = ${shown(token)} holds whitespace, which word tokens never do`);
      }
      const before = ids.get(token);
      if (before !== undefined) throw new Error(`${source}: vocabulary holds ${shown(token)} twice (ids ${before} and ${i})`);
      ids.set(token, i);
    });
    const counts = new Int32Array(vocabulary.length);
    if (json.counts !== undefined) {
      const c = json.counts;
      if (!Array.isArray(c) || c.length !== vocabulary.length) throw new Error(`${source}: counts must be an array of ${vocabulary.length} counts (one per token), got ${Array.isArray(c) ? `${c.length}` : describeValue(c)}`);
      c.forEach((v: unknown, i) => {
        if (!(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0x7fffffff)) throw new Error(`${source}: counts[${i}] must be an integer >= 0, got ${describeValue(v)}`);
        counts[i] = v as number;
      });
    }
    return new Tokenizer(opts, vocabulary as string[], counts, ids);
  }

  /** Plain JSON (version, level, options, vocabulary, counts) that `fromJSON` reads back. */
  toJSON(): TokenizerJson {
    const { level, ...options } = this.options;
    return { version: TOKENIZER_JSON_VERSION, level, options: { ...options, specials: [...options.specials] }, vocabulary: [...this.vocabulary], counts: Array.from(this.counts) };
  }

  /** Vocabulary size (V), reserved tokens included. */
  get size(): number {
    return this.vocabulary.length;
  }

  /** The id of `token` (a vocabulary entry, e.g. '[PAD]' or 'good'), or undefined. */
  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  /**
   * The token strings of `text` as `encode` sees them: normalised (accents, case) and with
   * [NUM]/[URL] substituted, including tokens outside the vocabulary.
   */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new Error(`Tokenizer.tokenize: text must be a string, got ${describeValue(text)}`);
    return this.split(text);
  }

  /** Ids of `text`'s tokens, [UNK] (1) for tokens outside the vocabulary; empty text gives an empty array. */
  encode(text: string): Int32Array {
    if (typeof text !== 'string') throw new Error(`Tokenizer.encode: text must be a string, got ${describeValue(text)}`);
    const tokens = this.split(text);
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.ids.get(tokens[i]!) ?? UNK_ID;
    return out;
  }

  /**
   * `encode` of each text, with how many tokens there were in all and how many became [UNK]
   * (for reports such as "3.2% of the validation tokens are unknown").
   */
  encodeAll(texts: Iterable<string>): { ids: Int32Array[]; unknown: number; tokens: number } {
    const ids: Int32Array[] = [];
    let unknown = 0;
    let tokens = 0;
    for (const text of texts) {
      if (typeof text !== 'string') throw new Error(`Tokenizer.encodeAll: texts[${ids.length}] must be a string, got ${describeValue(text)}`);
      const row = this.encode(text);
      for (let i = 0; i < row.length; i++) if (row[i] === UNK_ID) unknown++;
      tokens += row.length;
      ids.push(row);
    }
    return { ids, unknown, tokens };
  }

  /** The tokens of `ids`, space-separated at word level, concatenated at char level; [PAD] is left out. */
  decode(ids: ArrayLike<number>): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = this.vocabulary[id];
      if (token === undefined || !Number.isInteger(id)) throw new Error(`Tokenizer.decode: id ${id} at position ${i} is outside [0, ${this.size})`);
      if (id !== PAD_ID) out.push(token);
    }
    return out.join(this.options.level === 'word' ? ' ' : '');
  }
}

/**
 * The tokens of `text` as a tokenizer with `options` splits and normalises it, without a
 * vocabulary (e.g. to split plain sentences into words for a tagger).
 */
export function splitText(text: string, options: TokenizerOptions = {}): string[] {
  if (typeof text !== 'string') throw new Error(`splitText: text must be a string, got ${describeValue(text)}`);
  return makeSplitter(normalizeTokenizerOptions(options, 'splitText'))(text);
}

/** The reserved tokens in id order: [PAD], [UNK], at word level [NUM] and [URL], then the specials. */
function reservedTokens(o: NormalizedTokenizerOptions): string[] {
  return [PAD_TOKEN, UNK_TOKEN, ...(o.level === 'word' ? [NUM_TOKEN, URL_TOKEN] : []), ...o.specials];
}

/** Fills in defaults and checks every option; `prefix` is put before field names in errors. */
function normalizeTokenizerOptions(options: TokenizerOptions, where: string, prefix = ''): NormalizedTokenizerOptions {
  if (!isRecord(options as unknown)) throw new Error(`${where}: options must be an object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) throw new Error(`${where}: ${prefix}${key} is not a tokenizer option (${OPTION_KEYS.join(', ')})`);
  }
  const level = options.level ?? 'word';
  if (level !== 'word' && level !== 'char') throw new Error(`${where}: ${prefix}level must be 'word' or 'char', got ${describeValue(level)}`);
  const flag = (key: 'lowercase' | 'splitPunctuation' | 'numbers' | 'urls' | 'stripAccents', fallback: boolean): boolean => {
    const v = options[key];
    if (v !== undefined && typeof v !== 'boolean') throw new Error(`${where}: ${prefix}${key} must be true or false, got ${describeValue(v)}`);
    return v ?? fallback;
  };
  if (level === 'char') {
    for (const key of WORD_ONLY) {
      if (options[key] === true) throw new Error(`${where}: ${prefix}${key} applies to word-level tokenizers only`);
    }
  }
  const word = level === 'word';
  const specials = options.specials ?? [];
  if (!Array.isArray(specials)) throw new Error(`${where}: ${prefix}specials must be an array of strings, got ${describeValue(specials)}`);
  const builtIn = [PAD_TOKEN, UNK_TOKEN, NUM_TOKEN, URL_TOKEN];
  const seen = new Set<string>();
  specials.forEach((s: unknown, i) => {
    if (typeof s !== 'string' || s.trim().length === 0) throw new Error(`${where}: ${prefix}specials[${i}] must be a string with something besides whitespace, got ${describeValue(s)}`);
    if (builtIn.includes(s)) throw new Error(`${where}: ${prefix}specials[${i}] = ${shown(s)} is a built-in token already`);
    if (seen.has(s)) throw new Error(`${where}: ${prefix}specials holds ${shown(s)} twice`);
    seen.add(s);
  });
  const minCount = options.minCount ?? 1;
  if (!(Number.isInteger(minCount) && minCount >= 1)) throw new Error(`${where}: ${prefix}minCount must be an integer >= 1, got ${describeValue(minCount)}`);
  const maxVocab = options.maxVocab;
  if (maxVocab !== undefined && !(Number.isInteger(maxVocab) && maxVocab >= 1)) throw new Error(`${where}: ${prefix}maxVocab must be a positive integer, got ${describeValue(maxVocab)}`);
  return Object.freeze({
    level,
    lowercase: flag('lowercase', word),
    splitPunctuation: flag('splitPunctuation', true) && word,
    numbers: flag('numbers', true) && word,
    urls: flag('urls', true) && word,
    specials: Object.freeze([...specials]),
    minCount,
    ...(maxVocab === undefined ? {} : { maxVocab }),
    stripAccents: flag('stripAccents', false),
  });
}

// Token patterns (Unicode-aware, flag 'u'). Punctuation is Unicode P and S: marks, brackets,
// currency, maths and emoji symbols, one per token, with what draws an emoji as one picture
// (variation selectors, skin tones, zero-width-joiner sequences, two-letter flags).
const PUNCT = String.raw`\p{P}\p{S}`;
const SYMBOL_PART = String.raw`[${PUNCT}][\p{M}\p{Emoji_Modifier}]*`;
const SYMBOL = String.raw`\p{Regional_Indicator}{2}|${SYMBOL_PART}(?:\u200D${SYMBOL_PART})*`;
const WORD = String.raw`[^\s${PUNCT}]+(?:['’][^\s${PUNCT}]+)*`;
/** A URL ends before the trailing punctuation that ends its word ("see www.x.org." -> [URL] .). */
const URL = String.raw`(?:[hH][tT][tT][pP][sS]?:\/\/|[wW][wW][wW]\.)\S+?(?=[.,;:!?'"’”)\]}>]*(?:\s|$))`;
/** A sign belongs to a number only at the start of a word: after nothing, whitespace or an opening bracket. */
const SIGN = String.raw`(?<![^\s\p{Ps}])[-+]`;
/** 1,000 or 1000, with decimals; or .5, which only starts a word (so 'x.5' is x . [NUM]). */
const DIGITS = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![^\s\p{Ps}+-])\.\d+`;
const NUMBER = String.raw`(?:${SIGN})?(?:${DIGITS})%?(?![\p{L}\p{N}\p{M}])`;
const WHOLE_NUMBER = new RegExp(String.raw`^[-+]?(?:${DIGITS})%?$`, 'u');
const WHOLE_URL = new RegExp(String.raw`^(?:[hH][tT][tT][pP][sS]?:\/\/|[wW][wW][wW]\.)\S`, 'u');

/** The tokenizing function for `o`: specials first, then normalisation, then the level's rule. */
function makeSplitter(o: NormalizedTokenizerOptions): Splitter {
  const specials = [...o.specials].sort((a, b) => b.length - a.length);
  const specialRe = specials.length === 0 ? null : new RegExp(`(${specials.map((s) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|')})`);
  const normalise = (s: string): string => {
    if (o.stripAccents) s = s.normalize('NFD').replace(/\p{Mn}/gu, '');
    return o.lowercase ? s.toLowerCase() : s;
  };
  let plain: (segment: string, out: string[]) => void;
  if (o.level === 'char') {
    plain = (segment, out) => { for (const ch of segment) out.push(ch); };
  } else if (o.splitPunctuation) {
    const parts = [o.urls ? `(?<url>${URL})` : '', o.numbers ? `(?<num>${NUMBER})` : '', WORD, SYMBOL];
    const re = new RegExp(parts.filter(Boolean).join('|'), 'gu');
    plain = (segment, out) => {
      for (const m of segment.matchAll(re)) {
        const g = m.groups; // absent when neither urls nor numbers adds a named group
        out.push(g?.url !== undefined ? URL_TOKEN : g?.num !== undefined ? NUM_TOKEN : m[0]);
      }
    };
  } else {
    plain = (segment, out) => {
      for (const chunk of segment.split(/\s+/u)) {
        if (chunk.length === 0) continue;
        out.push(o.urls && WHOLE_URL.test(chunk) ? URL_TOKEN : o.numbers && WHOLE_NUMBER.test(chunk) ? NUM_TOKEN : chunk);
      }
    };
  }
  return (text) => {
    const out: string[] = [];
    const pieces = specialRe ? text.split(specialRe) : [text];
    // split with one capturing group: even indices are plain text, odd ones the specials matched
    pieces.forEach((piece, i) => {
      if (i % 2 === 1) out.push(piece);
      else if (piece.length > 0) plain(normalise(piece), out);
    });
    return out;
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as an error message shows it: strings quoted (single characters described), others by type. */
/** A string for a message: JSON-quoted, cut after 40 characters. */
function shown(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return [...v].length === 1 ? describeChar(v) : shown(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
