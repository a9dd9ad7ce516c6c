/**
 * Public door of the language model tasks (characters, and words): config defaults, training
 * (with checkpoints and resume), sampling, evaluation, step-by-step explanation, autocomplete,
 * vocabularies with an unknown-symbol policy, and the Kneser-Ney trigram baseline.
 */
export {
  CHAR_LM_DEFAULTS, CHAR_LM_CELLS, DEFAULT_MAX_TIME_MS, RUN_CONTROL_FIELDS, BUNDLED_TEXT_PATH, normalizeCharLmConfig, modelConfigOf,
  WORD_LM_DEFAULTS, normalizeWordLmConfig, type CharLmConfig, type CharLmCell, type WordLmConfig,
} from './config.js';
export { wordLmTask, type WordLmData } from './word-task.js';
export {
  CharVocabulary, WordVocabulary, defaultUnknownPolicy, encodeText, neverSampled, unknownNote, lmVocabularyOf, WORD_LM_METADATA_KEY,
  type LmVocabulary, type UnknownPolicy as LmUnknownPolicy, type EncodedText,
} from './vocab.js';
export { complete, type CompleteOptions, type CompleteResult, type Completion } from './complete.js';
export { trainCharLm, type TrainCharLmOptions, type TrainCharLmResult } from './train.js';
export { charLmTask, windowSource, type CharLmInput, type CharLmData, type CharLmStartDetails } from './task.js';
export { evaluateStream, stateRow, type EvaluateStreamOptions, type StreamLoss } from './evaluate-stream.js';
export { samplingDistribution, drawIndex, sampleToken, checkSampling, type SamplingOptions } from './sample.js';
export { generateChars, generateText, generateSymbols, type GenerateOptions } from './generate.js';
export { evaluateCharLm, charLmOf, lmOf, evaluateLm, type CharLmLoss, type LmLoss, type LoadedLm } from './evaluate.js';
export { explainText, sparkline, type ExplainStep, type ExplainOptions, type HiddenSummary } from './explain.js';
export { KneserNeyTrigram, modifiedKneserNeyDiscounts, FALLBACK_DISCOUNT, type KneserNeyOptions, type KneserNeyDiscounts } from './kneser-ney.js';
