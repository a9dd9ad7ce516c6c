/**
 * The character language model's configuration: typed defaults (the model `recur lm train`
 * trains with no flags) and validation with one clear error per bad field. Knows no flags:
 * the CLI maps `--hidden-size` to `hiddenSize`.
 */
import { fileURLToPath } from 'node:url';
import type { RecurrentModelConfig } from '../../nn/recurrent-model.js';
import { CELL_KINDS, type CellKind } from '../../nn/index.js';
import { type TrainConfig, checkTrainConfig, fieldChecks, stripUndefined } from '../train-config.js';

/** The cell kinds of a char LM: all but the sigmoid Elman RNN, which `recur lm` has never offered. */
export type CharLmCell = Exclude<CellKind, 'rnn-sigmoid'>;
export const CHAR_LM_CELLS: readonly CharLmCell[] = CELL_KINDS.filter((k): k is CharLmCell => k !== 'rnn-sigmoid');

export interface CharLmConfig extends TrainConfig {
  /** Recurrent cell: one of CHAR_LM_CELLS (every cell kind but 'rnn-sigmoid'). */
  cell: CharLmCell;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between recurrent layers during training, in [0, 1). */
  dropout: number;
  /** 'embedding' (a learned table of `embeddingDim`) or 'one-hot' (char-rnn's input). */
  input: 'embedding' | 'one-hot';
  embeddingDim: number;
  /** Window length T: steps of backpropagation through time (`batchSize` is the number of parallel streams B). */
  seqLen: number;
  /** Fraction of the text (its end) held out for validation. */
  validationFraction: number;
  /** Characters (words) of the sample printed at each validation. */
  sampleLength: number;
  /** Tie the output layer to the embedding (needs input 'embedding' with embeddingDim equal to hiddenSize). */
  tieWeights: boolean;
  /**
   * Symbols seen fewer times in the training part are left out of the vocabulary and read as
   * the unknown symbol, which the model so learns (characters: U+FFFD; words: [UNK]).
   */
  minCount: number;
}

/** A word-level language model's settings: the character model's, and how words are counted. */
export interface WordLmConfig extends CharLmConfig {
  /** Largest vocabulary, [PAD] [UNK] [NUM] [URL] included; rarer words are [UNK] (0: no limit). */
  maxVocab: number;
  /** Lower-case the text before splitting it into words. */
  lowercase: boolean;
}

/**
 * Defaults chosen for Tiny Shakespeare on a 2-core machine within 30 minutes (README:
 * `npm run quality:lm`): a 2 x 256 LSTM over 64-dim embeddings, windows of 64 x 64 chars,
 * Adam 2e-3 with 50 warm-up steps and cosine decay to 2e-4, clipping at 1.
 */
export const CHAR_LM_DEFAULTS: Readonly<CharLmConfig> = Object.freeze({
  cell: 'lstm',
  hiddenSize: 256,
  numLayers: 2,
  dropout: 0.1,
  input: 'embedding',
  embeddingDim: 64,
  seqLen: 64,
  batchSize: 64,
  lr: 2e-3,
  minLrRatio: 0.1,
  warmupSteps: 50,
  clipNorm: 1,
  accumulate: 1,
  validationFraction: 0.1,
  seed: 1,
  evalEvery: 250,
  checkpointEvery: 250,
  sampleLength: 200,
  tieWeights: false,
  minCount: 1,
});

/**
 * Word-level defaults: the character model's 2 x 256 LSTM over a vocabulary of the 10,000 most
 * frequent words (the rest [UNK], which the model thus learns), windows of 35 words as in
 * PyTorch's word_language_model, the output layer tied to a 256-wide embedding, Adam 3e-3,
 * samples of 50 words, dropout 0.3 on every non-recurrent connection (wordModelConfigOf).
 * Chosen on Tiny Shakespeare's validation part (200 steps: tied with lr 3e-3 5.34 nats/word;
 * untied 6.09 at lr 2e-3, 6.12 at 5e-3; one untied layer 5.52; in 10 minutes, dropout only
 * between layers overfits after 750 steps at perplexity 158.7, dropout everywhere reaches 141.0).
 */
export const WORD_LM_DEFAULTS: Readonly<WordLmConfig> = Object.freeze({
  ...CHAR_LM_DEFAULTS,
  seqLen: 35,
  batchSize: 32,
  dropout: 0.3,
  lr: 3e-3,
  tieWeights: true,
  embeddingDim: 256,
  sampleLength: 50,
  maxVocab: 10000,
  minCount: 1,
  lowercase: false,
});

