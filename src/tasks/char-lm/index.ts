/**
 * Public door of the character language model task: config defaults, training (with
 * checkpoints and resume), sampling, evaluation and step-by-step explanation.
 */
export {
  CHAR_LM_DEFAULTS, CHAR_LM_CELLS, DEFAULT_MAX_TIME_MS, RUN_CONTROL_FIELDS, BUNDLED_TEXT_PATH, normalizeCharLmConfig, modelConfigOf,
  type CharLmConfig, type CharLmCell,
} from './config.js';
export { trainCharLm, type TrainCharLmOptions, type TrainCharLmResult } from './train.js';
export { charLmTask, type CharLmInput, type CharLmData, type CharLmStartDetails } from './task.js';
export { evaluateStream, stateRow, type EvaluateStreamOptions, type StreamLoss } from './evaluate-stream.js';
export { samplingDistribution, drawIndex, sampleToken, checkSampling, type SamplingOptions } from './sample.js';
export { generateChars, generateText, type GenerateOptions } from './generate.js';
export { evaluateCharLm, charLmOf, type CharLmLoss } from './evaluate.js';
export { explainText, sparkline, type ExplainStep, type ExplainOptions, type HiddenSummary } from './explain.js';
