/**
 * The model-file half of recur's fuzzers, for model files of any kind: edits a codec fuzzer
 * cannot make (recur.config fields, vocabulary, normalisation, version, tensors dropped, renamed,
 * re-typed or flipped, checksums edited, configs passed alongside) and the oracle of a load
 * (config, parameters, metadata and checksums read back independently). What a kind's config
 * holds comes from its `ConfigProfile`; the seeds and the loader are each fuzzer's own
 * (io/model-file.fuzz.ts for recurrent models, tasks/model-kinds.fuzz.ts for the task kinds).
 */
import { isDeepStrictEqual } from 'node:util';
import { CELL_KINDS } from '../kernels/cell-kinds.js';
import type { Rng } from '../random/rng.js';
import { type ModelConfig, type SavedModule, modelKindOf } from '../nn/model-kinds.js';
import type { LoadedModel } from './model-file.js';
import { decodeSafetensors, readSafetensorsHeader } from './safetensors.js';
import { type Base, type Member, type Mutation, assemble, clone, concat, deep, mutate as codecMutation, offsetsOf, pick, serialize } from './fuzz-mutations.js';

/** What the fuzzers know of a kind's config: which fields there are, what breaks them. Paths are dotted (`input.vocabSize`, `members.0.hiddenSize`). */
export interface ConfigProfile {
  /** Fields whose value decides the shape of some weight: a different value no longer fits the tensors. */
  shapeFields: readonly string[];
  /** The other fields. */
  otherFields: readonly string[];
  /** Fields (or whole objects) without a default: a config without them is invalid. */
  requiredFields: readonly string[];
  /** Values to put in fields (wrong types, huge, negative, other kinds' words). */
  hostileValues: readonly unknown[];
  /** Field sets that ask for an enormous model (no file holds its tensors). */
  hugeConfigs: readonly Record<string, unknown>[];
  /** Fields the config must not have (misspellings, another variant's), for this config. */
  unknownFields(config: Record<string, unknown>): string[];
  /** recur.config texts that are invalid JSON or an invalid config of this kind. */
  badConfigTexts: readonly string[];
  /** Fields a config passed alongside the file may differ in, and values to give them. */
  passPaths: readonly string[];
  passValues: readonly unknown[];
}

/** A seed model file: its config (normalised) and how to edit it. */
export interface ModelBase extends Base {
  config: ModelConfig;
  /** No recur metadata: loads only given `config`. */
  pytorch: boolean;
  profile: ConfigProfile;
}

/** A mutated model file and the config passed to the loader with it, if any. */
export interface ModelMutation extends Mutation {
  config?: ModelConfig;
}

/** Values every kind's fields are tried with. */
export const HOSTILE_VALUES: unknown[] = [2e9, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1e308, 100_000, 256, 257, -1, -0, 0, 1.5, 0.999, '8', '', null, true, false, [], {}, [8],
  ...CELL_KINDS, 'transformer', 'recurrent', 'encoder-decoder', 'tagger', 'forecast-ensemble', '__proto__', 'x'.repeat(100_000)];

/** recur.config texts no kind accepts. */
export const BAD_CONFIG_TEXTS = ['"oops"', 'null', '[]', '{}', '1', '{"input":', '', deep(10_000, '['), deep(10_000, '[', ']'), deep(5000, '{"input":', '}'),
  '{"kind":"transformer"}', '{"kind":null}', '{"kind":"__proto__"}', '{"kind":"constructor"}'];

/** Sizes that decide the shapes of the weights. */
const SHAPE_FIELDS = ['hiddenSize', 'numLayers', 'outputSize', 'input.vocabSize', 'input.embeddingDim', 'input.size'];

