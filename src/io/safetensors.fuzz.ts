/**
 * A fuzzer for the safetensors decoder. It builds valid files of recurrent models' state dicts,
 * mutates them (truncation, bit flips, header-length edits, JSON edits, byte insertions and
 * deletions) and checks that every case ends in a load that agrees with an independent reading
 * of the file (JSON.parse and DataView) or in an Error starting `safetensors: `, in under 100 ms
 * and without memory growth. Run: node dist/io/safetensors.fuzz.js --cases 100000 --seed 1
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '../random/rng.js';
import type { IntTensor, Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile } from './safetensors.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Longest accepted decode, in ms (default 100). */
  maxMs?: number;
  /** Largest accepted growth of the resident set over the run, in MB (default 200). */
  maxRssGrowthMb?: number;
}

export interface FuzzFailure {
  case: number;
  mutation: string;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  /** Cases that decoded (and agreed with the independent reading). */
  ok: number;
  /** Cases rejected with a proper `safetensors: ` error. */
  rejected: number;
  /** Slowest decode, in ms, and the mutation that caused it. */
  maxMs: number;
  slowest: string;
  /** The first 100 failures; `failed` counts them all. */
  failures: FuzzFailure[];
  failed: number;
  seconds: number;
  rssStartMb: number;
  rssPeakMb: number;
  /** Cases, loads and rejections per mutation kind. */
  byMutation: Record<string, { cases: number; ok: number; rejected: number }>;
  /** Rejection messages with names and numbers blanked out, by count. */
  messages: Map<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Valid files, built byte by byte (not with encodeSafetensors), so that mutations can edit the
// header as text.

const SIZES: Record<string, number> = { F16: 2, BF16: 2, F32: 4, I32: 4, F64: 8, I64: 8 };

interface Spec { name: string; dtype: string; shape: number[] }
/** One top-level header member: raw JSON key text, and either fields (raw key, raw value) or raw value text. */
interface Member { key: string; fields?: [string, string][]; raw?: string }
interface Base { label: string; members: Member[]; data: Uint8Array; bytes: Uint8Array; f32Only: boolean; metadata?: Record<string, string> }

const utf8 = new TextEncoder();

function serialize(members: readonly Member[]): string {
  return `{${members.map((m) => `${m.key}:${m.fields ? `{${m.fields.map(([k, v]) => `${k}:${v}`).join(',')}}` : m.raw}`).join(',')}}`;
}

function assemble(header: string, data: Uint8Array, pad: boolean, lengthDelta = 0): Uint8Array {
  const h = utf8.encode(header);
  const padded = pad ? Math.ceil(h.length / 8) * 8 : h.length;
  const out = new Uint8Array(8 + padded + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, padded + lengthDelta)), true);
  out.set(h, 8);
  out.fill(0x20, 8 + h.length, 8 + padded);
  out.set(data, 8 + padded);
  return out;
}

/** Subnormals, extremes, signed zero, infinities and NaNs of F16 (and odd BF16 values). */
const HALF_SPECIALS = [0x0001, 0x03ff, 0x8001, 0x0400, 0x7bff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe00, 0x3555];

function randomData(rng: Rng, dtype: string, n: number): Uint8Array {
  const out = new Uint8Array(n * SIZES[dtype]!);
  const v = new DataView(out.buffer);
  const specials = [NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38, 1e-40];
  for (let i = 0; i < n; i++) {
    const special = rng.next() < 0.02 ? specials[rng.int(specials.length)]! : undefined;
    const x = special ?? rng.normal(0, 0.1);
    if (dtype === 'F32') {
      if (rng.next() < 0.005) v.setUint32(4 * i, 0x7fa00001 + rng.int(1000), true); // NaN payloads
      else v.setFloat32(4 * i, x, true);
    } else if (dtype === 'F64') v.setFloat64(8 * i, x, true);
    else if (dtype === 'F16' || dtype === 'BF16') v.setUint16(2 * i, i < HALF_SPECIALS.length ? HALF_SPECIALS[i]! : rng.int(65536), true);
    else if (dtype === 'I32') v.setInt32(4 * i, rng.nextU32() | 0, true);
    else v.setBigInt64(8 * i, BigInt(rng.nextU32() | 0), true);
  }
  return out;
}

