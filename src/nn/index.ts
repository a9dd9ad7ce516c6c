/**
 * Public door of the nn layer: the `Module` base, initialisers, and the stateless-across-time
 * layers (Linear, Embedding, Dropout, activations, Sequential, TimeDistributed, AttentionPooling). The losses
 * are the autograd ops, and the cell table the kernels' (cell-kinds.ts), re-exported here.
 */
export { Module, type Layer, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export * as init from './init.js';
export { type Nonlinearity, type KaimingOptions, calculateGain, fanInOut } from './init.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding, type EmbeddingOptions, type FromPretrainedOptions } from './embedding.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Tanh, Relu, Sigmoid } from './activation.js';
export { Sequential } from './sequential.js';
export { TimeDistributed } from './time-distributed.js';
export { crossEntropy, mseLoss, bceWithLogits } from '../autograd/ops/index.js';
export {
  RecurrentBase, Rnn, Lstm, Gru, createRecurrent, recurrentParameterShapes, detachState, resetStateRow, serializeState, deserializeState,
  type RecurrentOptions, type RecurrentState, type RecurrentForwardOptions, type RecurrentOutput,
} from './recurrent.js';
export { CELL_KINDS, type CellKind, type CellKindInfo, type OnnxCell, cellKind, cellKindAliases, cellKindsHelp, isCellKind } from '../kernels/cell-kinds.js';
export { inputGradientNorms } from './gradient-flow.js';
export {
  RecurrentModel, normalizeModelConfig, MAX_NUM_LAYERS, MAX_SIZE, MAX_PARAMETERS, MAX_PARAMETER_TENSORS, POOLINGS,
  type RecurrentModelConfig, type RecurrentModelConfigInput, type InputConfig, type ModelOutput, type Pooling,
} from './recurrent-model.js';
export { AttentionPooling } from './attention-pooling.js';
export { sequenceMask } from './sequence-mask.js';
export {
  registerModelKind, modelKinds, modelKindOf, MAX_MODEL_TENSORS, type ModelKind, type ModelConfig, type SavedModule, type TensorShapeInfo,
} from './model-kinds.js';
