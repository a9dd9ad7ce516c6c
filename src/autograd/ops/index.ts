/**
 * Every autograd op: each runs eagerly on `tape.backend`, allocates its outputs from the tape
 * and records a hand-written backward. Not the tape itself (`../tape.ts`).
 */
export { linear } from './linear.js';
export { matmul, type MatmulOptions } from './matmul.js';
export { add, mul, scale } from './elementwise.js';
export { activation, tanh, sigmoid, relu } from './activation.js';
export type { Activation } from '../../kernels/backend.js';
export { sum, mean } from './sum-mean.js';
export { softmax } from './softmax.js';
export { reshape } from './reshape.js';
export { transpose01 } from './transpose.js';
export { embedding } from './embedding.js';
export { dropout } from './dropout.js';
export type { Reduction } from './loss-options.js';
export { crossEntropy, type CrossEntropyOptions } from './cross-entropy.js';
export { mseLoss, type MseLossOptions } from './mse-loss.js';
export { pinballLoss } from './pinball-loss.js';
export { gaussianNll, LOG_STD_RANGE } from './gaussian-nll.js';
export { bceWithLogits, type BceWithLogitsOptions } from './bce-with-logits.js';
export { lstmCell, type LstmState } from './lstm-cell.js';
export { gruCell } from './gru-cell.js';
export { recurrentLayer, type RecurrentWeights, type RecurrentLayerOptions, type RecurrentLayerResult } from './recurrent-layer.js';
export { select, stack, concatLast } from './sequence-ops.js';
export { maskedMeanPool, maskedMaxPool, attentionPool, dotAttention, type AttentionPoolResult } from './sequence-pooling.js';
export { stepDot, addToSteps } from './step-broadcast.js';
export { crfNll, crfViterbi, type CrfReduction, type CrfNllOptions, type CrfViterbiResult } from './crf.js';