function makeBase(rng: Rng, label: string, specs: Spec[], metadata?: Record<string, string>): Base {
  const members: Member[] = [];
  if (metadata) members.push({ key: '"__metadata__"', fields: Object.entries(metadata).map(([k, v]) => [JSON.stringify(k), JSON.stringify(v)]) });
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = randomData(rng, s.dtype, n);
    members.push({ key: JSON.stringify(s.name), fields: [['"dtype"', `"${s.dtype}"`], ['"shape"', `[${s.shape.join(',')}]`], ['"data_offsets"', `[${offset},${offset + data.length}]`]] });
    chunks.push(data);
    offset += data.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) { data.set(c, at); at += c.length; }
  const f32Only = specs.every((s) => s.dtype === 'F32');
  return { label, members, data, bytes: assemble(serialize(members), data, true), f32Only, metadata };
}

function rnnSpecs(prefix: string, cell: 'lstm' | 'gru', input: number, hidden: number, layers: number, bidirectional: boolean): Spec[] {
  const g = (cell === 'lstm' ? 4 : 3) * hidden;
  const out: Spec[] = [];
  for (let l = 0; l < layers; l++) {
    for (const suffix of bidirectional ? ['', '_reverse'] : ['']) {
      const i = l === 0 ? input : hidden * (bidirectional ? 2 : 1);
      out.push({ name: `${prefix}weight_ih_l${l}${suffix}`, dtype: 'F32', shape: [g, i] }, { name: `${prefix}weight_hh_l${l}${suffix}`, dtype: 'F32', shape: [g, hidden] },
        { name: `${prefix}bias_ih_l${l}${suffix}`, dtype: 'F32', shape: [g] }, { name: `${prefix}bias_hh_l${l}${suffix}`, dtype: 'F32', shape: [g] });
    }
  }
  return out;
}

const byName = (a: Spec, b: Spec) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function makeBases(rng: Rng): { base: Base; weight: number }[] {
  const vocab = [...'\n !"\\\'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:?-éü€😀'].slice(0, 65);
  const charLstm = makeBase(rng, 'char-lstm', [
    { name: 'embedding.weight', dtype: 'F32', shape: [65, 16] }, ...rnnSpecs('rnn.', 'lstm', 16, 32, 2, false),
    { name: 'decoder.weight', dtype: 'F32', shape: [65, 32] }, { name: 'decoder.bias', dtype: 'F32', shape: [65] },
  ].sort(byName), {
    format: 'pt',
    'recur.config': JSON.stringify({ task: 'char-lm', cell: 'lstm', vocabSize: 65, embeddingSize: 16, hiddenSize: 32, numLayers: 2 }),
    'recur.vocabulary': JSON.stringify(vocab),
  });
  const biGru = makeBase(rng, 'bigru', [...rnnSpecs('', 'gru', 5, 8, 1, true),
    { name: 'head.weight', dtype: 'F32', shape: [3, 16] }, { name: 'head.bias', dtype: 'F32', shape: [3] }].sort(byName), {
    format: 'pt',
    'recur.config': JSON.stringify({ task: 'forecast', cell: 'gru', inputSize: 5, hiddenSize: 8, bidirectional: true }),
    'recur.normalization': JSON.stringify({ mean: [0.5, -1.25, 3, 0, 1e-7], std: [1, 2, 0.5, 1, 1e3] }),
  });
  const oneHot = makeBase(rng, 'onehot-lstm', [...rnnSpecs('', 'lstm', 65, 256, 1, false),
    { name: 'decoder.weight', dtype: 'F32', shape: [65, 256] }, { name: 'decoder.bias', dtype: 'F32', shape: [65] }].sort(byName), { format: 'pt' });
  // Half precision and integer tensors, in an order no name sort gives (other writers' files).
  const mixed = makeBase(rng, 'mixed-dtypes', [
    { name: 'weight_ih_l0', dtype: 'F16', shape: [12, 3] }, { name: 'weight_hh_l0', dtype: 'BF16', shape: [12, 4] },
    { name: 'bias_ih_l0', dtype: 'F64', shape: [12] }, { name: 'bias_hh_l0', dtype: 'F32', shape: [12] },
    { name: 'num_batches_tracked', dtype: 'I64', shape: [] }, { name: 'lengths', dtype: 'I32', shape: [4] },
    { name: 'empty', dtype: 'F32', shape: [0, 4] }, { name: 'scale', dtype: 'F32', shape: [] },
  ]);
  const empty = makeBase(rng, 'no-tensors', [], { format: 'pt' });
  return [{ base: charLstm, weight: 35 }, { base: biGru, weight: 30 }, { base: mixed, weight: 25 }, { base: oneHot, weight: 5 }, { base: empty, weight: 5 }];
}

