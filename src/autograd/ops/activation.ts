/**
 * Elementwise nonlinearities (tanh, sigmoid, relu) as ops: the backward reads the forward
 * output, never the input. Not here: the gate nonlinearities of LSTM/GRU, fused in their cells.
 */
import type { Activation } from '../../kernels/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';

const KINDS: readonly Activation[] = ['tanh', 'relu', 'sigmoid'];

/**
 * y = f(x) elementwise for f in tanh, relu (max(x, 0)), sigmoid (1 / (1 + e^-x)).
 *
 * Backward, from y: dx += (1 - y^2) dy for tanh, [y > 0] dy for relu, y (1 - y) dy for sigmoid.
 * The op is recorded under the activation's name ('tanh', 'relu', 'sigmoid').
 *
 * @param x - any shape.
 * @returns y: the shape of `x`.
 */
export function activation(tape: Tape, kind: Activation, x: Tensor): Tensor {
  if (!KINDS.includes(kind)) throw new Error(`activation: kind must be one of ${KINDS.join(', ')}, got '${String(kind)}'`);
  const be = tape.backend;
  const y = tape.tensor(x.shape);
  be.activationForward(kind, x.size, x.data, y.data);
  tape.record(kind, { x }, { y }, () => {
    const dy = tape.gradIfAny(y);
    if (!dy) return;
    if (tape.needsGrad(x)) be.activationBackward(kind, x.size, y.data, dy.data, tape.grad(x).data, true);
  });
  return y;
}

/** y = tanh(x) elementwise; dx += (1 - y^2) dy. Shapes: y has the shape of x. */
export function tanh(tape: Tape, x: Tensor): Tensor {
  return activation(tape, 'tanh', x);
}

/** y = 1 / (1 + exp(-x)) elementwise; dx += y (1 - y) dy. Shapes: y has the shape of x. */
export function sigmoid(tape: Tape, x: Tensor): Tensor {
  return activation(tape, 'sigmoid', x);
}

/** y = max(x, 0) elementwise; dx += [y > 0] dy (the subgradient 0 at x = 0). Shapes: y has the shape of x. */
export function relu(tape: Tape, x: Tensor): Tensor {
  return activation(tape, 'relu', x);
}