/** A recurrent model's config (nn/recurrent-model.ts) as the fuzzers edit it; forecasters' ensembles edit their members with it. */
export const RECURRENT_PROFILE: ConfigProfile = {
  shapeFields: SHAPE_FIELDS,
  otherFields: ['cell', 'bidirectional', 'dropout', 'bias', 'output', 'input.kind', 'input.paddingIdx', 'kind', 'batchFirst', 'pooling'],
  requiredFields: ['input', 'outputSize', 'input.kind', 'input.vocabSize', 'input.embeddingDim', 'input.size'],
  hostileValues: [...HOSTILE_VALUES, { kind: 'dense' }, 'sequence', 'last', 'mean', 'max', 'attention', 'dense', 'one-hot', 'embedding'],
  hugeConfigs: [
    { hiddenSize: 600, numLayers: 256 }, { numLayers: 256 }, { hiddenSize: 16_000 }, { hiddenSize: 100_000, numLayers: 100_000 }, { numLayers: 100_000 },
    { input: { kind: 'embedding', vocabSize: 1_000_000, embeddingDim: 1000 } }, { input: { kind: 'one-hot', vocabSize: 2 ** 31 - 1 } }, { input: { kind: 'dense', size: 1e9 } },
    { outputSize: 2 ** 31 - 1 }, { outputSize: 1e8, hiddenSize: 10 }, { hiddenSize: 2e9 }, { bidirectional: true, numLayers: 256, hiddenSize: 300 },
  ],
  unknownFields: (config) => ['hidden_size', 'numLayer', 'constructor', 'task', 'input.extra', (config.input as { kind?: string } | undefined)?.kind === 'dense' ? 'input.vocabSize' : 'input.size'],
  badConfigTexts: [...BAD_CONFIG_TEXTS, '{"input":{"kind":"dense","size":3}}', '{"input":{"kind":"dense","size":3},"outputSize":1,"__proto__":{"hiddenSize":2}}'],
  passPaths: ['hiddenSize', 'cell', 'output', 'dropout', 'bias', 'input.vocabSize', 'input.size', 'bidirectional', 'numLayers'],
  passValues: [1, 2, 0.5, 'gru', 'last', true, false, 'sequence'],
};

const LONG_STRING = 'x'.repeat(1 << 20);
const BAD_NORMALIZATIONS = ['"oops"', 'null', '[]', '1', '{"mean":"x"}', '{"mean":[1,"a"]}', '{"std":1e999}', '{"a":{"b":1}}', '{"mean":[[1]]}', '{', deep(10_000, '{"a":', '}')];
const VALID_NORMALIZATIONS = ['{}', '{"mean":[1,2,3],"std":0.5}', JSON.stringify({ mean: Array.from({ length: 20_000 }, (_, i) => i / 7) }), undefined];

export function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

/** Sets (or with `value` undefined, deletes) a field; false when its parent does not exist. */
export function setPath(o: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  const key = keys.pop()!;
  const target = keys.length ? getPath(o, keys.join('.')) : o;
  if (!target || typeof target !== 'object') return false;
  if (value === undefined) delete (target as Record<string, unknown>)[key];
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return true;
}

// ---------------------------------------------------------------------------------------------
// Model edits. Each returns what it certainly did to the file's validity (or nothing).

export type Verdict = { mustReject?: boolean; mustLoad?: boolean } | void;

/** A model file's header as editable parts: its members, data and metadata, with helpers to edit them. */
export class ModelFileEdit {
  readonly members: Member[];
  data: Uint8Array;
  readonly fields: [string, string][];
  readonly tensors: Member[];
  private readonly meta: Member;

  constructor(base: Base) {
    this.members = clone(base.members);
    this.data = base.data;
    let meta = this.members.find((m) => m.key === '"__metadata__"');
    if (!meta) this.members.unshift((meta = { key: '"__metadata__"', fields: [['"format"', '"pt"']] }));
    this.meta = meta;
    this.fields = meta.fields!;
    this.tensors = this.members.filter((m) => m !== meta);
  }

  getMeta(k: string): string | undefined {
    const f = this.fields.find(([key]) => key === JSON.stringify(k));
    return f ? (JSON.parse(f[1]) as string) : undefined;
  }

  /** Sets a metadata value (undefined: removes it). */
  setMeta(k: string, text: string | undefined): void {
    const i = this.fields.findIndex(([key]) => key === JSON.stringify(k));
    if (text === undefined) { if (i >= 0) this.fields.splice(i, 1); return; }
    if (i >= 0) this.fields[i]![1] = JSON.stringify(text);
    else this.fields.push([JSON.stringify(k), JSON.stringify(text)]);
  }

