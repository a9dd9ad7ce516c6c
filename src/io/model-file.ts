/**
 * recur's one-file model format: a `.safetensors` file whose tensors are the model's
 * parameters under their PyTorch names and whose `__metadata__` holds the config (with its
 * model `kind`), the vocabulary, normalisation statistics and the task that trained it, as JSON
 * strings. Any module graph whose kind is registered (nn/model-kinds.ts) saves and loads; files
 * without a kind are recurrent models. Loading checks the header, the config and the metadata
 * (model-file-checks.ts) before any tensor is decoded or allocated, and each tensor's bytes
 * against the CRC-32 the file records (checksums.ts; a file without them loads unchecked).
 * Encoding to bytes, with no file system, is model-file-encode.ts (re-exported here).
 */
import { readFile } from 'node:fs/promises';
import { FLOAT_DTYPES, type SafetensorsHeader, decodeSafetensorsData, readSafetensorsHeader } from './safetensors.js';
import { writeFileAtomic } from './atomic-write.js';
import { METADATA_CHECKSUMS_KEY, TENSOR_CHECKSUMS_KEY, tensorChecksumProblems } from './checksums.js';
import { checkNormalization, checkVocabulary, configDifferences, formatVersion, joinProblems, parameterProblems } from './model-file-checks.js';
import { MODEL_FORMAT_VERSION, type ModelExtras, RESERVED_KEYS, encodeModelFile } from './model-file-encode.js';
import { MAX_MODEL_TENSORS, type ModelConfig, type ModelKind, type SavedModule, modelKindOf } from '../nn/model-kinds.js';
import type { RecurrentModel } from '../nn/recurrent-model.js';
import type { Rng } from '../random/rng.js';

// Encoding needs no file system, so it lives apart (a browser bundle imports it alone).
export { MODEL_FORMAT_VERSION, type ModelExtras, encodeModelFile, modelMetadata } from './model-file-encode.js';

/**
 * A model header holds names, shapes and metadata JSON (config, vocabulary): a few KB, or a
 * few hundred KB for a large word vocabulary. A bigger header is hostile; the limit keeps the
 * worst one (a vocabulary of one-character tokens, an escape every few bytes) well under 100 ms.
 */
export const MAX_MODEL_HEADER_BYTES = 4 * 1024 * 1024;

export interface LoadedModel<M extends SavedModule = RecurrentModel> extends ModelExtras {
  model: M;
  config: M['config'];
  metadata: Record<string, string>;
}

export interface DecodeModelOptions {
  /**
   * The model config: required for a file without recur metadata (for example weights exported
   * from PyTorch under the same names); for a file with its own config it must agree with it.
   */
  config?: object;
  /**
   * The model kind the caller expects (default 'recurrent'); a file of another kind is an error
   * naming both. `'any'` accepts every registered kind. (The type parameter of `loadModel` /
   * `decodeModelFile` is the module class of that kind.)
   */
  kind?: string;
  /**
   * Draws dropout masks if the model is trained further (every weight comes from the file).
   * Without it the model runs in eval mode or without dropout only: training with dropout throws.
   */
  rng?: Rng;
  /** Names the file in errors. */
  source?: string;
  /**
   * recur's metadata (`recur.config`, `recur.task`, `recur.vocabulary`, the task's keys ...) for a
   * file that has none, such as weights saved by PyTorch's `save_file(model.state_dict())`: used
   * as the file's own. For a file with its own config, the given config must agree with it.
   * `readMetadataSource` reads it from a recur model file or a JSON file (`--config FILE`).
   */
  metadata?: Record<string, string>;
}

/**
 * The extras stored in a file's metadata (vocabulary, normalisation, task, other keys), checked
 * against the config; `where` prefixes errors.
 */
export function modelExtrasOf(metadata: Record<string, string>, config: ModelConfig, where: string): ModelExtras {
  const extras: ModelExtras = {};
  if (metadata['recur.vocabulary'] !== undefined) {
    const what = `${where}: metadata 'recur.vocabulary'`;
    extras.vocabulary = checkVocabulary(parseJson(metadata['recur.vocabulary'], what), config, what);
  }
  if (metadata['recur.normalization'] !== undefined) {
    const what = `${where}: metadata 'recur.normalization'`;
    extras.normalization = checkNormalization(parseJson(metadata['recur.normalization'], what), what);
  }
  if (metadata['recur.task'] !== undefined) extras.task = metadata['recur.task'];
  const extra = Object.fromEntries(Object.entries(metadata).filter(([k]) => !RESERVED_KEYS.includes(k) && k.startsWith('recur.') && !INTERNAL_KEYS.includes(k)));
  if (Object.keys(extra).length) extras.extra = extra;
  return extras;
}

