// The exported ONNX file, run by ONNX Runtime, gives the same probabilities and final states
// as recur for every cell type, 1-2 layers, uni- and bidirectional, each with both output modes
// ('sequence' and 'last'), with mixed lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from './export.js';
import { RecurrentModel, type InputConfig } from '../../nn/recurrent-model.js';
import { CELL_KINDS, cellKind } from '../../kernels/cell-kinds.js';
import { Tape } from '../../autograd/tape.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

test('ONNX export matches recur under ONNX Runtime', async (t) => {
  const backend = await WasmBackend.create();
  const T = 6, B = 3, V = 7, H = 5, O = 4;
  let cases = 0, worst = 0, seed = 0;
  const inputs: InputConfig[] = [{ kind: 'embedding', vocabSize: V, embeddingDim: 3 }, { kind: 'one-hot', vocabSize: V }, { kind: 'dense', size: 3 }];
  for (const cell of CELL_KINDS) {
    for (const numLayers of [1, 2]) {
      for (const bidirectional of [false, true]) {
        for (const output of ['sequence', 'last'] as const) {
          seed++;
          const input = inputs[seed % 3]!; // every input kind meets every cell over the loop
          const model = new RecurrentModel({ input, cell, hiddenSize: H, numLayers, bidirectional, outputSize: O, output }, { rng: new Rng(seed) }).to(backend);
          model.eval();
          const rng = new Rng(100 + seed);
          const ids = IntTensor.from(Array.from({ length: T * B }, () => rng.int(V)), [T, B]);
          const dense = new Tensor(Float32Array.from({ length: T * B * 3 }, () => rng.uniform(-1, 1)), [T, B, 3]);
          const lengths = Int32Array.from([T, 2, 4]);
          const LD = numLayers * (bidirectional ? 2 : 1);
          const h0 = new Tensor(Float32Array.from({ length: LD * B * H }, () => rng.uniform(-0.5, 0.5)), [LD, B, H]);
          const c0 = new Tensor(Float32Array.from({ length: LD * B * H }, () => rng.uniform(-0.5, 0.5)), [LD, B, H]);
          const tape = Tape.inference(backend);
          const ours = model.forward(tape, input.kind === 'dense' ? dense : ids, { lengths, initialState: cellKind(cell).cellState ? { h: h0, c: c0 } : { h: h0 } });
          const probs = tape.tensor(ours.logits.shape);
          backend.softmax(ours.logits.size / O, O, ours.logits.data, probs.data);

          const session = await ort.InferenceSession.create(exportOnnx(model));
          const feeds: Record<string, ort.Tensor> = {
            input: input.kind === 'dense' ? new ort.Tensor('float32', Float32Array.from(dense.data), [T, B, 3])
              : new ort.Tensor('int64', BigInt64Array.from(Array.from(ids.data, BigInt)), [T, B]),
            sequence_lens: new ort.Tensor('int32', lengths, [B]),
            initial_h: new ort.Tensor('float32', Float32Array.from(h0.data), [LD, B, H]),
          };
          if (cellKind(cell).cellState) feeds.initial_c = new ort.Tensor('float32', Float32Array.from(c0.data), [LD, B, H]);
          const r = await session.run(feeds);
          const label = `${cell} ${input.kind} layers=${numLayers} bidirectional=${bidirectional} output=${output}`;
          const d = [maxAbsDiff(ours.logits.data, r.logits!.data as Float32Array), maxAbsDiff(probs.data, r.probabilities!.data as Float32Array),
            maxAbsDiff(ours.state.h.data, r.h_n!.data as Float32Array)];
          if (cellKind(cell).cellState) d.push(maxAbsDiff(ours.state.c!.data, r.c_n!.data as Float32Array));
          for (const v of d) assert.ok(v <= 1e-5, `${label}: differs by ${v}`);
          worst = Math.max(worst, ...d);
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 5 * 2 * 2 * 2, 'each cell type x layers x direction with both output modes');
  t.diagnostic(`${cases} exported models, worst absolute difference ${worst.toExponential(2)}`);
});

test('exportOnnx rejects an opset below 14', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, outputSize: 3, hiddenSize: 2 }, { rng: new Rng(1) });
  assert.throws(() => exportOnnx(model, { opset: 13 }), /exportOnnx: opset must be an integer >= 14, got 13/);
});