  /** Records the CRC-32 of tensor `t`'s bytes as they now are in a file with checksums; false for one without. */
  reseal(t: Member): boolean {
    const text = this.getMeta('recur.crc32');
    if (text === undefined) return false;
    const map = JSON.parse(text) as Record<string, string>;
    const [b, e] = offsetsOf(t)!;
    map[JSON.parse(t.key) as string] = bitwiseCrc32(this.data.subarray(b, e)).toString(16).padStart(8, '0');
    this.setMeta('recur.crc32', JSON.stringify(map));
    return true;
  }

  shiftAfter(at: number, by: number): void {
    for (const m of this.tensors) {
      const o = offsetsOf(m);
      if (o && o[0] >= at) m.fields!.find(([k]) => k === '"data_offsets"')![1] = `[${o[0] + by},${o[1] + by}]`;
    }
  }

  bytes(): Uint8Array {
    return assemble(serialize(this.members), this.data, true);
  }
}

/** One edit of a model file's config, metadata or tensors (see the file comment); `label` is `model-<edit>`. */
export function modelEdit(rng: Rng, base: ModelBase): ModelMutation {
  const f = new ModelFileEdit(base);
  const { profile } = base;
  const config = JSON.parse(f.getMeta('recur.config') ?? JSON.stringify(base.config)) as Record<string, unknown>;
  const setConfig = () => f.setMeta('recur.config', JSON.stringify(config));
  const { tensors } = f;
  const vocabText = f.getMeta('recur.vocabulary');
  const vocab = vocabText === undefined ? undefined : (JSON.parse(vocabText) as unknown[]);
  let passed: ModelConfig | undefined = base.pytorch ? base.config : undefined;
  const crcText = f.getMeta('recur.crc32');
  const edits: Record<string, () => Verdict> = {
    'config-field': () => {
      const path = pick(rng, [...profile.shapeFields, ...profile.otherFields]);
      const old = getPath(config, path);
      const value = rng.next() < 0.3 && typeof old === 'number' ? pick(rng, [old + 1, old - 1, old * 2, old + 0.5, -old]) : pick(rng, profile.hostileValues);
      if (!setPath(config, path, value)) return;
      setConfig();
      const shapes = profile.shapeFields.includes(path) && old !== undefined && value !== old;
      return { mustReject: shapes };
    },
    'config-huge': () => {
      for (const [path, value] of Object.entries(pick(rng, profile.hugeConfigs))) setPath(config, path, value);
      setConfig();
      return { mustReject: true };
    },
    'config-missing': () => {
      const path = pick(rng, [...profile.shapeFields, ...profile.otherFields, ...profile.requiredFields]);
      if (getPath(config, path) === undefined || !setPath(config, path, undefined)) return;
      setConfig();
      return { mustReject: profile.requiredFields.includes(path) };
    },
    'config-unknown': () => {
      // An unknown field, or a field of another variant: never valid.
      setPath(config, pick(rng, profile.unknownFields(config)), pick(rng, [1, 'x', null]));
      setConfig();
      return { mustReject: true };
    },
    'config-text': () => {
      f.setMeta('recur.config', rng.next() < 0.1 ? JSON.stringify({ ...config, cell: LONG_STRING }) : pick(rng, profile.badConfigTexts));
      return { mustReject: true };
    },
    'config-remove': () => {
      if (base.pytorch) return;
      f.setMeta('recur.config', undefined);
      if (rng.next() < 0.5) { passed = base.config; return { mustLoad: true }; }
      return { mustReject: true };
    },
    'pass-config': () => {
      const given = structuredClone(base.config) as unknown as Record<string, unknown>;
      const path = pick(rng, ['', '', ...profile.passPaths]);
      if (path) setPath(given, path, pick(rng, profile.passValues));
      passed = given as unknown as ModelConfig;
      if (!path || isDeepStrictEqual(given, base.config)) return { mustLoad: true };
      // A recur file has a config of its own, which a different one passed must not override.
      return base.pytorch ? undefined : { mustReject: true };
    },
    vocabulary: () => {
      const kind = pick(rng, ['drop', 'add', 'non-string', 'replace', 'shuffle', 'text', 'long', 'remove']);
      if (kind === 'remove') { f.setMeta('recur.vocabulary', undefined); return { mustLoad: true }; }
      // Only a file with a vocabulary has one of the right length to keep.
      const v = vocab ? [...vocab] : [];
      if (kind === 'drop') v.pop();
      if (kind === 'add') v.push('z');
      if (kind === 'non-string' && v.length) v[rng.int(v.length)] = pick(rng, [1, null, [], {}, true]);
      if (kind === 'replace' && v.length) v[rng.int(v.length)] = pick(rng, ['', 'é', '😀', '\u0000', 'x'.repeat(1000), '__proto__']);
      if (kind === 'shuffle') rng.shuffle(v);
      if (kind === 'long') for (let i = 0; i < 20_000; i++) v.push(String.fromCharCode(0x61 + (i % 26)));
      f.setMeta('recur.vocabulary', kind === 'text' ? pick(rng, ['"oops"', 'null', '{}', '["a",', '', '[[]]', deep(10_000, '[', ']')]) : JSON.stringify(v));
      return vocab && (kind === 'replace' || kind === 'shuffle') ? { mustLoad: true } : { mustReject: true };
    },
    normalization: () => {
      const valid = rng.next() < 0.3;
      f.setMeta('recur.normalization', pick(rng, valid ? VALID_NORMALIZATIONS : BAD_NORMALIZATIONS));
      return valid ? { mustLoad: true } : { mustReject: true };
    },
    version: () => {
      const v = pick(rng, ['2', '0', '', '1.0', ' 1', '01', 'x'.repeat(1000), '1', undefined]);
      f.setMeta('recur.format_version', v);
      return v === '1' || v === undefined ? { mustLoad: true } : { mustReject: true };
    },
    'many-tensors': () => {
      const n = pick(rng, [1, 10, 100, 2000, 2054, 2055, 5000]);
      const name = pick(rng, ['extra.', 'rnn.weight_ih_l', 'head.weight', '']);
      const end = f.data.length;
      for (let i = 0; i < n; i++) f.members.push({ key: JSON.stringify(`${name}${i + 10}`), fields: [['"dtype"', '"F32"'], ['"shape"', pick(rng, ['[0]', '[0,4]', '[3,0]'])], ['"data_offsets"', `[${end},${end}]`]] });
      return { mustReject: true };
    },
    'drop-tensor': () => {
      if (!tensors.length) return;
      const t = pick(rng, tensors);
      const [b, e] = offsetsOf(t)!;
      f.members.splice(f.members.indexOf(t), 1);
      tensors.splice(tensors.indexOf(t), 1);
      f.data = concat(f.data.subarray(0, b), f.data.subarray(e));
      f.shiftAfter(e, b - e);
      return { mustReject: true };
    },
    'rename-tensor': () => {
      if (!tensors.length) return;
      const t = pick(rng, tensors);
      const name = JSON.parse(t.key) as string;
      const renamed = pick(rng, [name.replace('_l0', '_l1'), `${name}_reverse`, name.replace('rnn.', ''), name.toUpperCase(), `${name}.`, 'embedding.weight', 'head.bias', '__proto__',
        name.replace('encoder.', 'decoder.'), name.replace(/^m\d\./, 'm9.'), name.replace('weight', 'bias')]);
      if (renamed === name || tensors.some((m) => m.key === JSON.stringify(renamed))) return;
      t.key = JSON.stringify(renamed);
      return { mustReject: true };
    },
    'other-dtype': () => {
      // Re-encode one tensor as F64 (exact) or BF16 (truncated): still a valid file; or call its bytes I32.
      if (!tensors.length) return;
      const t = pick(rng, tensors);
      const [b, e] = offsetsOf(t)!;
      const f32 = new Float32Array(f.data.slice(b, e).buffer);
      const dtype = pick(rng, ['F64', 'BF16', 'I32']);
      const out = dtype === 'F64' ? new Uint8Array(Float64Array.from(f32).buffer)
        : dtype === 'BF16' ? new Uint8Array(Uint16Array.from(new Uint32Array(f32.buffer), (x) => x >>> 16).buffer) : f.data.slice(b, e);
      t.fields!.find(([k]) => k === '"dtype"')![1] = `"${dtype}"`;
      t.fields!.find(([k]) => k === '"data_offsets"')![1] = `[${b},${b + out.length}]`;
      f.data = concat(f.data.subarray(0, b), out, f.data.subarray(e));
      f.shiftAfter(e, out.length - (e - b));
      // New bytes, same values: the file's CRC-32 no longer matches, unless it is recomputed.
      const checked = crcText !== undefined && !(rng.next() < 0.5 && f.reseal(t));
      return dtype === 'I32' || checked ? { mustReject: true } : { mustLoad: true };
    },
    'data-flip': () => {
      // One bit of one tensor's data: still a valid file, which only a checksum can tell.
      const full = tensors.filter((m) => { const o = offsetsOf(m); return o && o[1] > o[0]; });
      if (!full.length) return;
      const t = pick(rng, full);
      const [b, e] = offsetsOf(t)!;
      f.data = f.data.slice();
      f.data[b + rng.int(e - b)]! ^= 1 << rng.int(8);
      return crcText !== undefined ? { mustReject: true } : { mustLoad: true };
    },
    checksum: () => {
      const kind = pick(rng, ['remove', 'wrong', 'drop-entry', 'extra-entry', 'upper-case', 'text', 'add']);
      if (kind === 'add') {
        // A file without checksums given correct ones (the pytorch seed): it loads.
        if (crcText !== undefined) return;
        f.setMeta('recur.crc32', '{}');
        tensors.forEach((t) => f.reseal(t));
        return { mustLoad: true };
      }
      if (crcText === undefined) return;
      if (kind === 'remove') { f.setMeta('recur.crc32', undefined); return { mustLoad: true }; }
      const map = JSON.parse(crcText) as Record<string, string>;
      const name = pick(rng, Object.keys(map));
      if (kind === 'wrong') map[name] = ((parseInt(map[name]!, 16) ^ (1 << rng.int(32))) >>> 0).toString(16).padStart(8, '0');
      if (kind === 'drop-entry') delete map[name];
      if (kind === 'extra-entry') map['rnn.weight_ih_l9'] = '00000000';
      if (kind === 'upper-case') for (const k of Object.keys(map)) map[k] = map[k]!.toUpperCase();
      f.setMeta('recur.crc32', kind === 'text' ? pick(rng, ['', '[]', 'null', '"00000000"', '{', deep(10_000, '[', ']'), JSON.stringify({ [name]: 12345678 }), JSON.stringify({ ...map, [name]: `${map[name]}0` })]) : JSON.stringify(map));
      return kind === 'upper-case' ? { mustLoad: true } : { mustReject: true };
    },
  };
  const name = pick(rng, Object.keys(edits));
  const verdict = edits[name]!() ?? {};
  return { bytes: f.bytes(), label: `model-${name}`, config: passed, mustReject: verdict.mustReject, mustLoad: verdict.mustLoad };
}

