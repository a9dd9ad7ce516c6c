/**
 * Training checkpoints: a run directory holds `model.safetensors` (recur's one-file model
 * format: weights, config, vocabulary; what `sample`, `eval` and `export` read) and
 * `checkpoint.safetensors`, the complete training state of a model of any registered kind: the
 * weights again with the model file's metadata, the optimizer's moment buffers, the state carried
 * between windows, and JSON (step, RNG states, data position, schedule, full config). Resuming
 * reads only the checkpoint, so the pair can never disagree. Every tensor and every metadata
 * entry carries a CRC-32 (io/checksums.ts), so a damaged or hand-edited checkpoint is refused.
 * Both files are written atomically (temp file + rename). Reads and writes bytes only; the run
 * directory is tasks/run-directory.ts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { METADATA_CHECKSUMS_KEY, TENSOR_CHECKSUMS_KEY, metadataChecksumProblems, metadataChecksums, tensorChecksumProblems, tensorChecksums } from '../io/checksums.js';
import { describeFsError } from '../io/fs-errors.js';
import { MAX_MODEL_HEADER_BYTES, MODEL_FORMAT_VERSION, type ModelExtras, modelExtrasOf, modelMetadata } from '../io/model-file.js';
import { formatVersion, joinProblems, parameterProblems } from '../io/model-file-checks.js';
import { quote } from '../io/safetensors-header.js';
import { FLOAT_DTYPES, type SafetensorsHeader, decodeSafetensorsData, encodeSafetensors, readSafetensorsHeader } from '../io/safetensors.js';
import { MAX_MODEL_TENSORS, type ModelConfig, type ModelKind, type SavedModule, modelKindOf } from '../nn/model-kinds.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

export const MODEL_FILE_NAME = 'model.safetensors';
export const CHECKPOINT_FILE_NAME = 'checkpoint.safetensors';
/** Bumped when the checkpoint layout changes (2: models of any kind, the training state of runTask; 3: CRC-32s of tensors and metadata). */
export const CHECKPOINT_VERSION = 3;
/**
 * Version 2 checkpoints (before the CRC-32s) still resume: their one SHA-256 over all tensors is
 * checked instead, so a run started before an upgrade is not lost. Their metadata has no checksum.
 */
const LEGACY_SHA256_VERSION = 2;

/** State carried between training windows: named tensors (a recurrent state is `{ h, c? }`). */
export type CarriedState = object;

export interface CheckpointContents {
  model: SavedModule;
  /** What the model file beside it holds besides the weights (vocabulary, normalisation, task ...). */
  extras?: ModelExtras;
  /** Shorthand for `extras.vocabulary`. */
  vocabulary?: readonly string[];
  optimizer: Optimizer;
  /** State carried into the next window (null at an epoch start): tensors by name. */
  carried: CarriedState | null;
  /** Everything else, JSON: step, RNG states, data position, schedule, config ... */
  training: Record<string, unknown>;
}

export interface DecodedCheckpoint extends ModelExtras {
  config: ModelConfig;
  /** Model weights by PyTorch name. */
  weights: Map<string, Tensor>;
  /** The optimizer state, for `optimizer.loadStateDict` (parameters in `model.parameters()` order). */
  optimizer: OptimizerStateDict;
  /** The carried state's tensors by name, or null. */
  carried: Record<string, Tensor> | null;
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
  for (const [name, t] of Object.entries(c.carried ?? {})) {
    if (t === undefined) continue;
    if (!(t instanceof Tensor)) throw new Error(`encodeCheckpoint: carried state '${name}' must be a Tensor, got ${typeof t}`);
    tensors.set(STATE + name, t);
  }
  const optimizerMeta = { type: opt.type, step: opt.step, lr: opt.lr, options: opt.options, params: paramNames, buffers: Object.keys(opt.state) };
  const extras: ModelExtras = { ...c.extras };
  if (c.vocabulary) extras.vocabulary = [...c.vocabulary];
  const metadata: Record<string, string> = {
    ...modelMetadata(c.model, extras, 'encodeCheckpoint'),
    'recur.checkpoint_version': String(CHECKPOINT_VERSION),
    'recur.optimizer': JSON.stringify(optimizerMeta),
    'recur.training': JSON.stringify(c.training),
    [TENSOR_CHECKSUMS_KEY]: tensorChecksums(tensors),
  };
  metadata[METADATA_CHECKSUMS_KEY] = metadataChecksums(metadata);
  return encodeSafetensors(tensors, metadata);
}

/** Most state buffers an optimizer keeps per parameter (RMSprop: square average, gradient average, momentum). */
const MAX_OPTIMIZER_BUFFERS = 3;
/** Most tensors of a carried state. */
const MAX_CARRIED_TENSORS = 64;
/** Weights, their optimizer buffers and the carried state: the most tensors a checkpoint holds. */
const MAX_CHECKPOINT_TENSORS = MAX_MODEL_TENSORS * (1 + MAX_OPTIMIZER_BUFFERS) + MAX_CARRIED_TENSORS;

