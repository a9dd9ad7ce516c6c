/**
 * End to end: training a recurrent model on the wasm backend gives bit-identical losses,
 * gradients and weights with 1 and with 2 threads (LSTM, GRU and Elman layers, 2 layers, Adam),
 * because threads split kernels only along output rows and columns. (A test of the kernel
 * layer that drives the layers above it: nothing in src/kernels imports this file.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../../autograd/tape.js';
import { crossEntropy, reshape } from '../../autograd/ops/index.js';
import { RecurrentModel, type CellType } from '../../nn/recurrent-model.js';
import { Adam } from '../../optim/adam.js';
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { WasmBackend } from './wasm-backend.js';

const T = 12, B = 32, V = 23, H = 96;

async function train(cell: CellType, threads: number): Promise<{ losses: number[]; grads: Float32Array[]; params: Float32Array[] }> {
  const backend = await WasmBackend.create({ threads });
  const rng = new Rng(11);
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: V }, cell, hiddenSize: H, numLayers: 2, outputSize: V }, { rng }).to(backend);
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const tape = new Tape(backend);
  const losses: number[] = [];
  let grads: Float32Array[] = [];
  for (let step = 0; step < 3; step++) {
    const ids = Int32Array.from({ length: (T + 1) * B }, () => rng.int(V));
    tape.reset();
    opt.zeroGrad();
    const { logits } = model.forward(tape, new IntTensor(ids.slice(0, T * B), [T, B]));
    const loss = crossEntropy(tape, reshape(tape, logits, [T * B, V]), new IntTensor(ids.slice(B), [T * B]));
    tape.backward(loss);
    losses.push(loss.data[0]!);
    grads = model.parameters().map((p) => p.grad!.data.slice());
    opt.step();
  }
  return { losses, grads, params: model.parameters().map((p) => p.data.slice()) };
}

const sameBits = (x: Float32Array, y: Float32Array): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

for (const cell of ['lstm', 'gru', 'rnn-tanh'] as const) {
  test(`${cell}: 2-layer training (forward, backward, Adam) is bit-identical on 1 and 2 threads`, async () => {
    const one = await train(cell, 1);
    const two = await train(cell, 2);
    assert.deepEqual(two.losses, one.losses);
    one.grads.forEach((g, i) => assert.ok(sameBits(two.grads[i]!, g), `gradient of parameter ${i} differs`));
    one.params.forEach((p, i) => assert.ok(sameBits(two.params[i]!, p), `parameter ${i} differs after 3 Adam steps`));
  });
}
