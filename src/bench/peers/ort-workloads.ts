/**
 * ONNX Runtime (onnxruntime-node: native CPU kernels) running the inference workload: one ONNX
 * LSTM node built by recur's own graph builder (src/io/onnx/recurrent-graph.ts) from a recur
 * Lstm's weights, its output Y [T, 1, B, H] (the same memory as [T, B, H]) fetched every run.
 * `threads` sets intraOpNumThreads. Inference only: ORT does not train.
 */
import * as ort from 'onnxruntime-node';
import { recurrentGraph, recurrentGraphInputs } from '../../io/onnx/recurrent-graph.js';
import { FLOAT, encodeModel, valueInfo } from '../../io/onnx/proto.js';
import { Lstm } from '../../nn/recurrent.js';
import { Rng } from '../../random/rng.js';
import type { Runner, Workload } from '../workloads.js';

export async function ortRunner(w: Workload, threads: number): Promise<Runner> {
  if (w.kind !== 'infer') throw new Error(`ortRunner: ONNX Runtime runs inference workloads only, not ${w.id}`);
  const rng = new Rng(2);
  const lstm = new Lstm({ inputSize: w.input, hiddenSize: w.hidden, rng });
  const weights = new Map([...lstm.namedParameters()].map(([n, p]) => [n, p.data]));
  const spec = { cell: lstm.cell, inputSize: w.input, hiddenSize: w.hidden, numLayers: 1, bidirectional: false, bias: true, weights: (n: string) => weights.get(n)! };
  const names = { input: 'X', prefix: 'rnn' };
  const g = recurrentGraph(spec, names);
  // Keep the LSTM node alone: its Y output already has the [T, B, H] memory layout for D = 1.
  const lstmNode = g.nodes.find((n) => n.opType === 'LSTM')!;
  const y = lstmNode.output![0]!;
  const used = new Set(lstmNode.input);
  const bytes = encodeModel({
    nodes: [lstmNode], initializers: g.initializers.filter((t) => used.has(t.name!)),
    inputs: recurrentGraphInputs(spec, names), outputs: [valueInfo(y, FLOAT, ['T', 1, 'B', w.hidden])],
  });
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const x = new ort.Tensor('float32', Float32Array.from({ length: w.seqLen * w.batch * w.input }, () => rng.uniform(-1, 1)),
    [w.seqLen, w.batch, w.input]);
  return {
    description: `onnxruntime-node ${ort.env.versions?.common ?? ''} cpu (${threads} thread${threads === 1 ? '' : 's'})`.replace('  ', ' '),
    step: async () => {
      const r = await session.run({ X: x });
      if (!r[y]) throw new Error('ortRunner: no output');
    },
    dispose: () => session.release(),
  };
}
