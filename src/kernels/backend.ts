/**
 * The closed kernel contract. Every numeric loop in recur runs through one of these methods;
 * `reference` (plain TypeScript, the oracle), `wasm` (WebAssembly SIMD) and, optionally in Node,
 * `native` (a C++ addon built at install time) implement it.
 * Kernels know nothing of autograd, tensors or shapes beyond the sizes they are given.
 *
 * Conventions (llm.c style):
 * - Matrices are row-major; `ld*` is the row stride in elements (>= the row length).
 * - Buffers are Float32Array / Int32Array views; a view's offset is its start. Output buffers
 *   may alias inputs only where a kernel says so.
 * - Forward/backward pairs take arguments in the same order; the forward saves exactly what
 *   the backward reads. Shape comments use B batch, H hidden, V classes, N rows, D features.
 * - Backward kernels that produce parameter-like gradients accumulate (`+=`); the others
 *   overwrite, as each kernel's comment says.
 */

import type { CellKind } from './cell-kinds.js';

export type F32 = Float32Array;
export type I32 = Int32Array;

/** Elementwise nonlinearities (activationForward/Backward; the Elman cells apply one of them). */
export type Activation = 'tanh' | 'relu' | 'sigmoid';

/** What a training recurrentSequence saves for recurrentSequenceBackward, all time-major [T, B, *]. */
export interface RecurrentSaved {
  /** LSTM: [T, B, 4H] activated i, f, g, o; GRU: [T, B, 4H] r, z, n and W_hn h + b_hn; Elman: [T, B, H] f's outputs. */
  gates: F32;
  /** [T, B, H] the hidden state before each step. */
  hPrev: F32;
  /** LSTM: [T, B, H] the cell state before each step, and after it (= before, past a sequence's length). */
  cPrev?: F32;
  c?: F32;
}

/**
 * The input side of a recurrentSequence that projects x itself instead of being given xProj:
 * x [T, B, size] and W_ih [G*H, size] (PyTorch layout). The projection is x W_ih^T as
 * gemm(false, true, T*B, G*H, size, 1, x, size, weightIh, size, 0, ...) computes it, bit for bit;
 * a backend may compute it step by step, with no [T, B, G*H] buffer.
 */
export interface RecurrentInput {
  x: F32;
  size: number;
  weightIh: F32;
}

/** Memory for activations: bump-allocated, released all at once by `reset()`. */
export interface Arena {
  /** `n` zeroed floats, valid until the next `reset()`. */
  floats(n: number): F32;
  /**
   * `n` floats whose contents are undefined (leftovers of earlier steps), valid until the next
   * `reset()`: for outputs that a kernel overwrites entirely, so they are not zeroed for nothing.
   */
  scratch(n: number): F32;
  /** `n` zeroed ints, valid until the next `reset()`. */
  ints(n: number): I32;
  /** Releases every allocation made since the last reset (memory is kept for reuse). */
  reset(): void;
  /** Bytes currently held from the backend (for memory tests and profiling). */
  readonly reservedBytes: number;
}

export interface SgdOptions { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }
export interface AdagradOptions { lr: number; eps: number; weightDecay: number }
export interface RmspropOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }
/**
 * Adam/AdamW. `biasCorrection1 = 1 - beta1^t`, `biasCorrection2 = 1 - beta2^t` are computed by
 * the caller. `decoupled` selects AdamW (decay `p -= lr * weightDecay * p`) instead of L2 added
 * to the gradient.
 */
export interface AdamOptions {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean;
  biasCorrection1: number; biasCorrection2: number;
}

export interface Backend {
  readonly name: 'reference' | 'wasm' | 'native';
  /** A short description for benchmarks, e.g. `wasm (relaxed-simd)`. */
  readonly description: string;

  // ---- memory ----------------------------------------------------------------------------
  /** `n` zeroed floats that live as long as the returned array is referenced. */
  allocFloats(n: number): F32;
  /** `n` zeroed ints that live as long as the returned array is referenced. */
  allocInts(n: number): I32;
  createArena(): Arena;

