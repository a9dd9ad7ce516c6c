/**
 * The character language model's configuration: typed defaults (the model `recur lm train`
 * trains with no flags) and validation with one clear error per bad field. Knows no flags:
 * the CLI maps `--hidden-size` to `hiddenSize`.
 */
import { fileURLToPath } from 'node:url';
import type { RecurrentModelConfig } from '../../nn/recurrent-model.js';
import { CELL_KINDS, type CellKind } from '../../nn/index.js';

/** The cell kinds of a char LM: all but the sigmoid Elman RNN, which `recur lm` has never offered. */
export type CharLmCell = Exclude<CellKind, 'rnn-sigmoid'>;
export const CHAR_LM_CELLS: readonly CharLmCell[] = CELL_KINDS.filter((k): k is CharLmCell => k !== 'rnn-sigmoid');

export interface CharLmConfig {
  /** Recurrent cell: one of CHAR_LM_CELLS (every cell kind but 'rnn-sigmoid'). */
  cell: CharLmCell;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between recurrent layers during training, in [0, 1). */
  dropout: number;
  /** 'embedding' (a learned table of `embeddingDim`) or 'one-hot' (char-rnn's input). */
  input: 'embedding' | 'one-hot';
  embeddingDim: number;
  /** Window length T: steps of backpropagation through time. */
  seqLen: number;
  /** Parallel streams B. */
  batchSize: number;
  /** Peak learning rate of Adam. */
  lr: number;
  /** Final learning rate as a fraction of `lr` (cosine decay ends there). */
  minLrRatio: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** Global gradient-norm clipping threshold. */
  clipNorm: number;
  /** Fraction of the text (its end) held out for validation. */
  validationFraction: number;
  seed: number;
  /** Stop after this many steps in total (the cosine decay ends here). */
  maxSteps?: number;
  /** Stop after this much wall time in total (the decay horizon is then estimated from the measured speed). */
  maxTimeMs?: number;
  /** Validate (and print a sample) every this many steps. */
  evalEvery: number;
  /** Write a checkpoint every this many steps (and at the end). */
  checkpointEvery: number;
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
  validationFraction: 0.1,
  seed: 1,
  evalEvery: 250,
  checkpointEvery: 250,
  sampleLength: 200,
});

/** The time budget when neither maxSteps nor maxTimeMs is given. */
export const DEFAULT_MAX_TIME_MS = 30 * 60 * 1000;

/** Fields a resumed run may change: they steer the run, not the model or the optimisation. */
export const RUN_CONTROL_FIELDS: readonly (keyof CharLmConfig)[] = ['maxSteps', 'maxTimeMs', 'evalEvery', 'checkpointEvery', 'sampleLength'];

/** The Tiny Shakespeare text shipped with the package (data/tinyshakespeare.txt). */
export const BUNDLED_TEXT_PATH = fileURLToPath(new URL('../../../data/tinyshakespeare.txt', import.meta.url));

/** Fills defaults and validates; every error names the field, what it must be and what came. */
export function normalizeCharLmConfig(partial: Partial<CharLmConfig> = {}): CharLmConfig {
  const where = 'char-lm config';
  const c = { ...CHAR_LM_DEFAULTS, ...stripUndefined(partial) } as CharLmConfig;
  const int = (name: keyof CharLmConfig, min: number) => {
    const v = c[name];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new Error(`${where}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  const num = (name: keyof CharLmConfig, lo: number, hi: number, loOpen: boolean, hiOpen: boolean) => {
    const v = c[name];
    const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) throw new Error(`${where}: ${name} must be a number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen ? ')' : ']'}, got ${String(v)}`);
  };
  if (!(CHAR_LM_CELLS as readonly string[]).includes(c.cell)) throw new Error(`${where}: cell must be one of ${CHAR_LM_CELLS.join(', ')}, got ${JSON.stringify(c.cell)}`);
  if (c.input !== 'embedding' && c.input !== 'one-hot') throw new Error(`${where}: input must be 'embedding' or 'one-hot', got ${JSON.stringify(c.input)}`);
  int('hiddenSize', 1); int('numLayers', 1); int('embeddingDim', 1); int('seqLen', 1); int('batchSize', 1);
  int('warmupSteps', 0); int('seed', 0); int('evalEvery', 0); int('checkpointEvery', 0); int('sampleLength', 0);
  num('dropout', 0, 1, false, true);
  num('lr', 0, Infinity, true, true);
  num('minLrRatio', 0, 1, false, false);
  num('clipNorm', 0, Infinity, true, true);
  num('validationFraction', 0, 1, true, true);
  if (c.maxSteps !== undefined) int('maxSteps', 1);
  if (c.maxTimeMs !== undefined) num('maxTimeMs', 0, Infinity, true, true);
  if (c.maxSteps === undefined && c.maxTimeMs === undefined) c.maxTimeMs = DEFAULT_MAX_TIME_MS;
  return c;
}

/** The `RecurrentModel` config of a char LM over a vocabulary of `vocabSize`. */
export function modelConfigOf(c: CharLmConfig, vocabSize: number): RecurrentModelConfig {
  return {
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
