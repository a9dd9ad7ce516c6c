/**
 * Public door of train: the training loop with no task in it (batch sources, objectives and
 * evaluations are the caller's), `fit` (training in one call, the way `model.fit` serves Keras
 * users), divergence (stop with a diagnosis, or roll back), its typed events, checkpoints (model
 * file + training state, written atomically), labelled-sequence objectives (class weights,
 * multi-label) and classification metrics. No files beyond the checkpoint codec.
 */
export type {
  TrainEvent, StartEvent, StartDetails, StepEvent, EvalEvent, SampleEvent, CheckpointEvent, EndEvent, CheckpointReason, EndReason, MetricSpec, Monitor,
  DivergenceEvent, DivergenceCause,
} from './events.js';
export { DivergenceError, type DivergenceOptions, type DivergenceAction, type LossWatch } from './divergence.js';
export type { BatchSource, SourcedBatch, Objective, ObjectiveInput, ObjectiveOutput, Evaluation } from './objective.js';
export { trainLoop, type TrainLoopOptions, type TrainLoopResult, type LoopProgress } from './train-loop.js';
export { fit, type FitOptions, type FitResult, type FitCallbacks, type History } from './fit.js';
export {
  sequenceObjective, evaluateSequences, type SequenceObjectiveOptions, type EvaluateSequencesOptions, type SequenceEvaluation,
} from './sequence-objectives.js';
export {
  confusionMatrix, classificationReport, multiLabelReport, balancedClassWeights, METRIC_SPECS,
  type MetricName, type ClassificationReport, type MultiLabelReport, type ClassScores,
} from './metrics.js';
export {
  encodeCheckpoint, decodeCheckpoint, writeCheckpointFiles, readCheckpointFile,
  MODEL_FILE_NAME, CHECKPOINT_FILE_NAME, CHECKPOINT_VERSION, type CheckpointContents, type DecodedCheckpoint, type CarriedState,
} from './checkpoint.js';
