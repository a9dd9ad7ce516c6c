/**
 * Gradient clipping with torch.nn.utils semantics: `clipGradNorm` (the global L2 norm over all
 * gradients, returned before clipping) and `clipGradValue` (elementwise clamp). Each works
 * per contiguous run of packed gradients with one kernel call; unpacked parameters fall back to
 * plain loops. Frozen parameters (requiresGrad = false) are ignored.
 */
import type { Parameter } from '../autograd/parameter.js';
import { type Run, contiguousRuns } from './runs.js';

export interface ClipGradNormOptions {
  /**
   * Throw if the total norm is NaN or Inf (default false, as in PyTorch: the norm is returned
   * and the gradients are scaled by the resulting NaN/0 coefficient).
   */
  errorIfNonfinite?: boolean;
}

function trainableRuns(fn: string, params: Iterable<Parameter>): Run[] {
  if (params === null || typeof (params as Iterable<Parameter>)?.[Symbol.iterator] !== 'function') {
    throw new Error(`${fn}: params must be an iterable of Parameters, got ${String(params)}`);
  }
  return contiguousRuns([...params].filter((p) => p.requiresGrad));
}

/**
 * Scales all gradients together so that their global L2 norm is at most `maxNorm`:
 *   total = sqrt(sum over all gradient elements g^2)
 *   g *= min(1, maxNorm / (total + 1e-6))
 * Returns `total`, the norm BEFORE clipping (log it to watch for exploding gradients).
 */
export function clipGradNorm(params: Iterable<Parameter>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  const runs = trainableRuns('clipGradNorm', params);
  let sumSq = 0;
  for (const r of runs) {
    if (r.backend) sumSq += r.backend.sumSquares(r.length, r.grads);
    else for (let i = 0; i < r.length; i++) sumSq += r.grads[i]! * r.grads[i]!;
  }
  const total = Math.sqrt(sumSq);
  if (!Number.isFinite(total) && options.errorIfNonfinite) {
    throw new Error(`clipGradNorm: the total norm of the gradients is ${total}, so they cannot be clipped ` +
      '(set errorIfNonfinite: false to scale them anyway, as PyTorch does by default; RECUR_DEBUG_NAN=1 finds the op that produced it)');
  }
  const coef = Math.min(1, maxNorm / (total + 1e-6));
  if (coef < 1 || Number.isNaN(coef)) {
    for (const r of runs) {
      if (r.backend) r.backend.scale(r.length, coef, r.grads);
      else for (let i = 0; i < r.length; i++) r.grads[i]! *= coef;
    }
  }
  return total;
}

/** Clamps every gradient element into [-clipValue, clipValue]. */
export function clipGradValue(params: Iterable<Parameter>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new Error(`clipGradValue: clipValue must be a number >= 0, got ${String(clipValue)}`);
  for (const r of trainableRuns('clipGradValue', params)) {
    if (r.backend) r.backend.clamp(r.length, -clipValue, clipValue, r.grads);
    else for (let i = 0; i < r.length; i++) r.grads[i] = Math.min(Math.max(r.grads[i]!, -clipValue), clipValue);
  }
}

/** Multiplies every gradient element by `factor` (accumulated gradients divided by the items they summed over). */
export function scaleGrads(params: Iterable<Parameter>, factor: number): void {
  if (typeof factor !== 'number' || !Number.isFinite(factor)) throw new Error(`scaleGrads: factor must be a finite number, got ${String(factor)}`);
  for (const r of trainableRuns('scaleGrads', params)) {
    if (r.backend) r.backend.scale(r.length, factor, r.grads);
    else for (let i = 0; i < r.length; i++) r.grads[i]! *= factor;
  }
}
