/**
 * Starting a new run from the weights of a model file (`--init-from FILE`, issue 18): recur's
 * own (a model.safetensors, best.safetensors, or a run directory) or one written by PyTorch's
 * `safetensors.torch.save_file(model.state_dict(), ...)` under recur's (PyTorch's) names.
 *
 * `readInitFile` reads the file's header only: its tensor names and shapes, and, for a recur
 * file, its task and what it keeps beside the weights (vocabulary, tokenizer, classes), which the
 * new run then keeps too, so token ids mean what they meant, and checks the tensor bytes against
 * the CRC-32s a recur file records (io/checksums.ts). `checkInitFile` checks the header
 * against the config of the model the run will build (every parameter present, no extra tensor,
 * same shapes; for a recur file the config differences are named) before the model is built or
 * any tensor decoded; `loadInitWeights` then loads them.
 * `freezeParameters` stops named parameters from training.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MODEL_HEADER_BYTES, type ModelExtras, modelExtrasOf } from '../io/model-file.js';
import { tensorChecksumProblems } from '../io/checksums.js';
import { configDifferences, joinProblems } from '../io/model-file-checks.js';
import { FLOAT_DTYPES, type SafetensorsHeader, decodeSafetensorsData, readSafetensorsHeader } from '../io/safetensors.js';
import { MAX_MODEL_TENSORS, type ModelConfig, type SavedModule, modelKindOf } from '../nn/model-kinds.js';

/** What `--init-from` read of a file before the run's model is built. */
export interface InitFile {
  /** The file read (a directory's model.safetensors). */
  path: string;
  bytes: Uint8Array;
  header: SafetensorsHeader;
  /** The task that wrote it (recur files), or undefined. */
  task: string | undefined;
  /** A recur file's model config, normalised by its kind, or undefined (weights saved elsewhere). */
  config: ModelConfig | undefined;
  /** A recur file's extras (vocabulary, task metadata), or undefined. */
  extras: ModelExtras | undefined;
}

/** Reads `path` (a model file, or a run directory holding model.safetensors) for a run of `taskName`. */
export async function readInitFile(path: string, taskName: string): Promise<InitFile> {
  const where = `--init-from ${path}`;
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'model.safetensors');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${where}: no such file or directory` : `${where}: cannot be read (${code ?? (e as Error).message})`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${where}: the directory holds no model.safetensors` : `${where}: cannot read ${file} (${code ?? (e as Error).message})`);
  }
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(bytes, { maxHeaderBytes: MAX_MODEL_HEADER_BYTES, maxTensors: MAX_MODEL_TENSORS, dtypes: FLOAT_DTYPES });
  } catch (e) {
    throw new Error(`${where}: not a model file: ${(e as Error).message}`);
  }
  const meta = header.metadata;
  const task = meta['recur.task'];
  if (task !== undefined && task !== taskName) {
    throw new Error(`${where}: the file holds a '${task}' model; this run trains '${taskName}' (give a '${taskName}' model file, or weights saved by PyTorch under the same names)`);
  }
  let config: ModelConfig | undefined;
  let extras: ModelExtras | undefined;
  const text = meta['recur.config'];
  if (text !== undefined) {
    try {
      const raw = JSON.parse(text) as unknown;
      config = modelKindOf(raw).normalize(raw);
      extras = modelExtrasOf(meta, config, where);
    } catch (e) {
      throw new Error(`${where}: its recur metadata is not valid: ${(e as Error).message}`);
    }
  }
  const damaged = tensorChecksumProblems(bytes, header);
  if (damaged.length) throw new Error(`${where}: ${joinProblems(damaged)} (the file is corrupted or was edited)`);
  return { path: file, bytes, header, task, config, extras };
}

/**
 * Checks the init file against the model config the run will build, before the model exists:
 * for a recur file the config differences are named; then every parameter must be present with
 * its shape (the kind's `parameterShapes`, computed without allocating) and no tensor left over.
 */
export function checkInitFile(init: InitFile, modelConfig: ModelConfig): void {
  const where = `--init-from ${init.path}`;
  if (init.config) {
    const diff = configDifferences(modelConfig, init.config);
    if (diff.length) {
      throw new Error(`${where}: the file's model is not the one this run builds (run vs file): ${joinProblems(diff)}; give the same model settings as the file's run`);
    }
  }
  const problems = initFileProblems(init, modelConfig);
  if (problems.length) {
    const names = modelKindOf(modelConfig).parameterShapes(modelConfig).map(([n]) => n);
    throw new Error(`${where}: its tensors do not fit this run's model (${problems.join('; ')}); the model's parameters are ${listNames(names)}`);
  }
}

/** Whether the file's tensors are exactly `modelConfig`'s parameters (names and shapes); [] when they fit. */
export function initFileProblems(init: Pick<InitFile, 'header'>, modelConfig: ModelConfig): string[] {
  const params = new Map(modelKindOf(modelConfig).parameterShapes(modelConfig));
  const inFile = new Map([...init.header.tensors].map(([name, t]) => [name, [...t.shape]] as const));
  const missing = [...params.keys()].filter((n) => !inFile.has(n));
  const unexpected = [...inFile.keys()].filter((n) => !params.has(n));
  const shapes = [...params].filter(([n, s]) => inFile.has(n) && JSON.stringify(inFile.get(n)) !== JSON.stringify(s))
    .map(([n, s]) => `${n} is [${inFile.get(n)!.join(', ')}] in the file, [${s.join(', ')}] in this run's model`);
  return [
    ...(missing.length ? [`missing ${listNames(missing)}`] : []),
    ...(unexpected.length ? [`not in this run's model: ${listNames(unexpected)}`] : []),
    ...(shapes.length ? [listNames(shapes)] : []),
  ];
}

const listNames = (xs: readonly string[]) => `${xs.slice(0, 6).join(', ')}${xs.length > 6 ? `, ... (${xs.length} in all)` : ''}`;

/** Decodes the (checked) init file's tensors into `model`, built from the config `checkInitFile` accepted. */
export function loadInitWeights(init: InitFile, model: SavedModule): void {
  const { tensors } = decodeSafetensorsData(init.bytes, init.header);
  model.loadStateDict(tensors);
}

/**
 * Freezes the parameters `patterns` name: a parameter's full name ('embedding.weight'), or a
 * prefix of whole name parts ('rnn' freezes every rnn.* parameter). A pattern that names no
 * parameter is an error listing the model's names. Returns the frozen names.
 */
export function freezeParameters(model: SavedModule, patterns: readonly string[]): string[] {
  const named = [...model.namedParameters()];
  const frozen: string[] = [];
  for (const pattern of patterns) {
    const hits = named.filter(([name]) => name === pattern || name.startsWith(`${pattern}.`));
    if (hits.length === 0) {
      const tops = [...new Set(named.map(([n]) => n.split('.')[0]!))];
      throw new Error(`--freeze ${pattern}: no parameter of the model is named so; its parameters are ${named.map(([n]) => n).join(', ')} (or a prefix: ${tops.join(', ')})`);
    }
    for (const [name, p] of hits) {
      p.requiresGrad = false;
      if (!frozen.includes(name)) frozen.push(name);
    }
  }
  if (frozen.length === named.length) throw new Error(`--freeze ${patterns.join(',')}: that freezes every parameter of the model, leaving nothing to train`);
  return frozen;
}
