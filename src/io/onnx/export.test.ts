// The exported ONNX file, run by ONNX Runtime, gives the same outputs and final states as recur:
// for RecurrentModel (every cell type, 1-2 layers, uni- and bidirectional, both output modes,
// every input kind, time-major and batch-first) and for bare Rnn/Lstm/Gru layers. Each graph
// is run with only `input` (the defaults: full length, zero states) and with `sequence_lens`
// and initial states fed. onnxruntime-node passes a session only the inputs it lists, which
// leaves out initializer-backed defaults, so the fed runs use `optionalInputs: false`: the same
// graph with the inputs declared required.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ONNX_OPSETS, exportOnnx } from './export.js';
import { onnx } from './proto.js';
import { RecurrentModel, type InputConfig } from '../../nn/recurrent-model.js';
import { CELL_KINDS, cellKind } from '../../kernels/cell-kinds.js';
import { Gru, Lstm, type RecurrentBase, type RecurrentState, Rnn } from '../../nn/recurrent.js';
import { Tape } from '../../autograd/tape.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import type { Backend } from '../../kernels/backend.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import { maxAbsDiff } from '../../testing/compare.js';


const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
const floats = (t: Tensor) => new ort.Tensor('float32', Float32Array.from(t.data), [...t.shape]);
const T = 6, B = 3, H = 5;

/** Random uniform(-0.5, 0.5) initial states [L*D, B, H] for `layer`. */
function randomState(layer: RecurrentBase, rng: Rng): RecurrentState {
  const s = layer.zeroState(B);
  for (const t of s.c ? [s.h, s.c] : [s.h]) t.data.set(Float32Array.from({ length: t.size }, () => rng.uniform(-0.5, 0.5)));
  return s;
}

/** The optional feeds: lengths and initial states. */
function stateFeeds(lengths: Int32Array, init: RecurrentState): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = { sequence_lens: new ort.Tensor('int32', lengths, [B]), initial_h: floats(init.h) };
  if (init.c) feeds.initial_c = floats(init.c);
  return feeds;
}

