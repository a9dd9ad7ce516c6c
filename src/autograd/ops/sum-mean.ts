/**
 * The `sum` and `mean` ops: full reductions to a scalar (shape []) of every element. Not here:
 * reductions along an axis (bias gradients use the `sumRows` kernel inside `linear`), nor the
 * losses' `reduction` option (loss-options.ts).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';

function reduceAll(tape: Tape, op: 'sum' | 'mean', x: Tensor): Tensor {
  const be = tape.backend;
  const factor = op === 'mean' ? 1 / x.size : 1;
  if (op === 'mean' && x.size === 0) throw new Error('mean: x has no elements');
  const out = tape.tensor([]);
  out.data[0] = be.sum(x.size, x.data) * factor;
  tape.record(op, { x }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !tape.needsGrad(x)) return;
    const sink = gradSink(tape, x);
    be.fill(x.size, dout.data[0]! * factor, sink.data);
    sink.flush();
  });
  return out;
}

/**
 * out = sum_i x_i.
 *
 * Backward: dx_i += dout.
 *
 * @param x - any shape.
 * @returns out: [] (a scalar tensor).
 */
export function sum(tape: Tape, x: Tensor): Tensor {
  return reduceAll(tape, 'sum', x);
}

/**
 * out = (1 / n) sum_i x_i over the n elements of x.
 *
 * Backward: dx_i += dout / n.
 *
 * @param x - any shape with at least one element.
 * @returns out: [] (a scalar tensor).
 */
export function mean(tape: Tape, x: Tensor): Tensor {
  return reduceAll(tape, 'mean', x);
}