/** Half model edits, half the codec mutations of fuzz-mutations.ts. */
export function mutateModel(rng: Rng, b: Base): ModelMutation {
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
export function bitwiseCrc32(bytes: Uint8Array): number {
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

const normalized = (c: unknown): ModelConfig => modelKindOf(c).normalize(c);

/** What is wrong with a load of `m` (config, metadata, checksums, parameters, vocabulary, normalisation), or undefined. */
export function modelDisagreement(m: ModelMutation, got: LoadedModel<SavedModule>): string | undefined {
  const file = decodeSafetensors(m.bytes);
  const text = file.metadata['recur.config'];
  const want = normalized(text !== undefined ? JSON.parse(text) : m.config);
  if (text !== undefined && m.config && !isDeepStrictEqual(normalized(m.config), want)) return 'a passed config that disagrees with the file was accepted';
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
  const size = modelKindOf(want).vocabularySize?.(want);
  if (got.vocabulary && got.vocabulary.length !== size) return `a vocabulary of ${got.vocabulary.length} loaded for a model of ${size ?? 'no'} token ids`;
  const normalization = file.metadata['recur.normalization'];
  if (!isDeepStrictEqual(got.normalization, normalization === undefined ? undefined : JSON.parse(normalization))) return 'normalization differs from the file';
  const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  if (got.normalization && Object.values(got.normalization).some((x) => !(Array.isArray(x) ? x.every(finite) : finite(x)))) return 'normalization with non-numbers loaded';
  return undefined;
}
