/**
 * Builds the ONNX subgraph of a stacked, optionally bidirectional RNN/LSTM/GRU from weights
 * under PyTorch names (`weight_ih_l0`, `..._reverse`): one ONNX `RNN`/`LSTM`/`GRU` node per
 * layer (operator, attributes and gate order from the cell table: GRU with linear_before_reset=1,
 * PyTorch's variant; LSTM i,f,g,o -> i,o,f,c), and a Transpose+Reshape between layers turning
 * Y [T, D, B, H] into [T, B, D*H].
 * Used by the ONNX export and by the parity tests against ONNX Runtime.
 */
import { type CellKind, type OnnxCell, cellKind } from '../../kernels/cell-kinds.js';
import { FLOAT, INT32, type NodeProto, type TensorProto, type ValueInfoProto, floatTensor, int64Tensor, node, valueInfo } from './proto.js';

export interface RecurrentGraphSpec {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  /** Weights by PyTorch name (flat row-major data). */
  weights: (name: string) => Float32Array;
}

export interface RecurrentGraphNames {
  /** [T, B, I] input value name. */
  input: string;
  /** Optional [B] int32 sequence lengths value name. */
  sequenceLens?: string;
  /** Optional [L*D, B, H] initial hidden state value name. */
  initialH?: string;
  /** Optional [L*D, B, H] initial cell state value name (LSTM). */
  initialC?: string;
  /** Prefix for generated names. */
  prefix?: string;
}

export interface RecurrentGraph {
  nodes: NodeProto[];
  initializers: TensorProto[];
  /** [T, B, D*H] output value name. */
  output: string;
  /** [L*D, B, H] final hidden states. */
  finalH: string;
  /** [L*D, B, H] final cell states (LSTM). */
  finalC?: string;
}

/** Re-orders the G blocks of H rows of a PyTorch [G*H, cols] buffer (row-major) into ONNX gate order. */
function toOnnxGateOrder(onnx: OnnxCell, data: Float32Array, hidden: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  const block = hidden * cols;
  onnx.gateOrder.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

export function recurrentGraph(spec: RecurrentGraphSpec, names: RecurrentGraphNames): RecurrentGraph {
  const { hiddenSize: H, numLayers: L, bidirectional } = spec;
  const D = bidirectional ? 2 : 1;
  const cell = cellKind(spec.cell, 'recurrentGraph');
  const { gates: G, onnx } = cell;
  const p = names.prefix ?? 'rnn';
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const finalH: string[] = [];
  const finalC: string[] = [];
  let x = names.input;
  const sliceState = (state: string, l: number, tag: string): string => {
    const starts = `${p}_${tag}_l${l}_starts`, ends = `${p}_${tag}_l${l}_ends`, axes = `${p}_${tag}_l${l}_axes`;
    inits.push(int64Tensor(starts, [1], [l * D]), int64Tensor(ends, [1], [(l + 1) * D]), int64Tensor(axes, [1], [0]));
    const out = `${p}_${tag}_l${l}`;
    nodes.push(node('Slice', [state, starts, ends, axes], [out]));
    return out;
  };
  for (let l = 0; l < L; l++) {
    const I = l === 0 ? spec.inputSize : H * D;
    const suffixes = bidirectional ? ['', '_reverse'] : [''];
    const W = new Float32Array(D * G * H * I);
    const R = new Float32Array(D * G * H * H);
    const Bv = new Float32Array(D * 2 * G * H);
    suffixes.forEach((sfx, d) => {
      W.set(toOnnxGateOrder(onnx, spec.weights(`weight_ih_l${l}${sfx}`), H, I), d * G * H * I);
      R.set(toOnnxGateOrder(onnx, spec.weights(`weight_hh_l${l}${sfx}`), H, H), d * G * H * H);
      if (spec.bias) {
        Bv.set(toOnnxGateOrder(onnx, spec.weights(`bias_ih_l${l}${sfx}`), H, 1), d * 2 * G * H);
        Bv.set(toOnnxGateOrder(onnx, spec.weights(`bias_hh_l${l}${sfx}`), H, 1), d * 2 * G * H + G * H);
      }
    });
    const wName = `${p}_W_l${l}`, rName = `${p}_R_l${l}`, bName = `${p}_B_l${l}`;
    inits.push(floatTensor(wName, [D, G * H, I], W), floatTensor(rName, [D, G * H, H], R), floatTensor(bName, [D, 2 * G * H], Bv));
    const inputs = [x, wName, rName, bName, names.sequenceLens ?? '', names.initialH ? sliceState(names.initialH, l, 'h0') : ''];
    if (cell.cellState) inputs.push(names.initialC ? sliceState(names.initialC, l, 'c0') : '');
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const y = `${p}_Y_l${l}`, yh = `${p}_Yh_l${l}`, yc = `${p}_Yc_l${l}`;
    const attrs: Record<string, number | string | string[]> = { hidden_size: H, direction: bidirectional ? 'bidirectional' : 'forward', ...onnx.attributes };
    if (onnx.activations) attrs.activations = Array.from({ length: D }, () => onnx.activations!).flat();
    nodes.push(node(onnx.operator, inputs, cell.cellState ? [y, yh, yc] : [y, yh], attrs, `${p}_layer${l}`));
    finalH.push(yh);
    if (cell.cellState) finalC.push(yc);
    // Y [T, D, B, H] -> [T, B, D, H] -> [T, B, D*H]
    const yt = `${p}_Yt_l${l}`, shape = `${p}_shape_l${l}`, out = `${p}_out_l${l}`;
    nodes.push(node('Transpose', [y], [yt], { perm: [0, 2, 1, 3] }));
    inits.push(int64Tensor(shape, [3], [0, 0, -1]));
    nodes.push(node('Reshape', [yt, shape], [out]));
    x = out;
  }
  const concat = (parts: string[], name: string): string => {
    if (parts.length === 1) return parts[0]!;
    nodes.push(node('Concat', parts, [name], { axis: 0 }));
    return name;
  };
  const result: RecurrentGraph = { nodes, initializers: inits, output: x, finalH: concat(finalH, `${p}_final_h`) };
  if (cell.cellState) result.finalC = concat(finalC, `${p}_final_c`);
  return result;
}

/** Graph input declarations for a standalone recurrent model ([T, B, I] float input etc.). */
export function recurrentGraphInputs(spec: RecurrentGraphSpec, names: RecurrentGraphNames): ValueInfoProto[] {
  const D = spec.bidirectional ? 2 : 1;
  const ins = [valueInfo(names.input, FLOAT, ['T', 'B', spec.inputSize])];
  if (names.sequenceLens) ins.push(valueInfo(names.sequenceLens, INT32, ['B']));
  if (names.initialH) ins.push(valueInfo(names.initialH, FLOAT, [spec.numLayers * D, 'B', spec.hiddenSize]));
  if (names.initialC) ins.push(valueInfo(names.initialC, FLOAT, [spec.numLayers * D, 'B', spec.hiddenSize]));
  return ins;
}