// ---------------------------------------------------------------------------------------------
// Mutations. Each returns the mutated file and a label; labels starting 'valid' must load.

/** A mutated file; `mustReject` when the edit certainly made it invalid (duplicates, extra fields ...). */
type Mutation = { bytes: Uint8Array; label: string; mustReject?: boolean };

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
/** Uniform in [0, n), or 0 when the range is empty (mutated files can be tiny). */
const below = (rng: Rng, n: number): number => (n >= 1 ? rng.int(Math.floor(n)) : 0);

/** Where the header claims to end, clamped to the file. */
function headerEnd(bytes: Uint8Array): number {
  if (bytes.length < 8) return bytes.length;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return Math.min(bytes.length, 8 + n);
}

function truncate(rng: Rng, b: Uint8Array): Mutation {
  const he = headerEnd(b);
  const at = pick(rng, [below(rng, b.length), rng.int(8), 8 + below(rng, he - 8), he + rng.int(9) - 4, b.length - 1 - rng.int(8)]);
  return { bytes: b.slice(0, Math.max(0, Math.min(b.length - 1, at))), label: 'truncate' };
}

function bitFlips(rng: Rng, b: Uint8Array): Mutation {
  const out = b.slice();
  const he = headerEnd(b);
  const count = rng.next() < 0.9 ? 1 + rng.int(4) : 1 + rng.int(32);
  const region = pick(rng, ['length', 'header', 'header', 'data', 'any']);
  for (let i = 0; i < count; i++) {
    const at = region === 'length' ? rng.int(8) : region === 'header' ? 8 + below(rng, he - 8) : region === 'data' && b.length > he ? he + rng.int(b.length - he) : below(rng, b.length);
    if (at < out.length) out[at]! ^= 1 << rng.int(8);
  }
  return { bytes: out, label: `bit-flip:${region}` };
}

function lengthField(rng: Rng, b: Uint8Array): Mutation {
  const out = b.slice();
  const n = BigInt(headerEnd(b) - 8);
  const size = BigInt(b.length);
  const values = [0n, 1n, 2n, 7n, n - 1n, n + 1n, n - 8n, n + 8n, size - 8n, size - 7n, size, 2n ** 32n, 2n ** 32n + n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n,
    2n ** 63n, 2n ** 64n - 1n, 100_000_000n, 100_000_001n, BigInt(rng.nextU32()), (BigInt(rng.nextU32()) << 32n) | BigInt(rng.nextU32()), BigInt(below(rng, b.length))];
  if (out.length < 8) return { bytes: out, label: 'length-field' };
  const v = pick(rng, values);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v < 0n ? 0n : v), true);
  return { bytes: out, label: 'length-field' };
}