test('ONNX export of RecurrentModel matches recur under ONNX Runtime, with the optional inputs omitted and fed', async (t) => {
  const backend = await WasmBackend.create();
  const V = 7, O = 4;
  let cases = 0, worst = 0, seed = 0;
  const seen = new Set<string>();
  const inputs: InputConfig[] = [{ kind: 'embedding', vocabSize: V, embeddingDim: 3 }, { kind: 'one-hot', vocabSize: V }, { kind: 'dense', size: 3 }];
  for (const cell of CELL_KINDS) {
    for (const numLayers of [1, 2]) {
      for (const bidirectional of [false, true]) {
        for (const output of ['sequence', 'last'] as const) {
          seed++;
          const input = inputs[seed % 3]!; // every input kind meets every cell over the loop
          const batchFirst = ((seed >> 1) & 1) === 1; // and each output mode meets both layouts
          seen.add(`${cell} ${output} ${batchFirst}`);
          const model = new RecurrentModel({ input, cell, hiddenSize: H, numLayers, bidirectional, outputSize: O, output, batchFirst }, { rng: new Rng(seed) }).to(backend);
          model.eval();
          const rng = new Rng(100 + seed);
          const shape = batchFirst ? [B, T] : [T, B];
          const ids = IntTensor.from(Array.from({ length: T * B }, () => rng.int(V)), shape);
          const dense = new Tensor(Float32Array.from({ length: T * B * 3 }, () => rng.uniform(-1, 1)), [...shape, 3]);
          const x = input.kind === 'dense' ? dense : ids;
          const feedX = input.kind === 'dense' ? floats(dense) : new ort.Tensor('int64', BigInt64Array.from(Array.from(ids.data, BigInt)), shape);
          const lengths = Int32Array.from([T, 2, 4]);
          const init = randomState(model.rnn, rng);
          const label = `${cell} ${input.kind} layers=${numLayers} bidirectional=${bidirectional} output=${output} batchFirst=${batchFirst}`;
          const runs: [string, Uint8Array, Record<string, ort.Tensor>, object][] = [
            ['omitted', exportOnnx(model), {}, {}],
            ['fed', exportOnnx(model, { optionalInputs: false }), stateFeeds(lengths, init), { lengths, initialState: init }],
          ];
          for (const [how, bytes, feeds, options] of runs) {
            const tape = Tape.inference(backend);
            const ours = model.forward(tape, x, options);
            const probs = tape.tensor(ours.logits.shape);
            backend.softmax(ours.logits.size / O, O, ours.logits.data, probs.data);
            const r = await (await session(bytes)).run({ input: feedX, ...feeds });
            assert.deepEqual(r.logits!.dims, ours.logits.shape, `${label} ${how}: logits shape`);
            const d = [maxAbsDiff(ours.logits.data, r.logits!.data as Float32Array), maxAbsDiff(probs.data, r.probabilities!.data as Float32Array),
              maxAbsDiff(ours.state.h.data, r.h_n!.data as Float32Array)];
            if (cellKind(cell).cellState) d.push(maxAbsDiff(ours.state.c!.data, r.c_n!.data as Float32Array));
            for (const v of d) assert.ok(v <= 1e-5, `${label} ${how}: differs by ${v}`);
            worst = Math.max(worst, ...d);
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 5 * 2 * 2 * 2 * 2, 'each cell type x layers x direction x output mode, omitted and fed');
  assert.equal(seen.size, 5 * 2 * 2, 'each cell type and output mode in both layouts');
  t.diagnostic(`${cases} runs of exported models, worst absolute difference ${worst.toExponential(2)}`);
  // Tied embeddings: the head multiplies by the embedding's table.
  const tied = new RecurrentModel({ input: { kind: 'embedding', vocabSize: V, embeddingDim: H }, cell: 'gru', hiddenSize: H, outputSize: V, tieWeights: true }, { rng: new Rng(77) }).to(backend);
  tied.eval();
  const ids = IntTensor.from(Array.from({ length: T * B }, (_, i) => (i * 5) % V), [T, B]);
  const ours = tied.forward(Tape.inference(backend), ids);
  const bytes = exportOnnx(tied);
  const r = await (await session(bytes)).run({ input: new ort.Tensor('int64', BigInt64Array.from(Array.from(ids.data, BigInt)), [T, B]) });
  assert.ok(maxAbsDiff(ours.logits.data, r.logits!.data as Float32Array) <= 1e-5, 'tied model logits');
  // The table is stored once: the file is smaller than the untied model's by about the head's weight.
  const big = { input: { kind: 'embedding' as const, vocabSize: 300, embeddingDim: 16 }, cell: 'gru' as const, hiddenSize: 16, outputSize: 300 };
  const tiedBytes = exportOnnx(new RecurrentModel({ ...big, tieWeights: true }, { rng: new Rng(1) })).length;
  const untiedBytes = exportOnnx(new RecurrentModel(big, { rng: new Rng(1) })).length;
  assert.ok(untiedBytes - tiedBytes >= 4 * 300 * 16 - 100, `tied export ${tiedBytes} bytes, untied ${untiedBytes}`);
});

test('ONNX export of a bare Rnn/Lstm/Gru: input [T, B, I] (or [B, T, I]) -> output, h_n, c_n, omitted and fed', async (t) => {
  const backend: Backend = await WasmBackend.create();
  const I = 4;
  const makers: [string, (o: { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; batchFirst: boolean; rng: Rng }) => RecurrentBase][] = [
    ['lstm', (o) => new Lstm(o)], ['gru', (o) => new Gru(o)], ['rnn-tanh', (o) => new Rnn(o)], ['rnn-relu', (o) => new Rnn({ ...o, nonlinearity: 'relu' })],
    ['rnn-sigmoid', (o) => new Rnn({ ...o, nonlinearity: 'sigmoid' })],
  ];
  let cases = 0, worst = 0, seed = 0;
  for (const [name, make] of makers) {
    for (const [numLayers, bidirectional, batchFirst] of [[1, false, false], [2, true, true], [2, false, true], [1, true, false]] as const) {
      seed++;
      const layer = make({ inputSize: I, hiddenSize: H, numLayers, bidirectional, batchFirst, rng: new Rng(200 + seed) }).to(backend);
      const rng = new Rng(300 + seed);
      const x = new Tensor(Float32Array.from({ length: T * B * I }, () => rng.uniform(-1, 1)), batchFirst ? [B, T, I] : [T, B, I]);
      const lengths = Int32Array.from([3, T, 1]);
      const init = randomState(layer, rng);
      const label = `${name} layers=${numLayers} bidirectional=${bidirectional} batchFirst=${batchFirst}`;
      const runs: [string, Uint8Array, Record<string, ort.Tensor>, object][] = [
        ['omitted', exportOnnx(layer), {}, {}],
        ['fed', exportOnnx(layer, { optionalInputs: false }), stateFeeds(lengths, init), { lengths, initialState: init }],
      ];
      for (const [how, bytes, feeds, options] of runs) {
        const ours = layer.forward(Tape.inference(backend), x, options);
        const s = await session(bytes);
        assert.deepEqual(s.outputNames, name === 'lstm' ? ['output', 'h_n', 'c_n'] : ['output', 'h_n'], label);
        const r = await s.run({ input: floats(x), ...feeds });
        assert.deepEqual(r.output!.dims, ours.output.shape, `${label} ${how}: output shape`);
        const d = [maxAbsDiff(ours.output.data, r.output!.data as Float32Array), maxAbsDiff(ours.state.h.data, r.h_n!.data as Float32Array)];
        if (ours.state.c) d.push(maxAbsDiff(ours.state.c.data, r.c_n!.data as Float32Array));
        for (const v of d) assert.ok(v <= 1e-5, `${label} ${how}: differs by ${v}`);
        worst = Math.max(worst, ...d);
        cases++;
      }
    }
  }
  t.diagnostic(`${cases} runs of exported layers, worst absolute difference ${worst.toExponential(2)}`);
});

test('the optional inputs are graph inputs backed by empty initializers; with optionalInputs: false, empty feeds mean the defaults', async () => {
  const lstm = new Lstm({ inputSize: 2, hiddenSize: 3, numLayers: 2, rng: new Rng(1) });
  const graph = onnx.ModelProto.decode(exportOnnx(lstm)).graph!;
  assert.deepEqual(graph.input!.map((i) => i.name), ['input', 'sequence_lens', 'initial_h', 'initial_c']);
  const defaults = new Map(graph.initializer!.map((i) => [i.name, (i.dims ?? []).map(Number)]));
  assert.deepEqual(defaults.get('sequence_lens'), [0]);
  assert.deepEqual(defaults.get('initial_h'), [2, 0, 3]);
  assert.deepEqual(defaults.get('initial_c'), [2, 0, 3]);
  // onnxruntime-node lists only what has no default (and ignores feeds for the rest).
  assert.deepEqual((await session(exportOnnx(lstm))).inputNames, ['input']);

  const required = await session(exportOnnx(lstm, { optionalInputs: false }));
  assert.deepEqual(required.inputNames, ['input', 'sequence_lens', 'initial_h', 'initial_c']);
  const x = new Tensor(Float32Array.from({ length: 4 * 2 * 2 }, (_, i) => Math.sin(i)), [4, 2, 2]);
  const empty = { sequence_lens: new ort.Tensor('int32', new Int32Array(0), [0]), initial_h: new ort.Tensor('float32', new Float32Array(0), [2, 0, 3]),
    initial_c: new ort.Tensor('float32', new Float32Array(0), [2, 0, 3]) };
  const r = await required.run({ input: floats(x), ...empty });
  const ours = lstm.forward(Tape.inference(await WasmBackend.create()), x);
  assert.ok(maxAbsDiff(ours.output.data, r.output!.data as Float32Array) <= 1e-5);
  await assert.rejects(required.run({ input: floats(x) }), /input 'sequence_lens' is missing in 'feeds'/);
});

test('exportOnnx rejects an opset outside 14..26, a model without weights, and what is not a model', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, outputSize: 3, hiddenSize: 2 }, { rng: new Rng(1) });
  assert.deepEqual(ONNX_OPSETS, { min: 14, max: 26 });
  for (const opset of [13, 27, 99, 14.5]) {
    assert.throws(() => exportOnnx(model, { opset }), new RegExp(`exportOnnx: opset must be an integer from 14 to 26 \\(the opsets ONNX Runtime 1.30 loads\\), got ${opset}$`));
  }
  assert.throws(() => exportOnnx(new Gru({ inputSize: 2, hiddenSize: 2 })), /^Error: exportOnnx: 4 parameters have no value yet .* pass options\.rng or load weights with loadStateDict$/);
  assert.throws(() => exportOnnx({} as never), { message: 'exportOnnx: model must be a RecurrentModel or an Rnn, Lstm or Gru, got Object' });
  // Every pooling exports (export-pooling.test.ts runs them).
  for (const pooling of ['mean', 'max', 'attention'] as const) {
    const pooled = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, outputSize: 3, hiddenSize: 2, output: 'last', pooling }, { rng: new Rng(1) });
    assert.ok(exportOnnx(pooled).length > 0, pooling);
  }
});