/** Keys of checkpoints, and checksums: not extras, and never carried into another file. */
const INTERNAL_KEYS = ['recur.checkpoint_version', 'recur.optimizer', 'recur.training', TENSOR_CHECKSUMS_KEY, METADATA_CHECKSUMS_KEY];
const CHECKSUM_KEYS = [TENSOR_CHECKSUMS_KEY, METADATA_CHECKSUMS_KEY];

/**
 * Decodes a model file. Everything is checked before the model is built: the header (at most
 * `MAX_MODEL_HEADER_BYTES`, float tensors only, at most `MAX_PARAMETER_TENSORS` of them), the
 * format version, the config, every tensor's name and shape against the config, the vocabulary,
 * the normalisation statistics and each tensor's CRC-32 (`recur.crc32`, when the file has it).
 * Errors are one line starting `decodeModelFile: `.
 */
export function decodeModelFile<M extends SavedModule = RecurrentModel>(bytes: Uint8Array, options: DecodeModelOptions = {}): LoadedModel<M> {
  return decodeModel(bytes, options, options.source ? `decodeModelFile: ${options.source}` : 'decodeModelFile') as LoadedModel<M>;
}

function decodeModel(bytes: Uint8Array, options: DecodeModelOptions, where: string): LoadedModel<SavedModule> {
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(bytes, { maxHeaderBytes: MAX_MODEL_HEADER_BYTES, maxTensors: MAX_MODEL_TENSORS, dtypes: FLOAT_DTYPES });
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  const own = header.metadata['recur.config'] !== undefined;
  // A file without recur metadata takes the given metadata as its own (but not checksums, which
  // describe another file's tensors); a file with its own keeps it, and a given config must agree.
  const given = options.metadata && Object.fromEntries(Object.entries(options.metadata).filter(([k]) => !CHECKSUM_KEYS.includes(k)));
  const metadata = !own && given ? { ...header.metadata, ...given } : header.metadata;
  if (own && options.metadata?.['recur.config'] !== undefined && options.config === undefined) {
    options = { ...options, config: parseJson(options.metadata['recur.config'], `${where}: the given metadata's 'recur.config'`) as object };
  }
  const version = metadata['recur.format_version'];
  if (version !== undefined && version !== String(MODEL_FORMAT_VERSION)) {
    throw new Error(`${where}: model file format version ${formatVersion(version)} is not supported by this recur (expects ${MODEL_FORMAT_VERSION})`);
  }
  const { config, kind } = fileConfig(metadata, options.config, where);
  const expected = options.kind ?? 'recurrent';
  if (expected !== 'any' && kind.kind !== expected) throw new Error(`${where}: the file holds a '${kind.kind}' model, not a '${expected}' model`);
  // Shapes against the config, from the header alone: the model is bounded by the file's size.
  const problems = parameterProblems(header.tensors, config);
  if (problems.length) throw new Error(`${where}: model file does not match its config: ${joinProblems(problems)}`);
  const extras = modelExtrasOf(metadata, config, where);
  // Flipped bits in the data keep every shape valid: only the file's own checksums see them.
  const damaged = tensorChecksumProblems(bytes, header);
  if (damaged.length) throw new Error(`${where}: ${joinProblems(damaged)} (the file is corrupted or was edited)`);
  const { tensors } = decodeSafetensorsData(bytes, header);
  // Built without initialising (every weight comes from the file); the Rng, if any, is for dropout.
  const model = kind.create(config, { rng: options.rng });
  model.loadStateDict(tensors);
  return { model, config, metadata, ...extras };
}

/** The file's config (checked against `given` when both exist), or `given` for a file without one, with its kind. */
function fileConfig(metadata: Record<string, string>, given: object | undefined, where: string): { config: ModelConfig; kind: ModelKind } {
  const normalized = (c: unknown, what: string): { config: ModelConfig; kind: ModelKind } => {
    try {
      const kind = modelKindOf(c);
      return { config: kind.normalize(c), kind };
    } catch (e) {
      throw new Error(`${where}: ${what}: ${(e as Error).message}`);
    }
  };
  const text = metadata['recur.config'];
  if (text === undefined) {
    if (!given) throw new Error(`${where}: the file has no recur config in its metadata; pass the model config to load weights saved elsewhere`);
    return normalized(given, 'options.config');
  }
  const config = normalized(parseJson(text, `${where}: metadata 'recur.config'`), "metadata 'recur.config'");
  if (given) {
    const diff = configDifferences(normalized(given, 'options.config').config, config.config);
    if (diff.length) throw new Error(`${where}: options.config disagrees with the file's own config (given vs file): ${joinProblems(diff)}; pass no config or the file's`);
  }
  return config;
}

