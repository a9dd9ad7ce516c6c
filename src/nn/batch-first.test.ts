// batchFirst, as PyTorch's batch_first: Rnn/Lstm/Gru and RecurrentModel take [B, T, *] and
// return [B, T, *] with the same numbers (and gradients) as the time-major layer on the
// transposed input; states stay [L*D, B, H]. The config field is saved and old configs load.
// Shape errors name both layouts, since a batch-first input to a time-major layer (the
// issue's [150, 28, 28]) cannot be told apart by shape alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../autograd/tape.js';
import { sum } from '../autograd/ops/sum-mean.js';
import { mul } from '../autograd/ops/elementwise.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { randomFloats } from '../testing/compare.js';
import { Gru, Lstm, type RecurrentBase, type RecurrentOptions, Rnn } from './recurrent.js';
import { RecurrentModel, normalizeModelConfig } from './recurrent-model.js';
import { decodeModelFile, encodeModelFile } from '../io/model-file.js';
import { encodeSafetensors } from '../io/safetensors.js';

const backend = new ReferenceBackend();
const T = 4, B = 3, I = 5, H = 6;

/** Swaps the first two axes of a JavaScript-heap tensor (the test's own oracle, not the op). */
function swap(x: Tensor): Tensor {
  const [a, b] = x.shape as [number, number];
  const inner = x.size / (a * b);
  const out = new Float32Array(x.size);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.set(x.data.subarray((i * b + j) * inner, (i * b + j + 1) * inner), (j * a + i) * inner);
  return new Tensor(out, [b, a, ...x.shape.slice(2)]);
}

const makers: [string, (o: RecurrentOptions) => RecurrentBase][] = [
  ['rnn', (o) => new Rnn(o)], ['lstm', (o) => new Lstm(o)], ['gru', (o) => new Gru(o)],
];

test('Rnn, Lstm, Gru with batchFirst: [B, T, I] -> [B, T, D*H], the time-major numbers transposed, gradients too', () => {
  const rng = new Rng(1);
  const xt = new Tensor(randomFloats(rng, T * B * I), [T, B, I]);
  const lengths = [T, 2, 3];
  for (const [name, make] of makers) {
    for (const bidirectional of [false, true]) {
      const o = { inputSize: I, hiddenSize: H, numLayers: 2, bidirectional, rng: new Rng(2) };
      const timeMajor = make(o);
      const batchFirst = make({ ...o, rng: undefined, batchFirst: true });
      batchFirst.loadStateDict(timeMajor.stateDict());
      assert.equal(batchFirst.batchFirst, true);
      const init = timeMajor.zeroState(B);
      init.h.data.set(randomFloats(rng, init.h.size));
      if (init.c) init.c.data.set(randomFloats(rng, init.c.size));
      const run = (layer: RecurrentBase, x: Tensor) => {
        const tape = new Tape(backend);
        const xin = tape.watch(tape.copy(x));
        const r = layer.forward(tape, xin, { lengths, initialState: init });
        // The same weights per (t, b) in both layouts, so dL/dx is the time-major one transposed.
        const w = new Tensor(Float32Array.from({ length: r.output.size }, (_, i) => Math.cos(i)), [T, B, r.output.shape[2]!]);
        tape.backward(sum(tape, mul(tape, r.output, tape.copy(layer.batchFirst ? swap(w) : w))));
        return { output: r.output.clone(), h: r.state.h.clone(), c: r.state.c?.clone(), dx: tape.grad(xin).clone() };
      };
      const a = run(timeMajor, xt);
      const b = run(batchFirst, swap(xt));
      const label = `${name} bidirectional=${bidirectional}`;
      assert.deepEqual(b.output.shape, [B, T, (bidirectional ? 2 : 1) * H], label);
      assert.deepEqual(b.h.shape, [2 * (bidirectional ? 2 : 1), B, H], `${label}: states stay [L*D, B, H]`);
      assert.deepEqual(b.output.toArray(), swap(a.output).toArray(), `${label}: output`);
      assert.deepEqual(b.h.toArray(), a.h.toArray(), `${label}: h`);
      if (a.c) assert.deepEqual(b.c!.toArray(), a.c.toArray(), `${label}: c`);
      assert.deepEqual(b.dx.toArray(), swap(a.dx).toArray(), `${label}: dL/dx`);
    }
  }
});

test('step on a batchFirst layer takes x [B, I] as before', () => {
  const o = { inputSize: I, hiddenSize: H, rng: new Rng(3) };
  const a = new Gru(o);
  const b = new Gru({ ...o, rng: undefined, batchFirst: true });
  b.loadStateDict(a.stateDict());
  const x = new Tensor(randomFloats(new Rng(4), B * I), [B, I]);
  const tape = Tape.inference(backend);
  const sa = a.step(tape, x);
  const sb = b.step(tape, x);
  assert.deepEqual(sb.y.shape, [B, H]);
  assert.deepEqual(sb.y.toArray(), sa.y.toArray());
  assert.deepEqual(b.step(tape, x, sb.state).y.toArray(), a.step(tape, x, sa.state).y.toArray());
});

