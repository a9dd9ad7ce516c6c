/**
 * Elementwise arithmetic on tensors of the same shape: add, mul, and multiplication by a
 * number. No broadcasting: a bias is added with `linear` (or `addRowVector` in a kernel).
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';

/**
 * out = a + b, elementwise.
 *
 * Backward: da += dout, db += dout.
 *
 * @param a - any shape.
 * @param b - the shape of `a`.
 * @returns out: the shape of `a`.
 */
export function add(tape: Tape, a: Tensor, b: Tensor): Tensor {
  expectShape('add', 'b', b.shape, a.shape);
  const be = tape.backend;
  const out = tape.tensor(a.shape);
  be.add(a.size, a.data, b.data, out.data);
  tape.record('add', { a, b }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout) return;
    if (tape.needsGrad(a)) be.axpy(a.size, 1, dout.data, tape.grad(a).data);
    if (tape.needsGrad(b)) be.axpy(b.size, 1, dout.data, tape.grad(b).data);
  });
  return out;
}

/**
 * out = a * b, elementwise (Hadamard product).
 *
 * Backward: da += dout * b, db += dout * a.
 *
 * @param a - any shape.
 * @param b - the shape of `a`.
 * @returns out: the shape of `a`.
 */
export function mul(tape: Tape, a: Tensor, b: Tensor): Tensor {
  expectShape('mul', 'b', b.shape, a.shape);
  const be = tape.backend;
  const out = tape.tensor(a.shape);
  be.mul(a.size, a.data, b.data, out.data);
  tape.record('mul', { a, b }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout) return;
    if (tape.needsGrad(a)) {
      const sink = gradSink(tape, a);
      be.mul(a.size, dout.data, b.data, sink.data);
      sink.flush();
    }
    if (tape.needsGrad(b)) {
      const sink = gradSink(tape, b);
      be.mul(b.size, dout.data, a.data, sink.data);
      sink.flush();
    }
  });
  return out;
}

/**
 * out = s * a for a number s.
 *
 * Backward: da += s * dout.
 *
 * @param a - any shape.
 * @returns out: the shape of `a`.
 */
export function scale(tape: Tape, a: Tensor, s: number): Tensor {
  if (!Number.isFinite(s)) throw new Error(`scale: s must be a finite number, got ${s}`);
  const be = tape.backend;
  const out = tape.tensor(a.shape);
  be.axpy(a.size, s, a.data, out.data);
  tape.record('scale', { a }, { out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout) return;
    if (tape.needsGrad(a)) be.axpy(a.size, s, dout.data, tape.grad(a).data);
  });
  return out;
}
