/**
 * The output heads of a forecasting model: Q outputs per forecast value, read as quantiles
 * (pinball loss), as a Gaussian's mean and log standard deviation (negative log-likelihood), or
 * as one point (squared error). Their losses on a batch, and their outputs turned into the
 * quantiles the forecast reports. Not the model and not the normalisation.
 */
import { gaussianNll, mseLoss, pinballLoss, reshape } from '../../autograd/ops/index.js';
import type { Tape } from '../../autograd/tape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ForecastHead } from './config.js';
import { normalQuantile } from './prediction-intervals.js';

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

/** The index of the quantile level closest to the median (the point forecast). */
export function medianIndex(quantiles: readonly number[]): number {
  return quantiles.reduce((best, tau, q) => (Math.abs(tau - 0.5) < Math.abs(quantiles[best]! - 0.5) ? q : best), 0);
}
