/** Resolves a `--model` argument (a .safetensors file or a directory holding model.safetensors) and loads it. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LoadedModel, loadModel, readMetadataSource } from '../io/model-file.js';
import { BEST_MODEL_FILE_NAME } from '../tasks/run-directory.js';

export const MODEL_FILE_NAME = 'model.safetensors';

/**
 * A run directory's model file: model.safetensors (the final weights), or with `preferBest` the
 * best model on validation (best.safetensors) when the run wrote one. A file is taken as it is.
 */
export async function resolveModelPath(arg: string, options: { preferBest?: boolean } = {}): Promise<string> {
  let s;
  try {
    s = await stat(arg);
  } catch {
    throw new Error(`model not found: ${arg}`);
  }
  if (!s.isDirectory()) return arg;
  if (options.preferBest) {
    const best = join(arg, BEST_MODEL_FILE_NAME);
    if (await stat(best).then((b) => b.isFile(), () => false)) return best;
  }
  return join(arg, MODEL_FILE_NAME);
}

export async function readModelFile(arg: string, options: { metadata?: Record<string, string> } = {}): Promise<LoadedModel & { path: string }> {
  const path = await resolveModelPath(arg);
  return { ...(await loadModel(path, { metadata: options.metadata })), path };
}

/** `--config FILE` of a command that reads a model: recur's metadata for a model file saved without it (weights from PyTorch). */
export const CONFIG_FLAG_HELP = 'for a model file without recur metadata (weights saved by PyTorch): take its config, task and vocabulary from FILE, a recur model file (e.g. the run the weights came from) or a JSON file (recur inspect --metadata prints one)';

/** The load options of `--config` (none without it). */
export async function modelLoadOptions(config: string | undefined): Promise<{ metadata?: Record<string, string> }> {
  return config === undefined ? {} : { metadata: await readMetadataSource(config) };
}
