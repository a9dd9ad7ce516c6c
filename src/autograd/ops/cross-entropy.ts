/**
 * Softmax cross-entropy over class logits with PyTorch's `ignore_index` and `reduction`
 * semantics plus optional per-row weights (a mask), on the fused softmax + cross-entropy
 * kernels. Not a softmax op: the probabilities are saved for the backward only.
 */
import { expectShape } from '../../tensor/shape.js';
import type { IntTensor, Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';
import { type Reduction, checkClassIds, checkConstant, checkFloatTensor, checkReduction } from './loss-options.js';

export interface CrossEntropyOptions {
  /** Rows whose target equals this contribute nothing and count for nothing (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** [N] per-row weights, a constant: 0 drops a row; in 'mean' the weights are the denominator. */
  mask?: Tensor;
  /** 'mean' (default), 'sum', or 'none' for the [N] per-row losses. */
  reduction?: Reduction;
  /**
   * Label smoothing in [0, 1) (PyTorch's `label_smoothing`, default 0): the target is the mix
   * (1 - e) onehot(y) + e / V of the one-hot and the uniform distribution.
   */
  labelSmoothing?: number;
}

/**
 * With p = softmax(logits[r]), l_r = -log p[targets[r]], and w_r = mask[r] (1 without a mask),
 * 0 where targets[r] = ignoreIndex:
 *   'none': out[r] = w_r l_r;   'sum': out = sum_r w_r l_r;   'mean': out = sum_r w_r l_r / sum_r w_r.
 * 'mean' without a mask divides by the number of non-ignored rows (PyTorch). When every row is
 * ignored or masked, 'mean' returns 0 and the gradients are 0 (not NaN). With label smoothing e,
 * l_r = -(1 - e) log p[y] - (e / V) sum_v log p[v] = -log p[y] + e (logits[r, y] - mean_v logits[r, v]).
 *
 * Backward (fused): dlogits[r, :] += s_r (p - (1 - e) onehot(targets[r]) - e / V) with s_r = w_r dout[r] for
 * 'none', w_r dout for 'sum', w_r dout / sum_r w_r for 'mean'. No gradient flows into the mask.
 *
 * @param logits - [N, V] unnormalised scores.
 * @param targets - [N] class ids in [0, V) or ignoreIndex, an IntTensor (float targets throw);
 *   copied at call time.
 * @returns [] for 'mean' and 'sum', [N] for 'none'.
 */
export function crossEntropy(tape: Tape, logits: Tensor, targets: IntTensor, options: CrossEntropyOptions = {}): Tensor {
  const where = 'crossEntropy';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = checkReduction(where, options.reduction ?? 'mean');
  const mask = options.mask;
  const smoothing = options.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing < 1)) throw new Error(`${where}: labelSmoothing must be a number in [0, 1), got ${String(smoothing)}`);
  if (!Number.isInteger(ignoreIndex)) throw new Error(`${where}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  checkFloatTensor(where, 'logits', logits);
  checkClassIds(where, targets);
  if (mask !== undefined) checkFloatTensor(where, 'mask', mask);
  expectShape(where, 'logits', logits.shape, [null, null]);
  const rows = logits.shape[0]!;
  const classes = logits.shape[1]!;
  expectShape(where, 'targets', targets.shape, [rows]);
  if (mask) expectShape(where, 'mask', mask.shape, [rows]);
  checkConstant(tape, where, 'mask', mask);

  const be = tape.backend;
  const savedTargets = tape.ints([rows]);
  savedTargets.data.set(targets.data);
  const probs = tape.scratch([rows, classes]); // the kernel writes every row
  const losses = tape.tensor([rows]);
  be.softmaxCrossEntropyForward(rows, classes, logits.data, savedTargets.data, ignoreIndex, probs.data, losses.data);
  // Label smoothing: l_r += e (logits[r, y] - mean_v logits[r, v]); the row means as one GEMM with a ones vector.
  const ones = smoothing > 0 ? tape.tensor([classes]) : undefined;
  if (ones) {
    be.fill(classes, 1, ones.data);
    const means = tape.scratch([rows]);
    be.gemm(false, false, rows, 1, classes, 1 / classes, logits.data, classes, ones.data, 1, 0, means.data, 1);
    for (let r = 0; r < rows; r++) {
      const y = savedTargets.data[r]!;
      if (y !== ignoreIndex) losses.data[r]! += smoothing * (logits.data[r * classes + y]! - means.data[r]!);
    }
  }

  // w_r: the row's weight, 0 for ignored rows.
  const weights = tape.tensor([rows]);
  for (let r = 0; r < rows; r++) weights.data[r] = savedTargets.data[r] === ignoreIndex ? 0 : mask ? mask.data[r]! : 1;
  const weighted = tape.tensor([rows]);
  be.mul(rows, weights.data, losses.data, weighted.data);

  let out: Tensor;
  let factor = 1; // d out / d (sum_r w_r l_r) for 'sum' and 'mean'
  if (reduction === 'none') {
    out = weighted;
  } else {
    const total = be.sum(rows, weighted.data);
    if (reduction === 'mean') {
      const denominator = be.sum(rows, weights.data);
      factor = denominator === 0 ? 0 : 1 / denominator;
    }
    out = tape.tensor([]);
    out.data[0] = total * factor;
  }

  tape.record('crossEntropy', { logits }, { loss: out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !tape.needsGrad(logits)) return;
    const rowScale = tape.tensor([rows]);
    if (reduction === 'none') be.mul(rows, weights.data, dout.data, rowScale.data);
    else be.axpy(rows, dout.data[0]! * factor, weights.data, rowScale.data);
    const sink = gradSink(tape, logits);
    be.softmaxCrossEntropyBackward(rows, classes, probs.data, savedTargets.data, ignoreIndex, rowScale.data, sink.data);
    if (ones) {
      // dlogits[r, :] += s_r e (onehot(y_r) - 1 / V): a rank-one GEMM for the uniform part (s_r is 0 on ignored rows).
      be.gemm(false, false, rows, classes, 1, -smoothing / classes, rowScale.data, 1, ones.data, classes, 1, sink.data, classes);
      for (let r = 0; r < rows; r++) {
        const y = savedTargets.data[r]!;
        if (y !== ignoreIndex) sink.data[r * classes + y]! += rowScale.data[r]! * smoothing;
      }
    }
    sink.flush();
  });
  return out;
}
