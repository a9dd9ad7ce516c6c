/**
 * A fuzzer for the safetensors decoder. It builds valid files of recurrent models' state dicts,
 * mutates them (fuzz-mutations.ts: truncation, bit flips, header-length edits, JSON edits, byte
 * insertions and deletions) and checks (fuzz-runner.ts) that every case ends in a load that
 * agrees with an independent reading of the file (JSON.parse and DataView) or in an Error
 * starting `safetensors: `, in under 100 ms and without memory growth. Model files as a whole
 * are fuzzed by model-file.fuzz.ts. Run: node dist/io/safetensors.fuzz.js --cases 100000 --seed 1
 */
import { pathToFileURL } from 'node:url';
import type { Rng } from '../random/rng.js';
import type { IntTensor, Tensor } from '../tensor/tensor.js';
import { type CellKind, cellKind } from '../kernels/cell-kinds.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsFile } from './safetensors.js';
import { type Base, type Member, type Mutation, assemble, mutate, serialize } from './fuzz-mutations.js';
import { type FuzzOptions, type FuzzReport, parseFuzzArgs, printFuzzReport, recordFailure, runFuzzCases } from './fuzz-runner.js';

export type { FuzzOptions, FuzzReport, FuzzFailure } from './fuzz-runner.js';

// ---------------------------------------------------------------------------------------------
// Valid files, built byte by byte (not with encodeSafetensors), so that mutations can edit the
// header as text.

const SIZES: Record<string, number> = { F16: 2, BF16: 2, F32: 4, I32: 4, F64: 8, I64: 8 };

interface Spec { name: string; dtype: string; shape: number[] }

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

function rnnSpecs(prefix: string, cell: CellKind, input: number, hidden: number, layers: number, bidirectional: boolean): Spec[] {
  const g = cellKind(cell).gates * hidden;
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


// ---------------------------------------------------------------------------------------------

/** Decodes `cases` mutated state-dict files (see the file comment); `npm run fuzz` runs 100,000. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  let bases: { base: Base; weight: number }[] = [];
  const report = await runFuzzCases<Mutation, SafetensorsFile>({
    bases: (rng) => (bases = makeBases(rng)),
    mutate,
    load: (m) => decodeSafetensors(m.bytes),
    verify: (m, got) => disagreement(m.bytes, got),
    errorPrefix: 'safetensors: ',
    maxMessageLength: 400,
  }, options);
  // The bases themselves: each loads, and the writer reproduces the F32 ones byte for byte.
  for (const { base } of bases) {
    const fail = (problem: string) => recordFailure(report, { case: -1, mutation: `base:${base.label}`, problem });
    try {
      const got = decodeSafetensors(base.bytes);
      const problem = disagreement(base.bytes, got);
      if (problem) fail(problem);
      if (base.f32Only && !Buffer.from(encodeSafetensors(got.tensors, base.metadata)).equals(base.bytes)) fail('encodeSafetensors does not reproduce the file');
    } catch (e) {
      fail(String(e));
    }
  }
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { cases, seed } = parseFuzzArgs('safetensors.fuzz', process.argv.slice(2));
  printFuzzReport('safetensors fuzz', seed, await runFuzz({ cases, seed }), 'a safetensors error');
}
