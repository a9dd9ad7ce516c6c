/**
 * Mean squared error with optional per-element (or per-row) weights, PyTorch's `MSELoss`
 * semantics for the unweighted case. Gradients flow into both the prediction and the target.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { type Reduction, checkConstant, checkFloatTensor, checkReduction, expandMask } from './loss-options.js';

export interface MseLossOptions {
  /** Weights, a constant: the shape of pred, or [N] when pred is [N, D] (one weight per row). 0 drops an element. */
  mask?: Tensor;
  /** 'mean' (default), 'sum', or 'none' for per-element losses (the shape of pred). */
  reduction?: Reduction;
}

/**
 * With d = pred - target and w the (expanded) mask, 1 without one:
 *   'none': out = w d^2;   'sum': out = sum w d^2;   'mean': out = sum w d^2 / sum w.
 * 'mean' without a mask divides by the number of elements (PyTorch); a total weight of 0
 * gives 0 and zero gradients.
 *
 * Backward: dpred += 2 g w d, dtarget -= 2 g w d, with g = dout (elementwise for 'none'),
 * dout / sum w for 'mean'. No gradient flows into the mask.
 *
 * @param pred - any shape.
 * @param target - the shape of pred.
 * @returns [] for 'mean' and 'sum', the shape of pred for 'none'.
 */
export function mseLoss(tape: Tape, pred: Tensor, target: Tensor, options: MseLossOptions = {}): Tensor {
  const where = 'mseLoss';
  const reduction = checkReduction(where, options.reduction ?? 'mean');
  checkFloatTensor(where, 'pred', pred);
  checkFloatTensor(where, 'target', target);
  if (options.mask !== undefined) checkFloatTensor(where, 'mask', options.mask);
  expectShape(where, 'target', target.shape, pred.shape);
  checkConstant(tape, where, 'mask', options.mask);
  const w = expandMask(tape, where, options.mask, pred.shape);

  const be = tape.backend;
  const n = pred.size;
  const diff = tape.tensor(pred.shape);
  be.axpy(n, 1, pred.data, diff.data);
  be.axpy(n, -1, target.data, diff.data);
  let wd = diff; // w * d, what the backward needs
  if (w) {
    wd = tape.tensor(pred.shape);
    be.mul(n, w.data, diff.data, wd.data);
  }
  const elementLoss = tape.tensor(pred.shape);
  be.mul(n, wd.data, diff.data, elementLoss.data);

  let out: Tensor;
  let factor = 1;
  if (reduction === 'none') {
    out = elementLoss;
  } else {
    if (reduction === 'mean') {
      const denominator = w ? be.sum(n, w.data) : n;
      factor = denominator === 0 ? 0 : 1 / denominator;
    }
    out = tape.tensor([]);
    out.data[0] = be.sum(n, elementLoss.data) * factor;
  }

  tape.record('mseLoss', { pred, target }, { loss: out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout) return;
    let g = wd; // d loss / d pred = 2 * g
    let c = 2;
    if (reduction === 'none') {
      g = tape.tensor(pred.shape);
      be.mul(n, dout.data, wd.data, g.data);
    } else {
      c = 2 * dout.data[0]! * factor;
    }
    if (tape.needsGrad(pred)) be.axpy(n, c, g.data, tape.grad(pred).data);
    if (tape.needsGrad(target)) be.axpy(n, -c, g.data, tape.grad(target).data);
  });
  return out;
}
