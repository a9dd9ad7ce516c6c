/**
 * recur: recurrent neural networks for TypeScript. This is the package's one public door; it
 * re-exports each layer's own door (tensor, random, kernels, autograd, nn, optim).
 */
export * from './tensor/index.js';
export * from './random/index.js';
export * from './kernels/index.js';
export * from './autograd/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './io/index.js';