function spliceBytes(rng: Rng, b: Uint8Array): Mutation {
  const he = headerEnd(b);
  const at = rng.next() < 0.7 ? Math.min(b.length, 8 + below(rng, he - 8)) : rng.int(b.length + 1);
  const json = utf8.encode('{}[]",:\\0123456789-.eE tfnu\t\n');
  const kind = pick(rng, ['insert', 'delete', 'overwrite']);
  const k = 1 + rng.int(rng.next() < 0.8 ? 4 : 16);
  const bytes = Uint8Array.from({ length: k }, () => (rng.next() < 0.6 ? json[rng.int(json.length)]! : rng.int(256)));
  if (kind === 'delete') return { bytes: concat(b.subarray(0, at), b.subarray(at + k)), label: 'delete-bytes' };
  if (kind === 'insert') return { bytes: concat(b.subarray(0, at), bytes, b.subarray(at)), label: 'insert-bytes' };
  const out = b.slice();
  out.set(bytes.subarray(0, Math.max(0, out.length - at)), Math.min(at, out.length));
  return { bytes: out, label: 'overwrite-bytes' };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const deep = (n: number, open: string, close = '') => open.repeat(n) + close.repeat(n);

function clone(members: readonly Member[]): Member[] {
  return members.map((m) => ({ key: m.key, raw: m.raw, fields: m.fields?.map(([k, v]) => [k, v] as [string, string]) }));
}

function offsetsOf(m: Member): [number, number] | undefined {
  const raw = m.fields?.find(([k]) => k === '"data_offsets"')?.[1];
  const match = raw ? /^\[(\d+),(\d+)\]$/.exec(raw) : null;
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function setField(m: Member, key: string, value: string): void {
  const f = m.fields?.find(([k]) => k === key);
  if (f) f[1] = value;
}

/** Edits the header as JSON text, then rebuilds the file with a matching length field. */
function headerEdit(rng: Rng, base: Base): Mutation {
  const members = clone(base.members);
  let data = base.data;
  const tensors = members.filter((m) => m.key !== '"__metadata__"' && m.fields);
  const meta = members.find((m) => m.key === '"__metadata__"');
  const t = tensors.length ? pick(rng, tensors) : undefined;
  const [begin, end] = t ? offsetsOf(t)! : [0, 0];
  const huge = '1'.repeat(1 + rng.int(40));
  // Each edit returns true when it was applied and certainly makes the file invalid.
  const edits: Record<string, () => boolean | void> = {
    dtype: () => t && setField(t, '"dtype"', pick(rng, ['"F33"', '"f32"', '""', '"BOOL"', '"U8"', '"I8"', '"F16"', '"BF16"', '"F64"', '"I64"', '"I32"', '"U64"', '"F8_E4M3"', '"__proto__"', '"constructor"', '4', 'null', '["F32"]', '{"F32":1}'])),
    shape: () => t && setField(t, '"shape"', pick(rng, ['[1000000000000,1000000000000]', '[-1]', '[1.5]', '[1e3]', '"[2]"', '2', 'null', '[]', '[0]', '[9007199254740992]', '[9007199254740991]',
      '[18446744073709551615]', '[4294967296,4294967296]', '[1,-0]', `[${'1,'.repeat(100000)}1]`, deep(10000, '[', ']'), '[[1]]', '[1,]', '[,1]', `[${huge}]`, '[01]', '[ 1 , 2 ]'])),
    offsets: () => t && setField(t, '"data_offsets"', pick(rng, [`[${begin},${data.length + 4}]`, '[0,9007199254740992]', `[${end},${begin}]`, `[${begin + 4},${end + 4}]`, `[${Math.max(0, begin - 4)},${end - 4}]`,
      `[${begin}]`, `[${begin},${end},${end}]`, `"${begin},${end}"`, `[-${begin},${end}]`, `[${begin}.0,${end}]`, `[${begin},${end}e0]`, `[${begin},${huge}]`, `[${end},${end}]`, '[]', deep(10000, '[', ']')])),
    'swap-offsets': () => {
      if (!t) return;
      const u = pick(rng, tensors);
      const a = t.fields!.find(([k]) => k === '"data_offsets"')!;
      const b = u.fields!.find(([k]) => k === '"data_offsets"')!;
      [a[1], b[1]] = [b[1], a[1]];
    },
    'duplicate-member': () => { if (!t) return; members.splice(rng.int(members.length + 1), 0, { key: t.key, fields: t.fields, raw: t.raw }); return true; },
    'duplicate-field': () => { if (!t) return; t.fields!.splice(rng.int(4), 0, pick(rng, t.fields!)); return true; },
    'duplicate-metadata': () => { if (!meta?.fields?.length) return; meta.fields.push(pick(rng, meta.fields)); return true; },
    'non-object': () => t && !!Object.assign(t, { fields: undefined, raw: pick(rng, ['1', '"x"', 'null', 'true', '[]', '-0', deep(10000, '['), deep(10000, '{"a":'), deep(10000, '[', ']')]) }),
    'remove-member': () => { if (members.length) members.splice(rng.int(members.length), 1); },
    'remove-field': () => { if (!t) return; t.fields!.splice(rng.int(t.fields!.length), 1); return true; },
    'extra-field': () => t && !!t.fields!.splice(rng.int(4), 0, pick(rng, [['"extra"', '1'], ['"strides"', '[1]'], ['""', '""'], ['"dtype "', '"F32"']] as [string, string][])) && true,
    'metadata-value': () => {
      if (!meta?.fields?.length) return;
      const v = pick(rng, ['1', '{}', '[]', 'null', 'true', '{"a":"b"}', deep(10000, '{"a":'), JSON.stringify('x'.repeat(1 << 20))]);
      pick(rng, meta.fields)[1] = v;
      return !v.startsWith('"');
    },
    'metadata-kind': () => meta && !!Object.assign(meta, { fields: undefined, raw: pick(rng, ['[]', '"pt"', 'null', '1', '[["format","pt"]]']) }),
    'metadata-nesting-string': () => { meta?.fields?.push(['"nested"', JSON.stringify(deep(10000, '[', ']'))]); },
    name: () => {
      if (!t) return;
      const valid = [JSON.stringify('n'.repeat(1 << 20)), JSON.stringify(`\u0000${t.key}`)];
      t.key = pick(rng, [...valid, '"\\x"', '"\\ud800"', '"\\udc00x"', '"a\tb"', '"\\u00"', '1', 'null', '"', '"\\"']);
      return !valid.includes(t.key);
    },
    'new-tensor': () => { members.push({ key: '"extra.weight"', fields: [['"dtype"', '"F32"'], ['"shape"', pick(rng, ['[1000000,1000000]', '[2]', '[0]'])], ['"data_offsets"', pick(rng, [`[${data.length},${data.length + 8}]`, `[${data.length},${data.length}]`, '[0,8]', '[0,4000000000000]'])]] }); },
    'top-level': () => {}, // replaced below
    'data-length': () => { data = rng.next() < 0.5 ? data.subarray(0, Math.max(0, data.length - 1 - rng.int(8))) : concat(data, new Uint8Array(1 + rng.int(8))); },
  };
  const names = Object.keys(edits);
  const name = pick(rng, names);
  let mustReject = edits[name]!() === true;
  let header = serialize(members);
  if (name === 'top-level') {
    header = pick(rng, ['[]', '"safetensors"', '123', 'null', '{}', deep(10000, '[', ']'), '\ufeff{}']);
    mustReject = header !== '{}';
  }
  const trailing = rng.next() < 0.1 ? pick(rng, ['\0\0', 'x', '}', ',', '  \n']) : '';
  const lengthDelta = rng.next() < 0.1 ? pick(rng, [-2, -1, 1, 2, 8]) : 0;
  // Garbage after the JSON always breaks it; a wrong length field does unless the data length
  // moved too (eating padding can then shift the data into a valid file).
  mustReject ||= !' \n'.includes(trailing[0] ?? ' ') || (lengthDelta !== 0 && name !== 'data-length');
  return { bytes: assemble(header + trailing, data, rng.next() < 0.7, lengthDelta), label: `header:${name}`, mustReject };
}

/** Rewrites that keep the file valid: reordered members, whitespace, padding, escaped names, reshapes. */
function validRewrite(rng: Rng, base: Base): Mutation {
  const members = clone(base.members);
  const kind = pick(rng, ['identity', 'reorder', 'whitespace', 'no-padding', 'escaped-name', 'reshape']);
  if (kind === 'reorder') rng.shuffle(members);
  if (kind === 'escaped-name') {
    const t = members.find((m) => m.key !== '"__metadata__"');
    if (t) t.key = pick(rng, ['"\\u00e9t\\u00e9"', '"\\ud83d\\ude00"', '"tab\\tname"', '"quo\\"te"', '"sl\\/ash"', '"__proto__"', '"constructor"', '"日本語.weight"']);
  }
  if (kind === 'reshape') {
    for (const m of members) {
      const raw = m.fields?.find(([k]) => k === '"shape"');
      const dims = raw ? (JSON.parse(raw[1]) as number[]) : [];
      if (raw && dims.length === 2 && dims[0]! % 2 === 0) raw[1] = `[${dims[0]! / 2},${dims[1]! * 2}]`;
      else if (raw && dims.length === 1) raw[1] = `[${dims[0]},1,1]`;
    }
  }
  let header = serialize(members);
  if (kind === 'whitespace') header = sprinkleWhitespace(rng, header);
  return { bytes: assemble(header, base.data, kind !== 'no-padding'), label: `valid:${kind}` };
}

/** Inserts JSON whitespace around structural characters outside strings. */
function sprinkleWhitespace(rng: Rng, json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += json[++i];
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    const ws = () => (rng.next() < 0.3 ? pick(rng, [' ', '\n', '\t', '\r\n  ']) : '');
    out += '{}[],:'.includes(c) ? ws() + c + ws() : c;
  }
  return out;
}

function mutate(rng: Rng, base: Base): Mutation {
  const r = rng.next();
  if (r < 0.08) return validRewrite(rng, base);
  if (r < 0.36) return headerEdit(rng, base);
  const simple = [truncate, bitFlips, bitFlips, lengthField, spliceBytes];
  if (r < 0.9) return pick(rng, simple)(rng, base.bytes);
  // Several in a row.
  let m: Mutation = { bytes: base.bytes, label: 'combo' };
  const steps = 2 + rng.int(2);
  for (let i = 0; i < steps; i++) m = { bytes: pick(rng, simple)(rng, m.bytes).bytes, label: 'combo' };
  return m;
}

// ---------------------------------------------------------------------------------------------
// The oracle: an independent reading of a file the decoder accepted.

function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const bytesOf = (t: Tensor | IntTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

function disagreement(bytes: Uint8Array, got: SafetensorsFile): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    return `decoder accepted a header JSON.parse rejects (${(e as Error).message})`;
  }
  const dataStart = 8 + n;
  const meta = (header['__metadata__'] ?? {}) as Record<string, string>;
  if (JSON.stringify(Object.entries(meta).sort()) !== JSON.stringify(Object.entries(got.metadata).sort())) return 'metadata differs from JSON.parse';
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  if (names.length !== got.tensors.size + got.intTensors.size) return `${names.length} tensors in the header, ${got.tensors.size + got.intTensors.size} decoded`;
  const ranges: [number, number][] = [];
  for (const name of names) {
    const info = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const isInt = info.dtype === 'I32' || info.dtype === 'I64';
    const t: Tensor | IntTensor | undefined = isInt ? got.intTensors.get(name) : got.tensors.get(name);
    if (!t) return `tensor '${name}' (${info.dtype}) missing from the result`;
    if (JSON.stringify(t.shape) !== JSON.stringify(info.shape)) return `tensor '${name}' shape ${JSON.stringify(t.shape)} != header ${JSON.stringify(info.shape)}`;
    const [b, e] = info.data_offsets;
    const size = SIZES[info.dtype]!;
    if (e - b !== t.size * size || dataStart + e > bytes.length) return `tensor '${name}' offsets [${b}, ${e}] disagree with ${t.size} elements`;
    ranges.push([b, e]);
    if (info.dtype === 'F32') {
      const differs = LITTLE_ENDIAN_HOST
        ? !bytesOf(t).equals(Buffer.from(bytes.buffer, bytes.byteOffset + dataStart + b, e - b))
        : Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.size)).some((x, i) => x !== view.getUint32(dataStart + b + 4 * i, true));
      if (differs) return `tensor '${name}' bits differ from the file`;
      continue;
    }
    for (let i = 0; i < t.size; i++) {
      const at = dataStart + b + i * size;
      const v = t.data[i]!;
      const want = info.dtype === 'F64' ? Math.fround(view.getFloat64(at, true)) : info.dtype === 'F16' ? halfValue(view.getUint16(at, true))
        : info.dtype === 'BF16' ? new Float32Array(Uint32Array.of(view.getUint16(at, true) << 16).buffer)[0]! : info.dtype === 'I32' ? view.getInt32(at, true) : Number(view.getBigInt64(at, true));
      if (!same(v, want)) return `tensor '${name}' element ${i} is ${v}, the file holds ${want}`;
    }
  }
  ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let covered = 0;
  for (const [b, e] of ranges) { if (b !== covered) return `ranges do not tile the data at ${b}`; covered = e; }
  if (dataStart + covered !== bytes.length) return `ranges cover ${covered} bytes of ${bytes.length - dataStart}`;
  // Re-encode and decode again: same names, shapes and bits.
  const again = decodeSafetensors(encodeSafetensors(new Map<string, Tensor | IntTensor>([...got.tensors, ...got.intTensors]), got.metadata));
  for (const [name, t] of [...got.tensors, ...got.intTensors]) {
    const u = again.tensors.get(name) ?? again.intTensors.get(name);
    if (!u || JSON.stringify(u.shape) !== JSON.stringify(t.shape)) return `tensor '${name}' lost in re-encoding`;
    if (!bytesOf(t).equals(bytesOf(u))) return `tensor '${name}' bits change in re-encoding`;
  }
  return undefined;
}

