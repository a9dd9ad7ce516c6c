/**
 * Public door of data: tokenizers, padding, train/validation splits, pre-trained word vectors,
 * text loading with validation, time-series CSV files (times, frequencies, gaps, fills),
 * classification inputs (IDX images, labelled text tables, class files, JSON Lines sequences),
 * and the batching of token streams into windows for truncated BPTT. Knows nothing of models or training.
 */
export { CharTokenizer, describeChar } from './char-tokenizer.js';
export {
  Tokenizer, splitText, PAD_ID, UNK_ID, PAD_TOKEN, UNK_TOKEN, NUM_TOKEN, URL_TOKEN,
  type TokenizerOptions, type NormalizedTokenizerOptions, type TokenizerJson, type TokenizerLevel,
} from './tokenizer.js';
export {
  padSequences, truncateSequences,
  type PadSequencesOptions, type PaddedSequences, type TruncateSequencesOptions, type SequenceSide,
} from './padding.js';
export { stratifiedSplit, shuffledSplit, type ValidationSize, type SplitOptions, type IndexSplit, type StratifiedSplit } from './split.js';
export {
  parseWordVectors, loadWordVectors, embeddingMatrix,
  type WordVectors, type WordVectorsOptions, type EmbeddingMatrixOptions, type EmbeddingMatrix,
} from './word-vectors.js';
export { loadTextFile, readTextChunks, decodeText, firstInvalidUtf8 } from './text-file.js';
export {
  StreamBatcher, splitContiguous,
  type StreamBatcherOptions, type StreamPosition, type StreamWindow,
} from './stream-batcher.js';
export {
  SequenceBatcher, makeSequenceBatch, checkSequenceDataset, PAD_LABEL,
  type SequenceDataset, type SequenceBatch, type SequenceBatcherOptions, type SequencePosition, type LabelKind,
} from './sequence-batcher.js';
export {
  parseTimeSeriesCsv, loadTimeSeriesCsv, MAX_INSERTED_ROWS,
  type TimeSeriesCsvOptions, type TimeSeries, type TimeSeriesData, type FillMethod,
} from './time-series-csv.js';
export {
  futureTimes, formatFrequency, parseTime,
  type TimeUnit, type Frequency, type TimeFormat, type ParsedTime,
} from './time-axis.js';
export { CsvReader, detectSeparator, type CsvRecord, type CsvSeparator } from './csv-reader.js';
export { parseIdx, idxImages, idxImageSequences, type IdxArray, type IdxType, type IdxImageSequences } from './idx.js';
export { loadIdx, loadIdxImageSequences } from './idx-file.js';
export { parseLabelledTable, parseClassFiles, type LabelledTexts, type LabelledTableOptions, type ClassFile } from './labelled-text.js';
export { parseSequenceJsonl, type LabelledSequences } from './sequence-jsonl.js';
export { loadLabelledTable, loadClassFiles, loadSequenceJsonl } from './labelled-text-file.js';
export { BucketBatcher, type BucketPosition } from './bucket-batcher.js';
export {
  readTagged, writeTagged, parseTagColumn, detectTaggedFormat,
  type TaggedFormat, type TagColumn, type TaggedSentence, type TaggedDocument, type ReadTaggedOptions,
} from './tagged-text.js';
