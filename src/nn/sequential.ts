/**
 * `Sequential`, a chain of layers applied in order, named '0', '1', ... like nn.Sequential so
 * that state dict keys match PyTorch (`0.weight`, `2.bias`). It only chains single-input,
 * single-output layers; models with several inputs or states write their own forward.
 */
import type { Tape } from '../autograd/tape.js';
import { type IntTensor, Tensor } from '../tensor/tensor.js';
import { type Layer, Module, describe } from './module.js';

type AnyLayer = Module & Layer<any>;

/**
 * y = layers[n-1](... layers[1](layers[0](x))). The first layer may take token ids
 * (an `Embedding`); every later one takes the previous output. With no layers, y = x.
 */
export class Sequential extends Module implements Layer<Tensor | IntTensor> {
  private readonly layers: AnyLayer[] = [];

  constructor(...layers: AnyLayer[]) {
    super();
    for (const l of layers) this.append(l);
  }

  /** Adds a layer at the end under the next index name. */
  append(layer: AnyLayer): this {
    if (!(layer instanceof Module) || typeof (layer as Partial<Layer>).forward !== 'function') {
      throw new Error(`Sequential: layer ${this.layers.length} must be a Module with forward(tape, x), got ${describe(layer)}`);
    }
    this.registerModule(String(this.layers.length), layer);
    this.layers.push(layer);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  /** The layer at index `i` (negative counts from the end). */
  at(i: number): AnyLayer {
    const j = i < 0 ? this.layers.length + i : i;
    const l = this.layers[j];
    if (!Number.isInteger(i) || l === undefined) throw new Error(`Sequential.at: index ${i} is outside [${-this.layers.length}, ${this.layers.length})`);
    return l;
  }

  [Symbol.iterator](): IterableIterator<AnyLayer> {
    return this.layers[Symbol.iterator]();
  }

  forward(tape: Tape, x: Tensor | IntTensor): Tensor {
    if (this.layers.length === 0) {
      // As nn.Sequential: no layers is the identity (which only makes sense for float input).
      if (x instanceof Tensor) return x;
      throw new Error(`Sequential.forward: an empty Sequential returns its input, which must then be a Tensor, got ${describe(x)}`);
    }
    let y: Tensor | IntTensor = x;
    for (const l of this.layers) y = l.forward(tape, y);
    return y as Tensor;
  }
}