test('RecurrentModel with batchFirst: ids [B, T] -> logits [B, T, O]; output last unchanged; saved in the config', () => {
  const tape = Tape.inference(backend);
  const ids = IntTensor.from(Array.from({ length: T * B }, (_, i) => (i * 5) % 7), [T, B]);
  const idsBatchFirst = IntTensor.from(Array.from({ length: T * B }, (_, k) => ids.data[(k % T) * B + Math.floor(k / T)]!), [B, T]);
  for (const output of ['sequence', 'last'] as const) {
    const config = { input: { kind: 'embedding' as const, vocabSize: 7, embeddingDim: 3 }, cell: 'lstm' as const, hiddenSize: H, numLayers: 2, bidirectional: true, outputSize: 4, output };
    const timeMajor = new RecurrentModel(config, { rng: new Rng(5) });
    const { model } = decodeModelFile(encodeModelFile(new RecurrentModel({ ...config, batchFirst: true }, { rng: new Rng(5) })));
    assert.equal(model.config.batchFirst, true, 'the model file keeps batchFirst');
    assert.equal(model.rnn.batchFirst, true);
    const a = timeMajor.forward(tape, ids);
    const b = model.forward(tape, idsBatchFirst);
    if (output === 'sequence') {
      assert.deepEqual(b.logits.shape, [B, T, 4]);
      assert.deepEqual(b.logits.toArray(), swap(a.logits.clone()).toArray());
    } else {
      assert.deepEqual(b.logits.shape, [B, 4]);
      assert.deepEqual(b.logits.toArray(), a.logits.toArray());
    }
    assert.deepEqual(b.state.h.toArray(), a.state.h.toArray());
  }
  // Dense input the same way, [B, T, I].
  const dense = { input: { kind: 'dense' as const, size: I }, cell: 'gru' as const, hiddenSize: H, outputSize: 2, batchFirst: true };
  const x = new Tensor(randomFloats(new Rng(6), T * B * I), [T, B, I]);
  const tm = new RecurrentModel({ ...dense, batchFirst: false }, { rng: new Rng(7) });
  const bf = new RecurrentModel(dense, { rng: new Rng(7) });
  assert.deepEqual(bf.forward(tape, swap(x)).logits.toArray(), swap(tm.forward(tape, x).logits.clone()).toArray());
});

test('model configs: batchFirst defaults to false, old configs without it load, a wrong value is named', () => {
  const base = { input: { kind: 'one-hot' as const, vocabSize: 3 }, outputSize: 3 };
  assert.equal(normalizeModelConfig(base).batchFirst, false);
  assert.equal(normalizeModelConfig({ ...base, batchFirst: true }).batchFirst, true);
  assert.throws(() => normalizeModelConfig({ ...base, batchFirst: 'yes' as never }), /RecurrentModel config: batchFirst must be true or false, got "yes"/);
  const model = new RecurrentModel(base, { rng: new Rng(8) });
  const { batchFirst: _, ...old } = model.config; // a config written before the field existed
  const oldBytes = encodeSafetensors(model.stateDict(), { format: 'pt', 'recur.format_version': '1', 'recur.config': JSON.stringify(old) });
  assert.equal(decodeModelFile(oldBytes).config.batchFirst, false);
});

test('shape errors name both layouts: a batch-first input to a time-major layer, and the reverse', () => {
  const tape = Tape.inference(backend);
  const lstm = new Lstm({ inputSize: 28, hiddenSize: 4, rng: new Rng(9) });
  const images = Tensor.zeros([150, 28, 28]); // [B, T, I] given to a time-major layer
  const lengths = Array(150).fill(28);
  assert.throws(() => lstm.forward(tape, images, { lengths }), {
    message: 'Lstm.forward: lengths must have one entry per sequence (B = 28), got 150 (x [150, 28, 28] is read as [T, B, I]: T = 150, B = 28; batch-first [B, T, I] input needs batchFirst: true)',
  });
  assert.throws(() => lstm.forward(tape, images, { initialState: { h: Tensor.zeros([1, 150, 4]), c: Tensor.zeros([1, 150, 4]) } }), {
    message: 'Lstm.forward: initialState.h must be [1, 28, 4], got [1, 150, 4] (x [150, 28, 28] is read as [T, B, I]: T = 150, B = 28; batch-first [B, T, I] input needs batchFirst: true)',
  });
  assert.throws(() => lstm.forward(tape, Tensor.zeros([150, 28])), { message: 'Lstm.forward: x must be [T, B, 28] (time-major), got [150, 28]; batch-first [B, T, 28] input needs batchFirst: true' });
  const bf = new Gru({ inputSize: 28, hiddenSize: 4, batchFirst: true, rng: new Rng(9) });
  assert.throws(() => bf.forward(tape, Tensor.zeros([28, 150, 28]), { lengths: Array(150).fill(2) }), {
    message: 'Gru.forward: lengths must have one entry per sequence (B = 28), got 150 (x [28, 150, 28] is read as [B, T, I]: B = 28, T = 150; time-major [T, B, I] input needs batchFirst: false)',
  });
  assert.throws(() => bf.forward(tape, Tensor.zeros([5, 28])), { message: 'Gru.forward: x must be [B, T, 28] (batchFirst: true), got [5, 28]; time-major [T, B, 28] input needs batchFirst: false' });
  assert.throws(() => new Gru({ inputSize: 2, hiddenSize: 2, batchFirst: 1 as never }), /Gru: batchFirst must be true or false, got number 1/);
});
