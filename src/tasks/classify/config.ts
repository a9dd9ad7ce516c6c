/**
 * The settings of a classification run: how the data is read (format, columns, labels),
 * tokenized (word or character level, vocabulary limits, maximum length, pre-trained vectors),
 * split (stratified validation fraction), modelled (cell, size, layers, direction, pooling,
 * dropout) and weighted (class weights), plus the shared training settings. Defaults are those
 * the quality runs use (`npm run quality:classify`).
 */
import { CELL_KINDS, type CellKind } from '../../kernels/cell-kinds.js';
import { POOLINGS, type Pooling } from '../../nn/recurrent-model.js';
import { type TrainConfig, checkTrainConfig, fieldChecks, stripUndefined } from '../train-config.js';

/** How the training data is laid out (`auto`: by the path: a directory or *.txt files, *.jsonl, *.gz / *-ubyte IDX, else a table). */
export type ClassifyFormat = 'auto' | 'table' | 'class-files' | 'jsonl' | 'idx';
export const CLASSIFY_FORMATS: readonly ClassifyFormat[] = ['auto', 'table', 'class-files', 'jsonl', 'idx'];


export interface ClassifyConfig extends TrainConfig {
  format: ClassifyFormat;
  /** Table columns: a header name or a 1-based index (as a string: '2'). */
  textColumn?: string;
  labelColumn?: string;
  /** Whether a table has a header row ('auto': when the first row names the columns asked for). */
  header: 'auto' | 'yes' | 'no';
  /** Table separator ('auto': TAB when the first line has one, else comma). TAB never reads quotes. */
  separator: 'auto' | 'tab' | 'comma';
  /** Several labels per example (sigmoid + binary cross-entropy) instead of one (softmax). */
  multiLabel: boolean;
  /** What separates the labels of one example in a table cell (multi-label). */
  labelSeparator: string;
  /** An empty text row is an error instead of being counted and skipped. */
  strict: boolean;

  /** 'auto': characters for one-file-per-class data (names), words for tables. Not used for vector sequences. */
  tokenizer: 'auto' | 'word' | 'char';
  /** 'auto': lower-case words, keep characters as they are. */
  lowercase: 'auto' | 'yes' | 'no';
  /** Tokens kept whole besides [PAD] [UNK] [NUM] [URL]. */
  specials: string[];
  /** Tokens seen fewer times in the training part become [UNK]. */
  minCount: number;
  /** Largest vocabulary, specials included (0: no limit). */
  maxVocab: number;
  /** Sequences longer than this (tokens, or steps of vectors) are cut, and counted (0: no limit). */
  maxLength: number;
  /** Fold accents (é -> e), as the PyTorch names tutorial does. */
  stripAccents: boolean;
  /** Pre-trained word vectors (GloVe or word2vec text), read when the run starts. */
  vectors?: string;
  /** Keep the pre-trained vectors fixed. */
  freezeVectors: boolean;

  /** Fraction of the training data held out for validation, stratified by class, drawn with the seed. */
  validation: number;
  /**
   * 'auto': weights inversely proportional to class frequency (scikit-learn's 'balanced'), for
   * single-label data; with `multiLabel` it is an error (each class there is its own yes/no
   * question, which one weight per class in a softmax does not describe).
   */
  classWeights: 'none' | 'auto';

  /**
   * The recurrent cell; 'auto': LSTM for text (tokens), GRU for sequences of vectors (see
   * `classifierArchitecture`).
   */
  cell: CellKind | 'auto';
  /** Width of the token embedding (0: 64, or a vectors file's own dimension; another value than the file's is an error). */
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  /** Read each sequence in both directions; 'auto': yes for text, no for sequences of vectors. */
  bidirectional: boolean | 'auto';
  pooling: Pooling;
  /** Dropout between stacked recurrent layers. */
  dropout: number;
  /**
   * Dropout on the pooled vector the output layer reads (Keras: `Dropout` before `Dense`);
   * 'auto': 0.5 for text, 0 for sequences of vectors.
   */
  headDropout: number | 'auto';
}

/** Defaults that reach the quality targets on this machine's two cores. */
export const CLASSIFY_DEFAULTS: Readonly<ClassifyConfig> = Object.freeze({
  format: 'auto', header: 'auto', separator: 'auto', multiLabel: false, labelSeparator: ',', strict: false,
  tokenizer: 'auto', lowercase: 'auto', specials: [], minCount: 1, maxVocab: 20000, maxLength: 0, stripAccents: false, freezeVectors: false,
  validation: 0.1, classWeights: 'none',
  cell: 'auto', embeddingDim: 0, hiddenSize: 128, numLayers: 1, bidirectional: 'auto', pooling: 'max', dropout: 0, headDropout: 'auto',
  lr: 3e-3, minLrRatio: 0.05, warmupSteps: 50, clipNorm: 1, batchSize: 64, accumulate: 1, seed: 1,
  maxEpochs: 30, evalEvery: 'epoch', checkpointEvery: 'epoch', patience: 3,
} satisfies ClassifyConfig);

