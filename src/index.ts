/**
 * recur: recurrent neural networks for TypeScript. This is the package's one public door: it
 * names every export, grouped by layer, and takes each from that layer's own door (tensor,
 * random, kernels, autograd, nn, optim, io, data, plot, train, tasks). Nothing is defined here.
 */

// Tensors: dense row-major data plus a shape; views along the first axis share memory.
export { Tensor, IntTensor, type DenseTensor, type Shape, shapeSize, shapeEquals, formatShape, expectShape } from './tensor/index.js';

// Randomness: every random choice takes an Rng (seeded, forkable, serialisable).
export { Rng, type RngState, RestorableRng } from './random/index.js';

// Kernels: the closed Backend contract and its implementations (plain TypeScript, wasm SIMD, native C++).
export {
  createBackend, ReferenceBackend, WasmBackend, NativeBackend,
  type Backend, type BackendName, type ReferenceBackendOptions, type WasmBackendOptions, type WasmFlavour,
  type NativeBackendOptions, type NativeAvailability, type NativeInfo, type NativeIsa,
  type Arena, type Activation, type F32, type I32,
  type SgdKernelOptions, type AdagradKernelOptions, type RmspropKernelOptions, type AdamKernelOptions,
} from './kernels/index.js';

// Autograd: the explicit tape, parameters and their flat packing, the gradient checker.
export {
  Tape, type TapeOptions, assertFinite, Parameter, packParameters, packOf, type ParameterPack,
  gradcheck, type GradcheckOptions, type GradcheckReport, type GradcheckInputReport,
} from './autograd/index.js';

// Ops: each runs on tape.backend, allocates from the tape and records a hand-written backward.
export {
  linear, matmul, type MatmulOptions, add, mul, scale, activation, tanh, sigmoid, relu, softmax, sum, mean,
  reshape, transpose01, select, stack, concatLast, embedding, dropout,
  maskedMeanPool, maskedMaxPool, attentionPool, dotAttention, type AttentionPoolResult, stepDot, addToSteps,
  lstmCell, type LstmState, gruCell,
  recurrentLayer, type RecurrentWeights, type RecurrentLayerOptions, type RecurrentLayerResult,
} from './autograd/index.js';

// Losses (autograd ops too).
export {
  crossEntropy, type CrossEntropyOptions, mseLoss, type MseLossOptions, bceWithLogits, type BceWithLogitsOptions, type Reduction,
  pinballLoss, gaussianNll, LOG_STD_RANGE, crfNll, crfViterbi, type CrfReduction, type CrfNllOptions, type CrfViterbiResult,
} from './autograd/index.js';

// Layers: the Module base, initialisers, feed-forward layers, recurrent layers and the model.
export {
  Module, type Layer, type StateDict, type LoadStateDictOptions, type LoadStateDictResult,
  init, type Nonlinearity, type KaimingOptions, calculateGain, fanInOut,
  Linear, type LinearOptions, Embedding, type EmbeddingOptions, type FromPretrainedOptions,
  Dropout, type DropoutOptions, Tanh, Relu, Sigmoid, Sequential, TimeDistributed, sequenceMask,
  RecurrentBase, Rnn, Lstm, Gru, createRecurrent, recurrentParameterShapes, detachState, resetStateRow, serializeState, deserializeState,
  type RecurrentOptions, type RecurrentState, type RecurrentForwardOptions, type RecurrentOutput,
  inputGradientNorms,
  CELL_KINDS, type CellKind, type CellKindInfo, type OnnxCell, cellKind, cellKindAliases, cellKindsHelp, isCellKind,
  RecurrentModel, normalizeModelConfig, MAX_NUM_LAYERS, MAX_SIZE, MAX_PARAMETERS, MAX_PARAMETER_TENSORS, POOLINGS, AttentionPooling,
  type RecurrentModelConfig, type RecurrentModelConfigInput, type InputConfig, type ModelOutput, type Pooling,
  registerModelKind, modelKinds, modelKindOf, MAX_MODEL_TENSORS, type ModelKind, type ModelConfig, type SavedModule, type TensorShapeInfo,
} from './nn/index.js';

