/**
 * Whole models on the native backend against the reference oracle: every cell kind, one layer
 * and a bidirectional two-layer stack with variable lengths and mean pooling; the loss and the
 * gradient of every parameter after one backward pass, then the losses of a few Adam steps. The
 * kernels' own conformance tests check each kernel; this checks how the model composes them
 * (the recurrent layer's whole-sequence path, packing, the optimizer) end to end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy, reshape } from '../../autograd/ops/index.js';
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../backend.js';
import { CELL_KINDS, type CellKind } from '../cell-kinds.js';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { RecurrentModel, type RecurrentModelConfigInput } from '../../nn/recurrent-model.js';
import { Adam } from '../../optim/adam.js';
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { maybeNative, noteNativeSkipped } from '../../testing/native-backends.js';

const T = 7, B = 5, V = 11, H = 19, CLASSES = 4;

interface Variant { name: string; config(cell: CellKind): RecurrentModelConfigInput; lengths?: Int32Array }

const VARIANTS: Variant[] = [
  {
    name: '1 layer, one-hot input, a head at every step',
    config: (cell) => ({ input: { kind: 'one-hot', vocabSize: V }, cell, hiddenSize: H, numLayers: 1, outputSize: V, output: 'sequence' }),
  },
  {
    name: '2 layers, bidirectional, embedding input, lengths, mean pooling',
    config: (cell) => ({ input: { kind: 'embedding', vocabSize: V, embeddingDim: 6 }, cell, hiddenSize: H, numLayers: 2, bidirectional: true,
      outputSize: CLASSES, output: 'last', pooling: 'mean' }),
    lengths: Int32Array.from([7, 3, 5, 1, 6]),
  },
];

/** Loss, parameter gradients, and the losses of `steps` Adam steps, on `backend` from the same initial weights. */
function run(backend: Backend, v: Variant, cell: CellKind, steps: number): { loss: number; grads: Map<string, Float32Array>; losses: number[] } {
  const model = new RecurrentModel(v.config(cell), { rng: new Rng(5) }).to(backend);
  const rng = new Rng(9);
  const ids = new IntTensor(Int32Array.from({ length: T * B }, () => rng.int(V)), [T, B]);
  const targets = v.lengths
    ? new IntTensor(Int32Array.from({ length: B }, () => rng.int(CLASSES)), [B])
    : new IntTensor(Int32Array.from({ length: T * B }, () => rng.int(V)), [T * B]);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const tape = new Tape(backend);
  const step = (): number => {
    tape.reset();
    opt.zeroGrad();
    const { logits } = model.forward(tape, ids, v.lengths ? { lengths: v.lengths } : {});
    const loss = crossEntropy(tape, v.lengths ? logits : reshape(tape, logits, [T * B, V]), targets);
    const value = loss.item();
    tape.backward(loss);
    return value;
  };
  const loss = step();
  const grads = new Map([...model.namedParameters()].map(([name, p]) => [name, Float32Array.from(p.grad!.data)]));
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.step();
    losses.push(step());
  }
  return { loss, grads, losses };
}

noteNativeSkipped('native backend: whole models against the reference');

for (const threads of [1, 2]) {
  test(`whole models on native (${threads} thread${threads === 1 ? '' : 's'}): loss and every gradient as the reference computes them`, async (t) => {
    const native = await maybeNative({ threads });
    if (!native) return t.skip('native addon unavailable');
    const ref = new ReferenceBackend();
    let worst = 0;
    for (const cell of CELL_KINDS) {
      for (const v of VARIANTS) {
        const label = `${cell}, ${v.name}`;
        const want = run(ref, v, cell, 5);
        const got = run(native, v, cell, 5);
        assert.ok(Math.abs(got.loss - want.loss) <= 1e-5 * Math.max(1, Math.abs(want.loss)), `${label}: loss ${got.loss} vs ${want.loss}`);
        for (const [name, g] of want.grads) {
          const h = got.grads.get(name)!;
          // Relative to the tensor's largest gradient: sums of many terms in another order.
          const scale = Math.max(1e-3, ...g.map(Math.abs));
          for (let i = 0; i < g.length; i++) {
            const d = Math.abs(h[i]! - g[i]!) / scale;
            worst = Math.max(worst, d);
            assert.ok(d <= 2e-4, `${label}: grad ${name}[${i}] = ${h[i]} vs reference ${g[i]} (scale ${scale})`);
          }
        }
        want.losses.forEach((l, s) => assert.ok(Math.abs(got.losses[s]! - l) <= 1e-3 * Math.max(1, Math.abs(l)),
          `${label}: loss after ${s + 1} Adam steps ${got.losses[s]} vs ${l}`));
      }
    }
    t.diagnostic(`largest gradient difference, relative to each tensor's largest gradient: ${worst.toExponential(2)}`);
  });
}