  // ---- matrix products -------------------------------------------------------------------
  /**
   * C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
   * op(A) is [m, k], op(B) is [k, n], C is [m, n]. A is stored [m, k] (lda >= k) or, when
   * transA, [k, m] (lda >= m); likewise B. beta = 0 overwrites C (NaN/Inf in C are ignored).
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, a: F32, lda: number, b: F32, ldb: number, beta: number, c: F32, ldc: number): void;
  /**
   * Floats a packed op(B) [k, n] occupies (gemmPackB's output). The layout is the backend's
   * own: the buffer is only for gemmPacked on the same backend.
   */
  gemmPackedSize(k: number, n: number): number;
  /**
   * Packs op(B) [k, n] (B stored [k, n] with ldb >= n, or [n, k] with ldb >= k when transB)
   * into `packed` (gemmPackedSize(k, n) floats, overwritten), once for many gemmPacked calls:
   * a recurrent layer multiplies by the same weights at every time step.
   */
  gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, packed: F32): void;
  /**
   * C = alpha * op(A) * P + beta * C, with P = op(B) [k, n] packed by gemmPackB (A and C as in
   * gemm). On the wasm backend the result is bit-identical to gemm's for m >= 4 rows; for
   * fewer rows a matrix-vector kernel may round differently (within gemm's tolerance).
   */
  gemmPacked(transA: boolean, m: number, n: number, k: number, alpha: number, a: F32, lda: number,
    packed: F32, beta: number, c: F32, ldc: number): void;

  // ---- elementwise and reductions --------------------------------------------------------
  /** x[0..n) = value */
  fill(n: number, value: number, x: F32): void;
  /** y += alpha * x  (y may not alias x) */
  axpy(n: number, alpha: number, x: F32, y: F32): void;
  /** x *= alpha, in place */
  scale(n: number, alpha: number, x: F32): void;
  /** out = a * b elementwise (out may alias a or b) */
  mul(n: number, a: F32, b: F32, out: F32): void;
  /** out = a + b elementwise (out may alias a or b) */
  add(n: number, a: F32, b: F32, out: F32): void;
  /** x = min(max(x, lo), hi), in place */
  clamp(n: number, lo: number, hi: number, x: F32): void;
  /** x[r, :] += bias for r in [0, rows); x is [rows, cols] contiguous, bias is [cols] */
  addRowVector(rows: number, cols: number, bias: F32, x: F32): void;
  /** out[c] += sum over r of x[r, c]; x is [rows, cols] contiguous (bias gradients) */
  sumRows(rows: number, cols: number, x: F32, out: F32): void;
  /** sum of x[0..n), accumulated in float64 order-insensitively enough for 1e-5 relative */
  sum(n: number, x: F32): number;
  /** sum of squares of x[0..n) */
  sumSquares(n: number, x: F32): number;
  /** y = f(x) elementwise; y may alias x */
  activationForward(kind: Activation, n: number, x: F32, y: F32): void;
  /** dx (+)= f'(x) * dy computed from the forward output y; `accumulate` selects += over = */
  activationBackward(kind: Activation, n: number, y: F32, dy: F32, dx: F32, accumulate: boolean): void;

  // ---- fused recurrent cells ---------------------------------------------------------------
  /**
   * LSTM cell after the matrix products (PyTorch gate order i, f, g, o):
   *   gates: [B, 4H] pre-activations (x W_ih^T + b_ih + h W_hh^T + b_hh); overwritten in place
   *          with the activations sigma(i), sigma(f), tanh(g), sigma(o) — saved for backward.
   *   cPrev: [B, H]; c, h: [B, H] outputs.  c = f * cPrev + i * g;  h = o * tanh(c)
   */
  lstmCellForward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32, h: F32): void;
  /**
   * Backward of lstmCellForward.
   *   gates: [B, 4H] saved activations; cPrev, c: [B, H] as in forward.
   *   dh: [B, H] gradient into h_t; dc: [B, H] gradient into c_t from step t+1 (read only).
   *   dGates: [B, 4H] output, gradient of the pre-activations (overwritten).
   *   dcPrev: [B, H] output, gradient into c_{t-1} (overwritten; may alias dc).
   */
  lstmCellBackward(batch: number, hidden: number, gates: F32, cPrev: F32, c: F32,
    dh: F32, dc: F32, dGates: F32, dcPrev: F32): void;
  /**
   * GRU cell after the matrix products, PyTorch's variant (reset gate applied to W_hn h + b_hn):
   *   xProj: [B, 3H] = x W_ih^T + b_ih (gate order r, z, n); hProj: [B, 3H] = h W_hh^T + b_hh.
   *   r = sigma(xr + hr); z = sigma(xz + hz); n = tanh(xn + r * hn); h = (1 - z) * n + z * hPrev
   *   saved: [B, 4H] output holding r, z, n, hn for backward; h: [B, H] output.
   */
  gruCellForward(batch: number, hidden: number, xProj: F32, hProj: F32, hPrev: F32, saved: F32, h: F32): void;
  /**
   * Backward of gruCellForward.
   *   saved: [B, 4H] from forward; hPrev: [B, H]; dh: [B, H] gradient into h_t.
   *   dxProj: [B, 3H] output (overwritten), gradient of xProj.
   *   dhProj: [B, 3H] output (overwritten), gradient of hProj.
   *   dhPrev: [B, H] output (overwritten), the direct part z * dh (the W_hh part is a GEMM).
   */
  gruCellBackward(batch: number, hidden: number, saved: F32, hPrev: F32, dh: F32,
    dxProj: F32, dhProj: F32, dhPrev: F32): void;

  // ---- whole recurrent sequences ----------------------------------------------------------
  /** Floats W_hh of `gates` gates of `hidden` units occupies packed by recurrentPack. */
  recurrentPackedSize(gates: number, hidden: number): number;
  /**
   * Packs W_hh [gates * hidden, hidden] (PyTorch layout, gates stacked) into `packed`
   * (recurrentPackedSize floats, overwritten) in the backend's own layout, for recurrentSequence.
   */
  recurrentPack(gates: number, hidden: number, weightHh: F32, packed: F32): void;
  /**
   * One direction of a recurrent layer over all T steps in one call. Each step computes exactly
   * what a step-by-step loop of the other kernels computes (the input projection plus
   * gemmPacked with beta = 1, then lstmCellForward, gruCellForward or activationForward).
   *   kind: a cell kind (cell-kinds.ts: G gates, LSTM i, f, g, o; GRU r, z, n; Elman 1).
   *   xProj: [T, B, G*H] = x W_ih^T + b_ih, plus b_hh except for GRU (read only unless xBias);
   *     or a RecurrentInput, from which the backend computes x W_ih^T itself (then every input
   *     bias goes in xBias).
   *   packed: W_hh from recurrentPack. hBias: [G*H] b_hh for a kind that applies it in the cell
   *     (GRU; null: none), null otherwise.
   *   lengths: [B] in 1..T, sequence b active at time t iff t < lengths[b]; null: all T.
   *   reverse: run t = T-1 .. 0.
   *   h: [B, H] the initial hidden state, overwritten with the final one (each sequence's own
   *      last step); c: [B, H] the same for the LSTM cell state (null for the others).
   *   out: [T, B, H] the hidden state at every step, zero where the sequence is inactive.
   *   save: for training, what recurrentSequenceBackward reads (overwritten); null for inference.
   *   xBias: [G*H] added to every row of xProj before it is used (as addRowVector would; the
   *     input biases, so that they need no pass of their own over a large xProj); null: none.
   *     With xBias, xProj's contents after the call are unspecified (a backend may add in place).
   */
  recurrentSequence(kind: CellKind, steps: number, batch: number, hidden: number, xProj: F32 | RecurrentInput, packed: F32,
    hBias: F32 | null, lengths: I32 | null, reverse: boolean, h: F32, c: F32 | null, out: F32, save?: RecurrentSaved | null,
    xBias?: F32 | null): void;
  /**
   * Backpropagation through the T steps of a recurrentSequence that saved `saved` (same kind,
   * sizes, lengths and direction), exactly as a step-by-step loop of the backward kernels:
   *   packedT: W_hh packed by gemmPackB(false, G*H, H, W_hh, H) (the dh_{t-1} products).
   *   dOut: [T, B, H] gradient of `out` (null: none). Rows past a sequence's length ignore it.
   *   dh: [B, H] in: gradient of the final h; out: gradient of the initial h.
   *   dc: [B, H] the same for the LSTM cell state (null for the others).
   *   dxProj: [T, B, G*H] overwritten: gradient of xProj (zero past each sequence's length).
   *   dhProj: GRU: [T, B, 3H] overwritten, gradient of h W_hh^T + b_hh (it differs from dxProj
   *     in the n gate); null for the others, whose recurrent product's gradient is dxProj.
   * Weight gradients are then products over all steps: dW_hh = dhProj^T hPrev, dW_ih = dxProj^T x.
   */
  recurrentSequenceBackward(kind: CellKind, steps: number, batch: number, hidden: number, packedT: F32,
    lengths: I32 | null, reverse: boolean, saved: RecurrentSaved, dOut: F32 | null, dh: F32, dc: F32 | null,
    dxProj: F32, dhProj: F32 | null): void;

  // ---- losses ----------------------------------------------------------------------------
  /**
   * Row-wise softmax + cross-entropy, numerically stable (log-sum-exp).
   *   logits: [N, V]; targets: [N] class ids; rows whose target equals ignoreIndex get loss 0.
   *   probs: [N, V] output softmax (saved for backward); losses: [N] output, -log p[target].
   * Throws if a non-ignored target is outside [0, V); every target is checked before anything
   * is written, so a throw leaves the outputs untouched. Ignored rows get exact zeros.
   */
  softmaxCrossEntropyForward(rows: number, classes: number, logits: F32, targets: I32, ignoreIndex: number,
    probs: F32, losses: F32): void;
  /**
   * dLogits[r, :] = rowScale[r] * (probs[r, :] - onehot(targets[r])); rows with ignoreIndex get 0.
   * rowScale folds in dLoss, masks and 1/count. dLogits is overwritten (may alias probs).
   */
  softmaxCrossEntropyBackward(rows: number, classes: number, probs: F32, targets: I32, ignoreIndex: number,
    rowScale: F32, dLogits: F32): void;
  /** Row-wise softmax of x [rows, cols] into y (y may alias x). */
  softmax(rows: number, cols: number, x: F32, y: F32): void;
  /**
   * Binary cross-entropy with logits, elementwise and numerically stable (PyTorch's
   * BCEWithLogitsLoss before reduction). With lw = 1 + (posWeight - 1) * y:
   *   losses[i] = (1 - y) * x + lw * (log1p(exp(-|x|)) + max(-x, 0))
   * which for posWeight = 1 is max(x, 0) - x * y + log1p(exp(-|x|)).
   *   logits, targets, losses: [n]; targets may be soft labels in [0, 1].
   */
  bceWithLogitsForward(n: number, logits: F32, targets: F32, posWeight: number, losses: F32): void;
  /**
   * dLogits[i] = scale[i] * ((1 - y) - lw * sigma(-x)), the derivative of bceWithLogitsForward
   * (sigma(x) - y when posWeight = 1). scale: [n] folds in dLoss, masks and 1/count.
   * dLogits: [n] overwritten (may alias scale).
   */
  bceWithLogitsBackward(n: number, logits: F32, targets: F32, posWeight: number, scale: F32, dLogits: F32): void;

  // ---- embeddings ------------------------------------------------------------------------
  /** out[r, :] = table[ids[r], :]; ids: [N], table: [V, D], out: [N, D]. Throws on ids outside [0, V). */
  embeddingForward(rows: number, dim: number, vocab: number, ids: I32, table: F32, out: F32): void;
  /**
   * dTable[ids[r], :] += dOut[r, :], skipping rows whose id equals paddingIdx (-1: none) and,
   * defensively, ids outside [0, V) (the forward has already rejected those).
   */
  embeddingBackward(rows: number, dim: number, vocab: number, ids: I32, dOut: F32, dTable: F32, paddingIdx: number): void;

  // ---- optimizer updates: one pass over a flat parameter buffer ----------------------------
  /** PyTorch SGD. `momentumBuf` is read only when momentum > 0; `firstStep` initialises it to the gradient. */
  sgdStep(n: number, params: F32, grads: F32, momentumBuf: F32, o: SgdOptions, firstStep: boolean): void;
  /** PyTorch Adagrad (`lr` already includes any lr decay). */
  adagradStep(n: number, params: F32, grads: F32, sumSquares: F32, o: AdagradOptions): void;
  /** PyTorch RMSprop; `gradAvg` is used when centered, `momentumBuf` when momentum > 0. */
  rmspropStep(n: number, params: F32, grads: F32, squareAvg: F32, gradAvg: F32, momentumBuf: F32, o: RmspropOptions): void;
  /** PyTorch Adam / AdamW. */
  adamStep(n: number, params: F32, grads: F32, m: F32, v: F32, o: AdamOptions): void;
}
