/**
 * A fuzzer for recur's model files as a whole (decodeModelFile, what loadModel runs on the bytes
 * it reads). The seeds are real files from encodeModelFile: every cell type, stacked,
 * bidirectional, token and dense input, with vocabulary and normalisation metadata, and a
 * PyTorch-style file without recur metadata that loads given its config. Mutations are the
 * safetensors fuzzer's (fuzz-mutations.ts) plus what a codec fuzzer cannot make: recur.config
 * edits (huge, negative, fractional, wrong-typed, missing and unknown fields), vocabulary,
 * normalisation and version edits, headers of thousands of tensors, tensors dropped, renamed or
 * stored in another dtype (with or without their CRC-32 recomputed), bit flips in one tensor's
 * data, edited, missing and malformed checksums (`recur.crc32`), and configs passed alongside
 * that agree or disagree. The oracle recomputes every checksum of a loaded file. Every case must
 * end in a load the oracle agrees with or a one-line Error starting `decodeModelFile: `, in
 * under 100 ms, without memory growth. Run: node dist/io/model-file.fuzz.js --cases 100000
 */
import { CELL_KINDS } from '../kernels/cell-kinds.js';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Rng } from '../random/rng.js';
import { RecurrentModel, type RecurrentModelConfig, normalizeModelConfig } from '../nn/recurrent-model.js';
import { type LoadedModel, type ModelExtras, decodeModelFile, encodeModelFile } from './model-file.js';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from './safetensors.js';
import { type Base, type Member, type Mutation, assemble, baseFromBytes, clone, concat, deep, mutate as codecMutation, offsetsOf, pick, serialize } from './fuzz-mutations.js';
import { type FuzzOptions, type FuzzReport, parseFuzzArgs, printFuzzReport, runFuzzCases } from './fuzz-runner.js';

interface ModelBase extends Base {
  /** The config the file was written with (normalised). */
  config: RecurrentModelConfig;
  /** No recur metadata: loads only given `config`. */
  pytorch: boolean;
}

/** A mutated model file and the config passed to decodeModelFile with it, if any. */
interface ModelMutation extends Mutation {
  config?: RecurrentModelConfig;
}

