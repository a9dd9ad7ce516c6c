/**
 * The safetensors header: format constants, types, and a schema-directed reader that parses
 * and checks the whole header of a hostile file (lengths, UTF-8, grammar, dtypes, shapes,
 * offsets tiling the data section) before anything is allocated. Decoding the tensor data and
 * encoding live in `safetensors.ts`.
 */
import type { IntTensor, Tensor } from '../tensor/tensor.js';
/** Every dtype of the format with a whole-byte element, in the reference's alignment order. */
export const DTYPE_SIZES = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/** The dtypes `decodeSafetensors` can turn into tensors (floats to `Tensor`, ints to `IntTensor`). */
export const DECODABLE_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64', 'I32', 'I64'];

/** The float dtypes, which decode to `Tensor` (model weights may be any of them). */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** The header size limit of the reference implementation (100 MB). */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

/**
 * Default tensor count limit. Zero-size tensors need no data, so without a limit a 100 MB header
 * could list two million of them and cost gigabytes of objects; real checkpoints hold far fewer.
 */
export const DEFAULT_MAX_TENSORS = 100_000;

export interface SafetensorsOptions {
  /** Largest accepted header, in bytes (default 100 MB, like the reference reader). */
  maxHeaderBytes?: number;
  /** Largest accepted number of tensors (default `DEFAULT_MAX_TENSORS`, 100,000). */
  maxTensors?: number;
  /**
   * Dtypes accepted in the header; any other is an error. Default: `DECODABLE_DTYPES` for
   * `decodeSafetensors` (which rejects any dtype outside that list), every dtype of the format
   * for `readSafetensorsHeader` (which decodes no data).
   */
  dtypes?: readonly string[];
}

/** One header entry; `dataOffsets` (`data_offsets` in the file) count from `dataStart`. */
export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly dataOffsets: readonly [number, number];
}

export interface SafetensorsHeader {
  /** The header length stored in the first 8 bytes (padding included). */
  readonly headerLength: number;
  /** File offset of the data section (8 + headerLength). */
  readonly dataStart: number;
  /** The tensors by name, in data order (sorted by offset); they tile the data section. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  /** `__metadata__`, or `{}` when the file has none. */
  readonly metadata: Record<string, string>;
}

export interface SafetensorsFile {
  /** The float tensors (F32, F16, BF16, F64) by name, in data order. */
  tensors: Map<string, Tensor>;
  /** The integer tensors (I32, I64) by name, in data order; empty for a model's weights. */
  intTensors: Map<string, IntTensor>;
  metadata: Record<string, string>;
}

export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/**
 * Most dimensions a shape may have (NumPy 2's limit; PyTorch tensors in practice have far
 * fewer). The format sets none, but without one a header of "[1,1,1,...]" could make a valid
 * one-element tensor cost gigabytes of shape arrays.
 */
export const MAX_RANK = 64;

export function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

