// Entry point of the AssemblyScript kernel module. Kernels only read and write memory at the
// byte offsets they are given; all allocation happens in JavaScript (src/kernels/wasm/heap.ts).
export { isRelaxed } from './simd';
export { gemm, gemmWorkspaceBytes } from './gemm';
export { gemmPackB, gemmPacked, gemmPackedFloats, gemmPackedWorkspaceBytes } from './gemm-packed';
export { fill, axpy, scale, mul, add, clamp, addRowVector, sumRows, sum, sumSquares, activationForward, activationBackward } from './elementwise';
export { lstmCellForward, lstmCellBackward, gruCellForward, gruCellBackward } from './cells';
export { cellActivation, cellGates, recurrentBackwardScratchBytes, recurrentPack, recurrentPackedFloats, recurrentScratchBytes, recurrentSequence, recurrentSequenceBackward, sequenceLayout } from './recurrent';
export { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, softmax } from './loss';
export { bceWithLogitsForward, bceWithLogitsBackward } from './bce';
export { embeddingForward, embeddingBackward } from './embedding';
export { sgdStep, adagradStep, rmspropStep, adamStep } from './optim';
export { multiplyAddPeak } from './peak';

export function heapBase(): usize {
  return __heap_base;
}
