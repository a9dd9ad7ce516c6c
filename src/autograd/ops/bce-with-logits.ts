/**
 * Binary cross-entropy on logits, PyTorch's `BCEWithLogitsLoss` (numerically stable, scalar
 * `pos_weight`), with optional per-element or per-row weights. Not a sigmoid op: the
 * probabilities are never formed.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { gradSink } from './grad-sink.js';
import { type Reduction, checkConstant, checkFloatTensor, checkReduction, expandMask } from './loss-options.js';

export interface BceWithLogitsOptions {
  /** Weights, a constant: the shape of logits, or [N] when logits are [N, D]. 0 drops an element. */
  mask?: Tensor;
  /** 'mean' (default), 'sum', or 'none' for per-element losses (the shape of logits). */
  reduction?: Reduction;
  /** Weight of the positive term, > 1 raises recall (default 1). */
  posWeight?: number;
}

/**
 * With x the logits, y the targets in [0, 1], lw = 1 + (posWeight - 1) y:
 *   l = -[posWeight y log sigma(x) + (1 - y) log(1 - sigma(x))]
 *     = (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0))      (= max(x, 0) - x y + log1p(exp(-|x|)) when posWeight = 1)
 * then, with w the (expanded) mask or 1: 'none': w l; 'sum': sum w l; 'mean': sum w l / sum w
 * (the element count without a mask; 0 and zero gradients when the total weight is 0).
 *
 * Backward: dx += g ((1 - y) - lw sigma(-x)) (= g (sigma(x) - y) when posWeight = 1), g being
 * w dout ('none'), w dout ('sum') or w dout / sum w ('mean'). Targets and mask get no gradient.
 *
 * @param logits - any shape.
 * @param targets - the shape of logits, values in [0, 1] (soft labels allowed).
 * @returns [] for 'mean' and 'sum', the shape of logits for 'none'.
 */
export function bceWithLogits(tape: Tape, logits: Tensor, targets: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const where = 'bceWithLogits';
  const reduction = checkReduction(where, options.reduction ?? 'mean');
  const posWeight = options.posWeight ?? 1;
  if (!Number.isFinite(posWeight)) throw new Error(`${where}: posWeight must be a finite number, got ${posWeight}`);
  checkFloatTensor(where, 'logits', logits);
  checkFloatTensor(where, 'targets', targets, ' (labels 0/1 or probabilities as floats)');
  if (options.mask !== undefined) checkFloatTensor(where, 'mask', options.mask);
  expectShape(where, 'targets', targets.shape, logits.shape);
  checkConstant(tape, where, 'targets', targets);
  checkConstant(tape, where, 'mask', options.mask);
  const w = expandMask(tape, where, options.mask, logits.shape);

  const be = tape.backend;
  const n = logits.size;
  const losses = tape.tensor(logits.shape);
  be.bceWithLogitsForward(n, logits.data, targets.data, posWeight, losses.data);
  let weighted = losses;
  if (w) {
    weighted = tape.tensor(logits.shape);
    be.mul(n, w.data, losses.data, weighted.data);
  }

  let out: Tensor;
  let factor = 1;
  if (reduction === 'none') {
    out = weighted;
  } else {
    if (reduction === 'mean') {
      const denominator = w ? be.sum(n, w.data) : n;
      factor = denominator === 0 ? 0 : 1 / denominator;
    }
    out = tape.tensor([]);
    out.data[0] = be.sum(n, weighted.data) * factor;
  }

  tape.record('bceWithLogits', { logits }, { loss: out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !tape.needsGrad(logits)) return;
    let scale = dout;
    if (reduction === 'none') {
      if (w) {
        scale = tape.tensor(logits.shape);
        be.mul(n, w.data, dout.data, scale.data);
      }
    } else {
      scale = tape.tensor(logits.shape);
      const c = dout.data[0]! * factor;
      if (w) be.axpy(n, c, w.data, scale.data);
      else be.fill(n, c, scale.data);
    }
    const sink = gradSink(tape, logits);
    be.bceWithLogitsBackward(n, logits.data, targets.data, posWeight, scale.data, sink.data);
    sink.flush();
  });
  return out;
}
