/**
 * The negative log-likelihood of observations under Gaussians whose mean and log standard
 * deviation a network predicts (a Gaussian forecasting head, as DeepAR's). Log sigma is the
 * parameter, so sigma stays positive without a clamp in the model; not a sampler.
 */
import { expectShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Tape } from '../tape.js';
import { checkConstant, checkFloatTensor } from './loss-options.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** Log sigma is clamped into this range in the loss (the gradient is 0 outside it), so one bad row cannot overflow exp. */
export const LOG_STD_RANGE = [-10, 10] as const;

/**
 * With mu = pred[r, 0], s = pred[r, 1] (log sigma, clamped to LOG_STD_RANGE) and z = (y - mu) / e^s:
 *   nll_r = log(2 pi) / 2 + s + z^2 / 2;  out = mean over r (weighted by mask [N] when given).
 * Backward: dmu = -z e^-s, ds = 1 - z^2 (0 where s was clamped), times dout w_r / W.
 *
 * @param pred - [N, 2]: mean, log standard deviation.
 * @param target - [N].
 * @returns [] the mean NLL.
 */
export function gaussianNll(tape: Tape, pred: Tensor, target: Tensor, options: { mask?: Tensor } = {}): Tensor {
  const where = 'gaussianNll';
  checkFloatTensor(where, 'pred', pred);
  checkFloatTensor(where, 'target', target);
  if (pred.rank !== 2 || pred.shape[1] !== 2) throw new Error(`${where}: pred must be [N, 2] (mean, log std), got [${pred.shape.join(', ')}]`);
  const N = pred.shape[0]!;
  expectShape(where, 'target', target.shape, [N]);
  const mask = options.mask;
  if (mask !== undefined) { checkFloatTensor(where, 'mask', mask); expectShape(where, 'mask', mask.shape, [N]); }
  checkConstant(tape, where, 'target', target);
  checkConstant(tape, where, 'mask', mask);
  const [lo, hi] = LOG_STD_RANGE;
  let total = 0, weight = 0;
  const p = pred.data, y = target.data;
  for (let r = 0; r < N; r++) {
    const w = mask ? mask.data[r]! : 1;
    if (w === 0) continue;
    weight += w;
    const s = Math.min(hi, Math.max(lo, p[2 * r + 1]!));
    const z = (y[r]! - p[2 * r]!) * Math.exp(-s);
    total += w * (HALF_LOG_2PI + s + 0.5 * z * z);
  }
  const scale = weight === 0 ? 0 : 1 / weight;
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
      const raw = p[2 * r + 1]!;
      const s = Math.min(hi, Math.max(lo, raw));
      const inv = Math.exp(-s);
      const z = (y[r]! - p[2 * r]!) * inv;
      g[2 * r]! -= c * w * z * inv;
      if (raw > lo && raw < hi) g[2 * r + 1]! += c * w * (1 - z * z);
    }
  });
  return out;
}
