/**
 * Ops that move whole slices along the first or last axis: select one index of the first
 * axis, stack tensors along a new first axis, and concatenate along the last axis (the
 * bidirectional output [T, B, 2H]). Forward copies (or views); backward routes slices back.
 */
import type { Tape } from '../tape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { formatShape, shapeEquals } from '../../tensor/shape.js';

/** x[i] for i along the first axis: a zero-copy view whose gradient flows back into x. */
export function select(tape: Tape, x: Tensor, i: number): Tensor {
  const y = x.at(i);
  tape.record('select', { x }, { y }, () => {
    const gy = tape.gradIfAny(y);
    if (gy && tape.needsGrad(x)) {
      const gx = tape.grad(x).data.subarray(i * y.size, (i + 1) * y.size);
      tape.backend.axpy(y.size, 1, gy.data, gx);
    }
  });
  return y;
}

/** Stacks same-shaped tensors along a new first axis: [n, ...shape]. */
export function stack(tape: Tape, xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new Error('stack: needs at least one tensor');
  const shape = xs[0]!.shape;
  xs.forEach((x, i) => {
    if (!shapeEquals(x.shape, shape)) throw new Error(`stack: tensor ${i} must be ${formatShape(shape)}, got ${formatShape(x.shape)}`);
  });
  const y = tape.tensor([xs.length, ...shape]);
  const n = xs[0]!.size;
  xs.forEach((x, i) => y.data.set(x.data, i * n));
  const inputs: Record<string, Tensor> = {};
  xs.forEach((x, i) => { inputs[`x${i}`] = x; });
  tape.record('stack', inputs, { y }, () => {
    const gy = tape.gradIfAny(y);
    if (!gy) return;
    xs.forEach((x, i) => {
      if (tape.needsGrad(x)) tape.backend.axpy(n, 1, gy.data.subarray(i * n, (i + 1) * n), tape.grad(x).data);
    });
  });
  return y;
}

/** Concatenates along the last axis: shapes [..., a] and [..., b] give [..., a + b]. */
export function concatLast(tape: Tape, xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new Error('concatLast: needs at least one tensor');
  const lead = xs[0]!.shape.slice(0, -1);
  const widths = xs.map((x, i) => {
    if (x.rank < 1 || !shapeEquals(x.shape.slice(0, -1), lead)) {
      throw new Error(`concatLast: tensor ${i} must be [${[...lead, '*'].join(', ')}], got ${formatShape(x.shape)}`);
    }
    return x.shape[x.rank - 1]!;
  });
  const total = widths.reduce((a, b) => a + b, 0);
  const rows = lead.reduce((a, b) => a * b, 1);
  const y = tape.tensor([...lead, total]);
  let off = 0;
  xs.forEach((x, i) => {
    const w = widths[i]!;
    for (let r = 0; r < rows; r++) y.data.set(x.data.subarray(r * w, (r + 1) * w), r * total + off);
    off += w;
  });
  const inputs: Record<string, Tensor> = {};
  xs.forEach((x, i) => { inputs[`x${i}`] = x; });
  tape.record('concatLast', inputs, { y }, () => {
    const gy = tape.gradIfAny(y);
    if (!gy) return;
    let o = 0;
    xs.forEach((x, i) => {
      const w = widths[i]!;
      if (tape.needsGrad(x)) {
        const gx = tape.grad(x).data;
        for (let r = 0; r < rows; r++) {
          const src = gy.data.subarray(r * total + o, r * total + o + w);
          for (let j = 0; j < w; j++) gx[r * w + j]! += src[j]!;
        }
      }
      o += w;
    });
  });
  return y;
}

