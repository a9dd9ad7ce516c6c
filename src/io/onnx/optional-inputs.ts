/**
 * Optional graph inputs for an exported recurrent graph: `sequence_lens` and the initial
 * states may be omitted in `session.run` (then full length and zeros) or fed. ONNX has no
 * optional graph inputs except initializer-backed ones (IR >= 4: an initializer named like a
 * graph input is a default the caller may override), and an initializer has a fixed shape, so
 * each default is empty (`sequence_lens` [0], `initial_h` [L*D, 0, H]) and the graph appends
 * the full-length / zero values built from `Shape(input)`, then keeps the first B entries:
 * the fed value when there is one, else the built one. onnxruntime-node and onnxruntime-web
 * pass a session only the inputs it lists, which leaves out initializer-backed ones (a fed
 * value is ignored there), so `required` declares the same inputs without defaults: the graph
 * is otherwise the same, and an empty tensor fed there still means "the default". Not the
 * recurrent nodes themselves (recurrent-graph.ts).
 */
import { FLOAT, INT32, type NodeProto, type TensorProto, type ValueInfoProto, floatTensor, int32Tensor, int64Tensor, node, valueInfo } from './proto.js';

export interface OptionalInputsSpec {
  /** The graph input whose first two axes give T and B. */
  input: string;
  /** The input is [B, T, ...] (else [T, B, ...]). */
  batchFirst: boolean;
  /** L*D: layers times directions. */
  stateRows: number;
  hiddenSize: number;
  /** Also an `initial_c` (LSTM). */
  cellState: boolean;
  /** Declare the inputs without default initializers: callers must feed them (empty for the default). */
  required: boolean;
  /** Also the initial-state inputs (default true); false: `sequence_lens` alone (a tagger's encoder always starts from zeros). */
  states?: boolean;
}

export interface OptionalInputs {
  /** Declarations of `sequence_lens` [B] int32, `initial_h` (and `initial_c`) [L*D, B, H] (with `states`). */
  inputs: ValueInfoProto[];
  nodes: NodeProto[];
  initializers: TensorProto[];
  /** Values to wire into the recurrent nodes: each is the fed input or its default. */
  sequenceLens: string;
  /** Undefined when `states` is false. */
  initialH?: string;
  initialC?: string;
  /** T, the input's time steps, as a 1-D int64 [1] value (for masks over time built after the recurrent nodes). */
  steps: string;
}

/** The `sequence_lens`, `initial_h` (and `initial_c`) inputs with their in-graph defaults. */
export function optionalInputs(spec: OptionalInputsSpec): OptionalInputs {
  const { stateRows: LD, hiddenSize: H } = spec;
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const [tAxis, bAxis] = spec.batchFirst ? [1, 0] : [0, 1];
  // T and B as 1-D int64 [1] tensors, from the input's shape.
  nodes.push(node('Shape', [spec.input], ['input_shape']));
  inits.push(int64Tensor('axis_t_start', [1], [tAxis]), int64Tensor('axis_t_end', [1], [tAxis + 1]));
  inits.push(int64Tensor('axis_b_start', [1], [bAxis]), int64Tensor('axis_b_end', [1], [bAxis + 1]));
  nodes.push(node('Slice', ['input_shape', 'axis_t_start', 'axis_t_end'], ['steps']));
  nodes.push(node('Slice', ['input_shape', 'axis_b_start', 'axis_b_end'], ['batch']));
  inits.push(int64Tensor('zero_1d', [1], [0]), int64Tensor('axis_0', [1], [0]), int64Tensor('axis_1', [1], [1]));

  /** Concat(given, full, axis) then Slice [0, B) on that axis: the fed value if any, else `full`. */
  const givenOrFull = (given: string, full: string, axis: 0 | 1, out: string) => {
    nodes.push(node('Concat', [given, full], [`${out}_both`], { axis }));
    nodes.push(node('Slice', [`${out}_both`, 'zero_1d', 'batch', axis === 0 ? 'axis_0' : 'axis_1'], [out]));
  };

  // sequence_lens: default [0]; full length = T repeated B times.
  if (!spec.required) inits.push(int32Tensor('sequence_lens', [0], []));
  nodes.push(node('Cast', ['steps'], ['steps_i32'], { to: INT32 }));
  nodes.push(node('Expand', ['steps_i32', 'batch'], ['full_lens']));
  givenOrFull('sequence_lens', 'full_lens', 0, 'sequence_lens_used');

  if (spec.states === false) {
    return { inputs: [valueInfo('sequence_lens', INT32, ['B'])], nodes, initializers: inits, sequenceLens: 'sequence_lens_used', steps: 'steps' };
  }
  // initial states: default [L*D, 0, H]; zeros [L*D, B, H].
  inits.push(int64Tensor('state_rows', [1], [LD]), int64Tensor('state_hidden', [1], [H]));
  nodes.push(node('Concat', ['state_rows', 'batch', 'state_hidden'], ['state_shape'], { axis: 0 }));
  nodes.push(node('ConstantOfShape', ['state_shape'], ['zero_state']));
  const states = spec.cellState ? ['initial_h', 'initial_c'] : ['initial_h'];
  for (const s of states) {
    if (!spec.required) inits.push(floatTensor(s, [LD, 0, H], []));
    givenOrFull(s, 'zero_state', 1, `${s}_used`);
  }
  const inputs = [valueInfo('sequence_lens', INT32, ['B']), ...states.map((s) => valueInfo(s, FLOAT, [LD, 'B', H]))];
  const out: OptionalInputs = { inputs, nodes, initializers: inits, sequenceLens: 'sequence_lens_used', initialH: 'initial_h_used', steps: 'steps' };
  if (spec.cellState) out.initialC = 'initial_c_used';
  return out;
}
