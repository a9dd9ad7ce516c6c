/**
 * Reference binary cross-entropy with logits (PyTorch's BCEWithLogitsLoss, elementwise):
 * plain loops in JavaScript numbers, so they are also exact on Float64Array buffers.
 * Not here: reduction and masking, which the caller folds into `scale`.
 */
import type { F32 } from '../backend.js';

/**
 * losses[i] = (1 - y) x + lw (log1p(exp(-|x|)) + max(-x, 0)), lw = 1 + (posWeight - 1) y.
 * The softplus(-x) term is written so that exp only sees non-positive numbers.
 * logits, targets, losses: [n].
 */
export function bceWithLogitsForward(n: number, logits: F32, targets: F32, posWeight: number, losses: F32): void {
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const y = targets[i];
    const lw = 1 + (posWeight - 1) * y;
    const softplusNeg = Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0);
    losses[i] = (1 - y) * x + lw * softplusNeg;
  }
}

/**
 * dLogits[i] = scale[i] ((1 - y) - lw sigma(-x)); sigma(-x) = e / (1 + e) for x >= 0 and
 * 1 / (1 + e) for x < 0, with e = exp(-|x|). logits, targets, scale, dLogits: [n];
 * dLogits is overwritten and may alias scale.
 */
export function bceWithLogitsBackward(n: number, logits: F32, targets: F32, posWeight: number, scale: F32, dLogits: F32): void {
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const y = targets[i];
    const lw = 1 + (posWeight - 1) * y;
    const e = Math.exp(-Math.abs(x));
    const sigmaNeg = x >= 0 ? e / (1 + e) : 1 / (1 + e);
    dLogits[i] = scale[i] * ((1 - y) - lw * sigmaNeg);
  }
}