/** A name or string for a one-line message: escaped, quoted, at most 64 characters. */
export function quote(s: string): string {
  if (/^[ !#-[\]-~]{0,64}$/.test(s)) return `'${s}'`; // printable ASCII other than " and backslash
  const cut = s.length > 64 ? `${s.slice(0, 64)}…` : s;
  return `'${JSON.stringify(cut).slice(1, -1).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

/** A shape for a message, cut after 8 dimensions. */
export function formatDims(shape: readonly number[]): string {
  return shape.length > 8 ? `[${shape.slice(0, 8).join(', ')}, … (${shape.length} dims)]` : `[${shape.join(', ')}]`;
}

/** The element count of `shape`, or `Infinity` once it exceeds 2^53 - 1. */
function elementCount(shape: readonly number[]): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > MAX_SAFE) return Infinity;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Header reader. Only the grammar a safetensors header can legally use is accepted: an object of
// tensor entries ({dtype, shape, data_offsets}) and an optional __metadata__ object of strings.
// Anything else is reported where it is met, so no input can make the reader recurse, and
// nothing is built from a value before it is known to be of the expected kind.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class HeaderReader {
  private pos: number;

  constructor(private readonly bytes: Uint8Array, start: number, private readonly end: number) {
    this.pos = start;
  }

  malformed(what: string): never {
    return fail(`malformed header JSON at byte ${this.pos}: ${what}`);
  }

  ws(): void {
    const b = this.bytes;
    while (this.pos < this.end) {
      const c = b[this.pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  peek(): number {
    return this.pos < this.end ? this.bytes[this.pos]! : -1;
  }

  /** Consumes `c` after optional whitespace, or fails naming `what` was expected. */
  expect(c: number, what: string): void {
    this.ws();
    if (this.peek() !== c) this.malformed(this.pos >= this.end ? `unexpected end, expected ${what}` : `expected ${what}`);
    this.pos++;
  }

  /** Describes the value starting here for a type error, or fails if none starts here. */
  kind(): string {
    const c = this.peek();
    if (c === 0x7b) return 'an object';
    if (c === 0x5b) return 'an array';
    if (c === 0x22) return 'a string';
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return `the number ${this.numberText()}`;
    for (const lit of ['true', 'false', 'null']) {
      if (this.matches(lit)) return lit;
    }
    return this.malformed(c < 0 ? 'unexpected end, expected a value' : 'expected a value');
  }

  private matches(lit: string): boolean {
    if (this.pos + lit.length > this.end) return false;
    for (let i = 0; i < lit.length; i++) if (this.bytes[this.pos + i] !== lit.charCodeAt(i)) return false;
    return true;
  }

  /** The text of the number-like token here (for messages), cut to 24 characters. */
  private numberText(): string {
    let p = this.pos;
    while (p < this.end && p - this.pos <= 24 && /[-+.eE0-9]/.test(String.fromCharCode(this.bytes[p]!))) p++;
    const t = String.fromCharCode(...this.bytes.subarray(this.pos, Math.min(p, this.pos + 24)));
    return p - this.pos > 24 ? `${t}…` : t;
  }

  /**
   * A JSON string starting at the opening quote. One pass finds the closing quote and checks
   * every escape; the text is then decoded once (TextDecoder checks the UTF-8) and, if it holds
   * escapes, unescaped by JSON.parse, which is exact on checked input and far faster than
   * building the string escape by escape (a metadata value of JSON holds one every few bytes).
   */
  string(): string {
    const b = this.bytes;
    const open = this.pos++;
    let escaped = false;
    for (;;) {
      if (this.pos >= this.end) this.malformed('unterminated string');
      const c = b[this.pos]!;
      if (c === 0x22) break;
      if (c < 0x20) this.malformed('control character inside a string');
      if (c !== 0x5c) { this.pos++; continue; }
      this.skipEscape();
      escaped = true;
    }
    const text = this.decodeChunk(open + 1, this.pos, open);
    this.pos++;
    return escaped ? (JSON.parse(`"${text}"`) as string) : text;
  }

  private decodeChunk(from: number, to: number, open: number): string {
    if (from === to) return '';
    if (to - from <= 64) {
      // Short ASCII (keys, dtypes, most names) is cheaper to build than a TextDecoder call.
      let text = '';
      let i = from;
      for (; i < to && this.bytes[i]! < 0x80; i++) text += String.fromCharCode(this.bytes[i]!);
      if (i === to) return text;
    }
    try {
      return utf8.decode(this.bytes.subarray(from, to));
    } catch {
      return fail(`header string at byte ${open} is not valid UTF-8`);
    }
  }

  /** Checks one escape sequence starting at the backslash; leaves `pos` after it. */
  private skipEscape(): void {
    const c = this.pos + 1 < this.end ? this.bytes[this.pos + 1]! : -1;
    // " \ / b f n r t
    if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) { this.pos += 2; return; }
    if (c !== 0x75) this.malformed('invalid escape in a string');
    const hi = this.hex4(this.pos + 2);
    if (hi >= 0xdc00 && hi <= 0xdfff) this.malformed('lone surrogate escape in a string');
    if (hi < 0xd800 || hi > 0xdbff) { this.pos += 6; return; }
    const p = this.pos + 6; // a high surrogate must be followed by a low one
    const lo = p + 6 <= this.end && this.bytes[p] === 0x5c && this.bytes[p + 1] === 0x75 ? this.hex4(p + 2) : -1;
    if (lo < 0xdc00 || lo > 0xdfff) this.malformed('lone surrogate escape in a string');
    this.pos += 12;
  }

  private hex4(at: number): number {
    if (at + 4 > this.end) this.malformed('unterminated \\u escape');
    let v = 0;
    for (let i = at; i < at + 4; i++) {
      const h = this.bytes[i]!;
      const d = h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x61 && h <= 0x66 ? h - 0x57 : h >= 0x41 && h <= 0x46 ? h - 0x37 : -1;
      if (d < 0) this.malformed('invalid \\u escape');
      v = v * 16 + d;
    }
    return v;
  }

  /** A non-negative integer below 2^53; `what[index]` names it in errors. */
  integer(what: string, index: number): number {
    this.ws();
    const b = this.bytes;
    const start = this.pos;
    let p = start;
    let value = 0;
    // Exact below 2^53; rounding never brings a larger value back under it.
    for (; p < this.end && b[p]! >= 0x30 && b[p]! <= 0x39; p++) value = p - start > 16 ? Infinity : value * 10 + (b[p]! - 0x30);
    const next = p < this.end ? b[p]! : -1;
    if (p === start || next === 0x2e || next === 0x65 || next === 0x45 || value > MAX_SAFE) {
      fail(`${what}[${index}] must be an integer in [0, 2^53), got ${this.kind()}`);
    }
    if (b[start] === 0x30 && p - start > 1) this.malformed('leading zero in a number');
    this.pos = p;
    return value;
  }

  /** `[int, ...]`; fails with `what tooMany` as soon as a element past `max` comes. */
  integers(what: string, max: number, tooMany: string): number[] {
    this.ws();
    if (this.peek() !== 0x5b) fail(`${what} must be an array, got ${this.kind()}`);
    this.pos++;
    const out: number[] = [];
    this.ws();
    if (this.peek() === 0x5d) { this.pos++; return out; }
    for (;;) {
      if (out.length === max) fail(`${what} ${tooMany}`);
      out.push(this.integer(what, out.length));
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) { this.pos--; this.malformed(`expected ',' or ']' in ${what}`); }
    }
  }

  /**
   * Walks `{ "key": value, ... }`, calling `onKey` with `pos` at each value; `onKey` must
   * consume the value. Duplicate keys are errors (JSON.parse would keep the last silently).
   */
  object(where: string, onKey: (key: string) => void): void {
    this.expect(0x7b, "'{'");
    const seen = new Set<string>();
    this.ws();
    if (this.peek() === 0x7d) { this.pos++; return; }
    for (;;) {
      this.ws();
      if (this.peek() !== 0x22) this.malformed(this.pos >= this.end ? 'unexpected end, expected a key' : 'expected a key string');
      const key = this.string();
      if (seen.has(key)) fail(`duplicate key ${quote(key)} in ${where}`);
      seen.add(key);
      this.expect(0x3a, "':'");
      this.ws();
      onKey(key);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c === 0x7d) return;
      if (c !== 0x2c) { this.pos--; this.malformed(c < 0 ? "unexpected end, expected ',' or '}'" : "expected ',' or '}'"); }
    }
  }

  stringValue(what: string): string {
    if (this.peek() !== 0x22) fail(`${what} must be a string, got ${this.kind()}`);
    return this.string();
  }

  /** Checks that only whitespace is left. */
  finish(): void {
    this.ws();
    if (this.pos < this.end) this.malformed('unexpected bytes after the header object');
  }

  objectStartsHere(): boolean {
    return this.peek() === 0x7b;
  }
}

function readEntry(r: HeaderReader, name: string, accepted: ReadonlySet<string>, dataSize: number): SafetensorsTensorInfo {
  const t = `tensor ${quote(name)}`;
  if (!r.objectStartsHere()) fail(`${t} must be an object {dtype, shape, data_offsets}, got ${r.kind()}`);
  let dtype: SafetensorsDtype | undefined;
  let shape: number[] | undefined;
  let offsets: number[] | undefined;
  r.object(t, (key) => {
    if (key === 'dtype') {
      const d = r.stringValue(`${t} dtype`);
      if (!Object.hasOwn(DTYPE_SIZES, d)) fail(`${t} has unknown dtype ${quote(d)}`);
      if (!accepted.has(d)) fail(`${t} has dtype ${d}, which is not accepted here (accepted: ${[...accepted].join(', ')})`);
      dtype = d as SafetensorsDtype;
    } else if (key === 'shape') {
      shape = r.integers(`${t} shape`, MAX_RANK, `has more than ${MAX_RANK} dimensions`);
    } else if (key === 'data_offsets') {
      offsets = r.integers(`${t} data_offsets`, 2, 'must hold 2 integers, got more');
      if (offsets.length !== 2) fail(`${t} data_offsets must hold 2 integers [begin, end], got ${offsets.length}`);
    } else {
      fail(`${t} has unexpected field ${quote(key)}`);
    }
  });
  if (dtype === undefined) fail(`${t} has no dtype`);
  if (shape === undefined) fail(`${t} has no shape`);
  if (offsets === undefined) fail(`${t} has no data_offsets`);
  const [begin, end] = offsets as [number, number];
  const range = `data_offsets [${begin}, ${end}]`;
  if (begin > end) fail(`${t} ${range} end before they begin`);
  if (end > dataSize) fail(`${t} ${range} run past the end of the ${dataSize}-byte data section`);
  const count = elementCount(shape);
  const needed = count * DTYPE_SIZES[dtype];
  if (needed !== end - begin) {
    const need = needed <= MAX_SAFE ? String(needed) : 'more than 2^53 bytes';
    fail(`${t} ${range} hold ${end - begin} bytes but ${dtype} ${formatDims(shape)} needs ${need}`);
  }
  return { name, dtype, shape, dataOffsets: [begin, end] };
}

export function parseHeader(bytes: Uint8Array, options: SafetensorsOptions, defaultDtypes: readonly string[], allowed: readonly string[]): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) fail(`expected the file as a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(maxHeader) || maxHeader < 2) fail(`maxHeaderBytes must be an integer >= 2, got ${maxHeader}`);
  const maxTensors = options.maxTensors ?? DEFAULT_MAX_TENSORS;
  if (!Number.isSafeInteger(maxTensors) || maxTensors < 0) fail(`maxTensors must be a non-negative integer, got ${maxTensors}`);
  const dtypes = options.dtypes ?? defaultDtypes;
  for (const d of dtypes) {
    if (!allowed.includes(d)) fail(`option dtypes holds ${quote(String(d))}; this reader supports ${allowed.join(', ')}`);
  }
  const accepted = new Set(dtypes);

  if (bytes.length < 8) fail(`file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi >= 0x200000 || hi * 4294967296 + lo > maxHeader) {
    fail(`header length ${view.getBigUint64(0, true)} exceeds the limit of ${maxHeader} bytes`);
  }
  const headerLength = hi * 4294967296 + lo;
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  if (headerLength === 0) fail('header length is 0; the header must be a JSON object');
  const dataStart = 8 + headerLength;
  const dataSize = bytes.length - dataStart;

  const r = new HeaderReader(bytes, 8, dataStart);
  r.ws();
  if (!r.objectStartsHere()) fail(`header must be a JSON object, got ${r.kind()}`);
  const tensors: SafetensorsTensorInfo[] = [];
  const metadata: Record<string, string> = {};
  r.object('the header', (key) => {
    if (key !== '__metadata__') {
      if (tensors.length === maxTensors) fail(`header lists more than ${maxTensors} tensors (the maxTensors limit)`);
      tensors.push(readEntry(r, key, accepted, dataSize));
      return;
    }
    if (!r.objectStartsHere()) fail(`__metadata__ must be an object of strings, got ${r.kind()}`);
    r.object('__metadata__', (k) => {
      // defineProperty, so that a key named __proto__ stays an ordinary key.
      Object.defineProperty(metadata, k, { value: r.stringValue(`__metadata__ ${quote(k)}`), enumerable: true, writable: true, configurable: true });
    });
  });
  r.finish();

  // Data order; zero-size tensors sort before a tensor starting at the same byte.
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  for (let i = 0; i < tensors.length; i++) {
    const { name, dataOffsets: [begin, end] } = tensors[i]!;
    if (begin > covered) {
      const before = i === 0 ? 'the data section starts at 0' : `tensor ${quote(tensors[i - 1]!.name)} ends at ${covered}`;
      fail(`tensor ${quote(name)} begins at ${begin} but ${before}, leaving a gap`);
    }
    if (begin < covered) {
      const prev = tensors[i - 1]!;
      fail(`tensor ${quote(name)} data_offsets [${begin}, ${end}] overlap tensor ${quote(prev.name)} [${prev.dataOffsets[0]}, ${prev.dataOffsets[1]}]`);
    }
    covered = end;
  }
  if (covered !== dataSize) fail(`tensors cover ${covered} bytes but the data section holds ${dataSize}`);
  return { headerLength, dataStart, tensors: new Map(tensors.map((t) => [t.name, t])), metadata };
}

/**
 * Parses and checks the header of a safetensors file without decoding any data: header length,
 * UTF-8, JSON syntax, no duplicate keys, `__metadata__` of strings, each entry exactly
 * `{dtype, shape, data_offsets}` (at most `MAX_RANK` dimensions) with sizes that agree, and
 * offsets that tile the data section. Accepts every dtype of the format unless `options.dtypes`
 * narrows it.
 */
export function readSafetensorsHeader(bytes: Uint8Array, options: SafetensorsOptions = {}): SafetensorsHeader {
  const all = Object.keys(DTYPE_SIZES);
  return parseHeader(bytes, options, all, all);
}
