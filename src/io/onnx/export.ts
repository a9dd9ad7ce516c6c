/**
 * ONNX export (opset 14 to 26, default 14) of a `RecurrentModel`, or of a bare `Rnn`/`Lstm`/`Gru`, as an
 * inference graph checked against ONNX Runtime in the tests. Not the recurrent nodes
 * (recurrent-graph.ts) nor the optional-input defaults (optional-inputs.ts).
 *
 * A model: input ids -> Gather on the embedding (or an identity table for one-hot input; dense
 * input goes straight in) -> stacked/bidirectional ONNX RNN/LSTM/GRU nodes (GRU with
 * linear_before_reset=1) -> what the head reads (every step; or, for output 'last', the final
 * state or the last layer's outputs pooled over each sequence's valid steps: mean, max or
 * attention, masked by `sequence_lens` as recur masks by lengths) -> MatMul + Add (the Linear
 * head) -> Softmax (or Sigmoid, `probabilities: 'sigmoid'`, for a multi-label classifier);
 * outputs `logits`, `probabilities`, `h_n` (and `c_n`), and `attention` (the weight of each
 * step) with pooling 'attention'. A bare layer: input [T, B, I] float -> outputs `output`
 * [T, B, D*H], `h_n` (and `c_n`). Both take the optional inputs `sequence_lens` [B] int32 and
 * `initial_h` (and `initial_c`) [L*D, B, H] (defaults: full length, zeros), and with
 * `batchFirst` read [B, T, ...] and write [B, T, ...] (Transpose nodes around the recurrent
 * ones; states stay [L*D, B, H]).
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
 * Slice, Transpose, Reshape, MatMul, Add, Identity, Softmax, Sigmoid, and for pooling Squeeze,
 * Unsqueeze, Range, Less, Cast, Where, ReduceSum, Div, Tanh) keeps its meaning from 14 on, but
 * for ReduceMax, whose axes move from an attribute to an input at 18 (both forms written); 26
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
  /**
   * How `probabilities` is made from `logits` (a `RecurrentModel` only): 'softmax' over the
   * outputs (default), or 'sigmoid' of each output alone, as recur's multi-label classifiers
   * read their logits (`recur export onnx` sets it from the classify task's metadata), or 'none'
   * for a model whose outputs are not class scores (a forecaster's quantiles): no such output.
   */
  probabilities?: 'softmax' | 'sigmoid' | 'none';
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
 * (see `optionalInputs` for onnxruntime-node). Throws if the model's weights are unset.
 * Pooled models (mean, max, attention) read only the steps t < sequence_lens[b], as recur reads
 * t < lengths[b]; like recur, they need every length to be at least 1.
 */
export function exportOnnx(model: RecurrentModel | RecurrentBase, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? ONNX_OPSETS.min;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw new Error(`exportOnnx: opset must be an integer from ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max} (the opsets ONNX Runtime 1.30 loads), got ${opset}`);
  }
  if (!(model instanceof RecurrentModel) && !(model instanceof RecurrentBase)) {
    throw new Error(`exportOnnx: model must be a RecurrentModel or an Rnn, Lstm or Gru, got ${model === null || typeof model !== 'object' ? String(model) : (model as object).constructor.name}`);
  }
  const probabilities = options.probabilities ?? 'softmax';
  if (probabilities !== 'softmax' && probabilities !== 'sigmoid' && probabilities !== 'none') {
    throw new Error(`exportOnnx: options.probabilities must be 'softmax', 'sigmoid' or 'none', got ${typeof probabilities === 'string' ? `'${probabilities}'` : String(probabilities)}`);
  }
  checkParametersSet(model, 'exportOnnx');
  const parts: Parts = { nodes: [], initializers: [], inputs: [], outputs: [] };
  const required = !(options.optionalInputs ?? true);
  if (model instanceof RecurrentModel) modelGraph(model, parts, required, opset, probabilities);
  else layerGraph(model, parts, required);
  return encodeModel({ ...parts, opset, graphName: 'recur', docString: options.docString });
}

/**
 * The recurrent stack of `rnn` on `x` ([T, B, I], time-major inside the graph), wired to the
 * optional inputs (sized from the graph input `input`), with `h_n` (and `c_n`) as outputs.
 */