/** The embedding width when neither the config nor a vectors file sets one. */
export const DEFAULT_EMBEDDING_DIM = 64;

/** Stop after this long when no other limit is given. */
export const CLASSIFY_MAX_TIME_MS = 30 * 60 * 1000;

/** Fields a resumed run may change besides the shared ones. */
export const CLASSIFY_RUN_CONTROL: readonly (keyof ClassifyConfig)[] = [];

/** Fills defaults and validates; every error names the field. */
export function normalizeClassifyConfig(partial: Partial<ClassifyConfig> = {}): ClassifyConfig {
  const where = 'classify config';
  const c = { ...CLASSIFY_DEFAULTS, ...stripUndefined(partial) } as ClassifyConfig;
  const f = fieldChecks(c, where);
  f.choice('format', CLASSIFY_FORMATS);
  f.choice('header', ['auto', 'yes', 'no']);
  f.choice('separator', ['auto', 'tab', 'comma']);
  f.choice('tokenizer', ['auto', 'word', 'char']);
  f.choice('lowercase', ['auto', 'yes', 'no']);
  f.choice('classWeights', ['none', 'auto']);
  f.choice('cell', ['auto', ...CELL_KINDS]);
  f.choice('pooling', POOLINGS);
  if (c.bidirectional !== 'auto' && typeof c.bidirectional !== 'boolean') throw new Error(`${where}: bidirectional must be true, false or 'auto', got ${JSON.stringify(c.bidirectional)}`);
  for (const name of ['multiLabel', 'strict', 'stripAccents', 'freezeVectors'] as const) {
    if (typeof c[name] !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${JSON.stringify(c[name])}`);
  }
  for (const name of ['textColumn', 'labelColumn', 'vectors'] as const) {
    if (c[name] !== undefined && !(typeof c[name] === 'string' && c[name].length > 0)) throw new Error(`${where}: ${name} must be a non-empty string, got ${JSON.stringify(c[name])}`);
  }
  if (typeof c.labelSeparator !== 'string' || c.labelSeparator.length === 0) throw new Error(`${where}: labelSeparator must be a non-empty string, got ${JSON.stringify(c.labelSeparator)}`);
  if (!Array.isArray(c.specials) || !c.specials.every((s) => typeof s === 'string' && s.length > 0 && !/\s/.test(s))) {
    throw new Error(`${where}: specials must be a list of tokens without spaces, got ${JSON.stringify(c.specials)}`);
  }
  f.int('minCount', 1); f.int('maxVocab', 0); f.int('maxLength', 0);
  f.int('embeddingDim', 0); f.int('hiddenSize', 1); f.int('numLayers', 1);
  f.num('validation', 0, 0.5, true, false);
  f.num('dropout', 0, 1, false, true);
  if (c.headDropout !== 'auto') f.num('headDropout', 0, 1, false, true);
  if (c.maxVocab > 0 && c.maxVocab < 3) throw new Error(`${where}: maxVocab must leave room for [PAD], [UNK] and a token (at least 3), got ${c.maxVocab}`);
  if (c.dropout > 0 && c.numLayers === 1) throw new Error(`${where}: dropout applies between recurrent layers, and numLayers 1 has none`);
  if (c.classWeights === 'auto' && c.multiLabel) throw new Error(`${where}: classWeights 'auto' weighs the classes of single-label data; with multiLabel (a sigmoid per class) use classWeights 'none'`);
  if (c.freezeVectors && c.vectors === undefined) throw new Error(`${where}: freezeVectors needs vectors (a GloVe or word2vec text file)`);
  return checkTrainConfig(c, where, CLASSIFY_MAX_TIME_MS);
}

/**
 * The cell, direction and head dropout a run uses: the config's, or for 'auto' what validation
 * accuracy favoured in the quality runs' time budgets (`npm run quality:classify`): text
 * (thousands of short token sequences) as a bidirectional LSTM with dropout 0.5 before the
 * output layer; sequences of vectors (60,000 images row by row) as a forwards GRU without it,
 * about twice as fast per epoch, so that a budget buys more passes.
 */
export function classifierArchitecture(config: Pick<ClassifyConfig, 'cell' | 'bidirectional' | 'headDropout'>, text: boolean): { cell: CellKind; bidirectional: boolean; headDropout: number; auto: boolean } {
  return {
    cell: config.cell === 'auto' ? (text ? 'lstm' : 'gru') : config.cell,
    bidirectional: config.bidirectional === 'auto' ? text : config.bidirectional,
    headDropout: config.headDropout === 'auto' ? (text ? 0.5 : 0) : config.headDropout,
    auto: config.cell === 'auto' || config.bidirectional === 'auto' || config.headDropout === 'auto',
  };
}
