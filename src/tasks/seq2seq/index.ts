/**
 * Public door of the seq2seq task: the encoder-decoder model kind (attention, input feeding,
 * bridge), decoding (greedy, sampling, beam search), the task record, translation and
 * evaluation (sacreBLEU-exact BLEU and chrF), and the date-normalisation data generator.
 */
export {
  EncoderDecoder, normalizeEncoderDecoderConfig, encoderDecoderParameterShapes, encoderDecoderKind, ATTENTION_KINDS, MAX_SEQ2SEQ_LAYERS,
  type EncoderDecoderConfig, type EncoderDecoderConfigInput, type AttentionKind, type Encoded, type DecoderStep,
} from './model.js';
export { decode, type DecodeOptions, type DecodeMethod, type Hypothesis } from './decode.js';
export { SEQ2SEQ_DEFAULTS, SEQ2SEQ_MAX_TIME_MS, normalizeSeq2seqConfig, teacherForcingAt, type Seq2seqConfig, type Seq2seqTokenizerLevel } from './config.js';
export { PairBatcher, makePairBatch, type PairSet, type PairBatch } from './batches.js';
export { parsePairs, splitBySource, prepareSeq2seq, tokenizersOf, GO_TOKEN, EOS_TOKEN, type RawPairs, type Seq2seqData, type Seq2seqMetadata } from './prepare.js';
export { seq2seqTask, encoderDecoderConfig, pairLoss, greedyScore, normalizeReference, exactMatches, SEQ2SEQ_METADATA_KEY, SEQ2SEQ_METRICS, type Seq2seqInput } from './task.js';
export {
  loadTranslator, translatorOf, encodeSources, translate, evaluateTranslatorOn, renderSeq2seqEvaluation,
  type Translator, type UnknownPolicy, type EncodeOptions, type EncodedSources, type Translation, type Seq2seqEvaluation,
} from './translate.js';
export { tokenize13a, corpusBleu, corpusChrf, type BleuOptions, type BleuScore, type ChrfOptions, type ChrfScore } from './bleu.js';
export { generateDatePairs, writeDatePairsTsv, formatDate, DATE_FORMATS, type DatePair, type CalendarDate, type DatePairOptions } from './dates.js';
