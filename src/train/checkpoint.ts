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
import { MAX_MODEL_HEADER_BYTES, MODEL_FORMAT_VERSION } from '../io/model-file.js';
import { checkVocabulary, formatVersion, joinProblems, parameterProblems } from '../io/model-file-checks.js';
import { formatDims, quote } from '../io/safetensors-header.js';
import { FLOAT_DTYPES, type SafetensorsHeader, decodeSafetensorsData, encodeSafetensors, readSafetensorsHeader } from '../io/safetensors.js';
import type { RecurrentModel, RecurrentModelConfig } from '../nn/recurrent-model.js';
import { MAX_PARAMETER_TENSORS, normalizeModelConfig } from '../nn/recurrent-model.js';
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

/** Most state buffers an optimizer keeps per parameter (RMSprop: square average, gradient average, momentum). */
const MAX_OPTIMIZER_BUFFERS = 3;
/** Weights, their optimizer buffers and the carried h and c: the most tensors a checkpoint holds. */
const MAX_CHECKPOINT_TENSORS = MAX_PARAMETER_TENSORS * (1 + MAX_OPTIMIZER_BUFFERS) + 2;

/**
 * Decodes and validates checkpoint bytes; `source` names the file in errors. Everything is
 * checked against the header before any tensor is decoded, and the weights against the config,
 * so that the model a caller builds from `config` is bounded by the file's size.
 */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): DecodedCheckpoint {
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(bytes, { maxHeaderBytes: MAX_MODEL_HEADER_BYTES, maxTensors: MAX_CHECKPOINT_TENSORS, dtypes: FLOAT_DTYPES });
  } catch (e) {
    throw new Error(`${source} is corrupted or not a recur checkpoint: ${(e as Error).message}`);
  }
  const meta = header.metadata;
  const version = meta['recur.checkpoint_version'];
  if (version === undefined) throw new Error(`${source} is not a recur training checkpoint (no 'recur.checkpoint_version' in its metadata)`);
  if (version !== String(CHECKPOINT_VERSION) || (meta['recur.format_version'] ?? '') !== String(MODEL_FORMAT_VERSION)) {
    throw new Error(`${source} was written by a different version of recur (checkpoint format ${formatVersion(version)}, model format ${formatVersion(meta['recur.format_version'])}); ` +
      `this recur reads checkpoint format ${CHECKPOINT_VERSION}, model format ${MODEL_FORMAT_VERSION}`);
  }
  const corrupted = (what: string) => new Error(`${source} is corrupted: ${what}`);
  const json = (key: string): unknown => {
    const text = meta[key];
    if (text === undefined) throw corrupted(`metadata '${key}' is missing`);
    try {
      return JSON.parse(text);
    } catch {
      throw corrupted(`metadata '${key}' is not valid JSON`);
    }
  };
  const rawConfig = json('recur.config');
  const rawVocabulary = meta['recur.vocabulary'] === undefined ? undefined : json('recur.vocabulary');
  let config: RecurrentModelConfig;
  let vocabulary: string[] | undefined;
  try {
    config = normalizeModelConfig(rawConfig as RecurrentModelConfig);
    if (rawVocabulary !== undefined) vocabulary = checkVocabulary(rawVocabulary, config, "metadata 'recur.vocabulary'");
  } catch (e) {
    throw corrupted((e as Error).message);
  }
  const opt = json('recur.optimizer') as { type: string; step: number; lr: number; options: Record<string, number | boolean>; params: string[]; buffers: string[] };
  const strings = (v: unknown, max: number) => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string');
  if (!opt || typeof opt !== 'object' || !strings(opt.params, MAX_PARAMETER_TENSORS) || !strings(opt.buffers, MAX_OPTIMIZER_BUFFERS)) {
    throw corrupted(`metadata 'recur.optimizer' must hold params (names of weights) and buffers (at most ${MAX_OPTIMIZER_BUFFERS} names)`);
  }
  const training = json('recur.training') as Record<string, unknown>;
  if (!training || typeof training !== 'object') throw corrupted(`metadata 'recur.training' must be an object`);
  const problems = checkpointProblems(header, config, opt);
  if (problems.length) throw corrupted(joinProblems(problems));

  const file = decodeSafetensorsData(bytes, header);
  if (meta['recur.sha256'] !== tensorDigest(file.tensors)) throw corrupted('its tensor data does not match the SHA-256 recorded in it');
  const weights = new Map<string, Tensor>();
  for (const [n, t] of file.tensors) if (n.startsWith(WEIGHT)) weights.set(n.slice(WEIGHT.length), t);
  const state: Record<string, Float32Array[]> = {};
  for (const buf of opt.buffers) state[buf] = opt.params.map((p) => file.tensors.get(`${OPTIM}${buf}.${p}`)!.data);
  const sizes = opt.params.map((p) => weights.get(p)!.size);
  const h = file.tensors.get(`${STATE}h`), c = file.tensors.get(`${STATE}c`);
  const carried = h ? (c ? { h, c } : { h }) : null;
  const out: DecodedCheckpoint = {
    config, weights, carried, training,
    optimizer: { type: opt.type, step: opt.step, lr: opt.lr, options: opt.options, sizes, state },
  };
  if (vocabulary) out.vocabulary = vocabulary;
  return out;
}

/** What is wrong with a checkpoint's tensors, from its header: weights, optimizer buffers, carried state. */
function checkpointProblems(header: SafetensorsHeader, config: RecurrentModelConfig, opt: { params: string[]; buffers: string[] }): string[] {
  const problems = parameterProblems(header.tensors, config, WEIGHT);
  const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const known = new Set<string>();
  for (const p of opt.params) {
    const w = header.tensors.get(WEIGHT + p);
    if (!w) { problems.push(`optimizer parameter ${quote(p)} is not a weight of the model`); continue; }
    for (const buf of opt.buffers) {
      const name = `${OPTIM}${buf}.${p}`;
      known.add(name);
      const t = header.tensors.get(name);
      if (!t) problems.push(`tensor ${quote(name)} is missing`);
      else if (count(t.shape) !== count(w.shape)) problems.push(`tensor ${quote(name)} holds ${count(t.shape)} values but weight ${quote(p)} has ${count(w.shape)}`);
    }
  }
  // The carried state: h (and c for an LSTM), both [L*D, B, H] with the same B.
  const LD = config.numLayers * (config.bidirectional ? 2 : 1);
  const h = header.tensors.get(`${STATE}h`), c = header.tensors.get(`${STATE}c`);
  known.add(`${STATE}h`).add(`${STATE}c`);
  for (const t of [h, c]) {
    if (t && (t.shape.length !== 3 || t.shape[0] !== LD || t.shape[2] !== config.hiddenSize)) {
      problems.push(`tensor '${t.name}' must be [${LD}, B, ${config.hiddenSize}], got ${formatDims(t.shape)}`);
    }
  }
  if (c && config.cell !== 'lstm') problems.push(`tensor '${STATE}c' is an LSTM cell state, but the cell is ${config.cell}`);
  else if (config.cell === 'lstm' && !h !== !c) problems.push(`an LSTM's carried state needs both '${STATE}h' and '${STATE}c'`);
  else if (h && c && h.shape[1] !== c.shape[1]) problems.push(`tensors '${STATE}h' and '${STATE}c' hold different batch sizes (${h.shape[1]} and ${c.shape[1]})`);
  for (const name of header.tensors.keys()) {
    if (!name.startsWith(WEIGHT) && !known.has(name)) problems.push(`unexpected tensor ${quote(name)}`);
  }
  return problems;
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
