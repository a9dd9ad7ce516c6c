/**
 * The mutations of the safetensors fuzzers: valid files held as editable header members plus
 * data, and the edits (truncation, bit flips, length-field values, byte splices, JSON header
 * edits, rewrites that keep a file valid). What a file must decode to is each fuzzer's own.
 */
import type { Rng } from '../random/rng.js';

/** One top-level header member: raw JSON key text, and either fields (raw key, raw value) or raw value text. */
export interface Member { key: string; fields?: [string, string][]; raw?: string }
/** A valid file: its header members, data section and bytes; `f32Only` and `metadata` let a writer reproduce it. */
export interface Base { label: string; members: Member[]; data: Uint8Array; bytes: Uint8Array; f32Only: boolean; metadata?: Record<string, string> }

export const utf8 = new TextEncoder();

export function serialize(members: readonly Member[]): string {
  return `{${members.map((m) => `${m.key}:${m.fields ? `{${m.fields.map(([k, v]) => `${k}:${v}`).join(',')}}` : m.raw}`).join(',')}}`;
}

export function assemble(header: string, data: Uint8Array, pad: boolean, lengthDelta = 0): Uint8Array {
  const h = utf8.encode(header);
  const padded = pad ? Math.ceil(h.length / 8) * 8 : h.length;
  const out = new Uint8Array(8 + padded + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, padded + lengthDelta)), true);
  out.set(h, 8);
  out.fill(0x20, 8 + h.length, 8 + padded);
  out.set(data, 8 + padded);
  return out;
}



/**
 * A mutated file; `mustReject` when the edit certainly made it invalid (duplicates, extra
 * fields ...), `mustLoad` when it certainly kept it valid.
 */
export interface Mutation { bytes: Uint8Array; label: string; mustReject?: boolean; mustLoad?: boolean }

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;
/** Uniform in [0, n), or 0 when the range is empty (mutated files can be tiny). */
export const below = (rng: Rng, n: number): number => (n >= 1 ? rng.int(Math.floor(n)) : 0);

/** Where the header claims to end, clamped to the file. */
export function headerEnd(bytes: Uint8Array): number {
  if (bytes.length < 8) return bytes.length;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return Math.min(bytes.length, 8 + n);
}

export function truncate(rng: Rng, b: Uint8Array): Mutation {
  const he = headerEnd(b);
  const at = pick(rng, [below(rng, b.length), rng.int(8), 8 + below(rng, he - 8), he + rng.int(9) - 4, b.length - 1 - rng.int(8)]);
  return { bytes: b.slice(0, Math.max(0, Math.min(b.length - 1, at))), label: 'truncate' };
}

export function bitFlips(rng: Rng, b: Uint8Array): Mutation {
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

export function lengthField(rng: Rng, b: Uint8Array): Mutation {
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

export function spliceBytes(rng: Rng, b: Uint8Array): Mutation {
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

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export const deep = (n: number, open: string, close = '') => open.repeat(n) + close.repeat(n);

export function clone(members: readonly Member[]): Member[] {
  return members.map((m) => ({ key: m.key, raw: m.raw, fields: m.fields?.map(([k, v]) => [k, v] as [string, string]) }));
}

export function offsetsOf(m: Member): [number, number] | undefined {
  const raw = m.fields?.find(([k]) => k === '"data_offsets"')?.[1];
  const match = raw ? /^\[(\d+),(\d+)\]$/.exec(raw) : null;
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

export function setField(m: Member, key: string, value: string): void {
  const f = m.fields?.find(([k]) => k === key);
  if (f) f[1] = value;
}

/** Edits the header as JSON text, then rebuilds the file with a matching length field. */
export function headerEdit(rng: Rng, base: Base): Mutation {
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
  // Garbage after the JSON and a wrong length field each break the file, unless the data length
  // moved too: a shorter length field then cuts the garbage and padding off into the data
  // section, which can make the file valid again (seen once in 100,000 model-file cases).
  const shifted = lengthDelta !== 0 && name === 'data-length';
  mustReject ||= !shifted && (!' \n'.includes(trailing[0] ?? ' ') || lengthDelta !== 0);
  return { bytes: assemble(header + trailing, data, rng.next() < 0.7, lengthDelta), label: `header:${name}`, mustReject };
}

/** Rewrites that keep the file valid: reordered members, whitespace, padding, escaped names, reshapes. */
export function validRewrite(rng: Rng, base: Base): Mutation {
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
  return { bytes: assemble(header, base.data, kind !== 'no-padding'), label: `valid:${kind}`, mustLoad: true };
}

/** Inserts JSON whitespace around structural characters outside strings. */
export function sprinkleWhitespace(rng: Rng, json: string): string {
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

export function mutate(rng: Rng, base: Base): Mutation {
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

/** A base from a valid file as some writer produced it (members in its order), e.g. encodeModelFile's. */
export function baseFromBytes(label: string, bytes: Uint8Array): Base {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
  const members: Member[] = Object.entries(header).map(([key, v]) => ({
    key: JSON.stringify(key),
    fields: key === '__metadata__' ? Object.entries(v).map(([k, s]) => [JSON.stringify(k), JSON.stringify(s)])
      : [['"dtype"', JSON.stringify(v.dtype)], ['"shape"', JSON.stringify(v.shape)], ['"data_offsets"', JSON.stringify(v.data_offsets)]],
  }));
  const base: Base = { label, members, data: bytes.slice(8 + n), bytes, f32Only: false, metadata: header.__metadata__ as Record<string, string> | undefined };
  if (!Buffer.from(assemble(serialize(members), base.data, true)).equals(bytes)) throw new Error(`baseFromBytes: ${label} does not rebuild byte for byte`);
  return base;
}
