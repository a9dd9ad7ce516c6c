/**
 * Training checkpoints: a run directory holds `model.safetensors` (recur's one-file model
 * format: weights, config, vocabulary; what `sample`, `eval` and `export` read) and
 * `checkpoint.safetensors`, the complete training state: the weights again, the optimizer's
 * moment buffers, the hidden state carried between windows, and JSON metadata (step, RNG
 * states, data position, schedule, full config). Resuming reads only the checkpoint, so the
 * pair can never disagree. Both files are written atomically (temp file + rename).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { MODEL_FORMAT_VERSION } from '../io/model-file.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import type { RecurrentModel, RecurrentModelConfig } from '../nn/recurrent-model.js';
import { normalizeModelConfig } from '../nn/recurrent-model.js';
import type { RecurrentState } from '../nn/recurrent.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

export const MODEL_FILE_NAME = 'model.safetensors';
export const CHECKPOINT_FILE_NAME = 'checkpoint.safetensors';
/** Bumped when the checkpoint layout changes incompatibly. */
export const CHECKPOINT_VERSION = 1;

export interface CheckpointContents {
  model: RecurrentModel;
  vocabulary?: readonly string[];
  optimizer: Optimizer;
  /** State carried into the next window (null at an epoch start). */
  carried: RecurrentState | null;
  /** Everything else, JSON: step, RNG states, data position, schedule, config ... */
  training: Record<string, unknown>;
}

export interface DecodedCheckpoint {
  config: RecurrentModelConfig;
  vocabulary?: string[];
  /** Model weights by PyTorch name. */
  weights: Map<string, Tensor>;
  /** The optimizer state, for `optimizer.loadStateDict` (parameters in `model.parameters()` order). */
  optimizer: OptimizerStateDict;
  carried: RecurrentState | null;
  training: Record<string, unknown>;
}

const WEIGHT = 'model.', OPTIM = 'optimizer.', STATE = 'state.';

/** Encodes a checkpoint as safetensors bytes. */
export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const names = new Map([...c.model.namedParameters()].map(([n, p]) => [p, n]));
  const paramNames = c.optimizer.params.map((p, i) => {
    const n = names.get(p);
    if (!n) throw new Error(`encodeCheckpoint: optimizer parameter ${i} ${formatShape(p.shape)} is not a parameter of the model`);
    return n;
  });
  const tensors = new Map<string, Tensor>();
  for (const [n, t] of c.model.stateDict()) tensors.set(WEIGHT + n, t);
  const opt = c.optimizer.stateDict();
  for (const [buf, arrays] of Object.entries(opt.state)) {
    arrays.forEach((a, i) => tensors.set(`${OPTIM}${buf}.${paramNames[i]}`, new Tensor(a, [a.length])));
  }
  if (c.carried) {
    tensors.set(`${STATE}h`, c.carried.h);
    if (c.carried.c) tensors.set(`${STATE}c`, c.carried.c);
  }
  const optimizerMeta = { type: opt.type, step: opt.step, lr: opt.lr, options: opt.options, params: paramNames, buffers: Object.keys(opt.state) };
  const metadata: Record<string, string> = {
    format: 'pt',
    'recur.format_version': String(MODEL_FORMAT_VERSION),
    'recur.checkpoint_version': String(CHECKPOINT_VERSION),
    'recur.config': JSON.stringify(c.model.config),
    'recur.optimizer': JSON.stringify(optimizerMeta),
    'recur.training': JSON.stringify(c.training),
    'recur.sha256': tensorDigest(tensors),
  };
  if (c.vocabulary) metadata['recur.vocabulary'] = JSON.stringify(c.vocabulary);
  return encodeSafetensors(tensors, metadata);
}

