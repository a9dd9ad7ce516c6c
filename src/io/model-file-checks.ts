/**
 * The checks a loader of recur's model or checkpoint files runs on a hostile file before it
 * allocates a model: the header's tensors against the names and shapes a config needs, the
 * vocabulary and normalisation metadata, and a given config against the file's. Pure functions
 * of already-parsed values; reading the file is the caller's.
 */
import { type ModelConfig, modelKindOf } from '../nn/model-kinds.js';
import { describeJsonValue } from '../nn/recurrent-model.js';
import { formatShape, shapeEquals } from '../tensor/shape.js';
import type { SafetensorsTensorInfo } from './safetensors.js';
import { formatDims, quote } from './safetensors-header.js';

/** How many problems an error message lists before it says "and N more". */
export const MAX_LISTED_PROBLEMS = 5;

/** `a; b; c; and N more`: a message that stays one short line however many problems there are. */
export function joinProblems(problems: readonly string[], max = MAX_LISTED_PROBLEMS): string {
  const shown = problems.slice(0, max).join('; ');
  return problems.length > max ? `${shown}; and ${problems.length - max} more` : shown;
}

/** A version string from a file's metadata for a message: the number, or a short quoted string. */
export function formatVersion(v: string | undefined): string {
  return v !== undefined && /^\d{1,9}$/.test(v) ? v : describeJsonValue(v);
}

/**
 * What is wrong with the parameter tensors of a header (those named `prefix` + a parameter
 * name) for a config: missing, of another shape, or unexpected. Every parameter must be present
 * with its exact shape, so the model a file can make a loader build is bounded by the file's
 * size (the header reader has already checked that each byte range matches its shape and dtype).
 */
export function parameterProblems(tensors: ReadonlyMap<string, SafetensorsTensorInfo>, config: ModelConfig, prefix = ''): string[] {
  const expected = new Map(modelKindOf(config).parameterShapes(config).map(([n, s]) => [prefix + n, s]));
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const entry = tensors.get(name);
    if (!entry) problems.push(`missing tensor '${name}' ${formatShape(shape)}`);
    else if (!shapeEquals(entry.shape, shape)) problems.push(`tensor '${name}' is ${formatDims(entry.shape)} but the config needs ${formatShape(shape)}`);
  }
  for (const name of tensors.keys()) {
    if (name.startsWith(prefix) && !expected.has(name)) problems.push(`unexpected tensor ${quote(name)}`);
  }
  return problems;
}

/**
 * Checks a vocabulary (the tokens by id) against the config: an array of strings, one per id
 * the model reads (its kind's `vocabularySize`, e.g. `input.vocabSize`); a model that takes no
 * token ids (dense input) has no vocabulary. Errors name `what` and the problem.
 */
export function checkVocabulary(v: unknown, config: ModelConfig, what: string): string[] {
  if (!Array.isArray(v)) throw new Error(`${what} must be a JSON array of strings, got ${describeJsonValue(v)}`);
  const bad = v.findIndex((s) => typeof s !== 'string');
  if (bad >= 0) throw new Error(`${what} must be a JSON array of strings, but entry ${bad} is ${describeJsonValue(v[bad])}`);
  const size = modelKindOf(config).vocabularySize?.(config);
  if (size === undefined) {
    const input = (config as { input?: { kind?: string; size?: number } }).input;
    throw new Error(`${what} lists tokens, but the model's input is ${input?.kind === 'dense' ? `dense (${input.size} features), not token ids` : 'not token ids'}`);
  }
  if (v.length !== size) throw new Error(`${what} holds ${v.length} tokens but the config's input.vocabSize is ${size}`);
  return v as string[];
}

/** Normalisation statistics: an object of finite numbers or arrays of finite numbers (e.g. { mean, std }). */
export function checkNormalization(v: unknown, what: string): Record<string, number | number[]> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} must be an object of numbers or arrays of numbers (e.g. { "mean": [...], "std": [...] }), got ${describeJsonValue(v)}`);
  for (const [k, x] of Object.entries(v)) {
    const ok = Array.isArray(x) ? x.every((n) => typeof n === 'number' && Number.isFinite(n)) : typeof x === 'number' && Number.isFinite(x);
    if (!ok) throw new Error(`${what}: ${quote(k)} must be a finite number or an array of finite numbers, got ${describeJsonValue(x)}`);
  }
  return v as Record<string, number | number[]>;
}

/**
 * The fields in which two normalised configs differ, as `field a vs b` (nested fields and list
 * entries as `input.vocabSize`, `members.1.hiddenSize`; long values cut short).
 */
export function configDifferences(a: ModelConfig, b: ModelConfig): string[] {
  const out: string[] = [];
  const flat = (c: object, prefix = '', m = new Map<string, unknown>()): Map<string, unknown> => {
    for (const [k, v] of Object.entries(c)) {
      if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) flat(v, `${prefix}${k}.`, m);
      else m.set(prefix + k, v);
    }
    return m;
  };
  const show = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
  const fa = flat(a), fb = flat(b);
  for (const key of new Set([...fa.keys(), ...fb.keys()])) {
    const va = JSON.stringify(fa.get(key)) ?? 'absent', vb = JSON.stringify(fb.get(key)) ?? 'absent';
    if (va !== vb) out.push(`${show(key)} ${show(va)} vs ${show(vb)}`);
  }
  return out;
}