/** The time budget when neither maxSteps nor maxTimeMs is given. */
export const DEFAULT_MAX_TIME_MS = 30 * 60 * 1000;

/** Fields a resumed run may change besides the shared ones (`SHARED_RUN_CONTROL`): they steer the run, not the model. */
export const RUN_CONTROL_FIELDS: readonly (keyof CharLmConfig)[] = ['sampleLength'];

/** The Tiny Shakespeare text shipped with the package (data/tinyshakespeare.txt). */
export const BUNDLED_TEXT_PATH = fileURLToPath(new URL('../../../data/tinyshakespeare.txt', import.meta.url));

/** Fills defaults and validates; every error names the field, what it must be and what came. */
export function normalizeCharLmConfig(partial: Partial<CharLmConfig> = {}): CharLmConfig {
  const where = 'char-lm config';
  const c = { ...CHAR_LM_DEFAULTS, ...stripUndefined(partial) } as CharLmConfig;
  checkLmFields(c, where);
  return checkTrainConfig(c, where, DEFAULT_MAX_TIME_MS);
}

/** The checks both levels share: cell, input, sizes, dropout, validation share, tied weights. */
function checkLmFields(c: CharLmConfig, where: string): void {
  const f = fieldChecks(c, where);
  f.choice('cell', CHAR_LM_CELLS);
  if (c.input !== 'embedding' && c.input !== 'one-hot') throw new Error(`${where}: input must be 'embedding' or 'one-hot', got ${JSON.stringify(c.input)}`);
  f.int('hiddenSize', 1); f.int('numLayers', 1); f.int('embeddingDim', 1); f.int('seqLen', 1); f.int('sampleLength', 0);
  f.num('dropout', 0, 1, false, true);
  f.num('validationFraction', 0, 1, true, true);
  f.int('minCount', 1);
  if (typeof c.tieWeights !== 'boolean') throw new Error(`${where}: tieWeights must be true or false, got ${JSON.stringify(c.tieWeights)}`);
  if (c.tieWeights && c.input !== 'embedding') throw new Error(`${where}: tieWeights shares the embedding with the output layer, and input is ${c.input}`);
  if (c.tieWeights && c.embeddingDim !== c.hiddenSize) throw new Error(`${where}: tieWeights needs embeddingDim equal to hiddenSize (the output layer reads the last layer's ${c.hiddenSize} units), got ${c.embeddingDim}`);
}

/**
 * The `RecurrentModel` config of a word-level LM: the character model's, with `dropout` on every
 * non-recurrent connection (the embedded words, between layers, before the output layer), as
 * Zaremba et al. and PyTorch's word_language_model regularise word models.
 */
export function wordModelConfigOf(c: WordLmConfig, vocabSize: number): RecurrentModelConfig {
  const m = modelConfigOf(c, vocabSize);
  return c.dropout > 0 ? { ...m, inputDropout: c.dropout, headDropout: c.dropout } : m;
}

/** Fills a word-level model's defaults and validates; every error names the field. */
export function normalizeWordLmConfig(partial: Partial<WordLmConfig> = {}): WordLmConfig {
  const where = 'word-lm config';
  const c = { ...WORD_LM_DEFAULTS, ...stripUndefined(partial) } as WordLmConfig;
  checkLmFields(c, where);
  const f = fieldChecks(c, where);
  f.int('maxVocab', 0);
  if (c.maxVocab > 0 && c.maxVocab < 5) throw new Error(`${where}: maxVocab must leave room for [PAD] [UNK] [NUM] [URL] and one word (at least 5), got ${c.maxVocab}`);
  if (typeof c.lowercase !== 'boolean') throw new Error(`${where}: lowercase must be true or false, got ${JSON.stringify(c.lowercase)}`);
  return checkTrainConfig(c, where, DEFAULT_MAX_TIME_MS);
}

/** The `RecurrentModel` config of a char LM over a vocabulary of `vocabSize`. */
export function modelConfigOf(c: CharLmConfig, vocabSize: number): RecurrentModelConfig {
  return {
    kind: 'recurrent',
    input: c.input === 'embedding' ? { kind: 'embedding', vocabSize, embeddingDim: c.embeddingDim } : { kind: 'one-hot', vocabSize },
    cell: c.cell,
    hiddenSize: c.hiddenSize,
    numLayers: c.numLayers,
    bidirectional: false,
    dropout: c.dropout,
    bias: true,
    outputSize: vocabSize,
    output: 'sequence',
    ...(c.tieWeights ? { tieWeights: true } : {}),
  };
}
