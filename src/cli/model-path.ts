/** Resolves a `--model` argument (a .safetensors file or a directory holding model.safetensors) and loads it. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LoadedModel, loadModel } from '../io/model-file.js';

export const MODEL_FILE_NAME = 'model.safetensors';

export async function resolveModelPath(arg: string): Promise<string> {
  let s;
  try {
    s = await stat(arg);
  } catch {
    throw new Error(`model not found: ${arg}`);
  }
  return s.isDirectory() ? join(arg, MODEL_FILE_NAME) : arg;
}

export async function readModelFile(arg: string): Promise<LoadedModel & { path: string }> {
  const path = await resolveModelPath(arg);
  return { ...(await loadModel(path)), path };
}
