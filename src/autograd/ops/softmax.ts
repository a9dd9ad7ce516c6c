/**
 * The softmax op over the last axis, with its backward, for models that need probabilities
 * inside the graph (attention weights, mixtures). Not a loss: for classification
 * `crossEntropy` takes logits and fuses softmax into its own kernels.
 */
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';

/**
 * y[..., j] = exp(x[..., j]) / sum_k exp(x[..., k]) over the last axis (numerically stable:
 * the row maximum is subtracted first).
 *
 * Backward: dx[..., j] += y[..., j] (dy[..., j] - sum_k dy[..., k] y[..., k]).
 *
 * @param x - [..., C] with at least one axis and C >= 1.
 * @returns y: the shape of `x`; every row along the last axis sums to 1.
 */
export function softmax(tape: Tape, x: Tensor): Tensor {
  if (x.rank === 0 || x.shape[x.rank - 1] === 0) throw new Error(`softmax: x must be [..., C] with C >= 1, got ${formatShape(x.shape)}`);
  const be = tape.backend;
  const cols = x.shape[x.rank - 1]!;
  const rows = x.size / cols;
  const n = x.size;
  const y = tape.scratch(x.shape);
  be.softmax(rows, cols, x.data, y.data);
  tape.record('softmax', { x }, { y }, () => {
    const dy = tape.gradIfAny(y);
    if (!dy || !tape.needsGrad(x)) return;
    const sink = gradSink(tape, x);
    be.mul(n, dy.data, y.data, sink.data); // dy * y
    const ones = tape.tensor([cols]);
    be.fill(cols, 1, ones.data);
    const s = tape.scratch([rows]); // s_r = sum_k dy[r, k] y[r, k]
    be.gemm(false, false, rows, 1, cols, 1, sink.data, cols, ones.data, 1, 0, s.data, 1);
    const ys = tape.scratch([rows, cols]); // y[r, j] s_r
    be.gemm(false, false, rows, cols, 1, 1, s.data, 1, ones.data, cols, 0, ys.data, cols);
    be.mul(n, y.data, ys.data, ys.data);
    be.axpy(n, -1, ys.data, sink.data);
    sink.flush();
  });
  return y;
}
