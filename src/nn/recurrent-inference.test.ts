/**
 * The recurrent layers on the wasm backend at sizes where the whole-sequence kernels split the
 * hidden units into several blocks and between threads (2 layers, bidirectional, lengths,
 * initial states): the inference forward (nothing saved) and the training forward (saving for
 * the backward) agree bit for bit; the gradients of every parameter, the input and the initial
 * states agree with the reference backend, and are bit-identical on 1 and 2 threads.
 * Forwards against ONNX Runtime: recurrent.onnx.test.ts; the reference's gradients against
 * finite differences: recurrent.gradcheck.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Gru, Lstm, Rnn, type RecurrentBase } from './recurrent.js';
import { Tape } from '../autograd/tape.js';
import { add, mul, sum } from '../autograd/ops/index.js';
import type { Backend } from '../kernels/backend.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { NativeBackend } from '../kernels/native/native-backend.js';
import { nativeStatus, noteNativeSkipped } from '../testing/native-backends.js';
import { sequenceParts } from '../kernels/wasm/split.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { assertClose, randomFloats } from '../testing/compare.js';

const T = 9, B = 4, I = 7, H = 136; // sequenceParts(4, G, 136, 2) = 2 for every kind
const lengths = Int32Array.from([9, 4, 1, 7]);
let keep: Backend[] = [];
after(() => { keep = []; });

function models(seed: number): [string, RecurrentBase][] {
  const o = { inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true };
  return [
    ['LSTM', new Lstm({ ...o, rng: new Rng(seed) })],
    ['GRU', new Gru({ ...o, rng: new Rng(seed + 1) })],
    ['Elman tanh', new Rnn({ ...o, rng: new Rng(seed + 2) })],
    ['Elman relu', new Rnn({ ...o, nonlinearity: 'relu', rng: new Rng(seed + 3) })],
    ['GRU without bias', new Gru({ ...o, bias: false, rng: new Rng(seed + 4) })],
  ];
}

for (const [label, make] of [
  ['reference', async () => new ReferenceBackend()],
  ['wasm, 1 thread', () => WasmBackend.create({ threads: 1, poisonScratch: true })],
  ['wasm, 2 threads', () => WasmBackend.create({ threads: 2, poisonScratch: true })],
  ...(nativeStatus.ok ? [
    ['native, 1 thread', () => NativeBackend.create({ threads: 1 })],
    ['native, 2 threads', () => NativeBackend.create({ threads: 2 })],
  ] as const : []),
] as const) {
  test(`inference and training forwards are bit-identical (${label}; 2 layers, bidirectional, lengths, initial state)`, async () => {
    const backend: Backend = await make();
    keep.push(backend);
    const rng = new Rng(7);
    const x = new Tensor(randomFloats(rng, T * B * I, -2, 2), [T, B, I]);
    for (const [name, model] of models(11)) {
      model.to(backend);
      const init = model.zeroState(B);
      init.h.data.set(randomFloats(rng, init.h.size));
      if (init.c) init.c.data.set(randomFloats(rng, init.c.size));
      for (const options of [{}, { lengths, initialState: init }]) {
        const inference = model.forward(Tape.inference(backend), x, options);
        const training = model.forward(new Tape(backend), x, options);
        const what = `${name}${'lengths' in options ? ' with lengths and initial state' : ''}`;
        assert.deepEqual(Array.from(inference.output.data), Array.from(training.output.data), `${what}: output`);
        assert.deepEqual(Array.from(inference.state.h.data), Array.from(training.state.h.data), `${what}: final h`);
        if (training.state.c) assert.deepEqual(Array.from(inference.state.c!.data), Array.from(training.state.c.data), `${what}: final c`);
        assert.ok(inference.output.data.some((v) => v !== 0), `${what}: a non-trivial output`);
      }
    }
  });
}

/** Gradients of sum(output * r) + sum(h) (+ sum(c)) for every parameter, x, h0 and c0, in order. */
function gradients(backend: Backend, model: RecurrentBase, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const x = new Tensor(randomFloats(rng, T * B * I, -2, 2), [T, B, I]);
  const r = new Tensor(randomFloats(rng, T * B * 2 * H), [T, B, 2 * H]);
  const init = model.zeroState(B);
  init.h.data.set(randomFloats(rng, init.h.size));
  if (init.c) init.c.data.set(randomFloats(rng, init.c.size));
  const tape = new Tape(backend);
  for (const p of model.parameters()) p.grad!.data.fill(0);
  tape.watch(x);
  tape.watch(init.h);
  if (init.c) tape.watch(init.c);
  const { output, state } = model.forward(tape, x, { lengths, initialState: init });
  let loss = add(tape, sum(tape, mul(tape, output, r)), sum(tape, state.h));
  if (state.c) loss = add(tape, loss, sum(tape, state.c));
  tape.backward(loss);
  return [...model.parameters().map((p) => Float32Array.from(p.grad!.data)), ...[x, init.h, ...(init.c ? [init.c] : [])].map((t) => Float32Array.from(tape.grad(t).data))];
}

test('gradients on wasm (1 and 2 threads) agree with the reference, bit-identical between thread counts', async () => {
  const ref = new ReferenceBackend();
  const [one, two] = [await WasmBackend.create({ threads: 1, poisonScratch: true }), await WasmBackend.create({ threads: 2, poisonScratch: true })];
  keep.push(one, two);
  for (const [name, model] of models(21)) {
    const expected = gradients(ref, model.to(ref), 5);
    const g1 = gradients(one, model.to(one), 5);
    const g2 = gradients(two, model.to(two), 5);
    expected.forEach((e, i) => {
      assertClose(g1[i]!, e, { rtol: 1e-3, atol: 1e-5 }, `${name}: gradient ${i} (wasm vs reference)`);
      assert.ok(g1[i]!.every((v, j) => Object.is(v, g2[i]![j])), `${name}: gradient ${i} bit-identical on 1 and 2 threads`);
    });
    assert.ok(expected.every((g) => g.some((v) => v !== 0)), `${name}: every gradient is non-trivial`);
  }
});

test('at these sizes the whole-sequence kernels split between 2 threads for every cell kind', () => {
  for (const G of [4, 3, 1]) assert.equal(sequenceParts(B, G, H, 2), 2);
});

test('poisonScratch fills arena scratch with NaN (and zeroed tensors stay zero)', async () => {
  const be = await WasmBackend.create({ threads: 1, poisonScratch: true });
  keep.push(be);
  const tape = new Tape(be);
  tape.tensor([8]);
  assert.ok(tape.scratch([16]).data.every((v) => Number.isNaN(v)));
  assert.ok(tape.tensor([16]).data.every((v) => v === 0));
  tape.reset();
  assert.ok(tape.tensor([64]).data.every((v) => v === 0), 'reused arena memory is zeroed for tensor()');
});

noteNativeSkipped('native backend: inference and training forwards');
