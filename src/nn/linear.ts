/**
 * `Linear`, the affine layer y = x W^T + b with PyTorch's layout and initialisation. It is a
 * thin module over the `linear` op; batching over leading dimensions is a zero-copy reshape.
 */
import { linear, reshape } from '../autograd/ops/index.js';
import { Parameter } from '../autograd/parameter.js';
import type { Tape } from '../autograd/tape.js';
import { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { pytorchDefault } from './init.js';
import { type Layer, Module, checkParametersSet, describe, initOrLeaveUnset } from './module.js';

export interface LinearOptions {
  /**
   * Initialises weight and bias. Without one the parameters stay unset until `loadStateDict`
   * (for a layer rebuilt to load saved weights), and `forward` throws until then.
   */
  rng?: Rng;
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x W^T + b.
 *
 * Shapes: x [..., I] (any number of leading dimensions, including none) -> y [..., O].
 * Parameters: `weight` [O, I], `bias` [O] (absent with `bias: false`).
 * Init (as nn.Linear): weight and bias ~ U(-k, k), k = 1 / sqrt(I).
 */
export class Linear extends Module implements Layer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new Error(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    if (options.rng !== undefined && !(options.rng instanceof Rng)) throw new Error(`Linear: options.rng must be an Rng, got ${describe(options.rng)}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', Parameter.zeros([outFeatures, inFeatures]));
    initOrLeaveUnset(this.weight, options.rng, (rng) => pytorchDefault(this.weight, rng, inFeatures));
    if (options.bias ?? true) {
      const bias = this.registerParameter('bias', Parameter.zeros([outFeatures]));
      initOrLeaveUnset(bias, options.rng, (rng) => pytorchDefault(bias, rng, inFeatures));
      this.bias = bias;
    }
  }

  /** x [..., I] -> [..., O]; leading dimensions are flattened into rows without copying. */
  forward(tape: Tape, x: Tensor): Tensor {
    checkParametersSet(this, 'Linear.forward');
    const s = x.shape;
    if (s.length === 0 || s[s.length - 1] !== this.inFeatures) {
      throw new Error(`Linear.forward: x must be [*, ${this.inFeatures}], got ${formatShape(s)}`);
    }
    if (s.length === 2) return linear(tape, x, this.weight, this.bias);
    const lead = s.slice(0, -1);
    const rows = lead.reduce((a, b) => a * b, 1);
    const y = linear(tape, reshape(tape, x, [rows, this.inFeatures]), this.weight, this.bias);
    return reshape(tape, y, [...lead, this.outFeatures]);
  }

  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== undefined}`;
  }
}
