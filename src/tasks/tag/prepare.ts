/**
 * Reading a tagging run's data: the tagged file (CoNLL-U or TSV, data/tagged-text.ts), split by
 * sentence into training and validation (or a validation file), the word vocabulary fitted on
 * the training part (the shared word tokenizer with whitespace splitting: each token stays one
 * word; numbers -> [NUM], URLs -> [URL], case folded by default), the character vocabulary, the
 * tag set, optional pre-trained vectors, and the sentences encoded for batching. The same
 * `TagVocabulary` encodes new text at prediction time from a model file's metadata.
 */
import { createHash } from 'node:crypto';
import { shuffledSplit } from '../../data/split.js';
import { type TaggedDocument, type TaggedFormat, type TaggedSentence, readTagged } from '../../data/tagged-text.js';
import { Tokenizer, type TokenizerJson, UNK_ID } from '../../data/tokenizer.js';
import { embeddingMatrix, loadWordVectors } from '../../data/word-vectors.js';
import type { SentenceSet } from './batches.js';
import { DEFAULT_TAG_EMBEDDING_DIM, type TagConfig } from './config.js';
import { describeJsonValue } from '../../nn/recurrent-model.js';

/** The model-file metadata key of this task's vocabularies and settings (`TagMetadata` as JSON). */
export const TAG_METADATA_KEY = 'recur.tag';

/** Longest word form the character encoder reads: longer forms keep their first and last 15 characters. */
export const MAX_FORM_CHARS = 30;

/** What a model file keeps to read new text: vocabularies, tags, and how the data was read. */
export interface TagMetadata {
  words: TokenizerJson;
  /** Null without character features. */
  chars: TokenizerJson | null;
  tags: string[];
  format: TaggedFormat;
  /** The tag column as given ('upos', '3' ...), or undefined for the format's default. */
  tagColumn?: string;
}

/** Word, character and tag vocabularies: encodes sentences for the tagger. */
export class TagVocabulary {
  private readonly tagIds: Map<string, number>;

  constructor(readonly words: Tokenizer, readonly chars: Tokenizer | null, readonly tags: readonly string[]) {
    this.tagIds = new Map(tags.map((t, i) => [t, i]));
  }

  /** The vocabularies saved in a model file or checkpoint, checked (tags: distinct names without tabs or line breaks, which the tagged formats cannot write). */
  static fromMetadata(m: TagMetadata, source: string): TagVocabulary {
    const tags: unknown = m.tags;
    const seen = new Set<unknown>();
    const repeated = (t: unknown) => seen.has(t) || !seen.add(t);
    const bad = Array.isArray(tags) ? tags.findIndex((t) => typeof t !== 'string' || t === '' || /[\t\n\r]/.test(t) || repeated(t)) : -1;
    if (!Array.isArray(tags) || tags.length === 0 || bad >= 0) {
      const got = bad >= 0 ? `entry ${bad} is ${describeJsonValue((tags as unknown[])[bad])}` : `got ${describeJsonValue(tags)}`;
      throw new Error(`${source}: its tags must be a non-empty list of distinct tag names without tabs or line breaks; ${got}`);
    }
    return new TagVocabulary(Tokenizer.fromJSON(m.words, `${source}: word vocabulary`), m.chars ? Tokenizer.fromJSON(m.chars, `${source}: character vocabulary`) : null, tags as string[]);
  }

  /** The word id of a token ([UNK] = 1 when the vocabulary lacks it). */
  wordId(token: string): number {
    const ids = this.words.encode(wordKey(token));
    return ids.length === 1 ? ids[0]! : UNK_ID;
  }

  /** The character ids of a token's form (at most MAX_FORM_CHARS: the first and last 15). */
  formChars(token: string): Int32Array {
    if (!this.chars) return new Int32Array(0);
    const cs = Array.from(token);
    const kept = cs.length > MAX_FORM_CHARS ? [...cs.slice(0, MAX_FORM_CHARS / 2), ...cs.slice(-MAX_FORM_CHARS / 2)] : cs;
    const ids = this.chars.encode(kept.join(''));
    return ids.length ? ids : Int32Array.of(UNK_ID);
  }

  tagId(tag: string): number | undefined {
    return this.tagIds.get(tag);
  }

