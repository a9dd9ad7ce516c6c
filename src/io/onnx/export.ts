/**
 * ONNX export (opset 14 to 26, default 14) of a `RecurrentModel`, or of a bare `Rnn`/`Lstm`/`Gru`, as an
 * inference graph checked against ONNX Runtime in the tests. Not the recurrent nodes
 * (recurrent-graph.ts) nor the optional-input defaults (optional-inputs.ts).
 *
 * A model: input ids -> Gather on the embedding (or an identity table for one-hot input; dense
 * input goes straight in) -> stacked/bidirectional ONNX RNN/LSTM/GRU nodes (GRU with
 * linear_before_reset=1) -> MatMul + Add (the Linear head, every step or on the final state)
 * -> Softmax; outputs `logits`, `probabilities`, `h_n` (and `c_n`). Models with pooling
 * other than 'last' (mean, max, attention) are refused for now. A bare layer: input
 * [T, B, I] float -> outputs `output` [T, B, D*H], `h_n` (and `c_n`). Both take the optional
 * inputs `sequence_lens` [B] int32 and `initial_h` (and `initial_c`) [L*D, B, H] (defaults: full
 * length, zeros), and with `batchFirst` read [B, T, ...] and write [B, T, ...] (Transpose nodes
 * around the recurrent ones; states stay [L*D, B, H]).
 */
import { cellKind } from '../../kernels/cell-kinds.js';
import { checkParametersSet } from '../../nn/module.js';
import { RecurrentBase } from '../../nn/recurrent.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import type { Parameter } from '../../autograd/parameter.js';
import { FLOAT, INT64, type NodeProto, type TensorProto, type ValueInfoProto, encodeModel, floatTensor, int64Tensor, node, valueInfo } from './proto.js';
import { optionalInputs } from './optional-inputs.js';
import { type RecurrentGraph, recurrentGraph } from './recurrent-graph.js';

/**
 * The opsets an exported graph may declare. Every operator the graph uses (Gather, RNN/LSTM/GRU,
 * Slice, Transpose, Reshape, MatMul, Add, Identity, Softmax) keeps its meaning from 14 on; 26
 * is the highest ONNX Runtime 1.30 loads (it refuses 27 as "under development"). export.test.ts
 * runs a graph of every opset in the range under ONNX Runtime.
 */
export const ONNX_OPSETS = { min: 14, max: 26 } as const;

export interface OnnxExportOptions {
  /** ONNX opset, from `ONNX_OPSETS.min` to `ONNX_OPSETS.max` (14 to 26; default 14). */
  opset?: number;
  /** Stored in the model's doc_string (e.g. the recur config as JSON). */
  docString?: string;
  /**
   * Give `sequence_lens`, `initial_h` and `initial_c` defaults (full length, zeros) so that a
   * caller may omit them (default true). The defaults are initializers, which ONNX Runtime in
   * Python, C, C++, C# and Java lets a caller override by feeding the input; onnxruntime-node
   * and onnxruntime-web pass only the inputs a session lists and ignore such a feed. For those,
   * `false` declares the inputs as required (feed an empty tensor, e.g. `sequence_lens` of
   * shape [0] or `initial_h` [L*D, 0, H], for the default).
   */
  optionalInputs?: boolean;
}

