/**
 * The safetensors codec (Hugging Face's format: an 8-byte little-endian header length, a JSON
 * header, then raw little-endian tensor data). Decoding treats every file as hostile: a
 * schema-directed reader parses and checks the whole header before any tensor is allocated.
 * It knows nothing of models: which names and `__metadata__` keys a model uses is the caller's.
 */
import { IntTensor, Tensor } from '../tensor/tensor.js';
import {
  DECODABLE_DTYPES, DTYPE_SIZES, LITTLE_ENDIAN_HOST, type SafetensorsFile, type SafetensorsHeader, type SafetensorsOptions,
  type SafetensorsTensorInfo, fail, parseHeader, quote,
} from './safetensors-header.js';

export {
  DECODABLE_DTYPES, FLOAT_DTYPES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_TENSORS, MAX_RANK, readSafetensorsHeader,
  type SafetensorsDtype, type SafetensorsFile, type SafetensorsHeader, type SafetensorsOptions, type SafetensorsTensorInfo,
} from './safetensors-header.js';

// ---------------------------------------------------------------------------------------------
// Decoding. Everything below runs only on a header that passed every check above.

let f16Table: Uint32Array | undefined;

/** Float32 bit patterns of all 65536 half-precision values (subnormals, inf and NaN payloads kept). */
function halfToFloatBits(): Uint32Array {
  if (f16Table) return f16Table;
  const table = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    let man = h & 0x3ff;
    if (exp === 31) table[h] = sign | 0x7f800000 | (man << 13);
    else if (exp !== 0) table[h] = sign | ((exp + 112) << 23) | (man << 13);
    else if (man === 0) table[h] = sign;
    else {
      // Subnormal m * 2^-24: shift the leading one into the implicit bit.
      let e = 113;
      while ((man & 0x400) === 0) { man <<= 1; e--; }
      table[h] = sign | (e << 23) | ((man & 0x3ff) << 13);
    }
  }
  f16Table = table;
  return table;
}

function int64Problem(src: Uint8Array, name: string): void {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < src.length; i += 8) {
    const lo = view.getUint32(i, true);
    const hi = view.getInt32(i + 4, true);
    if (!((hi === 0 && lo < 0x80000000) || (hi === -1 && lo >= 0x80000000))) {
      fail(`tensor ${quote(name)} element ${i / 8} is ${view.getBigInt64(i, true)}, outside the int32 range of IntTensor`);
    }
  }
}

function decodeTensor(src: Uint8Array, info: SafetensorsTensorInfo): Tensor | IntTensor {
  const n = src.length / DTYPE_SIZES[info.dtype];
  const view = (): DataView => new DataView(src.buffer, src.byteOffset, src.byteLength);
  switch (info.dtype) {
    case 'F32':
    case 'I32': {
      const out = info.dtype === 'F32' ? new Float32Array(n) : new Int32Array(n);
      if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(src);
      else if (out instanceof Float32Array) for (let i = 0, v = view(); i < n; i++) out[i] = v.getFloat32(4 * i, true);
      else for (let i = 0, v = view(); i < n; i++) out[i] = v.getInt32(4 * i, true);
      return out instanceof Float32Array ? new Tensor(out, info.shape) : new IntTensor(out, info.shape);
    }
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer); // native order on both sides
      const table = info.dtype === 'F16' ? halfToFloatBits() : undefined;
      for (let i = 0; i < n; i++) {
        const h = src[2 * i]! | (src[2 * i + 1]! << 8);
        bits[i] = table ? table[h]! : h << 16;
      }
      return new Tensor(out, info.shape);
    }
    case 'F64': {
      const out = new Float32Array(n); // rounds to nearest; beyond float32 range becomes ±Infinity
      for (let i = 0, v = view(); i < n; i++) out[i] = v.getFloat64(8 * i, true);
      return new Tensor(out, info.shape);
    }
    case 'I64': {
      const out = new Int32Array(n); // range checked before any allocation
      for (let i = 0, v = view(); i < n; i++) out[i] = v.getInt32(8 * i, true);
      return new IntTensor(out, info.shape);
    }
    default:
      return fail(`tensor ${quote(info.name)} has dtype ${info.dtype}, which cannot be decoded`);
  }
}

