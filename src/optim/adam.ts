/**
 * Adam and AdamW, exactly torch.optim.Adam / AdamW (no amsgrad): the bias corrections are
 * computed here from the step count, the update is the backend's `adamStep` kernel.
 */
import type { Parameter } from '../autograd/parameter.js';
import type { Backend, F32 } from '../kernels/backend.js';
import type { Run } from './runs.js';
import { Optimizer, type OptimizerOptions, checkHyper } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
}

/**
 * torch.optim.Adam. With g_t = grad + lambda * p (AdamW instead decays p_{t-1} *= 1 - lr * lambda
 * and uses g_t = grad):
 *   m_t = b1 * m_{t-1} + (1 - b1) * g_t;     v_t = b2 * v_{t-1} + (1 - b2) * g_t^2
 *   p_t = p_{t-1} - lr * (m_t / (1 - b1^t)) / (sqrt(v_t / (1 - b2^t)) + eps)
 * State: `expAvg` (m), `expAvgSq` (v).
 */
export class Adam extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** True for AdamW (decay applied to the weights, not added to the gradient). */
  readonly decoupled: boolean;
  private readonly expAvg: F32[];
  private readonly expAvgSq: F32[];

  constructor(params: Iterable<Parameter>, options: AdamOptions = {}) {
    const isW = new.target === AdamW || new.target.prototype instanceof AdamW;
    const o = validate(isW ? 'AdamW' : 'Adam', options, isW ? 1e-2 : 0);
    super(params, o.lr, options.backend);
    this.betas = o.betas;
    this.eps = o.eps;
    this.weightDecay = o.weightDecay;
    this.decoupled = isW;
    this.expAvg = this.allocState('expAvg');
    this.expAvgSq = this.allocState('expAvgSq');
  }

  get options(): Record<string, number | boolean> {
    return { beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled };
  }

  protected update(run: Run & { backend: Backend }, i: number, step: number): void {
    const [beta1, beta2] = this.betas;
    run.backend.adamStep(run.length, run.values, run.grads, this.expAvg[i]!, this.expAvgSq[i]!, {
      lr: this.lr, beta1, beta2, eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled,
      biasCorrection1: 1 - beta1 ** step, biasCorrection2: 1 - beta2 ** step,
    });
  }
}

/**
 * torch.optim.AdamW: Adam with decoupled weight decay p *= 1 - lr * weightDecay before the
 * Adam update (default weightDecay 1e-2). Equations as in `Adam`.
 */
export class AdamW extends Adam {}

function validate(fn: string, o: AdamOptions, defaultDecay: number): { lr: number; betas: [number, number]; eps: number; weightDecay: number } {
  const lr = checkHyper(fn, 'lr', o.lr ?? 1e-3);
  const betas = o.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`${fn}: betas must be a pair [beta1, beta2], got ${String(betas)}`);
  const beta1 = checkHyper(fn, 'betas[0]', betas[0], { max: 1, maxOpen: true });
  const beta2 = checkHyper(fn, 'betas[1]', betas[1], { max: 1, maxOpen: true });
  const eps = checkHyper(fn, 'eps', o.eps ?? 1e-8);
  const weightDecay = checkHyper(fn, 'weightDecay', o.weightDecay ?? defaultDecay);
  return { lr, betas: [beta1, beta2], eps, weightDecay };
}
