/**
 * Encoding a model to recur's model-file bytes (safetensors with the config, vocabulary,
 * normalisation, task and each tensor's CRC-32 in its metadata), with no file system: browsers
 * bundle this alone. Reading files back and writing them to disk is model-file.ts.
 */
import { METADATA_CHECKSUMS_KEY, TENSOR_CHECKSUMS_KEY, tensorChecksums } from './checksums.js';
import { encodeSafetensors } from './safetensors.js';
import { checkNormalization, checkVocabulary } from './model-file-checks.js';
import { type SavedModule, modelKindOf } from '../nn/model-kinds.js';

/** Written into every model file; bumped when the layout changes incompatibly. */
export const MODEL_FORMAT_VERSION = 1;

/** Metadata keys recur's files write themselves (the checksums too); `extras.extra` cannot override them. */
export const RESERVED_KEYS = ['format', 'recur.format_version', 'recur.config', 'recur.vocabulary', 'recur.normalization', 'recur.task', TENSOR_CHECKSUMS_KEY, METADATA_CHECKSUMS_KEY];

export interface ModelExtras {
  /** The task that trained the model ('char-lm', ...): its commands check it before using the file. */
  task?: string;
  /** Token strings by id (e.g. the characters of a char-level model): `input.vocabSize` of them. */
  vocabulary?: string[];
  /** Normalisation statistics of inputs/targets (e.g. { mean, std }): finite numbers or arrays of them. */
  normalization?: Record<string, number | number[]>;
  /** Further metadata strings (task name, training state summary ...). */
  extra?: Record<string, string>;
}

/**
 * The metadata a model file (or a checkpoint, which holds the same) writes for a model and its
 * extras, checking the extras as a loader will. `where` names the caller in errors.
 */
export function modelMetadata(model: SavedModule, extras: ModelExtras, where: string): Record<string, string> {
  for (const k of Object.keys(extras.extra ?? {})) {
    if (RESERVED_KEYS.includes(k)) throw new Error(`${where}: extras.extra cannot set ${JSON.stringify(k)}, which the format writes itself`);
  }
  modelKindOf(model.config); // a kind loaders know
  const metadata: Record<string, string> = {
    format: 'pt', // what safetensors.torch and transformers expect; the tensors are plain F32
    'recur.format_version': String(MODEL_FORMAT_VERSION),
    'recur.config': JSON.stringify(model.config),
    ...extras.extra,
  };
  if (extras.task !== undefined) metadata['recur.task'] = extras.task;
  if (extras.vocabulary) metadata['recur.vocabulary'] = JSON.stringify(checkVocabulary(extras.vocabulary, model.config, `${where}: extras.vocabulary`));
  if (extras.normalization) metadata['recur.normalization'] = JSON.stringify(checkNormalization(extras.normalization, `${where}: extras.normalization`));
  return metadata;
}

/** Encodes a model of any registered kind and its extras as safetensors bytes, with the CRC-32 of every tensor. */
export function encodeModelFile(model: SavedModule, extras: ModelExtras = {}): Uint8Array {
  const tensors = model.stateDict();
  const metadata = modelMetadata(model, extras, 'encodeModelFile');
  metadata[TENSOR_CHECKSUMS_KEY] = tensorChecksums(tensors);
  return encodeSafetensors(tensors, metadata);
}