function stack(rnn: RecurrentBase, weights: Map<string, Parameter>, prefix: string, x: string, parts: Parts, required: boolean): RecurrentGraph & { lengths: string; steps: string } {
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
  return { ...g, lengths: opt.sequenceLens, steps: opt.steps };
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

function modelGraph(model: RecurrentModel, parts: Parts, required: boolean, opset: number, probabilities: 'softmax' | 'sigmoid' | 'none'): void {
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
  const pooling = c.output === 'last' ? c.pooling ?? 'last' : 'last';
  if (c.output === 'sequence') {
    features = rnn.batchFirst ? swapped(parts, g.output, 'features_batch_first') : g.output; // [T, B, D*H] or [B, T, D*H]
  } else if (pooling !== 'last') {
    features = pooledFeatures(parts, model, params, g, pooling, opset);
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
  const outShape = c.output === 'sequence' ? [...axes, O] : ['B', O];
  if (probabilities === 'none') {
    parts.outputs.unshift(valueInfo('logits', FLOAT, outShape));
    return;
  }
  nodes.push(probabilities === 'sigmoid' ? node('Sigmoid', ['logits'], ['probabilities']) : node('Softmax', ['logits'], ['probabilities'], { axis: -1 }));
  parts.outputs.unshift(valueInfo('logits', FLOAT, outShape), valueInfo('probabilities', FLOAT, outShape));
}

/**
 * The last layer's outputs Y [T, B, F] (time-major, 0 past each length as ONNX's recurrent
 * nodes write them) pooled over each sequence's valid steps t < sequence_lens[b] into [B, F],
 * as `maskedMeanPool`, `maskedMaxPool` and `AttentionPooling` do: the mask [T, B, 1] is
 * Range(T) < sequence_lens (all T when the input is omitted). Mean: the masked sum over time
 * divided by the length; max: padding set to -inf first, so it never wins; attention: scores
 * u . tanh(W y + c) set to -inf on padding before the Softmax over time (their weights are
 * exactly 0, as recur's), then the weighted sum, and the weights as the output `attention`
 * [T, B] ([B, T] batch-first).
 */
function pooledFeatures(parts: Parts, model: RecurrentModel, params: Map<string, Parameter>, g: { output: string; lengths: string; steps: string },
  pooling: 'mean' | 'max' | 'attention', opset: number): string {
  const { nodes, initializers: inits } = parts;
  const y = g.output;
  inits.push(int64Tensor('pool_axis_0', [1], [0]), int64Tensor('pool_axis_1', [1], [1]), int64Tensor('pool_axis_2', [1], [2]));
  inits.push(int64Tensor('pool_zero', [], [0]), int64Tensor('pool_one', [], [1]), floatTensor('pool_neg_inf', [], [-Infinity]));
  // mask [T, B, 1]: t < length[b]
  nodes.push(node('Squeeze', [g.steps, 'pool_axis_0'], ['pool_steps']));
  nodes.push(node('Range', ['pool_zero', 'pool_steps', 'pool_one'], ['pool_t']));
  nodes.push(node('Unsqueeze', ['pool_t', 'pool_axis_1'], ['pool_t_col'])); // [T, 1]
  nodes.push(node('Cast', [g.lengths], ['pool_lens_i64'], { to: INT64 }));
  nodes.push(node('Unsqueeze', ['pool_lens_i64', 'pool_axis_0'], ['pool_lens_row'])); // [1, B]
  nodes.push(node('Less', ['pool_t_col', 'pool_lens_row'], ['pool_mask_2d'])); // [T, B]
  nodes.push(node('Unsqueeze', ['pool_mask_2d', 'pool_axis_2'], ['pool_mask'])); // [T, B, 1]
  if (pooling === 'mean') {
    inits.push(floatTensor('pool_zero_f', [], [0]));
    nodes.push(node('Where', ['pool_mask', y, 'pool_zero_f'], ['pool_valid']));
    reduceOverTime(parts, 'ReduceSum', 'pool_valid', 'pool_sum', opset);
    nodes.push(node('Cast', [g.lengths], ['pool_lens_f'], { to: FLOAT }));
    nodes.push(node('Unsqueeze', ['pool_lens_f', 'pool_axis_1'], ['pool_lens_col'])); // [B, 1]
    nodes.push(node('Div', ['pool_sum', 'pool_lens_col'], ['pooled']));
    return 'pooled';
  }
  if (pooling === 'max') {
    nodes.push(node('Where', ['pool_mask', y, 'pool_neg_inf'], ['pool_valid']));
    reduceOverTime(parts, 'ReduceMax', 'pool_valid', 'pooled', opset);
    return 'pooled';
  }
  const weight = (name: string) => {
    const p = params.get(name);
    if (!p) throw new Error(`exportOnnx: the model has no parameter '${name}'`);
    return p;
  };
  linearNodes(parts, 'attention_proj', weight('attention.proj.weight'), weight('attention.proj.bias'), y, 'attention_proj_out'); // [T, B, F]
  nodes.push(node('Tanh', ['attention_proj_out'], ['attention_tanh']));
  linearNodes(parts, 'attention_score', weight('attention.score.weight'), undefined, 'attention_tanh', 'attention_scores'); // [T, B, 1]
  nodes.push(node('Where', ['pool_mask', 'attention_scores', 'pool_neg_inf'], ['attention_masked']));
  nodes.push(node('Softmax', ['attention_masked'], ['attention_weights'], { axis: 0 })); // over time
  nodes.push(node('Mul', ['attention_weights', y], ['attention_weighted']));
  reduceOverTime(parts, 'ReduceSum', 'attention_weighted', 'pooled', opset);
  nodes.push(node('Squeeze', ['attention_weights', 'pool_axis_2'], ['attention_tb'])); // [T, B]
  const batchFirst = model.config.batchFirst === true;
  nodes.push(batchFirst ? node('Transpose', ['attention_tb'], ['attention'], { perm: [1, 0] }) : node('Identity', ['attention_tb'], ['attention']));
  parts.outputs.push(valueInfo('attention', FLOAT, batchFirst ? ['B', 'T'] : ['T', 'B']));
  return 'pooled';
}

/** `op` (ReduceSum or ReduceMax) over axis 0 without keeping it; the axes are an input of ReduceSum from 13 and of ReduceMax from 18. */
function reduceOverTime(parts: Parts, op: 'ReduceSum' | 'ReduceMax', x: string, out: string, opset: number): void {
  const axesAsInput = op === 'ReduceSum' || opset >= 18;
  parts.nodes.push(axesAsInput ? node(op, [x, 'pool_axis_0'], [out], { keepdims: 0 }) : node(op, [x], [out], { axes: [0], keepdims: 0 }));
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