/** Decodes and validates checkpoint bytes; `source` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): DecodedCheckpoint {
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    throw new Error(`${source} is corrupted or not a recur checkpoint: ${(e as Error).message}`);
  }
  const meta = file.metadata;
  const version = meta['recur.checkpoint_version'];
  if (version === undefined) throw new Error(`${source} is not a recur training checkpoint (no 'recur.checkpoint_version' in its metadata)`);
  if (version !== String(CHECKPOINT_VERSION) || (meta['recur.format_version'] ?? '') !== String(MODEL_FORMAT_VERSION)) {
    throw new Error(`${source} was written by a different version of recur (checkpoint format ${version}, model format ${meta['recur.format_version']}); ` +
      `this recur reads checkpoint format ${CHECKPOINT_VERSION}, model format ${MODEL_FORMAT_VERSION}`);
  }
  const json = (key: string): unknown => {
    const text = meta[key];
    if (text === undefined) throw new Error(`${source} is corrupted: metadata '${key}' is missing`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${source} is corrupted: metadata '${key}' is not valid JSON`);
    }
  };
  let config: RecurrentModelConfig;
  try {
    config = normalizeModelConfig(json('recur.config') as RecurrentModelConfig);
  } catch (e) {
    throw new Error(`${source} is corrupted: ${(e as Error).message}`);
  }
  const opt = json('recur.optimizer') as { type: string; step: number; lr: number; options: Record<string, number | boolean>; params: string[]; buffers: string[] };
  if (!opt || !Array.isArray(opt.params) || !Array.isArray(opt.buffers)) throw new Error(`${source} is corrupted: metadata 'recur.optimizer' lacks params/buffers`);
  const training = json('recur.training') as Record<string, unknown>;
  if (!training || typeof training !== 'object') throw new Error(`${source} is corrupted: metadata 'recur.training' must be an object`);

  if (meta['recur.sha256'] !== tensorDigest(file.tensors)) {
    throw new Error(`${source} is corrupted: its tensor data does not match the SHA-256 recorded in it`);
  }
  const weights = new Map<string, Tensor>();
  for (const [n, t] of file.tensors) if (n.startsWith(WEIGHT)) weights.set(n.slice(WEIGHT.length), t);
  const state: Record<string, Float32Array[]> = {};
  for (const buf of opt.buffers) {
    state[buf] = opt.params.map((p) => {
      const t = file.tensors.get(`${OPTIM}${buf}.${p}`);
      if (!t) throw new Error(`${source} is corrupted: tensor '${OPTIM}${buf}.${p}' is missing`);
      return t.data;
    });
  }
  const sizes = opt.params.map((p) => {
    const w = weights.get(p);
    if (!w) throw new Error(`${source} is corrupted: weight '${WEIGHT}${p}' is missing`);
    return w.size;
  });
  const h = file.tensors.get(`${STATE}h`), c = file.tensors.get(`${STATE}c`);
  const carried = h ? (c ? { h, c } : { h }) : null;
  const out: DecodedCheckpoint = {
    config, weights, carried, training,
    optimizer: { type: opt.type, step: opt.step, lr: opt.lr, options: opt.options, sizes, state },
  };
  if (meta['recur.vocabulary'] !== undefined) out.vocabulary = json('recur.vocabulary') as string[];
  return out;
}

/** SHA-256 over every tensor's name, shape and float32 bytes, in name order (detects flipped bits that safetensors cannot). */
function tensorDigest(tensors: Map<string, Tensor>): string {
  const hash = createHash('sha256');
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    hash.update(`${name}${formatShape(t.shape)}`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

/** Writes (atomically) the model file and then the checkpoint file into `dir`. */
export async function writeCheckpointFiles(
  dir: string,
  files: { model: Uint8Array; checkpoint: Uint8Array },
  options: { writeFile?: (path: string, data: Uint8Array) => Promise<void> } = {},
): Promise<void> {
  const write = options.writeFile ?? writeFileAtomic;
  // The checkpoint alone resumes a run; the model file is the export of the same weights.
  await write(join(dir, CHECKPOINT_FILE_NAME), files.checkpoint);
  await write(join(dir, MODEL_FILE_NAME), files.model);
}

/** Reads and decodes `dir/checkpoint.safetensors`, with one-line errors for a missing or unreadable file. */
export async function readCheckpointFile(dir: string): Promise<DecodedCheckpoint> {
  const path = join(dir, CHECKPOINT_FILE_NAME);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`no checkpoint to resume: ${path} does not exist`);
    throw new Error(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}