/**
 * Decodes and validates checkpoint bytes; `source` names the file in errors. The metadata is
 * checked against its CRC-32s first (an edited step or config is refused), then everything
 * against the header before any tensor is decoded, and the weights against the config, so that
 * the model a caller builds from `config` is bounded by the file's size; last, every tensor's
 * bytes against its CRC-32.
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
  const legacy = version === String(LEGACY_SHA256_VERSION);
  if ((version !== String(CHECKPOINT_VERSION) && !legacy) || (meta['recur.format_version'] ?? '') !== String(MODEL_FORMAT_VERSION)) {
    throw new Error(`${source} was written by a different version of recur (checkpoint format ${formatVersion(version)}, model format ${formatVersion(meta['recur.format_version'])}); ` +
      `this recur reads checkpoint format ${CHECKPOINT_VERSION}, model format ${MODEL_FORMAT_VERSION}`);
  }
  const corrupted = (what: string) => new Error(`${source} is corrupted: ${what}`);
  // Before any entry is read: a checkpoint whose metadata was edited by hand is refused as a whole.
  if (!legacy) {
    if (meta[METADATA_CHECKSUMS_KEY] === undefined) throw corrupted(`metadata '${METADATA_CHECKSUMS_KEY}' is missing`);
    const edited = metadataChecksumProblems(meta);
    if (edited.length) throw corrupted(`${joinProblems(edited)} (its metadata was edited or damaged after recur wrote it)`);
  }
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
  let config: ModelConfig;
  let kind: ModelKind;
  let extras: ModelExtras;
  try {
    kind = modelKindOf(rawConfig);
    config = kind.normalize(rawConfig);
    extras = modelExtrasOf(meta, config, '');
  } catch (e) {
    throw corrupted((e as Error).message.replace(/^: /, ''));
  }
  const opt = json('recur.optimizer') as { type: string; step: number; lr: number; options: Record<string, number | boolean>; params: string[]; buffers: string[] };
  const strings = (v: unknown, max: number) => Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'string');
  if (!opt || typeof opt !== 'object' || !strings(opt.params, MAX_MODEL_TENSORS) || !strings(opt.buffers, MAX_OPTIMIZER_BUFFERS)) {
    throw corrupted(`metadata 'recur.optimizer' must hold params (names of weights) and buffers (at most ${MAX_OPTIMIZER_BUFFERS} names)`);
  }
  const training = json('recur.training') as Record<string, unknown>;
  if (!training || typeof training !== 'object') throw corrupted(`metadata 'recur.training' must be an object`);
  const problems = checkpointProblems(header, config, kind, opt);
  if (problems.length) throw corrupted(joinProblems(problems));

  if (!legacy) {
    if (meta[TENSOR_CHECKSUMS_KEY] === undefined) throw corrupted(`metadata '${TENSOR_CHECKSUMS_KEY}' is missing`);
    const damaged = tensorChecksumProblems(bytes, header);
    if (damaged.length) throw corrupted(joinProblems(damaged));
  }
  const file = decodeSafetensorsData(bytes, header);
  if (legacy && meta['recur.sha256'] !== legacyTensorDigest(file.tensors)) throw corrupted('its tensor data does not match the SHA-256 recorded in it');
  const weights = new Map<string, Tensor>();
  for (const [n, t] of file.tensors) if (n.startsWith(WEIGHT)) weights.set(n.slice(WEIGHT.length), t);
  const state: Record<string, Float32Array[]> = {};
  for (const buf of opt.buffers) state[buf] = opt.params.map((p) => file.tensors.get(`${OPTIM}${buf}.${p}`)!.data);
  const sizes = opt.params.map((p) => weights.get(p)!.size);
  const carriedEntries = [...file.tensors].filter(([n]) => n.startsWith(STATE)).map(([n, t]) => [n.slice(STATE.length), t as Tensor] as const);
  return {
    ...extras, config, weights, training,
    carried: carriedEntries.length ? Object.fromEntries(carriedEntries) : null,
    optimizer: { type: opt.type, step: opt.step, lr: opt.lr, options: opt.options, sizes, state },
  };
}

/** What is wrong with a checkpoint's tensors, from its header: weights, optimizer buffers, carried state. */
function checkpointProblems(header: SafetensorsHeader, config: ModelConfig, kind: ModelKind, opt: { params: string[]; buffers: string[] }): string[] {
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
  const carried = new Map([...header.tensors].filter(([n]) => n.startsWith(STATE)));
  if (kind.carriedStateProblems) problems.push(...kind.carriedStateProblems(config, carried, STATE));
  else for (const name of carried.keys()) problems.push(`unexpected tensor ${quote(name)} (a ${kind.kind} model carries no state between windows)`);
  for (const name of header.tensors.keys()) {
    if (!name.startsWith(WEIGHT) && !name.startsWith(STATE) && !known.has(name)) problems.push(`unexpected tensor ${quote(name)}`);
  }
  return problems;
}

/** Version 2's SHA-256 over every tensor's name, shape and float32 bytes, in name order. */
function legacyTensorDigest(tensors: Map<string, Tensor>): string {
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
  for (const [name, bytes] of [[CHECKPOINT_FILE_NAME, files.checkpoint], [MODEL_FILE_NAME, files.model]] as const) {
    const path = join(dir, name);
    try {
      await write(path, bytes);
    } catch (e) {
      throw (e as Error).message.includes(path) ? e : describeFsError('write', path, e);
    }
  }
}

/** Reads and decodes `dir/checkpoint.safetensors`, with one-line errors for a missing or unreadable file. */
export async function readCheckpointFile(dir: string): Promise<DecodedCheckpoint> {
  const path = join(dir, CHECKPOINT_FILE_NAME);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`no checkpoint to resume: ${path} does not exist (a run stopped before its first checkpoint starts over when the command names its data again)`);
    }
    throw new Error(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}
