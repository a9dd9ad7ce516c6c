/**
 * Public door of the tag task: the tagger model kind (word and character features, bidirectional
 * encoder, softmax or CRF), the task record, tagging files and sentences, and the metrics (token
 * accuracy, unseen-word accuracy, per-tag F1, conlleval entity F1).
 */
export { Tagger, normalizeTaggerConfig, taggerParameterShapes, taggerKind, MAX_TAGGER_LAYERS, type TaggerConfig, type TaggerConfigInput, type TagBatch } from './model.js';
export { TAG_DEFAULTS, TAG_MAX_TIME_MS, normalizeTagConfig, type TagConfig } from './config.js';
export { TagBatcher, makeTagBatch, type SentenceSet } from './batches.js';
export { TagVocabulary, prepareTag, readTaggedFile, TAG_METADATA_KEY, MAX_FORM_CHARS, type TagData, type TagInput, type TagMetadata } from './prepare.js';
export { tagTask, taggerConfig, tagSets, scoreTags, TAG_METRICS } from './task.js';
export {
  loadTagger, taggerOf, tagSentences, tagDocument, splitWords, evaluateTagger, renderTagEvaluation,
  type LoadedTagger, type TaggedOutput, type TagEvaluation,
} from './predict.js';
export {
  taggingMetrics, chunkMetrics, extractChunks, isChunkScheme,
  type TaggingMetrics, type ChunkMetrics, type TagScore, type ChunkTypeScore, type Chunk,
} from './metrics.js';
