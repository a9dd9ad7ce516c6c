// Pooled models (output 'last' with pooling mean, max or attention) exported to ONNX give, under
// ONNX Runtime, recur's logits, probabilities, final states and attention weights: every pooling
// x {uni-, bidirectional} x {lstm, gru, rnn-tanh}, on a padded batch of different lengths with
// `sequence_lens` fed (and random initial states) and with it omitted (every step valid). Also:
// the ReduceMax of opset 18 on (axes as an input), a multi-label classifier's sigmoid
// probabilities, and padding that can never win a max nor take attention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from './export.js';
import { onnx } from './proto.js';
import { type InputConfig, type Pooling, RecurrentModel } from '../../nn/recurrent-model.js';
import { cellKind } from '../../kernels/cell-kinds.js';
import type { RecurrentState } from '../../nn/recurrent.js';
import { Tape } from '../../autograd/tape.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import { maxAbsDiff } from '../../testing/compare.js';


const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
const floats = (t: Tensor) => new ort.Tensor('float32', Float32Array.from(t.data), [...t.shape]);
const T = 7, B = 4, H = 5, V = 9, O = 3;
const LENGTHS = Int32Array.from([T, 2, 5, 1]);

interface Case { pooling: Exclude<Pooling, 'last'>; cell: 'lstm' | 'gru' | 'rnn-tanh'; bidirectional: boolean; numLayers: number; batchFirst: boolean; input: InputConfig }

/** The model's inputs for the case: ids (or features) in recur's and in ORT's form. */
function inputsOf(c: Case, rng: Rng): { x: IntTensor | Tensor; feed: ort.Tensor } {
  const shape = c.batchFirst ? [B, T] : [T, B];
  if (c.input.kind === 'dense') {
    const x = new Tensor(Float32Array.from({ length: T * B * c.input.size }, () => rng.uniform(-1, 1)), [...shape, c.input.size]);
    return { x, feed: floats(x) };
  }
  const ids = IntTensor.from(Array.from({ length: T * B }, () => rng.int(V)), shape);
  return { x: ids, feed: new ort.Tensor('int64', BigInt64Array.from(Array.from(ids.data, BigInt)), shape) };
}

function randomState(model: RecurrentModel, rng: Rng): RecurrentState {
  const s = model.rnn.zeroState(B);
  for (const t of s.c ? [s.h, s.c] : [s.h]) t.data.set(Float32Array.from({ length: t.size }, () => rng.uniform(-0.5, 0.5)));
  return s;
}

/** Runs `model` in recur and its export in ORT (lengths and states fed, or omitted); the largest difference of every output. */
async function compare(backend: WasmBackend, model: RecurrentModel, c: Pick<Case, 'batchFirst' | 'input'>, how: 'fed' | 'omitted', seed: number,
  options: { opset?: number; probabilities?: 'softmax' | 'sigmoid' } = {}): Promise<Record<string, number>> {
  const rng = new Rng(seed);
  const { x, feed } = inputsOf({ ...c } as Case, rng);
  const init = randomState(model, rng);
  const fed = how === 'fed';
  const bytes = exportOnnx(model, { ...options, optionalInputs: !fed });
  const feeds: Record<string, ort.Tensor> = { input: feed };
  if (fed) {
    feeds.sequence_lens = new ort.Tensor('int32', LENGTHS, [B]);
    feeds.initial_h = floats(init.h);
    if (init.c) feeds.initial_c = floats(init.c);
  }
  const tape = Tape.inference(backend);
  const ours = model.forward(tape, x, fed ? { lengths: LENGTHS, initialState: init } : {});
  const probs = tape.tensor(ours.logits.shape);
  if (options.probabilities === 'sigmoid') probs.data.set(ours.logits.data.map((v) => 1 / (1 + Math.exp(-v))));
  else backend.softmax(B, O, ours.logits.data, probs.data);
  const r = await (await session(bytes)).run(feeds);
  assert.deepEqual(r.logits!.dims, [B, O]);
  const d: Record<string, number> = {
    logits: maxAbsDiff(ours.logits.data, r.logits!.data as Float32Array),
    probabilities: maxAbsDiff(probs.data, r.probabilities!.data as Float32Array),
    h_n: maxAbsDiff(ours.state.h.data, r.h_n!.data as Float32Array),
  };
  if (ours.state.c) d.c_n = maxAbsDiff(ours.state.c.data, r.c_n!.data as Float32Array);
  if (ours.attention) {
    assert.deepEqual(r.attention!.dims, ours.attention.shape);
    d.attention = maxAbsDiff(ours.attention.data, r.attention!.data as Float32Array);
  } else {
    assert.equal(r.attention, undefined);
  }
  return d;
}