// Optimisation: optimizers over packed parameters, clipping, learning-rate schedules.
export {
  Optimizer, type OptimizerOptions, type OptimizerStateDict, Sgd, type SgdOptions, Adagrad, type AdagradOptions,
  Rmsprop, type RmspropOptions, Adam, AdamW, type AdamOptions, clipGradNorm, clipGradValue, scaleGrads, type ClipGradNormOptions,
  Schedule, StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup, type LinearWarmupOptions, type ScheduleStateDict,
  WarmupCosineLR, type WarmupCosineOptions, type WarmupCosineStateDict,
} from './optim/index.js';

// Files: safetensors, recur's model file, ONNX export, atomic writes.
export {
  encodeSafetensors, decodeSafetensors, readSafetensorsHeader, type SafetensorsFile, type SafetensorsHeader, type SafetensorsTensorInfo,
  type SafetensorsDtype, type SafetensorsOptions,
  encodeModelFile, decodeModelFile, saveModel, loadModel, modelMetadata, modelExtrasOf, MODEL_FORMAT_VERSION, MAX_MODEL_HEADER_BYTES,
  type ModelExtras, type LoadedModel, type DecodeModelOptions, crc32, TENSOR_CHECKSUMS_KEY, METADATA_CHECKSUMS_KEY,
  exportOnnx, ONNX_OPSETS, type OnnxExportOptions, writeFileAtomic,
} from './io/index.js';

// Data: tokenizers, padding, splits, word vectors, validated text loading, time-series CSV files, classification inputs, stream batching for truncated BPTT, labelled sequences.
export {
  CharTokenizer, describeChar, loadTextFile, readTextChunks, decodeText, firstInvalidUtf8,
  Tokenizer, splitText, PAD_ID, UNK_ID, PAD_TOKEN, UNK_TOKEN, NUM_TOKEN, URL_TOKEN,
  type TokenizerOptions, type NormalizedTokenizerOptions, type TokenizerJson, type TokenizerLevel,
  padSequences, truncateSequences, type PadSequencesOptions, type PaddedSequences, type TruncateSequencesOptions, type SequenceSide,
  stratifiedSplit, shuffledSplit, type ValidationSize, type SplitOptions, type IndexSplit, type StratifiedSplit,
  parseWordVectors, loadWordVectors, embeddingMatrix, type WordVectors, type WordVectorsOptions, type EmbeddingMatrixOptions, type EmbeddingMatrix,
  parseTimeSeriesCsv, loadTimeSeriesCsv, MAX_INSERTED_ROWS, type TimeSeriesCsvOptions, type TimeSeries, type TimeSeriesData, type FillMethod,
  futureTimes, formatFrequency, parseTime,
  type TimeUnit, type Frequency, type TimeFormat, type ParsedTime,
  CsvReader, detectSeparator, type CsvRecord, type CsvSeparator,
  parseIdx, idxImages, idxImageSequences, loadIdx, loadIdxImageSequences, type IdxArray, type IdxType, type IdxImageSequences,
  parseLabelledTable, parseClassFiles, parseSequenceJsonl, loadLabelledTable, loadClassFiles, loadSequenceJsonl,
  type LabelledTexts, type LabelledTableOptions, type ClassFile, type LabelledSequences,
  StreamBatcher, splitContiguous, type StreamBatcherOptions, type StreamPosition, type StreamWindow,
  SequenceBatcher, makeSequenceBatch, checkSequenceDataset, PAD_LABEL,
  type SequenceDataset, type SequenceBatch, type SequenceBatcherOptions, type SequencePosition, type LabelKind,
  BucketBatcher, type BucketPosition,
  readTagged, writeTagged, parseTagColumn, detectTaggedFormat,
  type TaggedFormat, type TagColumn, type TaggedSentence, type TaggedDocument, type ReadTaggedOptions,
} from './data/index.js';

