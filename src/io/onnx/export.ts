/**
 * ONNX export of a `RecurrentModel` as an inference graph (opset 14): input ids -> Gather on
 * the embedding (or an identity table for one-hot input; dense input goes straight in) ->
 * stacked/bidirectional ONNX RNN/LSTM/GRU nodes (GRU with linear_before_reset=1) -> MatMul +
 * Add (the Linear head, every step or on the final state) -> Softmax. Graph inputs: `input`,
 * `sequence_lens` [B] int32, `initial_h` (and `initial_c` for LSTM) [L*D, B, H]. Outputs:
 * `logits`, `probabilities`, `h_n` (and `c_n`).
 */
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { cellKind } from '../../kernels/cell-kinds.js';
import { FLOAT, INT32, INT64, type NodeProto, type TensorProto, encodeModel, floatTensor, int64Tensor, node, valueInfo } from './proto.js';
import { recurrentGraph } from './recurrent-graph.js';

export interface OnnxExportOptions {
  /** ONNX opset (>= 14; default 14). */
  opset?: number;
  /** Stored in the model's doc_string (e.g. the recur config as JSON). */
  docString?: string;
}

export function exportOnnx(model: RecurrentModel, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? 14;
  if (!Number.isInteger(opset) || opset < 14) throw new Error(`exportOnnx: opset must be an integer >= 14, got ${opset}`);
  const c = model.config;
  const rnn = model.rnn;
  const H = c.hiddenSize, L = c.numLayers, D = rnn.numDirections, O = c.outputSize;
  const params = new Map([...model.namedParameters()].map(([n, p]) => [n, p]));
  const weight = (name: string) => {
    const p = params.get(name);
    if (!p) throw new Error(`exportOnnx: the model has no parameter '${name}'`);
    return p;
  };
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const inputs = [];
  let x: string;
  if (c.input.kind === 'dense') {
    inputs.push(valueInfo('input', FLOAT, ['T', 'B', c.input.size]));
    x = 'input';
  } else {
    inputs.push(valueInfo('input', INT64, ['T', 'B']));
    const V = c.input.vocabSize;
    const table = c.input.kind === 'embedding' ? weight('embedding.weight') : null;
    const dims = table ? [...table.shape] : [V, V];
    const values = table ? table.data : identity(V);
    inits.push(floatTensor('input_table', dims, values));
    nodes.push(node('Gather', ['input_table', 'input'], ['embedded'], { axis: 0 }));
    x = 'embedded';
  }
  inputs.push(valueInfo('sequence_lens', INT32, ['B']));
  inputs.push(valueInfo('initial_h', FLOAT, [L * D, 'B', H]));
  const cellState = cellKind(c.cell).cellState;
  if (cellState) inputs.push(valueInfo('initial_c', FLOAT, [L * D, 'B', H]));
  const g = recurrentGraph({
    cell: rnn.cell, inputSize: rnn.inputSize, hiddenSize: H, numLayers: L, bidirectional: c.bidirectional, bias: c.bias,
    weights: (n) => weight(`rnn.${n}`).data,
  }, { input: x, sequenceLens: 'sequence_lens', initialH: 'initial_h', initialC: cellState ? 'initial_c' : undefined, prefix: 'rnn' });
  nodes.push(...g.nodes);
  inits.push(...g.initializers);

  let features: string;
  if (c.output === 'sequence') {
    features = g.output; // [T, B, D*H]
  } else {
    // Last layer's final states [D, B, H] -> [B, D, H] -> [B, D*H]
    inits.push(int64Tensor('last_starts', [1], [(L - 1) * D]), int64Tensor('last_ends', [1], [L * D]), int64Tensor('last_axes', [1], [0]));
    nodes.push(node('Slice', [g.finalH, 'last_starts', 'last_ends', 'last_axes'], ['last_h']));
    nodes.push(node('Transpose', ['last_h'], ['last_h_t'], { perm: [1, 0, 2] }));
    inits.push(int64Tensor('last_shape', [2], [0, -1]));
    nodes.push(node('Reshape', ['last_h_t', 'last_shape'], ['features']));
    features = 'features';
  }
  const head = weight('head.weight'); // [O, D*H]
  inits.push(floatTensor('head_weight_t', [D * H, O], transpose(head.data, O, D * H)));
  nodes.push(node('MatMul', [features, 'head_weight_t'], ['head_mm']));
  const bias = params.get('head.bias');
  if (bias) {
    inits.push(floatTensor('head_bias', [O], bias.data));
    nodes.push(node('Add', ['head_mm', 'head_bias'], ['logits']));
  } else {
    nodes.push(node('Identity', ['head_mm'], ['logits']));
  }
  nodes.push(node('Softmax', ['logits'], ['probabilities'], { axis: -1 }));
  nodes.push(node('Identity', [g.finalH], ['h_n']));
  if (g.finalC) nodes.push(node('Identity', [g.finalC], ['c_n']));

  const outShape = c.output === 'sequence' ? ['T', 'B', O] : ['B', O];
  const outputs = [valueInfo('logits', FLOAT, outShape), valueInfo('probabilities', FLOAT, outShape), valueInfo('h_n', FLOAT, [L * D, 'B', H])];
  if (g.finalC) outputs.push(valueInfo('c_n', FLOAT, [L * D, 'B', H]));
  return encodeModel({ nodes, initializers: inits, inputs, outputs, opset, graphName: 'recur', docString: options.docString });
}

function identity(n: number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}
