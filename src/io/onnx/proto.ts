/**
 * Thin helpers over the ONNX protobuf schema (the `onnx-proto` package, generated with
 * protobufjs from onnx.proto): float tensors, attributes, nodes and value infos, and encoding
 * a model. No graph logic lives here.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
type Proto = typeof onnx;
export type TensorProto = InstanceType<Proto['TensorProto']>;
export type NodeProto = InstanceType<Proto['NodeProto']>;
export type ValueInfoProto = InstanceType<Proto['ValueInfoProto']>;

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT32 = onnx.TensorProto.DataType.INT32;
export const INT64 = onnx.TensorProto.DataType.INT64;

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(data.buffer) });
}

export function int32Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: INT32, int32Data: [...values] });
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: INT64, int64Data: [...values] });
}

type AttrValue = number | string | readonly number[] | readonly string[];

export function node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}, name = ''): NodeProto {
  const AT = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([key, v]) => {
    if (typeof v === 'string') return onnx.AttributeProto.create({ name: key, type: AT.STRING, s: new TextEncoder().encode(v) });
    if (typeof v === 'number') {
      return Number.isInteger(v) && !FLOAT_ATTRS.has(key)
        ? onnx.AttributeProto.create({ name: key, type: AT.INT, i: v })
        : onnx.AttributeProto.create({ name: key, type: AT.FLOAT, f: v });
    }
    if (v.length > 0 && typeof v[0] === 'string') {
      return onnx.AttributeProto.create({ name: key, type: AT.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) });
    }
    return FLOAT_ATTRS.has(key)
      ? onnx.AttributeProto.create({ name: key, type: AT.FLOATS, floats: [...(v as number[])] })
      : onnx.AttributeProto.create({ name: key, type: AT.INTS, ints: [...(v as number[])] });
  });
  return onnx.NodeProto.create({ opType, input: [...inputs], output: [...outputs], attribute, name });
}

/** Attributes that ONNX types as float(s) even when the value is integral. */
const FLOAT_ATTRS = new Set(['activation_alpha', 'activation_beta', 'clip', 'alpha', 'beta', 'epsilon']);

/** A typed graph input/output; a string dimension is symbolic (e.g. 'T', 'B'). */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

export interface ModelParts {
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  opset?: number;
  graphName?: string;
  docString?: string;
}

/** Encodes a model (IR version 8, default opset 14) to ONNX bytes. */
export function encodeModel(parts: ModelParts): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: parts.graphName ?? 'recur',
    node: parts.nodes,
    initializer: parts.initializers,
    input: parts.inputs,
    output: parts.outputs,
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'recur',
    opsetImport: [{ domain: '', version: parts.opset ?? 14 }],
    graph,
    docString: parts.docString ?? '',
  });
  return onnx.ModelProto.encode(model).finish();
}
