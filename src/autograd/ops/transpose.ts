/**
 * The transpose of the first two axes as an op ([A, B, ...] -> [B, A, ...], PyTorch's
 * `x.transpose(0, 1)`), the bridge between batch-first [B, T, I] and time-major [T, B, I]
 * data. A copy, not a view: the recurrent kernels read time-major rows contiguously.
 */
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';

/** dst[b, a, :] = src[a, b, :] for src [A, B, inner] (row-major), dst [B, A, inner]. */
function swapFirstAxes(src: Float32Array, dst: Float32Array, A: number, B: number, inner: number): void {
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      const from = (a * B + b) * inner;
      const to = (b * A + a) * inner;
      if (inner < 16) for (let k = 0; k < inner; k++) dst[to + k] = src[from + k]!;
      else dst.set(src.subarray(from, from + inner), to);
    }
  }
}

/**
 * out[b, a, ...] = x[a, b, ...]: the first two axes swapped (a copy).
 *
 * Backward: dx[a, b, ...] += dout[b, a, ...].
 *
 * @param x - [A, B, ...] with at least two axes.
 * @returns out: [B, A, ...].
 */
export function transpose01(tape: Tape, x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`transpose01: x must have at least two axes, got ${formatShape(x.shape)}`);
  const [A, B] = x.shape as [number, number];
  const rest = x.shape.slice(2);
  const inner = rest.reduce((p, d) => p * d, 1);
  const out = tape.scratch([B, A, ...rest]);
  swapFirstAxes(x.data, out.data, A, B, inner);
  tape.record('transpose01', { x }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !tape.needsGrad(x)) return;
    const sink = gradSink(tape, x);
    swapFirstAxes(dout.data, sink.data, B, A, inner);
    sink.flush();
  });
  return out;
}
