/**
 * Numbers that the TypeScript side and the AssemblyScript kernels must agree on: the codes the
 * kernels dispatch on and the named word layout of the whole-sequence job descriptor. Both
 * compilers build this file (tsc for wasm/, asc for assembly/), so it holds only plain
 * `export const NAME = <integer>;` lines; kernel-abi.test.ts checks the compiled module against
 * it. Not here: the cell table (../cell-kinds.ts reads these codes).
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

// The descriptor of a whole-sequence job (recurrentSequence / recurrentSequenceBackward): i32
// words at these word offsets, written by wasm-backend.ts and read by assembly/recurrent.ts
// (0 = not given), then from byte JOB_SYNC_BYTES one sync slot of JOB_SLOT_BYTES per part.
export const SEQ_CELL = 0; // kernel code of the cell
export const SEQ_STEPS = 1;
export const SEQ_BATCH = 2;
export const SEQ_HIDDEN = 3;
export const SEQ_REVERSE = 4; // 1: t runs T-1 .. 0
export const SEQ_PARTS = 5; // chunks of hidden units, one per thread
export const SEQ_LENGTHS = 6; // [B] int32
export const SEQ_PACKED = 7; // W_hh: forward, as recurrentPack packs it; backward, as gemmPackB does
export const SEQ_SCRATCH = 8; // SEQ_SCRATCH_BYTES per part
export const SEQ_SCRATCH_BYTES = 9;
export const SEQ_FAILED = 10; // set by a part that waited too long on the others
export const SEQ_TAKEN_OVER = 11; // chunks run by a thread other than their owner
// Forward.
export const SEQ_XPROJ = 12;
export const SEQ_HBIAS = 13;
export const SEQ_H = 14; // the state, in place
export const SEQ_H_SPARE = 15; // the state's other buffer (steps alternate between the two)
export const SEQ_C = 16;
export const SEQ_OUT = 17;
// What a training forward saves and the backward reads.
export const SEQ_SAVE_GATES = 18;
export const SEQ_SAVE_HPREV = 19;
export const SEQ_SAVE_CPREV = 20;
export const SEQ_SAVE_C = 21;
// Backward.
export const SEQ_DOUT = 22;
export const SEQ_DH = 23;
export const SEQ_DC = 24;
export const SEQ_DXPROJ = 25;
export const SEQ_DHPROJ = 26;
export const SEQ_DHPREV = 27; // the product's output buffer
export const JOB_WORDS = 28;
export const JOB_SYNC_BYTES = 128;
export const JOB_SLOT_BYTES = 128; // the claim word, and 64 bytes on the done word
