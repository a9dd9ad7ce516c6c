/**
 * The functions exported by the AssemblyScript kernel module (`src/kernels/assembly/index.ts`).
 * Pointers are byte offsets into the shared linear memory; flags are 0/1; activation and cell
 * codes are those of kernel-abi.ts.
 */
type Ptr = number;

export interface KernelExports {
  heapBase(): Ptr;
  gemmWorkspaceBytes(transA: number, transB: number, m: number, n: number, k: number): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: Ptr, lda: number, b: Ptr, ldb: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  gemmPackedFloats(k: number, n: number): number;
  /** Packs columns [j0, j1) of op(B) [k, n] in the layout of the whole matrix (j0 a multiple of 8). */
  gemmPackB(transB: number, k: number, n: number, b: Ptr, ldb: number, packed: Ptr, j0: number, j1: number): void;
  gemmPackedWorkspaceBytes(transA: number, m: number, k: number): number;
  /** Columns [j0, j0 + n) of op(A) P, P packed from op(B) [k, nTotal]; c points at column j0. */
  gemmPacked(transA: number, m: number, n: number, k: number, alpha: number, a: Ptr, lda: number,
    packed: Ptr, nTotal: number, j0: number, beta: number, c: Ptr, ldc: number, work: Ptr): void;
  fill(n: number, value: number, x: Ptr): void;
  axpy(n: number, alpha: number, x: Ptr, y: Ptr): void;
  scale(n: number, alpha: number, x: Ptr): void;
  mul(n: number, a: Ptr, b: Ptr, out: Ptr): void;
  add(n: number, a: Ptr, b: Ptr, out: Ptr): void;
  clamp(n: number, lo: number, hi: number, x: Ptr): void;
  addRowVector(rows: number, cols: number, bias: Ptr, x: Ptr): void;
  /** Row r of x at x + r * ld floats (threads take column ranges). */
  sumRows(rows: number, cols: number, x: Ptr, ld: number, out: Ptr): void;
  sum(n: number, x: Ptr): number;
  sumSquares(n: number, x: Ptr): number;
  activationForward(kind: number, n: number, x: Ptr, y: Ptr): void;
  activationBackward(kind: number, n: number, y: Ptr, dy: Ptr, dx: Ptr, accumulate: number): void;
  lstmCellForward(batch: number, hidden: number, gates: Ptr, cPrev: Ptr, c: Ptr, h: Ptr): void;
  lstmCellBackward(batch: number, hidden: number, gates: Ptr, cPrev: Ptr, c: Ptr, dh: Ptr, dc: Ptr, dGates: Ptr, dcPrev: Ptr): void;
  gruCellForward(batch: number, hidden: number, xProj: Ptr, hProj: Ptr, hPrev: Ptr, saved: Ptr, h: Ptr): void;
  gruCellBackward(batch: number, hidden: number, saved: Ptr, hPrev: Ptr, dh: Ptr, dxProj: Ptr, dhProj: Ptr, dhPrev: Ptr): void;
  recurrentPackedFloats(gates: number, hidden: number): number;
  recurrentScratchBytes(gates: number, batch: number, hidden: number, blocks: number): number;
  /** Packs unit blocks [u0, u1) (8 units each) of W_hh with each block's gate columns together. */
  recurrentPack(gates: number, hidden: number, w: Ptr, packed: Ptr, u0: number, u1: number): void;
  recurrentBackwardScratchBytes(gates: number, batch: number, hidden: number): number;
  /** Gates of the cell with kernel code `code` as the kernels see it, -1 for a code they do not know. */
  cellGates(code: number): number;
  /** The activation code an Elman cell's code applies, -1 for the gated cells and unknown codes. */
  cellActivation(code: number): number;
  /** Writes at word `field` of `out` the FNV-1a hash of each descriptor field's name; returns JOB_WORDS. */
  sequenceLayout(out: Ptr): number;
  /** Part `part` of the whole-sequence job described at `desc` (named words: kernel-abi.ts). */
  recurrentSequence(desc: Ptr, part: number): void;
  recurrentSequenceBackward(desc: Ptr, part: number): void;
  /** Returns -1, or the first row whose target is outside [0, classes) and not ignored. */
  softmaxCrossEntropyForward(rows: number, classes: number, logits: Ptr, targets: Ptr, ignoreIndex: number, probs: Ptr, losses: Ptr): number;
  softmaxCrossEntropyBackward(rows: number, classes: number, probs: Ptr, targets: Ptr, ignoreIndex: number, rowScale: Ptr, dLogits: Ptr): void;
  softmax(rows: number, cols: number, x: Ptr, y: Ptr): void;
  bceWithLogitsForward(n: number, logits: Ptr, targets: Ptr, posWeight: number, losses: Ptr): void;
  bceWithLogitsBackward(n: number, logits: Ptr, targets: Ptr, posWeight: number, scale: Ptr, dLogits: Ptr): void;
  /** Returns -1, or the first row whose id is outside [0, vocab). */
  embeddingForward(rows: number, dim: number, vocab: number, ids: Ptr, table: Ptr, out: Ptr): number;
  embeddingBackward(rows: number, dim: number, vocab: number, ids: Ptr, dOut: Ptr, dTable: Ptr, paddingIdx: number): void;
  sgdStep(n: number, params: Ptr, grads: Ptr, buf: Ptr, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: number, firstStep: number): void;
  adagradStep(n: number, params: Ptr, grads: Ptr, sumSquares: Ptr, lr: number, eps: number, weightDecay: number): void;
  rmspropStep(n: number, params: Ptr, grads: Ptr, squareAvg: Ptr, gradAvg: Ptr, buf: Ptr, lr: number, alpha: number,
    eps: number, weightDecay: number, momentum: number, centered: number): void;
  adamStep(n: number, params: Ptr, grads: Ptr, m: Ptr, v: Ptr, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, decoupled: number, biasCorrection1: number, biasCorrection2: number): void;
}
