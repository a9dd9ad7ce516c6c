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
  /** Characters of the sample printed at each validation. */
  sampleLength: number;
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
  const f = fieldChecks(c, where);
  f.choice('cell', CHAR_LM_CELLS);
  if (c.input !== 'embedding' && c.input !== 'one-hot') throw new Error(`${where}: input must be 'embedding' or 'one-hot', got ${JSON.stringify(c.input)}`);
  f.int('hiddenSize', 1); f.int('numLayers', 1); f.int('embeddingDim', 1); f.int('seqLen', 1); f.int('sampleLength', 0);
  f.num('dropout', 0, 1, false, true);
  f.num('validationFraction', 0, 1, true, true);
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
  };
}
