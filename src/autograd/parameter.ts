/**
 * A trainable tensor: its value, a gradient buffer of the same shape, and a flag that freezes
 * it. `packParameters` moves a list of parameters into one flat value buffer and one flat
 * gradient buffer of a backend, so that an optimizer step or a checkpoint is a single pass.
 */
import type { Backend } from '../kernels/backend.js';
import { Tensor } from '../tensor/tensor.js';
import type { Shape } from '../tensor/shape.js';

export class Parameter extends Tensor {
  /** Gradient accumulated by `Tape.backward` (same shape). */
  grad: Tensor;
  /** False freezes the parameter: no gradient flows into it and optimizers skip it. */
  requiresGrad: boolean;

  constructor(data: Float32Array, shape: Shape, requiresGrad = true) {
    super(data, shape);
    this.grad = new Tensor(new Float32Array(data.length), shape);
    this.requiresGrad = requiresGrad;
  }

  static override zeros(shape: Shape, requiresGrad = true): Parameter {
    const t = Tensor.zeros(shape);
    return new Parameter(t.data, shape, requiresGrad);
  }
}

/** Parameters that share one flat value buffer and one flat gradient buffer, in order. */
export interface ParameterPack {
  readonly backend: Backend;
  readonly values: Float32Array;
  readonly grads: Float32Array;
  readonly params: readonly Parameter[];
  /** Element offset of each parameter inside the buffers. */
  readonly offsets: readonly number[];
}

const packs = new WeakMap<Parameter, ParameterPack>();

/** The pack a parameter lives in, if any. */
export function packOf(p: Parameter): ParameterPack | undefined {
  return packs.get(p);
}

/**
 * Copies `params` (values and gradients) into one flat buffer pair allocated by `backend` and
 * re-points each parameter at its slice. Duplicates are packed once.
 */
export function packParameters(backend: Backend, params: readonly Parameter[]): ParameterPack {
  const unique = [...new Set(params)];
  let total = 0;
  const offsets: number[] = [];
  for (const p of unique) {
    offsets.push(total);
    total += p.size;
  }
  const values = backend.allocFloats(total);
  const grads = backend.allocFloats(total);
  const pack: ParameterPack = { backend, values, grads, params: unique, offsets };
  unique.forEach((p, i) => {
    const o = offsets[i]!;
    const v = values.subarray(o, o + p.size);
    const g = grads.subarray(o, o + p.size);
    v.set(p.data);
    g.set(p.grad.data);
    p.data = v;
    p.grad.data = g;
    packs.set(p, pack);
  });
  return pack;
}