  /** Sentences encoded for batching; gold tags the vocabulary lacks become -1 (no loss; counted wrong by the metrics). */
  encode(sentences: readonly TaggedSentence[], withTags: boolean): SentenceSet & { unknownWords: number; tokens: number; unknownTags: number } {
    let unknownWords = 0, tokens = 0, unknownTags = 0;
    const set: SentenceSet = { words: [], chars: [], forms: [], tags: withTags ? [] : undefined };
    for (const s of sentences) {
      const w = Int32Array.from(s.words, (t) => this.wordId(t));
      for (const id of w) if (id === UNK_ID) unknownWords++;
      tokens += w.length;
      set.words.push(w);
      set.chars.push(s.words.map((t) => this.formChars(t)));
      set.forms.push(s.words);
      if (set.tags) {
        set.tags.push(Int32Array.from(s.tags, (t) => {
          const id = t === undefined ? undefined : this.tagId(t);
          if (id === undefined) unknownTags++;
          return id ?? -1;
        }));
      }
    }
    return { ...set, unknownWords, tokens, unknownTags };
  }

  /** Per token of each sentence: whether its word is outside the vocabulary (unseen in training with the default --min-count 1). */
  unseen(sentences: readonly TaggedSentence[]): boolean[][] {
    return sentences.map((s) => s.words.map((t) => this.wordId(t) === UNK_ID));
  }
}

/** A token as one word of the word tokenizer (which splits on whitespace): whitespace inside becomes '_'. */
function wordKey(token: string): string {
  return token.replace(/\s+/gu, '_');
}

/** Where a tagging run's sentences come from. */
export interface TagInput {
  /** A CoNLL-U or tagged TSV file. */
  dataPath?: string;
  /** Its contents given directly (dataPath then only names it). */
  text?: string;
  /** A separate validation file in the same format (else a share of the training file's sentences). */
  validationPath?: string;
  validationText?: string;
}

export interface TagData {
  vocab: TagVocabulary;
  train: SentenceSet;
  validation: SentenceSet;
  /** The validation sentences as read (gold tags as strings, for the metrics). */
  validationSentences: TaggedSentence[];
  /** Per validation token: the word is outside the vocabulary. */
  validationUnseen: boolean[][];
  /** Per word id: seen exactly once in training (candidates for unknown-word replacement). */
  singletons: Uint8Array;
  /** [V, D] pre-trained rows for the word vocabulary, when --vectors is given. */
  vectors?: { table: Float32Array; dim: number; found: number; missing: string[]; path: string };
  embeddingDim: number;
  meta: TagMetadata;
  /** Facts shown at the start. */
  facts: [string, string][];
  /** SHA-256 of the training file's sentences and tags. */
  sha256: string;
  trainTokens: number;
  validationTokens: number;
}

/** SHA-256 of sentences as read (tokens and tags). */
export function sentencesDigest(sentences: readonly TaggedSentence[]): string {
  const h = createHash('sha256');
  for (const s of sentences) h.update(JSON.stringify([s.words, s.tags])).update('\n');
  return h.digest('hex');
}