function blank(message: string): string {
  return message.replace(/'(?:[^'\\]|\\.)*'/g, "'…'").replace(/\d+/g, 'N').replace(/got the number [^ ,]+/, 'got the number N');
}

// ---------------------------------------------------------------------------------------------

export function runFuzz(options: FuzzOptions): FuzzReport {
  const { cases, seed } = options;
  const maxMsAllowed = options.maxMs ?? 100;
  const maxGrowth = options.maxRssGrowthMb ?? 200;
  const rng = new Rng(seed);
  const bases = makeBases(rng.fork());
  const report: FuzzReport = { cases: 0, ok: 0, rejected: 0, maxMs: 0, slowest: '', failures: [], failed: 0, seconds: 0, rssStartMb: 0, rssPeakMb: 0, byMutation: {}, messages: new Map() };
  const failure = (c: number, mutation: string, problem: string) => {
    report.failed++;
    if (report.failures.length < 100) report.failures.push({ case: c, mutation, problem: problem.slice(0, 300) });
  };
  // The bases themselves: each loads, and the writer reproduces the F32 ones byte for byte.
  for (const { base } of bases) {
    try {
      const got = decodeSafetensors(base.bytes);
      const problem = disagreement(base.bytes, got);
      if (problem) failure(-1, `base:${base.label}`, problem);
      if (base.f32Only) {
        const again = encodeSafetensors(got.tensors, base.metadata);
        if (!Buffer.from(again).equals(base.bytes)) failure(-1, `base:${base.label}`, 'encodeSafetensors does not reproduce the file');
      }
    } catch (e) {
      failure(-1, `base:${base.label}`, String(e));
    }
  }
  const weights = bases.map((b) => b.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  report.rssStartMb = report.rssPeakMb = mb();
  const t0 = performance.now();
  for (let c = 0; c < cases; c++) {
    let w = rng.int(total);
    let k = 0;
    while (w >= weights[k]!) w -= weights[k++]!;
    const base = bases[k]!.base;
    const { bytes, label, mustReject } = mutate(rng, base);
    const kind = label.split(':')[0]!;
    const tally = (report.byMutation[kind] ??= { cases: 0, ok: 0, rejected: 0 });
    tally.cases++;
    report.cases++;
    const tagged = `${label} of ${base.label}`;
    let result: SafetensorsFile | undefined;
    let error: unknown;
    const start = performance.now();
    try {
      result = decodeSafetensors(bytes);
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - start;
    if (ms > report.maxMs) { report.maxMs = ms; report.slowest = tagged; }
    if (ms > maxMsAllowed) failure(c, tagged, `took ${ms.toFixed(1)} ms`);
    if (result) {
      let problem: string | undefined;
      try {
        problem = disagreement(bytes, result);
      } catch (e) {
        problem = `oracle threw ${String(e)}`;
      }
      if (!problem && mustReject) problem = 'a file that must be rejected loaded';
      if (problem) failure(c, tagged, problem);
      else { report.ok++; tally.ok++; }
    } else if (!(error instanceof Error) || error.constructor !== Error || !error.message.startsWith('safetensors: ')) {
      failure(c, tagged, `threw ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`);
    } else if (/[\n\r]/.test(error.message) || error.message.length > 400) {
      failure(c, tagged, `message not one short line: ${JSON.stringify(error.message.slice(0, 200))}`);
    } else if (label.startsWith('valid')) {
      failure(c, tagged, `a valid file was rejected: ${error.message}`);
    } else {
      report.rejected++;
      tally.rejected++;
      const key = blank(error.message);
      report.messages.set(key, (report.messages.get(key) ?? 0) + 1);
    }
    if (c % 50 === 0) report.rssPeakMb = Math.max(report.rssPeakMb, mb());
  }
  report.rssPeakMb = Math.max(report.rssPeakMb, mb());
  report.seconds = (performance.now() - t0) / 1000;
  if (report.rssPeakMb - report.rssStartMb > maxGrowth) failure(-1, 'run', `rss grew by ${(report.rssPeakMb - report.rssStartMb).toFixed(0)} MB`);
  return report;
}

function main(argv: string[]): void {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--cases', '--seed'].includes(argv[i]!) || argv[i + 1] === undefined) {
      console.error(`safetensors.fuzz: unknown or incomplete flag ${argv[i]} (usage: --cases N --seed S)`);
      process.exit(2);
    }
    args.set(argv[i]!, argv[i + 1]!);
  }
  const cases = Number(args.get('--cases') ?? 100000);
  const seed = Number(args.get('--seed') ?? 1);
  if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
    console.error(`safetensors.fuzz: --cases must be a positive integer and --seed an integer, got ${args.get('--cases')} and ${args.get('--seed')}`);
    process.exit(2);
  }
  const r = runFuzz({ cases, seed });
  console.log(`safetensors fuzz: ${r.cases} cases (seed ${seed}) in ${r.seconds.toFixed(1)} s`);
  console.log(`  loaded ${r.ok}, rejected with a safetensors error ${r.rejected}, failed ${r.failed}`);
  console.log(`  slowest decode ${r.maxMs.toFixed(2)} ms (${r.slowest}; limit 100), mean case ${((r.seconds * 1000) / Math.max(1, r.cases)).toFixed(3)} ms`);
  console.log(`  rss ${r.rssStartMb.toFixed(0)} MB at start, ${r.rssPeakMb.toFixed(0)} MB peak (+${(r.rssPeakMb - r.rssStartMb).toFixed(0)} MB, limit 200)`);
  console.log('  by mutation (cases / loaded / rejected):');
  for (const [k, v] of Object.entries(r.byMutation).sort()) console.log(`    ${k.padEnd(16)} ${String(v.cases).padStart(7)} ${String(v.ok).padStart(7)} ${String(v.rejected).padStart(7)}`);
  console.log(`  ${r.messages.size} distinct rejection messages (names and numbers blanked); most common:`);
  for (const [m, n] of [...r.messages].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${String(n).padStart(6)}  ${m}`);
  for (const f of r.failures.slice(0, 20)) console.log(`  FAIL case ${f.case} (${f.mutation}): ${f.problem}`);
  process.exitCode = r.failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