/**
 * Writes `model` (weights under their PyTorch names, config with its kind, and `extras`) to
 * `path` as one `.safetensors` file, atomically (a temporary file, then a rename). `loadModel`
 * reads it back; PyTorch's `safetensors.torch.load_file` reads the weights.
 */
export async function saveModel(path: string, model: SavedModule, extras: ModelExtras = {}): Promise<void> {
  await writeFileAtomic(path, encodeModelFile(model, extras));
}

/**
 * Reads and decodes a model file written by `saveModel` (see `decodeModelFile`): the model is
 * rebuilt from the file's config without initialising, then its weights are loaded; call
 * `.to(backend)` and `.eval()` before inference. Errors start `loadModel: <path>: `.
 */
export async function loadModel<M extends SavedModule = RecurrentModel>(path: string, options: Omit<DecodeModelOptions, 'source'> = {}): Promise<LoadedModel<M>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `loadModel: model file not found: ${path}` : `loadModel: cannot read model file ${path}: ${(e as Error).message}`);
  }
  return decodeModel(bytes, options, `loadModel: ${path}`) as LoadedModel<M>;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/**
 * recur's metadata for a model file that has none (`--config FILE`), read from `path`: another
 * recur model file (its `__metadata__`: config, task, vocabulary ...), or a JSON file holding
 * either that same string map (`recur inspect --metadata` prints one) or the friendly form
 * `{ "config": {...}, "task": "char-lm", "vocabulary": [...], "extra": { "recur.<key>": "..." } }`.
 * Errors name the file and what is wrong; the config itself is checked when a model is decoded.
 */
export async function readMetadataSource(path: string): Promise<Record<string, string>> {
  const where = `--config ${path}`;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${where}: no such file` : code === 'EISDIR' ? `${where}: a directory; give a model file or a JSON file` : `${where}: cannot be read (${code ?? (e as Error).message})`);
  }
  let meta: Record<string, string>;
  const first = bytes.length > 0 ? String.fromCharCode(bytes[0]!) : '';
  if (first === '{' || first === ' ' || first === '\n') {
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: the JSON must be an object`);
    const o = raw as Record<string, unknown>;
    if (typeof o['recur.config'] === 'string') {
      for (const [k, v] of Object.entries(o)) if (typeof v !== 'string') throw new Error(`${where}: metadata value '${k}' must be a string (safetensors metadata is a string map)`);
      meta = o as Record<string, string>;
    } else if (typeof o.config === 'object' && o.config !== null) {
      meta = { 'recur.config': JSON.stringify(o.config) };
      if (o.task !== undefined) {
        if (typeof o.task !== 'string') throw new Error(`${where}: task must be a string`);
        meta['recur.task'] = o.task;
      }
      if (o.vocabulary !== undefined) meta['recur.vocabulary'] = JSON.stringify(o.vocabulary);
      if (o.normalization !== undefined) meta['recur.normalization'] = JSON.stringify(o.normalization);
      if (o.extra !== undefined) {
        if (typeof o.extra !== 'object' || o.extra === null) throw new Error(`${where}: extra must be an object of 'recur.<key>': string`);
        for (const [k, v] of Object.entries(o.extra as Record<string, unknown>)) {
          if (!k.startsWith('recur.') || typeof v !== 'string') throw new Error(`${where}: extra '${k}' must be named 'recur.<key>' with a string value`);
          meta[k] = v;
        }
      }
    } else {
      throw new Error(`${where}: the JSON has neither 'recur.config' (a metadata map) nor 'config' (a model config)`);
    }
  } else {
    let header: SafetensorsHeader;
    try {
      header = readSafetensorsHeader(bytes, { maxHeaderBytes: MAX_MODEL_HEADER_BYTES, maxTensors: MAX_MODEL_TENSORS, dtypes: FLOAT_DTYPES });
    } catch (e) {
      throw new Error(`${where}: neither JSON nor a model file (${(e as Error).message})`);
    }
    if (header.metadata['recur.config'] === undefined) throw new Error(`${where}: this model file has no recur metadata either`);
    meta = header.metadata;
  }
  // Checksums and training state describe another file's tensors: never carried over.
  return Object.fromEntries(Object.entries(meta).filter(([k]) => !INTERNAL_KEYS.includes(k) && k !== '__format__'));
}
