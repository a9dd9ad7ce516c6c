/**
 * Internal helper for ops whose backward kernel overwrites its output: it hands out either the
 * input's gradient buffer itself (when nothing has been accumulated into it yet) or scratch
 * that is added afterwards. Not exported from the package.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { Parameter } from '../parameter.js';
import type { Tape } from '../tape.js';

export interface GradSink {
  /** Where the kernel writes the gradient contribution (overwriting). */
  readonly data: Float32Array;
  /** Adds the contribution into the gradient of the input (no-op when written in place). */
  flush(): void;
}

/**
 * A buffer for an overwriting kernel to produce dLoss/dt. A fresh gradient is zero, so writing
 * it directly equals adding to it; this saves one pass and one scratch tensor in the common
 * case of an intermediate with a single consumer. Parameters always accumulate.
 */
export function gradSink(tape: Tape, t: Tensor): GradSink {
  if (!(t instanceof Parameter) && tape.gradIfAny(t) === undefined) {
    return { data: tape.grad(t).data, flush: () => {} };
  }
  const scratch = tape.tensor(t.shape);
  return {
    data: scratch.data,
    flush: () => tape.backend.axpy(t.size, 1, scratch.data, tape.grad(t).data),
  };
}

/** `gradSink` when `t` needs a gradient, else scratch that is discarded (for kernels with several outputs). */
export function gradSinkOrScratch(tape: Tape, t: Tensor): GradSink {
  if (tape.needsGrad(t)) return gradSink(tape, t);
  return { data: tape.tensor(t.shape).data, flush: () => {} };
}
