/**
 * The two forwards of the recurrent layers agree bit for bit: inference (Tape.inference: the
 * whole sequence in one recurrentSequence call) and training (a recording tape: one product
 * and one cell kernel per step, what the backward pass replays). Both are checked against
 * ONNX Runtime in recurrent.onnx.test.ts; here at sizes where the wasm kernel splits the
 * hidden units into several blocks and between threads.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Gru, Lstm, Rnn, type RecurrentBase } from './recurrent.js';
import { Tape } from '../autograd/tape.js';
import type { Backend } from '../kernels/backend.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { randomFloats } from '../testing/compare.js';

const T = 9, B = 3, I = 7, H = 44;
const lengths = Int32Array.from([9, 4, 1]);
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
  ['wasm, 1 thread', () => WasmBackend.create({ threads: 1 })],
  ['wasm, 2 threads', () => WasmBackend.create({ threads: 2 })],
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
