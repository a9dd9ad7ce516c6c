/**
 * The settings of a tagging run: how the corpus is read (format, tag column), split (validation
 * by sentence), how words are looked up (case, numbers, vocabulary limits, pre-trained vectors,
 * unknown-word training), modelled (word and character embeddings, cell, sizes, layers,
 * direction, dropout, CRF) and trained, plus the shared training settings.
 */
import { CELL_KINDS, type CellKind } from '../../kernels/cell-kinds.js';
import { type TrainConfig, checkTrainConfig, fieldChecks, stripUndefined } from '../train-config.js';

export interface TagConfig extends TrainConfig {
  /** 'auto' (by extension, then content), 'conllu' or 'tsv'. */
  format: 'auto' | 'conllu' | 'tsv';
  /** The tag column: CoNLL-U 'upos' (default), 'xpos', 'deprel', 'feats:Name' or a field number; TSV a column number (default 2). */
  tagColumn?: string;
  /** Fraction of the training file's sentences held out for validation (when no validation file is given). */
  validation: number;
  /** Word lookup: lower-case words (the character features still see the case). */
  lowercase: boolean;
  /** Words that are numbers share one entry, [NUM]. */
  numbers: boolean;
  /** Words seen fewer times in training are [UNK] (their characters still count). */
  minCount: number;
  /** Largest word vocabulary, [PAD] and [UNK] included (0: no limit). */
  maxVocab: number;
  /**
   * Probability that a training word seen once is read as [UNK] (Lample et al.), so that the
   * [UNK] embedding is trained for the words the tagger will not know.
   */
  unknownReplacement: number;
  /** Pre-trained word vectors (GloVe or word2vec text). */
  vectors?: string;
  freezeVectors: boolean;
  /** Word embedding width (0: 100, or the vectors file's own). */
  embeddingDim: number;
  /** Character features: embedding width and the character BiLSTM's width per direction (0: no character features). */
  charEmbeddingDim: number;
  charHiddenSize: number;
  cell: CellKind;
  /** The encoder's width per direction. */
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  dropout: number;
  /** A linear-chain CRF with Viterbi decoding instead of a softmax per token. */
  crf: boolean;
}

export const TAG_DEFAULTS: Readonly<TagConfig> = Object.freeze({
  format: 'auto', validation: 0.1, lowercase: true, numbers: true, minCount: 1, maxVocab: 50000, unknownReplacement: 0.5, freezeVectors: false,
  embeddingDim: 0, charEmbeddingDim: 32, charHiddenSize: 32, cell: 'lstm', hiddenSize: 128, numLayers: 1, bidirectional: true, dropout: 0.33, crf: false,
  lr: 2e-3, minLrRatio: 0.05, warmupSteps: 50, clipNorm: 5, batchSize: 32, accumulate: 1, seed: 1,
  evalEvery: 'epoch', checkpointEvery: 'epoch', patience: 5,
} satisfies TagConfig);

/** The word embedding width when neither the config nor a vectors file sets one. */
export const DEFAULT_TAG_EMBEDDING_DIM = 100;

/** Stop after this long when no other limit is given. */
export const TAG_MAX_TIME_MS = 5 * 60 * 1000;

export const TAG_RUN_CONTROL: readonly (keyof TagConfig)[] = [];

export function normalizeTagConfig(partial: Partial<TagConfig> = {}): TagConfig {
  const where = 'tag config';
  const c = { ...TAG_DEFAULTS, ...stripUndefined(partial) } as TagConfig;
  const f = fieldChecks(c, where);
  f.choice('format', ['auto', 'conllu', 'tsv']);
  f.choice('cell', CELL_KINDS);
  for (const name of ['lowercase', 'numbers', 'freezeVectors', 'bidirectional', 'crf'] as const) {
    if (typeof c[name] !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${JSON.stringify(c[name])}`);
  }
  if (c.tagColumn !== undefined && (typeof c.tagColumn !== 'string' || c.tagColumn.trim() === '')) throw new Error(`${where}: tagColumn must be a column name or number, got ${JSON.stringify(c.tagColumn)}`);
  if (c.vectors !== undefined && (typeof c.vectors !== 'string' || c.vectors === '')) throw new Error(`${where}: vectors must be a file path, got ${JSON.stringify(c.vectors)}`);
  if (c.freezeVectors && c.vectors === undefined) throw new Error(`${where}: freezeVectors needs vectors (a GloVe or word2vec text file)`);
  f.num('validation', 0, 0.5, true, false);
  f.int('minCount', 1); f.int('maxVocab', 0);
  if (c.maxVocab > 0 && c.maxVocab < 3) throw new Error(`${where}: maxVocab must leave room for [PAD], [UNK] and one word (at least 3), got ${c.maxVocab}`);
  f.num('unknownReplacement', 0, 1, false, false);
  f.int('embeddingDim', 0); f.int('charEmbeddingDim', 0); f.int('charHiddenSize', 0);
  if ((c.charEmbeddingDim === 0) !== (c.charHiddenSize === 0)) throw new Error(`${where}: charEmbeddingDim and charHiddenSize are both 0 (no character features) or both positive, got ${c.charEmbeddingDim} and ${c.charHiddenSize}`);
  f.int('hiddenSize', 1); f.int('numLayers', 1);
  f.num('dropout', 0, 1, false, true);
  return checkTrainConfig(c, where, TAG_MAX_TIME_MS);
}
