/**
 * recur's one-file model format: a `.safetensors` file whose tensors are the model's
 * parameters under their PyTorch names and whose `__metadata__` holds the config, the
 * vocabulary and normalisation statistics as JSON strings. Loading validates the header
 * against the config before any tensor is decoded.
 */
import { readFile } from 'node:fs/promises';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from './safetensors.js';
import { writeFileAtomic } from './atomic-write.js';
import { RecurrentModel, type RecurrentModelConfig, normalizeModelConfig } from '../nn/recurrent-model.js';
import { formatShape, shapeEquals } from '../tensor/shape.js';
import { Rng } from '../random/rng.js';

/**
 * A model header holds names, shapes and metadata JSON (config, vocabulary): a few KB, or a
 * few MB for a large word vocabulary. A bigger header is hostile; reject it fast.
 */
const MAX_MODEL_HEADER_BYTES = 16 * 1024 * 1024;

/** Written into every model file; bumped when the layout changes incompatibly. */
export const MODEL_FORMAT_VERSION = 1;

export interface ModelExtras {
  /** Token strings by id (e.g. the characters of a char-level model). */
  vocabulary?: string[];
  /** Normalisation statistics of inputs/targets (e.g. { mean, std }). */
  normalization?: Record<string, number | number[]>;
  /** Further metadata strings (task name, training state summary ...). */
  extra?: Record<string, string>;
}

export interface LoadedModel extends ModelExtras {
  model: RecurrentModel;
  config: RecurrentModelConfig;
  metadata: Record<string, string>;
}

/** Encodes a model and its extras as safetensors bytes. */
export function encodeModelFile(model: RecurrentModel, extras: ModelExtras = {}): Uint8Array {
  const metadata: Record<string, string> = {
    format: 'pt', // what safetensors.torch and transformers expect; the tensors are plain F32
    'recur.format_version': String(MODEL_FORMAT_VERSION),
    'recur.config': JSON.stringify(model.config),
    ...extras.extra,
  };
  if (extras.vocabulary) metadata['recur.vocabulary'] = JSON.stringify(extras.vocabulary);
  if (extras.normalization) metadata['recur.normalization'] = JSON.stringify(extras.normalization);
  return encodeSafetensors(model.stateDict(), metadata);
}

/**
 * Decodes a model file. `config` is required for a file without recur metadata (for example
 * weights exported from PyTorch under the same names) and otherwise must not disagree.
 */
export function decodeModelFile(bytes: Uint8Array, options: { config?: RecurrentModelConfig; rng?: Rng; source?: string } = {}): LoadedModel {
  const src = options.source ? `${options.source}: ` : '';
  const header = readSafetensorsHeader(bytes, { maxHeaderBytes: MAX_MODEL_HEADER_BYTES });
  const metadata = header.metadata;
  const version = metadata['recur.format_version'];
  if (version !== undefined && version !== String(MODEL_FORMAT_VERSION)) {
    throw new Error(`${src}model file format version ${version} is not supported by this recur (expects ${MODEL_FORMAT_VERSION})`);
  }
  let config: RecurrentModelConfig;
  if (metadata['recur.config'] !== undefined) {
    const parsed = parseJson(metadata['recur.config'], `${src}metadata 'recur.config'`);
    config = normalizeModelConfig(parsed as RecurrentModelConfig);
  } else if (options.config) {
    config = normalizeModelConfig(options.config);
  } else {
    throw new Error(`${src}the file has no recur config in its metadata; pass the model config to load weights saved elsewhere`);
  }
  // Every weight is overwritten from the file; the Rng only seeds dropout of further training.
  const model = new RecurrentModel(config, { rng: options.rng ?? new Rng(0) });
  // Shapes against the config, from the header alone, before decoding any data.
  const expected = new Map([...model.namedParameters()].map(([n, p]) => [n, p.shape]));
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const entry = header.tensors.get(name);
    if (!entry) problems.push(`missing tensor '${name}' ${formatShape(shape)}`);
    else if (!shapeEquals(entry.shape, shape)) problems.push(`tensor '${name}' is ${formatShape(entry.shape)} but the config needs ${formatShape(shape)}`);
  }
  for (const name of header.tensors.keys()) if (!expected.has(name)) problems.push(`unexpected tensor '${name}'`);
  if (problems.length) throw new Error(`${src}model file does not match its config: ${problems.join('; ')}`);
  const { tensors } = decodeSafetensors(bytes, { maxHeaderBytes: MAX_MODEL_HEADER_BYTES });
  model.loadStateDict(tensors);
  const out: LoadedModel = { model, config, metadata };
  if (metadata['recur.vocabulary'] !== undefined) {
    const v = parseJson(metadata['recur.vocabulary'], `${src}metadata 'recur.vocabulary'`);
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`${src}metadata 'recur.vocabulary' must be a JSON array of strings`);
    out.vocabulary = v as string[];
  }
  if (metadata['recur.normalization'] !== undefined) {
    out.normalization = parseJson(metadata['recur.normalization'], `${src}metadata 'recur.normalization'`) as Record<string, number>;
  }
  return out;
}

export async function saveModel(path: string, model: RecurrentModel, extras: ModelExtras = {}): Promise<void> {
  await writeFileAtomic(path, encodeModelFile(model, extras));
}

export async function loadModel(path: string, options: { config?: RecurrentModelConfig; rng?: Rng } = {}): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `model file not found: ${path}` : `cannot read model file ${path}: ${(e as Error).message}`);
  }
  return decodeModelFile(bytes, { ...options, source: path });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}