// Charts: Vega-Lite specs from plain arrays, and standalone SVG documents rendered from them in Node;
// panels, the plain-JSON pictures of the dashboard's task views.
export {
  renderSvg, type ChartSpec, type RenderSvgOptions, forecastChart, forecastSpec, type ForecastChartInput, type TimeStamps,
  heatmapChart, heatmapSpec, type HeatmapChartInput, lineChart, lineSpec, type LineChartInput, type LineSeries,
  checkPanels, MAX_PANEL_CELLS, type Panel, type MatrixPanel, type SeriesPanel, type TokensPanel, type TablePanel, type TextPanel,
} from './plot/index.js';

// Training: the loop with no task in it, fit, typed events, checkpoints, labelled-sequence objectives, metrics.
export {
  type TrainEvent, type StartEvent, type StartDetails, type StepEvent, type EvalEvent, type SampleEvent, type CheckpointEvent, type EndEvent,
  type CheckpointReason, type EndReason, type MetricSpec, type Monitor, type DivergenceEvent, type DivergenceCause,
  DivergenceError, type DivergenceOptions, type DivergenceAction, type LossWatch,
  type BatchSource, type SourcedBatch, type Objective, type ObjectiveInput, type ObjectiveOutput, type Evaluation,
  trainLoop, type TrainLoopOptions, type TrainLoopResult, type LoopProgress,
  fit, type FitOptions, type FitResult, type FitCallbacks, type History,
  sequenceObjective, evaluateSequences, type SequenceObjectiveOptions, type EvaluateSequencesOptions, type SequenceEvaluation,
  confusionMatrix, classificationReport, multiLabelReport, balancedClassWeights, METRIC_SPECS,
  type MetricName, type ClassificationReport, type MultiLabelReport, type ClassScores,
  encodeCheckpoint, decodeCheckpoint, writeCheckpointFiles, readCheckpointFile,
  MODEL_FILE_NAME, CHECKPOINT_FILE_NAME, CHECKPOINT_VERSION, type CheckpointContents, type DecodedCheckpoint, type CarriedState,
} from './train/index.js';

// Tasks: the task record, runTask (run directory, resume, best model, events.jsonl), shared training settings.
export {
  type Task, type AnyTask, type Prepared, type Resumed, type SourceRecord, type TaskDescription,
  runTask, type RunTaskOptions, type RunTaskResult, type TrainConfig, type Cadence, SHARED_RUN_CONTROL, checkTrainConfig, fieldChecks, cadenceSteps,
  EVENTS_FILE_NAME, BEST_MODEL_FILE_NAME,
} from './tasks/index.js';

// The language model tasks (what `recur lm` runs): characters, or words with autocomplete.
export {
  CHAR_LM_DEFAULTS, CHAR_LM_CELLS, type CharLmCell, DEFAULT_MAX_TIME_MS, RUN_CONTROL_FIELDS, BUNDLED_TEXT_PATH, normalizeCharLmConfig, modelConfigOf, type CharLmConfig,
  WORD_LM_DEFAULTS, normalizeWordLmConfig, type WordLmConfig, wordLmTask, type WordLmData,
  trainCharLm, type TrainCharLmOptions, type TrainCharLmResult, charLmTask, windowSource, type CharLmInput, type CharLmData, type CharLmStartDetails,
  evaluateStream, stateRow, type EvaluateStreamOptions, type StreamLoss,
  samplingDistribution, drawIndex, sampleToken, checkSampling, type SamplingOptions,
  generateChars, generateText, generateSymbols, type GenerateOptions, evaluateCharLm, charLmOf, lmOf, evaluateLm, type CharLmLoss, type LmLoss, type LoadedLm,
  CharVocabulary, WordVocabulary, defaultUnknownPolicy, encodeText, neverSampled, unknownNote, lmVocabularyOf, WORD_LM_METADATA_KEY, type LmVocabulary, type LmUnknownPolicy, type EncodedText,
  complete, type CompleteOptions, type CompleteResult, type Completion,
  KneserNeyTrigram, modifiedKneserNeyDiscounts, FALLBACK_DISCOUNT, type KneserNeyOptions, type KneserNeyDiscounts,
  explainText, sparkline, type ExplainStep, type ExplainOptions, type HiddenSummary,
} from './tasks/index.js';