/** Nodes, initializers and declarations collected while a graph is built. */
export interface Parts {
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

/**
 * The ONNX bytes of `model`, a `RecurrentModel` or a bare `Rnn`/`Lstm`/`Gru` (eval mode:
 * no dropout). `session.run({ input })` works in ONNX Runtime; `sequence_lens`, `initial_h`
 * and `initial_c` may be fed as well where the runtime lets a caller override initializers
 * (see `optionalInputs` for onnxruntime-node). Throws if the model's weights are unset, or
 * for a `RecurrentModel` whose pooling is not 'last'.
 */
export function exportOnnx(model: RecurrentModel | RecurrentBase, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? ONNX_OPSETS.min;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw new Error(`exportOnnx: opset must be an integer from ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max} (the opsets ONNX Runtime 1.30 loads), got ${opset}`);
  }
  if (!(model instanceof RecurrentModel) && !(model instanceof RecurrentBase)) {
    throw new Error(`exportOnnx: model must be a RecurrentModel or an Rnn, Lstm or Gru, got ${model === null || typeof model !== 'object' ? String(model) : (model as object).constructor.name}`);
  }
  const pooling = model instanceof RecurrentModel ? model.config.pooling ?? 'last' : 'last';
  if (pooling !== 'last') throw new Error(`exportOnnx: ONNX export of pooling '${pooling}' is not supported yet (only pooling 'last' exports)`);
  checkParametersSet(model, 'exportOnnx');
  const parts: Parts = { nodes: [], initializers: [], inputs: [], outputs: [] };
  const required = !(options.optionalInputs ?? true);
  if (model instanceof RecurrentModel) modelGraph(model, parts, required);
  else layerGraph(model, parts, required);
  return encodeModel({ ...parts, opset, graphName: 'recur', docString: options.docString });
}

/**
 * The recurrent stack of `rnn` on `x` ([T, B, I], time-major inside the graph), wired to the
 * optional inputs (sized from the graph input `input`), with `h_n` (and `c_n`) as outputs.
 */
function stack(rnn: RecurrentBase, weights: Map<string, Parameter>, prefix: string, x: string, parts: Parts, required: boolean): RecurrentGraph {
  const H = rnn.hiddenSize, LD = rnn.numLayers * rnn.numDirections;
  const cellState = cellKind(rnn.cell).cellState;
  const opt = optionalInputs({ input: 'input', batchFirst: rnn.batchFirst, stateRows: LD, hiddenSize: H, cellState, required });
  parts.inputs.push(...opt.inputs);
  parts.nodes.push(...opt.nodes);
  parts.initializers.push(...opt.initializers);
  const g = recurrentGraph({
    cell: rnn.cell, inputSize: rnn.inputSize, hiddenSize: H, numLayers: rnn.numLayers, bidirectional: rnn.bidirectional, bias: rnn.bias,
    weights: (n) => {
      const p = weights.get(`${prefix}${n}`);
      if (!p) throw new Error(`exportOnnx: the model has no parameter '${prefix}${n}'`);
      return p.data;
    },
  }, { input: x, sequenceLens: opt.sequenceLens, initialH: opt.initialH, initialC: opt.initialC, prefix: 'rnn' });
  parts.nodes.push(...g.nodes);
  parts.initializers.push(...g.initializers);
  parts.nodes.push(node('Identity', [g.finalH], ['h_n']));
  parts.outputs.push(valueInfo('h_n', FLOAT, [LD, 'B', H]));
  if (g.finalC) {
    parts.nodes.push(node('Identity', [g.finalC], ['c_n']));
    parts.outputs.push(valueInfo('c_n', FLOAT, [LD, 'B', H]));
  }
  return g;
}

/** Swaps the first two axes of a rank-3 value ([T, B, F] <-> [B, T, F]). */
function swapped(parts: Parts, from: string, to: string): string {
  parts.nodes.push(node('Transpose', [from], [to], { perm: [1, 0, 2] }));
  return to;
}

function layerGraph(rnn: RecurrentBase, parts: Parts, required: boolean): void {
  const axes = rnn.batchFirst ? ['B', 'T'] : ['T', 'B'];
  parts.inputs.push(valueInfo('input', FLOAT, [...axes, rnn.inputSize]));
  const x = rnn.batchFirst ? swapped(parts, 'input', 'input_time_major') : 'input';
  const g = stack(rnn, new Map(rnn.namedParameters()), '', x, parts, required);
  if (rnn.batchFirst) swapped(parts, g.output, 'output');
  else parts.nodes.push(node('Identity', [g.output], ['output']));
  parts.outputs.unshift(valueInfo('output', FLOAT, [...axes, rnn.numDirections * rnn.hiddenSize]));
}

