/**
 * Numbers that the TypeScript side and the AssemblyScript kernels must agree on: the codes the
 * kernels dispatch on. Both compilers build this file (tsc for wasm/, asc for assembly/), so it
 * holds only plain `export const NAME = <integer>;` lines; kernel-abi.test.ts checks the
 * compiled module against it. Not here: the cell table (../cell-kinds.ts reads these codes).
 */

// Elementwise activations (activationForward / activationBackward, and the Elman cells).
export const ACT_TANH = 0;
export const ACT_RELU = 1;
export const ACT_SIGMOID = 2;

// Cells of the whole-sequence kernels: an Elman cell's code is its activation's code.
export const CELL_RNN_TANH = 0;
export const CELL_RNN_RELU = 1;
export const CELL_RNN_SIGMOID = 2;
export const CELL_LSTM = 3;
export const CELL_GRU = 4;