const SEEDS: { label: string; weight: number; config: Partial<RecurrentModelConfig> & Pick<RecurrentModelConfig, 'input' | 'outputSize'>; extras?: ModelExtras; pytorch?: boolean }[] = [
  { label: 'char-lstm-2', weight: 25, config: { input: { kind: 'embedding', vocabSize: 12, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 8, numLayers: 2, outputSize: 12 },
    extras: { vocabulary: [...'abc\n "\\é😀€xy'], task: 'char-lm', extra: { 'recur.step': '120' } } },
  { label: 'bigru-dense-last', weight: 20, config: { input: { kind: 'dense', size: 3 }, cell: 'gru', hiddenSize: 5, bidirectional: true, outputSize: 2, output: 'last' },
    extras: { normalization: { mean: [0.5, -1.25, 3], std: [1, 2, 1e-3] } } },
  { label: 'rnn-relu-3-nobias', weight: 15, config: { input: { kind: 'one-hot', vocabSize: 6 }, cell: 'rnn-relu', hiddenSize: 4, numLayers: 3, bias: false, outputSize: 6 },
    extras: { vocabulary: [...'abcdef'], normalization: { scale: 2 } } },
  { label: 'birnn-tanh-2', weight: 15, config: { input: { kind: 'embedding', vocabSize: 5, embeddingDim: 3, paddingIdx: 0 }, cell: 'rnn-tanh', hiddenSize: 3, numLayers: 2, bidirectional: true, dropout: 0.25, outputSize: 4 },
    extras: { vocabulary: ['<pad>', 'a', 'b', 'c', 'd'] } },
  { label: 'bilstm-attention', weight: 10, config: { input: { kind: 'dense', size: 2 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: 3, output: 'last', pooling: 'attention' } },
  { label: 'rnn-sigmoid-dense', weight: 10, config: { input: { kind: 'dense', size: 2 }, cell: 'rnn-sigmoid', hiddenSize: 2, outputSize: 1 } },
  { label: 'pytorch-bilstm', weight: 15, pytorch: true, config: { input: { kind: 'one-hot', vocabSize: 4 }, cell: 'lstm', hiddenSize: 3, bidirectional: true, outputSize: 4 } },
];

function makeBases(rng: Rng): { base: Base; weight: number }[] {
  return SEEDS.map((s) => {
    const model = new RecurrentModel(s.config, { rng: rng.fork() });
    const bytes = s.pytorch ? encodeSafetensors(model.stateDict(), { format: 'pt' }) : encodeModelFile(model, s.extras);
    const base: ModelBase = { ...baseFromBytes(s.label, bytes), config: model.config, pytorch: !!s.pytorch };
    return { base, weight: s.weight };
  });
}

// ---------------------------------------------------------------------------------------------
// Model edits. Each returns what it certainly did to the file's validity (or nothing).

type Verdict = { mustReject?: boolean; mustLoad?: boolean } | void;

/** Sizes that decide the shapes of the weights. */
const SHAPE_FIELDS = ['hiddenSize', 'numLayers', 'outputSize', 'input.vocabSize', 'input.embeddingDim', 'input.size'];
const CONFIG_FIELDS = [...SHAPE_FIELDS, 'cell', 'bidirectional', 'dropout', 'bias', 'output', 'input.kind', 'input.paddingIdx', 'kind', 'batchFirst', 'pooling'];
const HOSTILE_VALUES: unknown[] = [2e9, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1e308, 100_000, 256, 257, -1, -0, 0, 1.5, 0.999, '8', '', null, true, false, [], {}, [8], { kind: 'dense' },
  ...CELL_KINDS, 'transformer', 'recurrent', 'sequence', 'last', 'mean', 'max', 'attention', 'dense', 'one-hot', 'embedding', '__proto__', 'x'.repeat(100_000)];
const HUGE_CONFIGS: Record<string, unknown>[] = [
  { hiddenSize: 600, numLayers: 256 }, { numLayers: 256 }, { hiddenSize: 16_000 }, { hiddenSize: 100_000, numLayers: 100_000 }, { numLayers: 100_000 },
  { input: { kind: 'embedding', vocabSize: 1_000_000, embeddingDim: 1000 } }, { input: { kind: 'one-hot', vocabSize: 2 ** 31 - 1 } }, { input: { kind: 'dense', size: 1e9 } },
  { outputSize: 2 ** 31 - 1 }, { outputSize: 1e8, hiddenSize: 10 }, { hiddenSize: 2e9 }, { bidirectional: true, numLayers: 256, hiddenSize: 300 },
];

const LONG_STRING = 'x'.repeat(1 << 20);
const BAD_CONFIG_TEXTS = ['"oops"', 'null', '[]', '{}', '1', '{"input":', '', deep(10_000, '['), deep(10_000, '[', ']'), deep(5000, '{"input":', '}'),
  '{"input":{"kind":"dense","size":3}}', '{"input":{"kind":"dense","size":3},"outputSize":1,"__proto__":{"hiddenSize":2}}'];
const BAD_NORMALIZATIONS = ['"oops"', 'null', '[]', '1', '{"mean":"x"}', '{"mean":[1,"a"]}', '{"std":1e999}', '{"a":{"b":1}}', '{"mean":[[1]]}', '{', deep(10_000, '{"a":', '}')];
const VALID_NORMALIZATIONS = ['{}', '{"mean":[1,2,3],"std":0.5}', JSON.stringify({ mean: Array.from({ length: 20_000 }, (_, i) => i / 7) }), undefined];

function getPath(o: Record<string, unknown>, path: string): unknown {
  const [a, b] = path.split('.') as [string, string?];
  return b === undefined ? o[a] : (o[a] as Record<string, unknown> | undefined)?.[b];
}

/** Sets (or with `value` undefined, deletes) a field; false when the path does not exist. */
function setPath(o: Record<string, unknown>, path: string, value: unknown): boolean {
  const [a, b] = path.split('.') as [string, string?];
  const target = b === undefined ? o : (o[a] as Record<string, unknown>);
  const key = b ?? a;
  if (!target || typeof target !== 'object') return false;
  if (value === undefined) delete target[key];
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return true;
}

function modelEdit(rng: Rng, base: ModelBase): ModelMutation {
  const members = clone(base.members);
  let data = base.data;
  let meta = members.find((m) => m.key === '"__metadata__"');
  if (!meta) members.unshift((meta = { key: '"__metadata__"', fields: [['"format"', '"pt"']] }));
  const fields = meta.fields!;
  const getMeta = (k: string) => {
    const f = fields.find(([key]) => key === JSON.stringify(k));
    return f ? (JSON.parse(f[1]) as string) : undefined;
  };
  const setMeta = (k: string, text: string | undefined) => {
    const i = fields.findIndex(([key]) => key === JSON.stringify(k));
    if (text === undefined) { if (i >= 0) fields.splice(i, 1); return; }
    if (i >= 0) fields[i]![1] = JSON.stringify(text);
    else fields.push([JSON.stringify(k), JSON.stringify(text)]);
  };
  const config = JSON.parse(getMeta('recur.config') ?? JSON.stringify(base.config)) as Record<string, unknown>;
  const setConfig = () => setMeta('recur.config', JSON.stringify(config));
  const tensors = members.filter((m) => m !== meta);
  const vocabText = getMeta('recur.vocabulary');
  const vocab = vocabText === undefined ? undefined : (JSON.parse(vocabText) as unknown[]);
  let passed: RecurrentModelConfig | undefined = base.pytorch ? base.config : undefined;
  const crcText = getMeta('recur.crc32');
  /** Records the CRC-32 of tensor `t`'s bytes as they now are in a file with checksums; false for one without. */
  const reseal = (t: Member): boolean => {
    const text = getMeta('recur.crc32');
    if (text === undefined) return false;
    const map = JSON.parse(text) as Record<string, string>;
    const [b, e] = offsetsOf(t)!;
    map[JSON.parse(t.key) as string] = bitwiseCrc32(data.subarray(b, e)).toString(16).padStart(8, '0');
    setMeta('recur.crc32', JSON.stringify(map));
    return true;
  };
  const shiftAfter = (at: number, by: number) => {
    for (const m of tensors) {
      const o = offsetsOf(m);
      if (o && o[0] >= at) m.fields!.find(([k]) => k === '"data_offsets"')![1] = `[${o[0] + by},${o[1] + by}]`;
    }
  };
  const edits: Record<string, () => Verdict> = {
    'config-field': () => {
      const path = pick(rng, CONFIG_FIELDS);
      const old = getPath(config, path);
      const value = rng.next() < 0.3 && typeof old === 'number' ? pick(rng, [old + 1, old - 1, old * 2, old + 0.5, -old]) : pick(rng, HOSTILE_VALUES);
      if (!setPath(config, path, value)) return;
      setConfig();
      const shapes = SHAPE_FIELDS.includes(path) && old !== undefined && value !== old;
      return { mustReject: shapes };
    },
    'config-huge': () => {
      const huge = pick(rng, HUGE_CONFIGS);
      Object.assign(config, huge);
      setConfig();
      return { mustReject: true };
    },
    'config-missing': () => {
      const path = pick(rng, [...CONFIG_FIELDS, 'input']);
      if (getPath(config, path) === undefined || !setPath(config, path, undefined)) return;
      setConfig();
      return { mustReject: ['input', 'outputSize', 'input.kind', 'input.vocabSize', 'input.embeddingDim', 'input.size'].includes(path) };
    },
    'config-unknown': () => {
      // An unknown field, or a field of another input kind: never valid.
      setPath(config, pick(rng, ['hidden_size', 'numLayer', 'constructor', 'task', 'input.extra', config.input && (config.input as { kind?: string }).kind === 'dense' ? 'input.vocabSize' : 'input.size']), pick(rng, [1, 'x', null]));
      setConfig();
      return { mustReject: true };
    },
    'config-text': () => {
      setMeta('recur.config', rng.next() < 0.1 ? JSON.stringify({ ...config, cell: LONG_STRING }) : pick(rng, BAD_CONFIG_TEXTS));
      return { mustReject: true };
    },
    'config-remove': () => {
      if (base.pytorch) return;
      setMeta('recur.config', undefined);
      if (rng.next() < 0.5) { passed = base.config; return { mustLoad: true }; }
      return { mustReject: true };
    },
    'pass-config': () => {
      const given = structuredClone(base.config) as unknown as Record<string, unknown>;
      const path = pick(rng, ['', '', 'hiddenSize', 'cell', 'output', 'dropout', 'bias', 'input.vocabSize', 'input.size', 'bidirectional', 'numLayers']);
      if (path) setPath(given, path, pick(rng, [1, 2, 0.5, 'gru', 'last', true, false, 'sequence']));
      passed = given as unknown as RecurrentModelConfig;
      if (!path || isDeepStrictEqual(given, base.config)) return { mustLoad: true };
      // A recur file has a config of its own, which a different one passed must not override.
      return base.pytorch ? undefined : { mustReject: true };
    },
    vocabulary: () => {
      const kind = pick(rng, ['drop', 'add', 'non-string', 'replace', 'shuffle', 'text', 'long', 'remove']);
      if (kind === 'remove') { setMeta('recur.vocabulary', undefined); return { mustLoad: true }; }
      // Only a file with a vocabulary has one of the right length to keep.
      const v = vocab ? [...vocab] : [];
      if (kind === 'drop') v.pop();
      if (kind === 'add') v.push('z');
      if (kind === 'non-string' && v.length) v[rng.int(v.length)] = pick(rng, [1, null, [], {}, true]);
      if (kind === 'replace' && v.length) v[rng.int(v.length)] = pick(rng, ['', 'é', '😀', '\u0000', 'x'.repeat(1000), '__proto__']);
      if (kind === 'shuffle') rng.shuffle(v);
      if (kind === 'long') for (let i = 0; i < 20_000; i++) v.push(String.fromCharCode(0x61 + (i % 26)));
      setMeta('recur.vocabulary', kind === 'text' ? pick(rng, ['"oops"', 'null', '{}', '["a",', '', '[[]]', deep(10_000, '[', ']')]) : JSON.stringify(v));
      return vocab && (kind === 'replace' || kind === 'shuffle') ? { mustLoad: true } : { mustReject: true };
    },
    normalization: () => {
      const valid = rng.next() < 0.3;
      setMeta('recur.normalization', pick(rng, valid ? VALID_NORMALIZATIONS : BAD_NORMALIZATIONS));
      return valid ? { mustLoad: true } : { mustReject: true };
    },
    version: () => {
      const v = pick(rng, ['2', '0', '', '1.0', ' 1', '01', 'x'.repeat(1000), '1', undefined]);
      setMeta('recur.format_version', v);
      return v === '1' || v === undefined ? { mustLoad: true } : { mustReject: true };
    },
    'many-tensors': () => {
      const n = pick(rng, [1, 10, 100, 2000, 2054, 2055, 5000]);
      const name = pick(rng, ['extra.', 'rnn.weight_ih_l', 'head.weight', '']);
      const end = data.length;
      for (let i = 0; i < n; i++) members.push({ key: JSON.stringify(`${name}${i + 10}`), fields: [['"dtype"', '"F32"'], ['"shape"', pick(rng, ['[0]', '[0,4]', '[3,0]'])], ['"data_offsets"', `[${end},${end}]`]] });
      return { mustReject: true };
    },
    'drop-tensor': () => {
      if (!tensors.length) return;
      const t = pick(rng, tensors);
      const [b, e] = offsetsOf(t)!;
      members.splice(members.indexOf(t), 1);
      tensors.splice(tensors.indexOf(t), 1);
      data = concat(data.subarray(0, b), data.subarray(e));
      shiftAfter(e, b - e);
      return { mustReject: true };
    },
    'rename-tensor': () => {
      if (!tensors.length) return;
      const t = pick(rng, tensors);
      const name = JSON.parse(t.key) as string;
      const renamed = pick(rng, [name.replace('_l0', '_l1'), `${name}_reverse`, name.replace('rnn.', ''), name.toUpperCase(), `${name}.`, 'embedding.weight', 'head.bias', '__proto__']);
      if (renamed === name || tensors.some((m) => m.key === JSON.stringify(renamed))) return;
      t.key = JSON.stringify(renamed);
      return { mustReject: true };
    },
    'other-dtype': () => {
      // Re-encode one tensor as F64 (exact) or BF16 (truncated): still a valid file; or call its bytes I32.
      if (!tensors.length) return;
      const t = pick(rng, tensors);
      const [b, e] = offsetsOf(t)!;
      const f32 = new Float32Array(data.slice(b, e).buffer);
      const dtype = pick(rng, ['F64', 'BF16', 'I32']);
      const out = dtype === 'F64' ? new Uint8Array(Float64Array.from(f32).buffer)
        : dtype === 'BF16' ? new Uint8Array(Uint16Array.from(new Uint32Array(f32.buffer), (x) => x >>> 16).buffer) : data.slice(b, e);
      t.fields!.find(([k]) => k === '"dtype"')![1] = `"${dtype}"`;
      t.fields!.find(([k]) => k === '"data_offsets"')![1] = `[${b},${b + out.length}]`;
      data = concat(data.subarray(0, b), out, data.subarray(e));
      shiftAfter(e, out.length - (e - b));
      // New bytes, same values: the file's CRC-32 no longer matches, unless it is recomputed.
      const checked = crcText !== undefined && !(rng.next() < 0.5 && reseal(t));
      return dtype === 'I32' || checked ? { mustReject: true } : { mustLoad: true };
    },
    'data-flip': () => {
      // One bit of one tensor's data: still a valid file, which only a checksum can tell.
      const full = tensors.filter((m) => { const o = offsetsOf(m); return o && o[1] > o[0]; });
      if (!full.length) return;
      const t = pick(rng, full);
      const [b, e] = offsetsOf(t)!;
      data = data.slice();
      data[b + rng.int(e - b)]! ^= 1 << rng.int(8);
      return crcText !== undefined ? { mustReject: true } : { mustLoad: true };
    },
    checksum: () => {
      const kind = pick(rng, ['remove', 'wrong', 'drop-entry', 'extra-entry', 'upper-case', 'text', 'add']);
      if (kind === 'add') {
        // A file without checksums given correct ones (the pytorch seed): it loads.
        if (crcText !== undefined) return;
        setMeta('recur.crc32', '{}');
        tensors.forEach((t) => reseal(t));
        return { mustLoad: true };
      }
      if (crcText === undefined) return;
      if (kind === 'remove') { setMeta('recur.crc32', undefined); return { mustLoad: true }; }
      const map = JSON.parse(crcText) as Record<string, string>;
      const name = pick(rng, Object.keys(map));
      if (kind === 'wrong') map[name] = ((parseInt(map[name]!, 16) ^ (1 << rng.int(32))) >>> 0).toString(16).padStart(8, '0');
      if (kind === 'drop-entry') delete map[name];
      if (kind === 'extra-entry') map['rnn.weight_ih_l9'] = '00000000';
      if (kind === 'upper-case') for (const k of Object.keys(map)) map[k] = map[k]!.toUpperCase();
      setMeta('recur.crc32', kind === 'text' ? pick(rng, ['', '[]', 'null', '"00000000"', '{', deep(10_000, '[', ']'), JSON.stringify({ [name]: 12345678 }), JSON.stringify({ ...map, [name]: `${map[name]}0` })]) : JSON.stringify(map));
      return kind === 'upper-case' ? { mustLoad: true } : { mustReject: true };
    },
  };
  const name = pick(rng, Object.keys(edits));
  const verdict = edits[name]!() ?? {};
  return { bytes: assemble(serialize(members), data, true), label: `model-${name}`, config: passed, mustReject: verdict.mustReject, mustLoad: verdict.mustLoad };
}

function mutateModel(rng: Rng, b: Base): ModelMutation {
  const base = b as ModelBase;
  if (rng.next() < 0.5) return modelEdit(rng, base);
  const m: ModelMutation = codecMutation(rng, base);
  // Renamed or reshaped tensors keep a safetensors file valid but no longer fit the config.
  if (m.label === 'valid:escaped-name' || m.label === 'valid:reshape') { m.mustLoad = false; m.mustReject = true; }
  if (base.pytorch) m.config = base.config;
  return m;
}

// ---------------------------------------------------------------------------------------------
// The oracle: what a load must hold, read from the file independently of decodeModelFile.

const bitsOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** CRC-32 bit by bit: the oracle of checksums.ts's table-driven one. */
function bitwiseCrc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether a loaded file's `recur.crc32`, if any, lists exactly its tensors with the CRC-32 of their bytes. */
function checksumDisagreement(bytes: Uint8Array): string | undefined {
  const header = readSafetensorsHeader(bytes);
  const text = header.metadata['recur.crc32'];
  if (text === undefined) return undefined;
  const map = JSON.parse(text) as Record<string, string>;
  if (Object.keys(map).length !== header.tensors.size) return `'recur.crc32' lists ${Object.keys(map).length} tensors for ${header.tensors.size} in the file`;
  for (const t of header.tensors.values()) {
    const want = bitwiseCrc32(bytes.subarray(header.dataStart + t.dataOffsets[0], header.dataStart + t.dataOffsets[1]));
    if (!Object.hasOwn(map, t.name) || parseInt(map[t.name]!, 16) !== want) return `tensor '${t.name}' loaded with a CRC-32 that does not match its bytes`;
  }
  return undefined;
}

function disagreement(m: ModelMutation, got: LoadedModel): string | undefined {
  const file = decodeSafetensors(m.bytes);
  const text = file.metadata['recur.config'];
  const want = normalizeModelConfig((text !== undefined ? JSON.parse(text) : m.config) as RecurrentModelConfig);
  if (text !== undefined && m.config && !isDeepStrictEqual(normalizeModelConfig(m.config), want)) return 'a passed config that disagrees with the file was accepted';
  if (!isDeepStrictEqual(got.config, want) || !isDeepStrictEqual(got.model.config, want)) return `config ${JSON.stringify(got.config)} != ${JSON.stringify(want)}`;
  if (!isDeepStrictEqual(got.metadata, file.metadata)) return 'metadata differs from the file';
  const crc = checksumDisagreement(m.bytes);
  if (crc) return crc;
  const params = [...got.model.namedParameters()];
  if (file.intTensors.size || params.length !== file.tensors.size) return `${params.length} parameters for ${file.tensors.size + file.intTensors.size} tensors in the file`;
  for (const [name, p] of params) {
    const t = file.tensors.get(name);
    if (!t || !isDeepStrictEqual([...t.shape], [...p.shape])) return `parameter '${name}' is not in the file with its shape`;
    if (!bitsOf(t.data).equals(bitsOf(p.data))) return `parameter '${name}' differs from the file`;
  }
  const vocabulary = file.metadata['recur.vocabulary'];
  if (!isDeepStrictEqual(got.vocabulary, vocabulary === undefined ? undefined : JSON.parse(vocabulary))) return 'vocabulary differs from the file';
  if (got.vocabulary && (want.input.kind === 'dense' || got.vocabulary.length !== want.input.vocabSize)) return `a vocabulary of ${got.vocabulary.length} loaded for ${JSON.stringify(want.input)}`;
  const normalization = file.metadata['recur.normalization'];
  if (!isDeepStrictEqual(got.normalization, normalization === undefined ? undefined : JSON.parse(normalization))) return 'normalization differs from the file';
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (got.normalization && Object.values(got.normalization).some((x) => !(Array.isArray(x) ? x.every(finite) : finite(x)))) return 'normalization with non-numbers loaded';
  return undefined;
}

/** Decodes `cases` mutated model files (see the file comment); `npm run fuzz` runs 100,000. */
export function runModelFuzz(options: FuzzOptions): FuzzReport {
  return runFuzzCases<ModelMutation, LoadedModel>({
    bases: makeBases,
    mutate: mutateModel,
    load: (m) => decodeModelFile(m.bytes, m.config ? { config: m.config } : {}),
    verify: disagreement,
    errorPrefix: 'decodeModelFile: ',
    maxMessageLength: 1000,
  }, options);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { cases, seed } = parseFuzzArgs('model-file.fuzz', process.argv.slice(2));
  printFuzzReport('model file fuzz', seed, runModelFuzz({ cases, seed }), 'a decodeModelFile error');
}
