/**
 * What a language model reads and writes, at either level: characters (CharTokenizer, the
 * vocabulary stored in the model file's `recur.vocabulary`) or words (the shared word
 * Tokenizer with [UNK], [NUM] and [URL], stored as JSON under `recur.lm.words`). Text is split
 * into symbols, mapped to ids under a stated policy for symbols outside the vocabulary, and
 * generated symbols are joined back into text.
 */
import { CharTokenizer, describeChar } from '../../data/char-tokenizer.js';
import { PAD_ID, Tokenizer, type TokenizerJson, UNK_ID } from '../../data/tokenizer.js';

/** The model-file metadata key of a word-level model's tokenizer (JSON). */
export const WORD_LM_METADATA_KEY = 'recur.lm.words';

/**
 * What happens to a symbol outside the vocabulary: 'unk' reads it as the unknown symbol (words:
 * [UNK], which training learned from the words beyond --max-vocab / --min-count; characters:
 * U+FFFD, learned from the characters under --min-count or missing from the training part),
 * 'skip' leaves it out. Either way it is counted.
 */
export type UnknownPolicy = 'unk' | 'skip';

export interface LmVocabulary {
  readonly level: 'char' | 'word';
  readonly size: number;
  /** The id unknown symbols are read as, or undefined when the model has none (character models trained before recur gave them one). */
  readonly unkId: number | undefined;
  /** The symbols of `text`: its characters, or its words as the tokenizer splits and normalises them. */
  split(text: string): string[];
  idOf(symbol: string): number | undefined;
  symbol(id: number): string;
  /** Text of generated symbols: characters concatenated; words spaced, punctuation attached. */
  join(symbols: readonly string[]): string;
}

export class CharVocabulary implements LmVocabulary {
  readonly level = 'char' as const;
  /** U+FFFD's id: new models learn it in training; models trained before it existed have none. */
  readonly unkId: number | undefined;
  constructor(readonly tokenizer: CharTokenizer) {
    this.unkId = tokenizer.unknownId;
  }
  get size(): number { return this.tokenizer.size; }
  split(text: string): string[] { return Array.from(text); }
  idOf(symbol: string): number | undefined { return this.tokenizer.idOf(symbol); }
  symbol(id: number): string { return this.tokenizer.vocabulary[id]!; }
  join(symbols: readonly string[]): string { return symbols.join(''); }
}

/** Punctuation written against the word before it (a hyphen joins both sides: to-morrow). */
const CLOSING = /^(?:[.,;:!?%)\]}’”'»…]+|-)$/u;
/** Punctuation written against the word after it. */
const OPENING = /^(?:[([{“‘«¿¡]+|-)$/u;

export class WordVocabulary implements LmVocabulary {
  readonly level = 'word' as const;
  readonly unkId = UNK_ID;
  constructor(readonly tokenizer: Tokenizer) {
    if (tokenizer.options.level !== 'word') throw new Error('WordVocabulary: the tokenizer must be word level');
  }
  get size(): number { return this.tokenizer.size; }
  split(text: string): string[] { return this.tokenizer.tokenize(text); }
  idOf(symbol: string): number | undefined { return this.tokenizer.idOf(symbol); }
  symbol(id: number): string { return this.tokenizer.vocabulary[id]!; }
  join(symbols: readonly string[]): string {
    let out = '';
    let glue = true; // no space before the first word, or after an opening bracket
    for (const s of symbols) {
      out += glue || CLOSING.test(s) ? s : ` ${s}`;
      glue = OPENING.test(s);
    }
    return out;
  }

  toJSON(): TokenizerJson {
    return this.tokenizer.toJSON();
  }
}

export interface EncodedText {
  ids: Int32Array;
  /** Symbols outside the vocabulary (read as the unknown symbol, or left out). */
  unknown: number;
  /** The symbols of the text (before leaving any out). */
  symbols: number;
  /** A few of the unknown symbols, most frequent first, for messages. */
  examples: string[];
}

/**
 * The ids of `text` under `policy`. 'unk' on a model without an unknown symbol is an error (the
 * model never learned one: use 'skip').
 */
export function encodeText(v: LmVocabulary, text: string, policy: UnknownPolicy): EncodedText {
  if (policy === 'unk' && v.unkId === undefined) throw new Error('this character model has no unknown symbol to read unknown characters as (it was trained before recur gave character models one); use --unknown skip');
  const syms = v.split(text);
  const ids: number[] = [];
  const seen = new Map<string, number>();
  for (const s of syms) {
    const id = v.idOf(s);
    if (id !== undefined && id !== v.unkId) { ids.push(id); continue; }
    seen.set(s, (seen.get(s) ?? 0) + 1);
    if (policy === 'unk') ids.push(v.unkId!);
  }
  const examples = [...seen].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([s]) => (v.level === 'char' ? describeChar(s) : JSON.stringify(s)));
  let unknown = 0;
  for (const n of seen.values()) unknown += n;
  return { ids: Int32Array.from(ids), unknown, symbols: syms.length, examples };
}

/** The policy when none is given: 'unk' for a model with an unknown symbol, else 'skip' (character models from before U+FFFD). */
export function defaultUnknownPolicy(v: LmVocabulary): UnknownPolicy {
  return v.unkId === undefined ? 'skip' : 'unk';
}

/** Ids a sampler never draws: the unknown symbol (U+FFFD, [UNK]) and a word vocabulary's [PAD]. */
export function neverSampled(v: LmVocabulary): number[] {
  return [...(v.level === 'word' ? [PAD_ID] : []), ...(v.unkId === undefined ? [] : [v.unkId])];
}

/** One line saying how many symbols were outside the vocabulary and what became of them, or '' when none. */
export function unknownNote(v: LmVocabulary, e: EncodedText, policy: UnknownPolicy, what: string): string {
  if (e.unknown === 0) return '';
  const unit = v.level === 'char' ? 'character' : 'word';
  return `${what}: ${e.unknown} of ${e.symbols} ${unit}${e.symbols === 1 ? '' : 's'} outside the vocabulary (${e.examples.join(', ')}${e.unknown > e.examples.length ? ', ...' : ''}) ` +
    `${policy === 'unk' ? `read as ${v.level === 'word' ? '[UNK]' : 'the unknown symbol'}` : 'left out'}`;
}

/** The vocabulary of a loaded language model file: words when it holds a word tokenizer, else characters. */
export function lmVocabularyOf(extra: Readonly<Record<string, string>> | undefined, vocabulary: readonly string[] | undefined, source: string): LmVocabulary {
  const words = extra?.[WORD_LM_METADATA_KEY];
  if (words !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(words);
    } catch {
      throw new Error(`${source}: its word vocabulary ('${WORD_LM_METADATA_KEY}') is not valid JSON`);
    }
    return new WordVocabulary(Tokenizer.fromJSON(json, `${source}: word vocabulary`));
  }
  if (!vocabulary) throw new Error(`${source} is not a language model: its metadata has no vocabulary (was it trained by recur lm train?)`);
  try {
    return new CharVocabulary(new CharTokenizer(vocabulary));
  } catch (e) {
    throw new Error(`${source} is not a character language model: ${(e as Error).message}`);
  }
}
