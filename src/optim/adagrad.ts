/**
 * Adagrad, exactly torch.optim.Adagrad: per-element learning rates from the running sum of
 * squared gradients. The step-dependent lr decay is computed here; the update is the backend's
 * `adagradStep` kernel.
 */
import type { Parameter } from '../autograd/parameter.js';
import type { Backend, F32 } from '../kernels/backend.js';
import type { Run } from './runs.js';
import { Optimizer, type OptimizerOptions, checkHyper } from './optimizer.js';

export interface AdagradOptions extends OptimizerOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Learning-rate decay eta (default 0). */
  lrDecay?: number;
  /** L2 penalty lambda added to the gradient (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squares (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
}

/**
 * torch.optim.Adagrad. With g_t = grad + lambda * p and lr_t = lr / (1 + (t - 1) * eta):
 *   s_t = s_{t-1} + g_t^2;   p_t = p_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)
 * State: `sum` (s, starting at `initialAccumulatorValue`).
 */
export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
  private readonly sums: F32[];

  constructor(params: Iterable<Parameter>, options: AdagradOptions = {}) {
    const lr = checkHyper('Adagrad', 'lr', options.lr ?? 0.01);
    const lrDecay = checkHyper('Adagrad', 'lrDecay', options.lrDecay ?? 0);
    const weightDecay = checkHyper('Adagrad', 'weightDecay', options.weightDecay ?? 0);
    const initialAccumulatorValue = checkHyper('Adagrad', 'initialAccumulatorValue', options.initialAccumulatorValue ?? 0);
    const eps = checkHyper('Adagrad', 'eps', options.eps ?? 1e-10);
    super(params, lr, options.backend);
    this.lrDecay = lrDecay;
    this.weightDecay = weightDecay;
    this.initialAccumulatorValue = initialAccumulatorValue;
    this.eps = eps;
    this.sums = this.allocState('sum', initialAccumulatorValue);
  }

  get options(): Record<string, number | boolean> {
    return { lrDecay: this.lrDecay, weightDecay: this.weightDecay, initialAccumulatorValue: this.initialAccumulatorValue, eps: this.eps };
  }

  protected update(run: Run & { backend: Backend }, i: number, step: number): void {
    const lr = this.lr / (1 + (step - 1) * this.lrDecay);
    run.backend.adagradStep(run.length, run.values, run.grads, this.sums[i]!, { lr, eps: this.eps, weightDecay: this.weightDecay });
  }
}
