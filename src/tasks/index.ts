/**
 * Public door of tasks: the task record every task fills, `runTask` (the run directory, resume,
 * checkpoints, best model, early stopping, events.jsonl), the shared training settings, and the
 * tasks themselves (char-lm; forecast; classify with its bag-of-words baseline; seq2seq; tag).
 */
export type { Task, AnyTask, Prepared, Resumed, SourceRecord, TaskDescription } from './task.js';
export { runTask, type RunTaskOptions, type RunTaskResult } from './run-task.js';
export { type TrainConfig, type Cadence, SHARED_RUN_CONTROL, checkTrainConfig, fieldChecks, cadenceSteps } from './train-config.js';
export { EVENTS_FILE_NAME, BEST_MODEL_FILE_NAME } from './run-directory.js';
export * from './char-lm/index.js';
export * from './forecast/index.js';
export * from './classify/index.js';
export * from './seq2seq/index.js';
export * from './tag/index.js';
