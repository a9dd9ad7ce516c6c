/**
 * Public door of the optim layer: optimizers (one kernel call per contiguous run of packed
 * parameters), gradient clipping and learning-rate schedules, all with PyTorch semantics.
 */
export { Optimizer, type OptimizerOptions, type OptimizerStateDict } from './optimizer.js';
export { Sgd, type SgdOptions } from './sgd.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Rmsprop, type RmspropOptions } from './rmsprop.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { clipGradNorm, clipGradValue, scaleGrads, type ClipGradNormOptions } from './clip.js';
export {
  Schedule, StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup,
  type LinearWarmupOptions, type ScheduleStateDict,
} from './schedules.js';
export { WarmupCosineLR, type WarmupCosineOptions, type WarmupCosineStateDict } from './warmup-cosine.js';
