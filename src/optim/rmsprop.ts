/**
 * RMSprop, exactly torch.optim.RMSprop (plain, centered, with momentum, with L2 weight decay);
 * the update is the backend's `rmspropStep` kernel.
 */
import type { Parameter } from '../autograd/parameter.js';
import type { Backend, F32 } from '../kernels/backend.js';
import type { Run } from './runs.js';
import { Optimizer, type OptimizerOptions, checkHyper } from './optimizer.js';

export interface RmspropOptions extends OptimizerOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Smoothing constant of the averages (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty lambda added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor mu (default 0). */
  momentum?: number;
  /** Normalise by the estimated variance instead of the raw second moment (default false). */
  centered?: boolean;
}

/**
 * torch.optim.RMSprop. With g_t = grad + lambda * p:
 *   v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2
 *   centered: a_t = alpha * a_{t-1} + (1 - alpha) * g_t,  d_t = sqrt(v_t - a_t^2) + eps
 *   else:     d_t = sqrt(v_t) + eps
 *   mu > 0:   b_t = mu * b_{t-1} + g_t / d_t,  p_t = p_{t-1} - lr * b_t
 *   else:     p_t = p_{t-1} - lr * g_t / d_t
 * State: `squareAvg` (v), `gradAvg` (a, when centered), `momentumBuffer` (b, when mu > 0).
 */
export class Rmsprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  private readonly squareAvg: F32[];
  private readonly gradAvg: F32[] | undefined;
  private readonly momentumBuffers: F32[] | undefined;

  constructor(params: Iterable<Parameter>, options: RmspropOptions = {}) {
    const lr = checkHyper('Rmsprop', 'lr', options.lr ?? 0.01);
    const alpha = checkHyper('Rmsprop', 'alpha', options.alpha ?? 0.99);
    const eps = checkHyper('Rmsprop', 'eps', options.eps ?? 1e-8);
    const weightDecay = checkHyper('Rmsprop', 'weightDecay', options.weightDecay ?? 0);
    const momentum = checkHyper('Rmsprop', 'momentum', options.momentum ?? 0);
    const centered = options.centered ?? false;
    if (typeof centered !== 'boolean') throw new Error(`Rmsprop: centered must be a boolean, got ${String(centered)}`);
    super(params, lr, options.backend);
    this.alpha = alpha;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.momentum = momentum;
    this.centered = centered;
    this.squareAvg = this.allocState('squareAvg');
    this.gradAvg = centered ? this.allocState('gradAvg') : undefined;
    this.momentumBuffers = momentum > 0 ? this.allocState('momentumBuffer') : undefined;
  }

  get options(): Record<string, number | boolean> {
    return { alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered };
  }

  protected update(run: Run & { backend: Backend }, i: number): void {
    const b = run.backend;
    b.rmspropStep(run.length, run.values, run.grads, this.squareAvg[i]!, this.gradAvg?.[i] ?? this.empty(b),
      this.momentumBuffers?.[i] ?? this.empty(b), {
        lr: this.lr, alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered,
      });
  }
}
