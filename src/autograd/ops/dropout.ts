/**
 * Inverted dropout as an op: the mask is drawn from the caller's `Rng`, so runs are
 * reproducible. Not a train/eval switch: `nn/Dropout` decides whether to call it.
 */
import type { Rng } from '../../random/rng.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';

/**
 * out = x * m with m_i = 0 with probability p and 1 / (1 - p) otherwise (inverted dropout:
 * the expectation of out is x, so inference needs no rescaling). One `rng.next()` per element,
 * in row-major order. p = 0 returns x itself and draws nothing.
 *
 * Backward: dx += dout * m.
 *
 * @param x - any shape.
 * @param p - drop probability, 0 <= p < 1.
 * @returns out: the shape of `x`.
 */
export function dropout(tape: Tape, x: Tensor, p: number, rng: Rng): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const be = tape.backend;
  const keep = 1 / (1 - p);
  const mask = tape.tensor(x.shape);
  const m = mask.data;
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < p ? 0 : keep;
  const out = tape.tensor(x.shape);
  be.mul(x.size, x.data, m, out.data);
  tape.record('dropout', { x }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !tape.needsGrad(x)) return;
    const sink = gradSink(tape, x);
    be.mul(x.size, dout.data, m, sink.data);
    sink.flush();
  });
  return out;
}
