/**
 * Options shared by the loss ops: the `reduction` modes, the expansion of a loss mask into
 * per-element weights, and the checks that masks and targets are constants. Not a loss itself,
 * and not the `sum`/`mean` ops (sum-mean.ts).
 */
import { formatShape, shapeEquals } from '../../tensor/shape.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
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

/** What a value is, in a few words, for a loss's type errors (`a float Tensor [6]`, `an array of 6`). */
function describeInput(v: unknown): string {
  if (v instanceof Tensor) return `a float Tensor ${formatShape(v.shape)}`;
  if (v instanceof IntTensor) return `an IntTensor ${formatShape(v.shape)}`;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} of ${(v as unknown as ArrayLike<number>).length}`;
  }
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return v === null ? 'null' : typeof v;
}

/**
 * Throws unless `t` is a float `Tensor` (predictions, float targets, masks): an `IntTensor`, a
 * typed array or a plain array would otherwise be read as numbers of another kind or crash later.
 */
export function checkFloatTensor(where: string, name: string, t: unknown, hint = ''): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${where}: ${name} must be a float Tensor, got ${describeInput(t)}${hint}`);
}

/**
 * Throws unless `targets` is an `IntTensor` of class ids: float targets (a Tensor, a Float32Array,
 * a plain array) would be truncated to ids silently and give a loss of the wrong targets.
 */
export function checkClassIds(where: string, targets: unknown): asserts targets is IntTensor {
  if (!(targets instanceof IntTensor)) {
    throw new Error(`${where}: targets must be an IntTensor [N] of class ids, got ${describeInput(targets)}; ` +
      'make one with IntTensor.from(ids) (for float targets use mseLoss or bceWithLogits)');
  }
}
