/**
 * `TimeDistributed` (as in Keras): applies a layer made for [N, *] inputs to every time step
 * of a [T, B, *] sequence as ONE call on [T * B, *] (a zero-copy reshape), not a loop over
 * time. It is only for layers without state across time; recurrent layers loop themselves.
 */
import { reshape } from '../autograd/ops/index.js';
import type { Tape } from '../autograd/tape.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { type Layer, Module, describe } from './module.js';

/**
 * y[t, b] = layer(x[t, b]) for every t, b, computed as layer(x.view(T * B, *)).view(T, B, *').
 * Shapes: x [T, B, *] -> [T, B, *'] where the layer maps [N, *] -> [N, *'].
 * The layer is registered as the child 'layer' (state dict keys `layer.weight`, ...).
 */
export class TimeDistributed<In extends Tensor | IntTensor = Tensor> extends Module implements Layer<In> {
  readonly layer: Module & Layer<In>;

  constructor(layer: Module & Layer<In>) {
    super();
    if (!(layer instanceof Module) || typeof (layer as Partial<Layer<In>>).forward !== 'function') {
      throw new Error(`TimeDistributed: layer must be a Module with forward(tape, x), got ${describe(layer)}`);
    }
    this.layer = this.registerModule('layer', layer);
  }

  forward(tape: Tape, x: In): Tensor {
    if (!(x instanceof Tensor || x instanceof IntTensor) || x.rank < 2) {
      throw new Error(`TimeDistributed.forward: x must be [T, B, *], got ${x instanceof Tensor || x instanceof IntTensor ? formatShape(x.shape) : describe(x)}`);
    }
    const [t, b] = x.shape as [number, number];
    const rest = x.shape.slice(2);
    const flat = (x instanceof IntTensor ? x.reshape([t * b, ...rest]) : reshape(tape, x, [t * b, ...rest])) as In;
    const y = this.layer.forward(tape, flat);
    if (y.rank < 1 || y.shape[0] !== t * b) {
      throw new Error(`TimeDistributed.forward: the layer must return [${t * b}, *] for [${t * b}, ...], got ${formatShape(y.shape)}`);
    }
    return reshape(tape, y, [t, b, ...y.shape.slice(1)]);
  }
}