/**
 * Decodes a safetensors file into tensors. The header is checked in full first (see
 * `readSafetensorsHeader`), then I64 data is checked to fit int32; only then are tensors
 * allocated. Data is copied, so the result does not pin `bytes`. F32 is copied bit-exactly;
 * F16 and BF16 widen exactly to Float32; F64 rounds to Float32; I32 and I64 become `IntTensor`s
 * in `intTensors` (I64 only when every element fits int32).
 * Every error is one line starting `safetensors: `.
 */
export function decodeSafetensors(bytes: Uint8Array, options: SafetensorsOptions = {}): SafetensorsFile {
  return decodeSafetensorsData(bytes, parseHeader(bytes, options, DECODABLE_DTYPES, DECODABLE_DTYPES));
}

/**
 * Decodes the tensors of `bytes` given the header `readSafetensorsHeader` returned for those
 * same bytes, so that a loader which checks the header against its own expectations first
 * does not parse it twice. A header dtype outside `DECODABLE_DTYPES` is an error.
 */
export function decodeSafetensorsData(bytes: Uint8Array, header: SafetensorsHeader): SafetensorsFile {
  let end = 0;
  for (const t of header.tensors.values()) end = Math.max(end, t.dataOffsets[1]);
  if (header.dataStart + end !== bytes.length) fail(`decodeSafetensorsData: the header (data ending at byte ${header.dataStart + end}) is not that of these ${bytes.length} bytes`);
  const slice = (t: SafetensorsTensorInfo) => bytes.subarray(header.dataStart + t.dataOffsets[0], header.dataStart + t.dataOffsets[1]);
  for (const t of header.tensors.values()) if (t.dtype === 'I64') int64Problem(slice(t), t.name);
  const tensors = new Map<string, Tensor>();
  const intTensors = new Map<string, IntTensor>();
  for (const t of header.tensors.values()) {
    const out = decodeTensor(slice(t), t);
    if (out instanceof Tensor) tensors.set(t.name, out);
    else intTensors.set(t.name, out);
  }
  return { tensors, intTensors, metadata: header.metadata };
}

// ---------------------------------------------------------------------------------------------
// Encoding.

/** Compares by code point, which is the UTF-8 byte order the reference writer sorts by. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkText(s: unknown, what: string): string {
  if (typeof s !== 'string') fail(`encode: ${what} must be a string, got ${typeof s}`);
  if (LONE_SURROGATE.test(s)) fail(`encode: ${what} ${quote(s)} holds a lone surrogate, which UTF-8 cannot store`);
  return s;
}

/**
 * Encodes tensors as a safetensors file, byte-identical to the reference writer (Python
 * `safetensors.torch.save_file`) for the same input: `__metadata__` first (keys in the given
 * order) when `metadata` is given, then tensors ordered like the reference — by dtype alignment,
 * largest first (F32 before I32), then by name — compact JSON padded with spaces to a multiple
 * of 8 bytes, and data in little-endian order on any host. `Tensor` is stored as F32,
 * `IntTensor` as I32.
 */
export function encodeSafetensors(tensors: Map<string, Tensor | IntTensor> | Record<string, Tensor | IntTensor>, metadata?: Record<string, string>): Uint8Array {
  const items = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const rows = items.map(([name, t]) => {
    checkText(name, 'tensor name');
    if (name === '__metadata__') fail("encode: '__metadata__' is reserved and cannot name a tensor");
    if (!(t instanceof Tensor) && !(t instanceof IntTensor)) fail(`encode: ${quote(name)} is not a Tensor or IntTensor`);
    return { name, t, dtype: t instanceof Tensor ? 'F32' as const : 'I32' as const };
  });
  rows.sort((a, b) => (a.dtype === b.dtype ? compareCodePoints(a.name, b.name) : a.dtype === 'F32' ? -1 : 1));

  const parts: string[] = [];
  if (metadata !== undefined) {
    const fields = Object.keys(metadata).map((k) => `${JSON.stringify(checkText(k, 'metadata key'))}:${JSON.stringify(checkText(metadata[k], `metadata ${quote(k)}`))}`);
    parts.push(`"__metadata__":{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const { name, t, dtype } of rows) {
    const end = offset + 4 * t.size;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { t } of rows) {
    const data = t.data;
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
    else for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i]!, true);
    at += data.byteLength;
  }
  return out;
}