test('ONNX export of pooling mean, max and attention matches recur under ONNX Runtime: lstm, gru, rnn-tanh, uni- and bidirectional, sequence_lens fed and omitted', async (t) => {
  const backend = await WasmBackend.create();
  const inputs: InputConfig[] = [{ kind: 'embedding', vocabSize: V, embeddingDim: 4 }, { kind: 'one-hot', vocabSize: V }, { kind: 'dense', size: 3 }];
  let runs = 0, worst = 0, seed = 0;
  const worstBy = new Map<string, number>();
  for (const pooling of ['mean', 'max', 'attention'] as const) {
    for (const cell of ['lstm', 'gru', 'rnn-tanh'] as const) {
      for (const bidirectional of [false, true]) {
        seed++;
        // Layers, layout and input kind vary over the loop so that each meets every pooling.
        const c: Case = { pooling, cell, bidirectional, numLayers: 1 + (seed % 2), batchFirst: ((seed >> 1) & 1) === 1, input: inputs[seed % 3]! };
        const model = new RecurrentModel({ input: c.input, cell, hiddenSize: H, numLayers: c.numLayers, bidirectional, outputSize: O, output: 'last', pooling,
          batchFirst: c.batchFirst, headDropout: 0.5, dropout: c.numLayers > 1 ? 0.3 : 0 }, { rng: new Rng(seed) }).to(backend);
        model.eval();
        for (const how of ['fed', 'omitted'] as const) {
          const label = `${pooling} ${cell} ${bidirectional ? 'bi' : 'uni'} layers=${c.numLayers} batchFirst=${c.batchFirst} ${c.input.kind} ${how}`;
          const d = await compare(backend, model, c, how, 500 + seed);
          for (const [k, v] of Object.entries(d)) {
            assert.ok(v <= 1e-5, `${label}: ${k} differs by ${v}`);
            worstBy.set(pooling, Math.max(worstBy.get(pooling) ?? 0, v));
            worst = Math.max(worst, v);
          }
          runs++;
        }
      }
    }
  }
  assert.equal(runs, 3 * 3 * 2 * 2);
  t.diagnostic(`${runs} runs, worst absolute difference ${worst.toExponential(2)} (${[...worstBy].map(([p, v]) => `${p} ${v.toExponential(2)}`).join(', ')})`);
});

test('pooled exports at opsets 17, 18 and 26 (ReduceMax takes its axes as an attribute before 18, as an input from 18) match recur', async () => {
  const backend = await WasmBackend.create();
  for (const pooling of ['max', 'mean', 'attention'] as const) {
    const c = { batchFirst: false, input: { kind: 'embedding', vocabSize: V, embeddingDim: 4 } as InputConfig };
    const model = new RecurrentModel({ input: c.input, cell: 'gru', hiddenSize: H, bidirectional: true, outputSize: O, output: 'last', pooling }, { rng: new Rng(3) }).to(backend);
    model.eval();
    for (const opset of [17, 18, 26]) {
      const d = await compare(backend, model, c, 'fed', 40 + opset, { opset });
      for (const [k, v] of Object.entries(d)) assert.ok(v <= 1e-5, `${pooling} opset ${opset}: ${k} differs by ${v}`);
    }
  }
});