// Forecasting: the task (recur forecast), forecasting with saved models, evaluation beside the baselines.
export {
  FORECAST_DEFAULTS, FORECAST_MAX_TIME_MS, MEMBER_KINDS, normalizeForecastConfig,
  type ForecastConfig, type ForecastModelKind, type MemberKind, type ForecastStrategy, type ForecastHead, type ForecastTransform, type ForecastScale,
  prepareForecast, readForecastCsv, layoutOf, autoLookback, autoValidationSize, membersOf, type ForecastInput, type ForecastData, type MemberData,
  forecastTask, FORECAST_METADATA_KEY, type ForecastStartDetails, type ForecastMetadata, type ForecastBatch,
  ForecastEnsemble, memberModels, MAX_ENSEMBLE_MEMBERS, type ForecastEnsembleConfig,
  forecastItems, type ForecastSpec, type ForecastItem, type QuantileForecast,
  loadForecastModel, forecastModelOf, readModelData, seriesForModel, forecastAt, type ForecastModel, type OriginForecast,
  evaluateForecastModel, type ForecastEvaluation, type MethodScore,
} from './tasks/index.js';

// Forecasting, its classical side: benchmarks, Holt-Winters, metrics, transforms, seasonality, backtest splits.
export {
  type Forecast, type ForecastInterval, DEFAULT_LEVELS, normalQuantile, normalIntervals, pathIntervals,
  naive, seasonalNaive, drift, type Baseline, type FittedBaseline,
  mae, rmse, mape, smape, mase, seasonalNaiveScale, intervalCoverage, meanIntervalWidth, meanPinballLoss,
  forecastMetrics, MetricUndefinedError, type ForecastMetrics, type ForecastMetricsOptions,
  boxCox, invBoxCox, guerreroLambda, type GuerreroOptions,
  fitTransform, fitPooled, fitPerSeries, transformFromState, TransformPipeline, type TransformSpec, type TransformState, type FittedTransform,
  HoltWintersSmoother, holtWintersFilter, holtWintersForecast, heuristicStates,
  type TrendKind, type SeasonKind, type HoltWintersSpec, type HoltWintersParams, type HoltWintersStates, type HoltWintersPass,
  fitHoltWinters, selectHoltWinters, assembleFit,
  type HoltWintersFit, type HoltWintersFitOptions, type HoltWintersInitialization, type HoltWintersCandidate, type SelectHoltWintersOptions,
  forecastHoltWinters, simulateHoltWinters, holtWintersForecastSd, type HoltWintersModel, type HoltWintersForecastOptions,
  detectSeasonality, autocorrelation, SEASONAL_CANDIDATES,
  type SeasonalFrequency, type SeasonalityResult, type SeasonalityCandidate, type DetectSeasonalityOptions,
  rollingOrigins, type BacktestSplit, type RollingOriginOptions,
} from './tasks/index.js';

