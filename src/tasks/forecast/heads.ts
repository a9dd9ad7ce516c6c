/**
 * The output heads of a forecasting model: Q outputs per forecast value, read as quantiles
 * (pinball loss), as a Gaussian's mean and log standard deviation (negative log-likelihood), or
 * as one point (squared error). Their losses on a batch, and their outputs turned into the
 * quantiles the forecast reports. Not the model and not the normalisation.
 */
import { gaussianNll, mseLoss, pinballLoss, reshape } from '../../autograd/ops/index.js';
import type { Tape } from '../../autograd/tape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { ForecastHead } from './config.js';

/** Outputs per forecast value. */
export function headWidth(head: ForecastHead, quantiles: readonly number[]): number {
  return head === 'quantile' ? quantiles.length : head === 'gaussian' ? 2 : 1;
}

/** The loss of outputs [N, Q] (N forecast values) against targets [N]. */
export function headLoss(tape: Tape, head: ForecastHead, quantiles: readonly number[], outputs: Tensor, targets: Tensor): Tensor {
  const N = targets.size;
  const pred = reshape(tape, outputs, [N, headWidth(head, quantiles)]);
  if (head === 'quantile') return pinballLoss(tape, pred, targets, quantiles);
  if (head === 'gaussian') return gaussianNll(tape, pred, targets);
  return mseLoss(tape, reshape(tape, pred, [N]), targets);
}

/** The inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * The reported quantiles of one forecast value from its Q outputs: sorted quantile outputs (so
 * they never cross), mu + sigma z_tau for a Gaussian, or the point for every level.
 */
export function quantilesOf(head: ForecastHead, quantiles: readonly number[], out: ArrayLike<number>, offset: number): Float64Array {
  if (head === 'quantile') return Float64Array.from(quantiles, (_, q) => out[offset + q]!).sort();
  if (head === 'gaussian') {
    const mu = out[offset]!, sigma = Math.exp(Math.min(10, Math.max(-10, out[offset + 1]!)));
    return Float64Array.from(quantiles, (tau) => mu + sigma * normalQuantile(tau));
  }
  return Float64Array.from(quantiles, () => out[offset]!);
}

/** A Tensor [N] of the values, for losses. */
export const targetTensor = (values: Float32Array) => new Tensor(values, [values.length]);
