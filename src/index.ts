/**
 * recur: recurrent neural networks for TypeScript. This is the package's one public door; it
 * re-exports each layer's own door (tensor, random, kernels, autograd, nn, optim, io, data, train, tasks).
 */
export * from './tensor/index.js';
export * from './random/index.js';
export * from './kernels/index.js';
export * from './autograd/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './io/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './tasks/index.js';