// Classification: the task (config, data preparation, record), classifiers loaded from model files, evaluation, and the bag-of-words logistic-regression baseline.
export {
  CLASSIFY_DEFAULTS, CLASSIFY_FORMATS, CLASSIFY_MAX_TIME_MS, DEFAULT_EMBEDDING_DIM, normalizeClassifyConfig, classifierArchitecture, type ClassifyConfig, type ClassifyFormat,
  readExamples, prepareClassify, classList, detectFormat, type ClassifyInput, type ClassifyData, type ClassifyMetadata, type RawExamples,
  classifyTask, classifierConfig, CLASSIFY_METADATA_KEY, type ClassifyStartDetails,
  loadClassifier, classifierOf, encodeTexts, checkSequences, classProbabilities, topK, predictedClasses, readPredictInputs,
  type Classifier, type Ranked, type LengthOptions, type PredictInputs,
  evaluateClassifier, evaluateClassifierOn, renderClassifyEvaluation, readSettings, probabilitiesOf, type ClassifyEvaluation, type ClassScoreRow,

  bagOfWords, logisticRegressionObjective, trainLogisticRegression, LogisticRegressionModel, bowBaselineAccuracy,
  type CsrMatrix, type BagOfWordsOptions, type BagOfWords, type LogisticRegressionOptions,
  type LabelledTokens, type BowBaselineInput, type BowBaselineResult,
} from './tasks/index.js';

// Sequence to sequence: the encoder-decoder model kind, decoding (greedy, sampling, beam search), the task, translation, sacreBLEU-exact BLEU and chrF, and the date-normalisation generator.
export {
  EncoderDecoder, normalizeEncoderDecoderConfig, encoderDecoderParameterShapes, encoderDecoderKind, ATTENTION_KINDS, MAX_SEQ2SEQ_LAYERS,
  type EncoderDecoderConfig, type EncoderDecoderConfigInput, type AttentionKind, type Encoded, type DecoderStep,
  decode, type DecodeOptions, type DecodeMethod, type Hypothesis,
  SEQ2SEQ_DEFAULTS, SEQ2SEQ_MAX_TIME_MS, normalizeSeq2seqConfig, teacherForcingAt, type Seq2seqConfig, type Seq2seqTokenizerLevel,
  PairBatcher, makePairBatch, type PairSet, type PairBatch,
  parsePairs, splitBySource, prepareSeq2seq, tokenizersOf, GO_TOKEN, EOS_TOKEN, type RawPairs, type Seq2seqData, type Seq2seqMetadata,
  seq2seqTask, encoderDecoderConfig, pairLoss, greedyScore, normalizeReference, exactMatches, SEQ2SEQ_METADATA_KEY, SEQ2SEQ_METRICS, type Seq2seqInput,
  loadTranslator, translatorOf, encodeSources, translate, evaluateTranslatorOn, renderSeq2seqEvaluation,
  type Translator, type UnknownPolicy, type EncodeOptions, type EncodedSources, type Translation, type Seq2seqEvaluation,
  tokenize13a, corpusBleu, corpusChrf, type BleuOptions, type BleuScore, type ChrfOptions, type ChrfScore,
  generateDatePairs, writeDatePairsTsv, formatDate, DATE_FORMATS, type DatePair, type CalendarDate, type DatePairOptions,
} from './tasks/index.js';

// Tagging every token: the tagger model kind (word + character features, BiLSTM, softmax or CRF), the task, tagging files, and the metrics.
export {
  Tagger, normalizeTaggerConfig, taggerParameterShapes, taggerKind, MAX_TAGGER_LAYERS, type TaggerConfig, type TaggerConfigInput, type TagBatch,
  TAG_DEFAULTS, TAG_MAX_TIME_MS, normalizeTagConfig, type TagConfig,
  TagBatcher, makeTagBatch, type SentenceSet,
  TagVocabulary, prepareTag, readTaggedFile, TAG_METADATA_KEY, MAX_FORM_CHARS, type TagData, type TagInput, type TagMetadata,
  tagTask, taggerConfig, tagSets, scoreTags, TAG_METRICS,
  loadTagger, taggerOf, tagSentences, tagDocument, splitWords, evaluateTagger, renderTagEvaluation,
  type LoadedTagger, type TaggedOutput, type TagEvaluation,
  taggingMetrics, chunkMetrics, extractChunks, isChunkScheme,
  type TaggingMetrics, type ChunkMetrics, type TagScore, type ChunkTypeScore, type Chunk,
} from './tasks/index.js';
