/**
 * Public door of train: the truncated-BPTT training loop and its typed events, exact stream
 * evaluation, checkpoints (model file + training state, written atomically), the warm-up +
 * cosine schedule and the restorable Rng that bit-exact resumes need. No task knowledge.
 */
export type {
  TrainEvent, StartEvent, StepEvent, EvalEvent, SampleEvent, CheckpointEvent, EndEvent, CheckpointReason, EndReason,
} from './events.js';
export { trainLoop, type TrainLoopOptions, type TrainLoopResult, type LoopProgress, type WindowSource } from './train-loop.js';
export { evaluateStream, stateRow, type EvaluateStreamOptions, type StreamLoss } from './evaluate-stream.js';
export {
  encodeCheckpoint, decodeCheckpoint, writeCheckpointFiles, readCheckpointFile,
  MODEL_FILE_NAME, CHECKPOINT_FILE_NAME, CHECKPOINT_VERSION, type CheckpointContents, type DecodedCheckpoint,
} from './checkpoint.js';
export { WarmupCosineLR, type WarmupCosineOptions, type WarmupCosineStateDict } from './warmup-cosine.js';
export { RestorableRng } from './restorable-rng.js';
