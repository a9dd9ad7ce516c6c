/**
 * Parameter-free activation modules (`Tanh`, `Relu`, `Sigmoid`) so that activations can sit in
 * a `Sequential`, as nn.Tanh / nn.ReLU / nn.Sigmoid do. The math is the `activation` op.
 */
import { activation } from '../autograd/ops/index.js';
import type { Tape } from '../autograd/tape.js';
import type { Activation } from '../kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { type Layer, Module, describe } from './module.js';

abstract class ActivationModule extends Module implements Layer {
  protected abstract readonly kind: Activation;

  forward(tape: Tape, x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`${this.constructor.name}.forward: x must be a Tensor, got ${describe(x)}`);
    return activation(tape, this.kind, x);
  }
}

/** y = tanh(x), elementwise; any shape. */
export class Tanh extends ActivationModule {
  protected readonly kind = 'tanh' as const;
}

/** y = max(x, 0), elementwise; any shape. */
export class Relu extends ActivationModule {
  protected readonly kind = 'relu' as const;
}

/** y = 1 / (1 + exp(-x)), elementwise; any shape. */
export class Sigmoid extends ActivationModule {
  protected readonly kind = 'sigmoid' as const;
}