function count(n: number, what: string): string {
  return `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

function pct(part: number, whole: number): string {
  return `${whole ? ((100 * part) / whole).toFixed(1) : '0.0'}%`;
}

/**
 * Splits, fits the vocabularies on the training part (or takes a resumed run's `saved` ones) and
 * encodes. `doc` is the training file as read; `valDoc` a separate validation file.
 */
export async function prepareTag(config: TagConfig, doc: TaggedDocument, valDoc: TaggedDocument | undefined, saved?: TagMetadata): Promise<TagData> {
  const all = doc.sentences;
  let trainSentences: TaggedSentence[], valSentences: TaggedSentence[];
  if (valDoc) {
    trainSentences = all;
    valSentences = valDoc.sentences;
  } else {
    if (all.length < 2) throw new Error(`${doc.source}: ${count(all.length, 'sentence')}; holding some out for validation needs at least 2 (or give --validation-data)`);
    const split = shuffledSplit(all.length, { validation: config.validation, seed: config.seed });
    trainSentences = Array.from(split.train, (i) => all[i]!);
    valSentences = Array.from(split.validation, (i) => all[i]!);
  }
  let vocab: TagVocabulary;
  if (saved) {
    vocab = TagVocabulary.fromMetadata(saved, 'checkpoint');
  } else {
    const tokens = trainSentences.flatMap((s) => s.words.map(wordKey));
    const words = Tokenizer.fit(tokens, {
      level: 'word', splitPunctuation: false, lowercase: config.lowercase, numbers: config.numbers, urls: true,
      minCount: config.minCount, maxVocab: config.maxVocab || undefined,
    });
    const chars = config.charEmbeddingDim > 0 ? Tokenizer.fit(trainSentences.flatMap((s) => s.words), { level: 'char', lowercase: false }) : null;
    // Tags of the whole file (a rare tag may fall in the validation part only), in order of first appearance.
    const tags = [...new Set([...all, ...(valDoc?.sentences ?? [])].flatMap((s) => s.tags.filter((t): t is string => t !== undefined)))];
    if (tags.length < 2) throw new Error(`${doc.source}: every token has the tag ${JSON.stringify(tags[0])}; a tagger needs at least 2 different tags`);
    vocab = new TagVocabulary(words, chars, tags);
  }
  const train = vocab.encode(trainSentences, true);
  const validation = vocab.encode(valSentences, true);
  const singletons = new Uint8Array(vocab.words.size);
  for (let id = 0; id < vocab.words.size; id++) singletons[id] = vocab.words.counts[id] === 1 ? 1 : 0;
  const facts: [string, string][] = [
    ['sentences', `${count(train.words.length, 'sentence')} (${count(train.tokens, 'token')}) training, ${count(validation.words.length, 'sentence')} (${count(validation.tokens, 'token')}) validation${valDoc ? ` from ${valDoc.source}` : ' (held out by sentence)'}`],
    ['tags', `${vocab.tags.length} (${doc.column.label}): ${vocab.tags.slice(0, 20).join(' ')}${vocab.tags.length > 20 ? ' ...' : ''}`],
    ['vocabulary', `${count(vocab.words.size, 'word')}${vocab.chars ? `, ${count(vocab.chars.size, 'character')}` : ', no character features'}`],
    ['unknown in validation', `${pct(validation.unknownWords, validation.tokens)} of tokens`],
  ];
  if (validation.unknownTags) facts.push(['unknown tags', `${count(validation.unknownTags, 'validation token')} with a tag not seen in training (always counted wrong)`]);
  let vectors: TagData['vectors'];
  let embeddingDim = config.embeddingDim || DEFAULT_TAG_EMBEDDING_DIM;
  if (config.vectors !== undefined) {
    const wv = await loadWordVectors(config.vectors, { keep: vocab.words.vocabulary });
    if (config.embeddingDim && config.embeddingDim !== wv.dim) throw new Error(`${config.vectors}: the vectors have ${wv.dim} dimensions but --embedding-dim is ${config.embeddingDim}`);
    const m = embeddingMatrix(wv, vocab.words.vocabulary, { dim: wv.dim });
    embeddingDim = wv.dim;
    vectors = { table: m.table, dim: wv.dim, found: m.found, missing: m.missing, path: config.vectors };
    facts.push(['vectors', `${m.found} of ${m.found + m.missing.length} vocabulary words found in ${config.vectors} (${wv.dim} dimensions${config.freezeVectors ? ', frozen' : ''})`]);
  }
  const meta: TagMetadata = { words: vocab.words.toJSON(), chars: vocab.chars?.toJSON() ?? null, tags: [...vocab.tags], format: doc.format, tagColumn: config.tagColumn };
  return {
    vocab, train, validation, validationSentences: valSentences, validationUnseen: vocab.unseen(valSentences), singletons, vectors, embeddingDim, meta, facts,
    sha256: sentencesDigest(all), trainTokens: train.tokens, validationTokens: validation.tokens,
  };
}

/** Reads a tagged file's text with the run's format and tag column; every word must have a tag. */
export function readTaggedFile(text: string, source: string, c: Pick<TagConfig, 'format' | 'tagColumn'>, requireTags = true): TaggedDocument {
  const doc = readTagged(text, { format: c.format, column: c.tagColumn, requireTags, source });
  if (doc.sentences.length === 0) throw new Error(`${source}: no sentences`);
  return doc;
}
