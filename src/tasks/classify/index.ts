/**
 * Public door of the classify task: sequence classification of text (word or character level),
 * names, vector sequences and images read row by row; its config, data preparation, task
 * record, prediction and evaluation; and the bag-of-words logistic-regression baseline the quality run prints beside it.
 */
export {
  CLASSIFY_DEFAULTS, CLASSIFY_FORMATS, CLASSIFY_MAX_TIME_MS, DEFAULT_EMBEDDING_DIM, normalizeClassifyConfig, classifierArchitecture,
  type ClassifyConfig, type ClassifyFormat,
} from './config.js';
export {
  readExamples, prepareClassify, classList, detectFormat,
  type ClassifyInput, type ClassifyData, type ClassifyMetadata, type RawExamples,
} from './prepare.js';
export { classifyTask, classifierConfig, CLASSIFY_METADATA_KEY, type ClassifyStartDetails } from './task.js';
export {
  loadClassifier, classifierOf, encodeTexts, checkSequences, classProbabilities, topK, predictedClasses, readPredictInputs,
  type Classifier, type Ranked, type LengthOptions, type PredictInputs,
} from './predict.js';
export {
  evaluateClassifier, evaluateClassifierOn, renderClassifyEvaluation, readSettings, probabilitiesOf,
  type ClassifyEvaluation, type ClassScoreRow,
} from './evaluate.js';
export {
  bagOfWords, logisticRegressionObjective, trainLogisticRegression, LogisticRegressionModel, bowBaselineAccuracy,
  type CsrMatrix, type BagOfWordsOptions, type BagOfWords, type LogisticRegressionOptions,
  type LabelledTokens, type BowBaselineInput, type BowBaselineResult,
} from './bow-baseline.js';
