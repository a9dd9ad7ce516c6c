/**
 * The pinball (quantile) loss of quantile forecasts, what quantile regression heads train on
 * (M5, DeepAR's quantile variant, pytorch-forecasting's QuantileLoss): for each row, one
 * prediction per quantile level. Not a sorting of the quantiles: crossing is the caller's to fix.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { checkConstant, checkFloatTensor } from './loss-options.js';

/**
 * With u = target[r] - pred[r, q] and tau = quantiles[q]:
 *   rho_tau(u) = tau u for u >= 0, (tau - 1) u for u < 0;  out = mean over r and q of rho.
 * A mask [N] weights rows (0 drops one; the mean divides by the total weight times Q).
 *
 * Backward: dpred[r, q] += dout w_r (1 - tau) / (Q W) if u < 0, -dout w_r tau / (Q W) if u > 0,
 * 0 at u = 0. No gradient into target or mask (constants).
 *
 * @param pred - [N, Q] predicted quantiles.
 * @param target - [N] observed values.
 * @param quantiles - Q levels in (0, 1).
 * @returns [] the mean loss.
 */
export function pinballLoss(tape: Tape, pred: Tensor, target: Tensor, quantiles: readonly number[], options: { mask?: Tensor } = {}): Tensor {
  const where = 'pinballLoss';
  checkFloatTensor(where, 'pred', pred);
  checkFloatTensor(where, 'target', target);
  if (pred.rank !== 2) throw new Error(`${where}: pred must be [N, Q], got [${pred.shape.join(', ')}]`);
  const [N, Q] = pred.shape as [number, number];
  if (!Array.isArray(quantiles) || quantiles.length !== Q || !quantiles.every((t) => typeof t === 'number' && t > 0 && t < 1)) {
    throw new Error(`${where}: quantiles must be ${Q} levels in (0, 1) (one per column of pred), got ${JSON.stringify(quantiles)}`);
  }
  expectShape(where, 'target', target.shape, [N]);
  const mask = options.mask;
  if (mask !== undefined) { checkFloatTensor(where, 'mask', mask); expectShape(where, 'mask', mask.shape, [N]); }
  checkConstant(tape, where, 'target', target);
  checkConstant(tape, where, 'mask', mask);
  let total = 0, weight = 0;
  const p = pred.data, y = target.data;
  for (let r = 0; r < N; r++) {
    const w = mask ? mask.data[r]! : 1;
    if (w === 0) continue;
    weight += w;
    for (let q = 0; q < Q; q++) {
      const u = y[r]! - p[r * Q + q]!, tau = quantiles[q]!;
      total += w * (u >= 0 ? tau * u : (tau - 1) * u);
    }
  }
  const scale = weight === 0 ? 0 : 1 / (weight * Q);
  const out = tape.tensor([]);
  out.data[0] = total * scale;
  tape.record(where, { pred }, { loss: out }, () => {
    const dout = tape.gradIfAny(out);
    if (!dout || !tape.needsGrad(pred)) return;
    const g = tape.grad(pred).data;
    const c = dout.data[0]! * scale;
    for (let r = 0; r < N; r++) {
      const w = mask ? mask.data[r]! : 1;
      if (w === 0) continue;
      for (let q = 0; q < Q; q++) {
        const u = y[r]! - p[r * Q + q]!, tau = quantiles[q]!;
        if (u < 0) g[r * Q + q]! += c * w * (1 - tau);
        else if (u > 0) g[r * Q + q]! -= c * w * tau;
      }
    }
  });
  return out;
}
