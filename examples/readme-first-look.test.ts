// The README's "A first look" snippet, with concrete data: it must run and learn as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, IntTensor, Linear, Lstm, Rng, Tape, Tensor, createBackend, crossEntropy, reshape } from 'recur-nn';

test('README first-look snippet trains', async () => {
  const backend = await createBackend('wasm');
  const rng = new Rng(42);
  const lstm = new Lstm({ inputSize: 8, hiddenSize: 32, numLayers: 2, rng }).to(backend);
  const head = new Linear(32, 5, { rng }).to(backend);
  const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 1e-2 });
  const T = 6, B = 4;
  // Task: the class of each step is the argmax of that step's first 5 features.
  const x = new Tensor(Float32Array.from({ length: T * B * 8 }, () => rng.uniform(-1, 1)), [T, B, 8]);
  const targets = IntTensor.from(Array.from({ length: T * B }, (_, i) => {
    const row = x.data.subarray(i * 8, i * 8 + 5);
    return row.indexOf(Math.max(...row));
  }), [T * B]);
  const lengths = [6, 6, 5, 3];
  const losses: number[] = [];
  const tape = new Tape(backend);
  for (let step = 0; step < 100; step++) {
    tape.reset();
    opt.zeroGrad();
    const { output } = lstm.forward(tape, x, { lengths });
    const logits = head.forward(tape, output);
    const loss = crossEntropy(tape, reshape(tape, logits, [T * B, 5]), targets);
    losses.push(loss.item());
    tape.backward(loss);
    opt.step();
  }
  assert.ok(losses[99]! < 0.25 * losses[0]!, `loss ${losses[0]} -> ${losses[99]}`);
});
