/**
 * Public door of classification: so far its bag-of-words baseline (sparse count / tf-idf rows
 * and a multinomial logistic regression), which the quality run prints beside recur's models.
 */
export {
  bagOfWords, logisticRegressionObjective, trainLogisticRegression, LogisticRegressionModel, bowBaselineAccuracy,
  type CsrMatrix, type BagOfWordsOptions, type BagOfWords, type LogisticRegressionOptions,
  type LabelledTokens, type BowBaselineInput, type BowBaselineResult,
} from './bow-baseline.js';
