/**
 * Reference optimizer updates, following torch.optim's update rules line by line (single
 * tensor, no amsgrad/maximize). Each is one pass over a flat parameter buffer; `grads` is read
 * only (weight decay is applied to a local copy of the gradient).
 */
import type { AdagradOptions, AdamOptions, F32, RmspropOptions, SgdOptions } from '../backend.js';

/**
 * torch.optim.SGD: g = grad + wd * p; with momentum, buf = g on the first step, else
 * buf = momentum * buf + (1 - dampening) * g; g = nesterov ? g + momentum * buf : buf; p -= lr * g.
 */
export function sgdStep(n: number, params: F32, grads: F32, momentumBuf: F32, o: SgdOptions, firstStep: boolean): void {
  const { lr, momentum, dampening, weightDecay, nesterov } = o;
  for (let i = 0; i < n; i++) {
    let g = grads[i] + weightDecay * params[i];
    if (momentum !== 0) {
      const buf = firstStep ? g : momentum * momentumBuf[i] + (1 - dampening) * g;
      momentumBuf[i] = buf;
      g = nesterov ? g + momentum * buf : buf;
    }
    params[i] -= lr * g;
  }
}

/** torch.optim.Adagrad: g = grad + wd * p; sum += g^2; p -= lr * g / (sqrt(sum) + eps). */
export function adagradStep(n: number, params: F32, grads: F32, sumSquares: F32, o: AdagradOptions): void {
  const { lr, eps, weightDecay } = o;
  for (let i = 0; i < n; i++) {
    const g = grads[i] + weightDecay * params[i];
    const s = sumSquares[i] + g * g;
    sumSquares[i] = s;
    params[i] -= lr * g / (Math.sqrt(s) + eps);
  }
}

/**
 * torch.optim.RMSprop: g = grad + wd * p; sq = alpha * sq + (1 - alpha) g^2;
 * centered: ga = alpha * ga + (1 - alpha) g, avg = sqrt(sq - ga^2) + eps, else avg = sqrt(sq) + eps;
 * momentum > 0: buf = momentum * buf + g / avg, p -= lr * buf; else p -= lr * g / avg.
 */
export function rmspropStep(n: number, params: F32, grads: F32, squareAvg: F32, gradAvg: F32, momentumBuf: F32, o: RmspropOptions): void {
  const { lr, alpha, eps, weightDecay, momentum, centered } = o;
  for (let i = 0; i < n; i++) {
    const g = grads[i] + weightDecay * params[i];
    const sq = alpha * squareAvg[i] + (1 - alpha) * g * g;
    squareAvg[i] = sq;
    let avg: number;
    if (centered) {
      const ga = alpha * gradAvg[i] + (1 - alpha) * g;
      gradAvg[i] = ga;
      avg = Math.sqrt(sq - ga * ga) + eps;
    } else {
      avg = Math.sqrt(sq) + eps;
    }
    if (momentum > 0) {
      const buf = momentum * momentumBuf[i] + g / avg;
      momentumBuf[i] = buf;
      params[i] -= lr * buf;
    } else {
      params[i] -= lr * g / avg;
    }
  }
}

/**
 * torch.optim.Adam / AdamW: AdamW first decays p *= 1 - lr * wd, Adam adds wd * p to the
 * gradient; then m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr * (m / bc1) / (sqrt(v / bc2) + eps).
 */
export function adamStep(n: number, params: F32, grads: F32, m: F32, v: F32, o: AdamOptions): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupled, biasCorrection1, biasCorrection2 } = o;
  for (let i = 0; i < n; i++) {
    let p = params[i];
    let g = grads[i];
    if (decoupled) p *= 1 - lr * weightDecay;
    else g += weightDecay * p;
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = p - lr * (mi / biasCorrection1) / (Math.sqrt(vi / biasCorrection2) + eps);
  }
}