function modelGraph(model: RecurrentModel, parts: Parts, required: boolean): void {
  const c = model.config;
  const rnn = model.rnn;
  const H = c.hiddenSize, L = c.numLayers, D = rnn.numDirections, O = c.outputSize;
  const params = new Map(model.namedParameters());
  const weight = (name: string) => {
    const p = params.get(name);
    if (!p) throw new Error(`exportOnnx: the model has no parameter '${name}'`);
    return p;
  };
  const { nodes, initializers: inits } = parts;
  const axes = rnn.batchFirst ? ['B', 'T'] : ['T', 'B'];
  let x: string;
  if (c.input.kind === 'dense') {
    parts.inputs.push(valueInfo('input', FLOAT, [...axes, c.input.size]));
    x = 'input';
  } else {
    parts.inputs.push(valueInfo('input', INT64, axes));
    const V = c.input.vocabSize;
    const table = c.input.kind === 'embedding' ? weight('embedding.weight') : null;
    const dims = table ? [...table.shape] : [V, V];
    const values = table ? table.data : identity(V);
    inits.push(floatTensor('input_table', dims, values));
    nodes.push(node('Gather', ['input_table', 'input'], ['embedded'], { axis: 0 }));
    x = 'embedded';
  }
  if (rnn.batchFirst) x = swapped(parts, x, 'input_time_major');
  const g = stack(rnn, params, 'rnn.', x, parts, required);

  let features: string;
  if (c.output === 'sequence') {
    features = rnn.batchFirst ? swapped(parts, g.output, 'features_batch_first') : g.output; // [T, B, D*H] or [B, T, D*H]
  } else {
    // Last layer's final states [D, B, H] -> [B, D, H] -> [B, D*H]
    inits.push(int64Tensor('last_starts', [1], [(L - 1) * D]), int64Tensor('last_ends', [1], [L * D]), int64Tensor('last_axes', [1], [0]));
    nodes.push(node('Slice', [g.finalH, 'last_starts', 'last_ends', 'last_axes'], ['last_h']));
    nodes.push(node('Transpose', ['last_h'], ['last_h_t'], { perm: [1, 0, 2] }));
    inits.push(int64Tensor('last_shape', [2], [0, -1]));
    nodes.push(node('Reshape', ['last_h_t', 'last_shape'], ['features']));
    features = 'features';
  }
  // [O, D*H]; tied: the embedding's [V, E] table, the Gather's initializer, transposed in the graph.
  linearNodes(parts, 'head', c.tieWeights ? 'input_table' : weight('head.weight'), params.get('head.bias'), features, 'logits');
  nodes.push(node('Softmax', ['logits'], ['probabilities'], { axis: -1 }));
  const outShape = c.output === 'sequence' ? [...axes, O] : ['B', O];
  parts.outputs.unshift(valueInfo('logits', FLOAT, outShape), valueInfo('probabilities', FLOAT, outShape));
}

function identity(n: number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/**
 * out = x W^T (+ b) for a Linear's weight [O, I] (and bias [O]) under `name`: MatMul with the
 * transposed weight (initializer `<name>_wt`), then Add (`<name>_b`); x is [..., I]. `weight`
 * may instead name a [O, I] tensor already in the graph (a tied embedding table): a Transpose
 * node then makes `<name>_wt`, so the file stores the table once.
 */
export function linearNodes(parts: Pick<Parts, 'nodes' | 'initializers'>, name: string, weight: { data: Float32Array; shape: readonly number[] } | string,
  bias: { data: Float32Array } | undefined, x: string, out: string): string {
  if (typeof weight === 'string') {
    parts.nodes.push(node('Transpose', [weight], [`${name}_wt`], { perm: [1, 0] }));
  } else {
    const [O, I] = weight.shape as [number, number];
    parts.initializers.push(floatTensor(`${name}_wt`, [I, O], transpose(weight.data, O, I)));
  }
  if (!bias) {
    parts.nodes.push(node('MatMul', [x, `${name}_wt`], [out]));
    return out;
  }
  parts.nodes.push(node('MatMul', [x, `${name}_wt`], [`${out}_mm`]));
  parts.initializers.push(floatTensor(`${name}_b`, [bias.data.length], bias.data));
  parts.nodes.push(node('Add', [`${out}_mm`, `${name}_b`], [out]));
  return out;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}