test('a graph of every accepted opset loads in ONNX Runtime and matches recur; the next opset does not load', async () => {
  const backend = await WasmBackend.create();
  const T = 5, B = 2, V = 6, H = 4;
  // 'last' output covers the Slice/Transpose/Reshape path as well as Gather, LSTM, MatMul, Add, Softmax.
  for (const output of ['sequence', 'last'] as const) {
    const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: V, embeddingDim: 3 }, cell: 'lstm', hiddenSize: H, numLayers: 2,
      bidirectional: true, outputSize: V, output }, { rng: new Rng(7) }).to(backend);
    model.eval();
    const rng = new Rng(8);
    const ids = IntTensor.from(Array.from({ length: T * B }, () => rng.int(V)), [T, B]);
    const ours = model.forward(Tape.inference(backend), ids);
    const zeros = new ort.Tensor('float32', new Float32Array(4 * B * H), [4, B, H]);
    const feeds = {
      input: new ort.Tensor('int64', BigInt64Array.from(Array.from(ids.data, BigInt)), [T, B]),
      sequence_lens: new ort.Tensor('int32', Int32Array.from([T, T]), [B]), initial_h: zeros, initial_c: zeros,
    };
    for (let opset = ONNX_OPSETS.min; opset <= ONNX_OPSETS.max; opset++) {
      const session = await ort.InferenceSession.create(exportOnnx(model, { opset }));
      const r = await session.run(feeds);
      const d = maxAbsDiff(ours.logits.data, r.logits!.data as Float32Array);
      assert.ok(d <= 1e-5, `opset ${opset}, output ${output}: logits differ by ${d}`);
    }
  }
  // The bound is ONNX Runtime's, not a guess: one past it is refused.
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, outputSize: 3, hiddenSize: 2 }, { rng: new Rng(1) });
  await assert.rejects(ort.InferenceSession.create(encodeWithOpset(exportOnnx(model, { opset: ONNX_OPSETS.max }), ONNX_OPSETS.max + 1)),
    new RegExp(`Opset ${ONNX_OPSETS.max + 1} is under development`));
});

/** The same model bytes declaring another opset (the exporter itself refuses to write one out of range). */
function encodeWithOpset(bytes: Uint8Array, opset: number): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: opset })];
  return onnx.ModelProto.encode(m).finish();
}
