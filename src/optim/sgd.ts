/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
 * exactly torch.optim.SGD (the update itself is the backend's `sgdStep` kernel).
 */
import type { Parameter } from '../autograd/parameter.js';
import type { Backend, F32 } from '../kernels/backend.js';
import type { Run } from './runs.js';
import { Optimizer, type OptimizerOptions, checkHyper } from './optimizer.js';

export interface SgdOptions extends OptimizerOptions {
  /** Learning rate (default 1e-3, as in PyTorch 2.x). */
  lr?: number;
  /** Momentum factor mu (default 0). */
  momentum?: number;
  /** Dampening tau of the momentum (default 0). */
  dampening?: number;
  /** L2 penalty lambda added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/**
 * torch.optim.SGD. With g_t = grad + lambda * p:
 *   b_1 = g_1;  b_t = mu * b_{t-1} + (1 - tau) * g_t          (when mu > 0)
 *   d_t = nesterov ? g_t + mu * b_t : b_t                       (d_t = g_t when mu = 0)
 *   p_t = p_{t-1} - lr * d_t
 * State: `momentumBuffer` (only when momentum > 0).
 */
export class Sgd extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly momentumBuffers: F32[] | undefined;

  constructor(params: Iterable<Parameter>, options: SgdOptions = {}) {
    const o = validate(options);
    super(params, o.lr, options.backend);
    this.momentum = o.momentum;
    this.dampening = o.dampening;
    this.weightDecay = o.weightDecay;
    this.nesterov = o.nesterov;
    this.momentumBuffers = o.momentum > 0 ? this.allocState('momentumBuffer') : undefined;
  }

  get options(): Record<string, number | boolean> {
    return { momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected update(run: Run & { backend: Backend }, i: number, step: number): void {
    run.backend.sgdStep(run.length, run.values, run.grads, this.momentumBuffers?.[i] ?? this.empty(run.backend), {
      lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov,
    }, step === 1);
  }
}

function validate(o: SgdOptions): Required<Omit<SgdOptions, 'backend'>> {
  const lr = checkHyper('Sgd', 'lr', o.lr ?? 1e-3);
  const momentum = checkHyper('Sgd', 'momentum', o.momentum ?? 0);
  const dampening = checkHyper('Sgd', 'dampening', o.dampening ?? 0, { min: -Infinity });
  const weightDecay = checkHyper('Sgd', 'weightDecay', o.weightDecay ?? 0);
  const nesterov = o.nesterov ?? false;
  if (typeof nesterov !== 'boolean') throw new Error(`Sgd: nesterov must be a boolean, got ${String(nesterov)}`);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new Error(`Sgd: nesterov momentum requires momentum > 0 and dampening = 0, got momentum = ${momentum}, dampening = ${dampening}`);
  }
  return { lr, momentum, dampening, weightDecay, nesterov };
}