test('probabilities: sigmoid makes each output a probability of its own (multi-label), softmax stays the default; anything else is refused', async () => {
  const backend = await WasmBackend.create();
  const c = { batchFirst: true, input: { kind: 'embedding', vocabSize: V, embeddingDim: 4 } as InputConfig };
  const model = new RecurrentModel({ input: c.input, cell: 'lstm', hiddenSize: H, bidirectional: true, outputSize: O, output: 'last', pooling: 'max', batchFirst: true },
    { rng: new Rng(11) }).to(backend);
  model.eval();
  for (const how of ['fed', 'omitted'] as const) {
    const d = await compare(backend, model, c, how, 12, { probabilities: 'sigmoid' });
    for (const [k, v] of Object.entries(d)) assert.ok(v <= 1e-5, `sigmoid ${how}: ${k} differs by ${v}`);
  }
  const ops = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
  assert.ok(ops(exportOnnx(model, { probabilities: 'sigmoid' })).includes('Sigmoid'));
  assert.ok(!ops(exportOnnx(model, { probabilities: 'sigmoid' })).includes('Softmax'));
  assert.ok(ops(exportOnnx(model)).includes('Softmax'));
  // 'none' (a forecaster's quantiles are not class scores): logits only.
  const outputs = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.output!.map((o) => o.name);
  assert.deepEqual(outputs(exportOnnx(model, { probabilities: 'none' })).filter((n) => n === 'logits' || n === 'probabilities'), ['logits']);
  assert.ok(!ops(exportOnnx(model, { probabilities: 'none' })).some((op) => op === 'Softmax' || op === 'Sigmoid'));
  assert.throws(() => exportOnnx(model, { probabilities: 'argmax' as never }), { message: "exportOnnx: options.probabilities must be 'softmax', 'sigmoid' or 'none', got 'argmax'" });
});

test('padding never wins a max nor takes attention: huge values past a length change nothing (dense input straight into the graph)', async () => {
  const backend = await WasmBackend.create();
  const F = 2;
  for (const pooling of ['max', 'mean', 'attention'] as const) {
    const model = new RecurrentModel({ input: { kind: 'dense', size: F }, cell: 'rnn-tanh', hiddenSize: H, outputSize: O, output: 'last', pooling }, { rng: new Rng(21) }).to(backend);
    model.eval();
    const rng = new Rng(22);
    const x = new Tensor(Float32Array.from({ length: T * B * F }, () => rng.uniform(-1, 1)), [T, B, F]);
    const spiked = new Tensor(Float32Array.from(x.data), [T, B, F]);
    for (let tt = 0; tt < T; tt++) for (let b = 0; b < B; b++) if (tt >= LENGTHS[b]!) spiked.data.fill(1e6, (tt * B + b) * F, (tt * B + b + 1) * F);
    const s = await session(exportOnnx(model, { optionalInputs: false }));
    const empty = { initial_h: new ort.Tensor('float32', new Float32Array(0), [1, 0, H]) };
    const lens = new ort.Tensor('int32', LENGTHS, [B]);
    const a = await s.run({ input: floats(x), sequence_lens: lens, ...empty });
    const b = await s.run({ input: floats(spiked), sequence_lens: lens, ...empty });
    assert.deepEqual(Array.from(b.logits!.data as Float32Array), Array.from(a.logits!.data as Float32Array), pooling);
    const ours = model.forward(Tape.inference(backend), x, { lengths: LENGTHS });
    assert.ok(maxAbsDiff(ours.logits.data, a.logits!.data as Float32Array) <= 1e-5, pooling);
    if (pooling === 'attention') {
      const w = a.attention!.data as Float32Array;
      for (let tt = 0; tt < T; tt++) for (let bb = 0; bb < B; bb++) if (tt >= LENGTHS[bb]!) assert.equal(w[tt * B + bb], 0, `weight of padding step ${tt} of sequence ${bb}`);
    }
  }
  assert.equal(cellKind('rnn-tanh').cellState, false);
});
