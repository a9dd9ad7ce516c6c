// Parity with an independent implementation: ONNX Runtime's RNN/LSTM/GRU operators run the
// same weights (re-ordered to ONNX gate order, GRU with linear_before_reset=1) and must agree
// with recur's outputs and final states to 1e-5 absolute, for every cell type, 1-2 layers,
// uni- and bidirectional, with and without initial states and with mixed lengths, and with
// bias: false (the graph then carries an all-zero B).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { type RecurrentBase, type RecurrentState, createRecurrent } from './recurrent.js';
import { CELL_KINDS, type CellKind } from '../kernels/cell-kinds.js';
import { Tape } from '../autograd/tape.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { NativeBackend } from '../kernels/native/native-backend.js';
import { nativeStatus, noteNativeSkipped } from '../testing/native-backends.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import type { Backend } from '../kernels/backend.js';
import { recurrentGraph, recurrentGraphInputs } from '../io/onnx/recurrent-graph.js';
import { FLOAT, encodeModel, valueInfo } from '../io/onnx/proto.js';
import { randomFloats, maxAbsDiff } from '../testing/compare.js';

function build(kind: CellKind, I: number, H: number, numLayers: number, bidirectional: boolean, seed: number, bias = true): RecurrentBase {
  return createRecurrent(kind, { inputSize: I, hiddenSize: H, numLayers, bidirectional, bias, rng: new Rng(seed) });
}

async function runOrt(model: RecurrentBase, x: Tensor, lengths: Int32Array | undefined, init: RecurrentState | undefined) {
  const weights = new Map([...model.namedParameters()].map(([n, p]) => [n, p.data]));
  const spec = {
    cell: model.cell, inputSize: model.inputSize, hiddenSize: model.hiddenSize, numLayers: model.numLayers,
    bidirectional: model.bidirectional, bias: model.bias, weights: (n: string) => weights.get(n)!,
  };
  const names = { input: 'X', sequenceLens: lengths ? 'lens' : undefined, initialH: init ? 'h0' : undefined, initialC: init?.c ? 'c0' : undefined };
  const g = recurrentGraph(spec, names);
  const LD = model.numLayers * model.numDirections;
  const outputs = [valueInfo(g.output, FLOAT, ['T', 'B', model.numDirections * model.hiddenSize]), valueInfo(g.finalH, FLOAT, [LD, 'B', model.hiddenSize])];
  if (g.finalC) outputs.push(valueInfo(g.finalC, FLOAT, [LD, 'B', model.hiddenSize]));
  const bytes = encodeModel({ nodes: g.nodes, initializers: g.initializers, inputs: recurrentGraphInputs(spec, names), outputs });
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = { X: new ort.Tensor('float32', Float32Array.from(x.data), [...x.shape]) };
  if (lengths) feeds.lens = new ort.Tensor('int32', Int32Array.from(lengths), [lengths.length]);
  if (init) feeds.h0 = new ort.Tensor('float32', Float32Array.from(init.h.data), [...init.h.shape]);
  if (init?.c) feeds.c0 = new ort.Tensor('float32', Float32Array.from(init.c.data), [...init.c.shape]);
  const r = await session.run(feeds);
  return { y: r[g.output]!.data as Float32Array, h: r[g.finalH]!.data as Float32Array, c: g.finalC ? (r[g.finalC]!.data as Float32Array) : undefined };
}


const backends: [string, () => Promise<Backend>][] = [
  ['wasm', () => WasmBackend.create({ poisonScratch: true })], // NaN in scratch: an output element a kernel misses shows up
  ['reference', async () => new ReferenceBackend()],
  ...(nativeStatus.ok ? [['native', () => NativeBackend.create()] as [string, () => Promise<Backend>]] : []),
];
noteNativeSkipped('ONNX Runtime parity on the native backend');

const T = 5, B = 3, I = 4, H = 6;
type Variant = 'plain' | 'initial-state' | 'lengths' | 'both';

/** Runs `model` on recur (inference and training forwards) and on ONNX Runtime; asserts agreement to 1e-5, returns the largest difference. */
async function compare(backend: Backend, model: RecurrentBase, variant: Variant, seed: number, label: string): Promise<number> {
  const rng = new Rng(1000 + seed);
  const x = new Tensor(randomFloats(rng, T * B * I, -2, 2), [T, B, I]);
  const lengths = variant === 'lengths' || variant === 'both' ? Int32Array.from([T, 2, 4]) : undefined;
  let init: RecurrentState | undefined;
  if (variant === 'initial-state' || variant === 'both') {
    const s = model.zeroState(B);
    s.h.data.set(randomFloats(rng, s.h.size));
    if (s.c) s.c.data.set(randomFloats(rng, s.c.size));
    init = s;
  }
  const theirs = await runOrt(model, x, lengths, init);
  // Both forwards: inference (the whole sequence in one kernel call) and training (step by step).
  let worst = 0;
  for (const tape of [Tape.inference(backend), new Tape(backend)]) {
    const ours = model.forward(tape, x, { lengths, initialState: init });
    const how = `${label} (${tape.recording ? 'training' : 'inference'} forward)`;
    const dy = maxAbsDiff(ours.output.data, theirs.y);
    const dh = maxAbsDiff(ours.state.h.data, theirs.h);
    const dc = theirs.c ? maxAbsDiff(ours.state.c!.data, theirs.c) : 0;
    assert.ok(dy <= 1e-5, `${how}: output differs by ${dy}`);
    assert.ok(dh <= 1e-5, `${how}: final h differs by ${dh}`);
    assert.ok(dc <= 1e-5, `${how}: final c differs by ${dc}`);
    worst = Math.max(worst, dy, dh, dc);
  }
  return worst;
}


for (const [bname, make] of backends) {
  test(`recurrent layers match ONNX Runtime (${bname} backend)`, async (t) => {
    const backend = await make();
    let worst = 0;
    let cases = 0;
    let seed = 1;
    for (const kind of CELL_KINDS) {
      for (const numLayers of [1, 2]) {
        for (const bidirectional of [false, true]) {
          for (const variant of ['plain', 'initial-state', 'lengths', 'both'] as const) {
            seed++;
            const model = build(kind, I, H, numLayers, bidirectional, seed).to(backend);
            worst = Math.max(worst, await compare(backend, model, variant, seed, `${kind} layers=${numLayers} bidirectional=${bidirectional} ${variant}`));
            cases++;
          }
        }
      }
    }
    t.diagnostic(`${cases} cases, worst absolute difference ${worst.toExponential(2)}`);
  });

  test(`bias: false matches ONNX Runtime, 2 layers bidirectional with lengths (${bname} backend)`, async (t) => {
    const backend = await make();
    const diffs: string[] = [];
    let seed = 500;
    for (const kind of CELL_KINDS) {
      for (const variant of ['lengths', 'both'] as const) {
        seed++;
        const model = build(kind, I, H, 2, true, seed, false).to(backend);
        assert.ok(![...model.namedParameters()].some(([n]) => n.startsWith('bias')), 'no bias parameters');
        const d = await compare(backend, model, variant, seed, `${kind} bias=false ${variant}`);
        diffs.push(`${kind} ${variant} ${d.toExponential(2)}`);
      }
    }
    t.diagnostic(`max absolute differences: ${diffs.join(', ')}`);
  });
}
