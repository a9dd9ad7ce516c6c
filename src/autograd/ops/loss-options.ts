/**
 * Options shared by the loss ops: the `reduction` modes, the expansion of a loss mask into
 * per-element weights, and the checks that masks and targets are constants. Not a loss itself,
 * and not the `sum`/`mean` ops (sum-mean.ts).
 */
import { formatShape, shapeEquals } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';

/**
 * How a loss turns per-element values into its result: 'mean' (sum divided by the total
 * weight of the elements that count), 'sum', or 'none' (per-element losses, same shape as
 * the rows or elements).
 */
export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(where: string, reduction: unknown): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`${where}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return reduction;
}

/** Masks, targets and other weights are constants: throws if a gradient was asked for one. */
export function checkConstant(tape: Tape, where: string, name: string, t: Tensor | undefined): void {
  if (tape.needsGrad(t)) {
    throw new Error(`${where}: ${name} is treated as a constant, but it requires a gradient on this tape`);
  }
}

/**
 * Per-element weights of shape `shape` from a mask that has that shape, or shape [N] when
 * `shape` is [N, D] (one weight per row, repeated along D). Returns the mask itself when
 * no expansion is needed, or undefined without a mask.
 */
export function expandMask(tape: Tape, where: string, mask: Tensor | undefined, shape: readonly number[]): Tensor | undefined {
  if (mask === undefined) return undefined;
  if (shapeEquals(mask.shape, shape)) return mask;
  if (shape.length === 2 && mask.shape.length === 1 && mask.shape[0] === shape[0]) {
    const rows = shape[0]!;
    const cols = shape[1]!;
    const weights = tape.tensor(shape);
    for (let r = 0; r < rows; r++) tape.backend.fill(cols, mask.data[r]!, weights.data.subarray(r * cols, (r + 1) * cols));
    return weights;
  }
  const alt = shape.length === 2 ? ` or [${shape[0]}]` : '';
  throw new Error(`${where}: mask must be ${formatShape(shape)}${alt}, got ${formatShape(mask.shape)}`);
}
