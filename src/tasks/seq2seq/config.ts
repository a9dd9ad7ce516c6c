/**
 * The settings of a sequence-to-sequence run: how the pairs are read (columns, length filters),
 * tokenized (word or character level per side, shared or separate vocabularies), split
 * (validation by source sentence), modelled (cell, sizes, direction, source reversal,
 * attention, input feeding, dropout), trained (teacher forcing ratio or schedule, label
 * smoothing) and validated (greedy decoding scored by BLEU), plus the shared training settings.
 */
import { CELL_KINDS, type CellKind } from '../../kernels/cell-kinds.js';
import { type TrainConfig, checkTrainConfig, fieldChecks, stripUndefined } from '../train-config.js';
import { ATTENTION_KINDS, type AttentionKind } from './model.js';

export type Seq2seqTokenizerLevel = 'word' | 'char';

export interface Seq2seqConfig extends TrainConfig {
  /** 1-based TSV columns of the source and the target (other columns are ignored). */
  sourceColumn: number;
  targetColumn: number;
  /** Tokenization of each side. */
  sourceTokenizer: Seq2seqTokenizerLevel;
  targetTokenizer: Seq2seqTokenizerLevel;
  /** Lower-case both sides before tokenizing (the output is then lower case too). */
  lowercase: boolean;
  /** One vocabulary for both sides (both must use the same tokenizer). */
  sharedVocabulary: boolean;
  /** Tokens seen fewer times in the training part become [UNK]. */
  minCount: number;
  /** Largest vocabulary per side, reserved tokens included (0: no limit). */
  maxVocab: number;
  /** Pairs whose source or target has more tokens are left out of training, and counted (0: no limit). */
  maxSourceLength: number;
  maxTargetLength: number;
  /** Fraction of distinct source sentences held out for validation (every pair of a held-out source goes with it). */
  validation: number;

  cell: CellKind;
  embeddingDim: number;
  /** The decoder's hidden size; the encoder's is this, or half of it per direction when bidirectional. */
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** Feed the encoder each source back to front (Sutskever et al.). */
  reverseSource: boolean;
  attention: AttentionKind;
  /** Feed the previous attentional vector to the decoder (Luong et al.); needs attention. */
  inputFeeding: boolean;
  dropout: number;
  /** Probability that the decoder reads the true previous token rather than its own guess (at the start of training). */
  teacherForcing: number;
  /** The ratio at the end of training (linear schedule over the run's steps; absent: constant). */
  teacherForcingEnd?: number;
  labelSmoothing: number;
}

export const SEQ2SEQ_DEFAULTS: Readonly<Seq2seqConfig> = Object.freeze({
  sourceColumn: 1, targetColumn: 2, sourceTokenizer: 'word', targetTokenizer: 'word', lowercase: false, sharedVocabulary: false,
  minCount: 1, maxVocab: 30000, maxSourceLength: 0, maxTargetLength: 0, validation: 0.1,
  cell: 'gru', embeddingDim: 128, hiddenSize: 256, numLayers: 1, bidirectional: true, reverseSource: false, attention: 'general',
  inputFeeding: true, dropout: 0.1, teacherForcing: 1, labelSmoothing: 0.1,
  lr: 2e-3, minLrRatio: 0.05, warmupSteps: 100, clipNorm: 1, batchSize: 32, accumulate: 1, seed: 1,
  evalEvery: 'epoch', checkpointEvery: 'epoch', patience: 5,
} satisfies Seq2seqConfig);

/** Stop after this long when no other limit is given. */
export const SEQ2SEQ_MAX_TIME_MS = 10 * 60 * 1000;

export const SEQ2SEQ_RUN_CONTROL: readonly (keyof Seq2seqConfig)[] = [];

export function normalizeSeq2seqConfig(partial: Partial<Seq2seqConfig> = {}): Seq2seqConfig {
  const where = 'seq2seq config';
  const c = { ...SEQ2SEQ_DEFAULTS, ...stripUndefined(partial) } as Seq2seqConfig;
  const f = fieldChecks(c, where);
  f.int('sourceColumn', 1); f.int('targetColumn', 1);
  if (c.sourceColumn === c.targetColumn) throw new Error(`${where}: sourceColumn and targetColumn are both ${c.sourceColumn}`);
  f.choice('sourceTokenizer', ['word', 'char']); f.choice('targetTokenizer', ['word', 'char']);
  f.choice('cell', CELL_KINDS);
  f.choice('attention', ATTENTION_KINDS);
  for (const name of ['lowercase', 'sharedVocabulary', 'bidirectional', 'reverseSource', 'inputFeeding'] as const) {
    if (typeof c[name] !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${JSON.stringify(c[name])}`);
  }
  f.int('minCount', 1); f.int('maxVocab', 0); f.int('maxSourceLength', 0); f.int('maxTargetLength', 0);
  f.int('embeddingDim', 1); f.int('hiddenSize', 1); f.int('numLayers', 1);
  f.num('validation', 0, 0.5, true, false);
  f.num('dropout', 0, 1, false, true);
  f.num('teacherForcing', 0, 1, false, false);
  if (c.teacherForcingEnd !== undefined) f.num('teacherForcingEnd', 0, 1, false, false);
  f.num('labelSmoothing', 0, 1, false, true);
  if (c.maxVocab > 0 && c.maxVocab < 5) throw new Error(`${where}: maxVocab must leave room for the reserved tokens and one more (at least 5), got ${c.maxVocab}`);
  if (c.sharedVocabulary && c.sourceTokenizer !== c.targetTokenizer) throw new Error(`${where}: sharedVocabulary needs the same tokenizer on both sides, got ${c.sourceTokenizer} and ${c.targetTokenizer}`);
  if (c.bidirectional && c.hiddenSize % 2 !== 0) throw new Error(`${where}: a bidirectional encoder gives each direction half of hiddenSize, so it must be even, got ${c.hiddenSize}`);
  if (c.inputFeeding && c.attention === 'none') c.inputFeeding = false;
  if (c.teacherForcingEnd !== undefined && c.maxSteps === undefined && c.maxEpochs === undefined) {
    throw new Error(`${where}: teacherForcingEnd: a teacher forcing schedule runs over the steps of the run; give --max-steps or --max-epochs`);
  }
  return checkTrainConfig(c, where, SEQ2SEQ_MAX_TIME_MS);
}

/** The teacher forcing ratio at `step` of `totalSteps` (linear from teacherForcing to teacherForcingEnd). */
export function teacherForcingAt(c: Pick<Seq2seqConfig, 'teacherForcing' | 'teacherForcingEnd'>, step: number, totalSteps: number): number {
  if (c.teacherForcingEnd === undefined || totalSteps <= 1) return c.teacherForcing;
  const f = Math.min(1, Math.max(0, step / totalSteps));
  return c.teacherForcing + (c.teacherForcingEnd - c.teacherForcing) * f;
}
