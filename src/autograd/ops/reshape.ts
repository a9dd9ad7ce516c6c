/**
 * A zero-copy view of a tensor with another shape of the same size, as an op so that
 * gradients flow back through it. Not a copy: writing into the view writes into x.
 */
import { type Shape, formatShape, shapeSize } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';

/**
 * out = x viewed as `shape` (same elements, same row-major order, shared memory).
 *
 * Backward: dx += dout (viewed back as x's shape; dout's buffer itself when dx has none yet).
 *
 * @param x - any shape.
 * @param shape - any shape with as many elements as x.
 * @returns out: `shape`, sharing x's data.
 */
export function reshape(tape: Tape, x: Tensor, shape: Shape): Tensor {
  if (shapeSize(shape) !== x.size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: shape must have ${x.size} elements to view ${formatShape(x.shape)}, got ${formatShape(shape)}`);
  }
  const out = x.reshape(shape);
  tape.record('reshape', { x }, { out }, () => tape.passGrad(out, x));
  return out;
}
