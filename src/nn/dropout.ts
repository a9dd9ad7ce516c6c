/**
 * `Dropout` (inverted dropout, as nn.Dropout): in training mode each element is zeroed with
 * probability p and the survivors are scaled by 1 / (1 - p); in eval mode it is the identity.
 * Randomness comes from the `Rng` given at construction; there is no global generator.
 */
import { dropout, scale } from '../autograd/ops/index.js';
import type { Tape } from '../autograd/tape.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { type Layer, Module, describe } from './module.js';

export interface DropoutOptions {
  /**
   * Draws the masks; seed it for reproducible training. Optional for a layer that will only
   * run in eval mode; `forward` in training mode without one throws.
   */
  rng?: Rng;
}

/**
 * y = x * m / (1 - p), m ~ Bernoulli(1 - p) per element, in training mode (y = 0 when p = 1);
 * y = x in eval mode. One `rng.next()` per element per training call.
 * Shapes: any -> the same shape. No parameters.
 */
export class Dropout extends Module implements Layer {
  readonly p: number;
  readonly rng: Rng | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be a probability in [0, 1], got ${String(p)}`);
    if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new Error(`Dropout: options.rng must be an Rng, got ${describe(options.rng)}`);
    this.p = p;
    this.rng = options.rng;
  }

  forward(tape: Tape, x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`Dropout.forward: x must be a Tensor, got ${describe(x)}`);
    if (!this.training || this.p === 0) return x;
    if (this.p === 1) return scale(tape, x, 0); // everything dropped (as PyTorch): zeros, zero gradient
    if (!this.rng) throw new Error(`Dropout.forward: dropout p = ${this.p} in training mode draws masks from an Rng, and this Dropout has none; pass options.rng, or call eval() for inference`);
    return dropout(tape, x, this.p, this.rng);
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
