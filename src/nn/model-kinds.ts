/**
 * Model kinds: how the `kind` of a saved config becomes a module graph. A kind checks and fills
 * a (possibly hostile) config and lists its parameters' names and shapes without allocating, so
 * that loaders compare a file's header with it before building anything; then it builds the
 * module. Built in: 'recurrent' (`RecurrentModel`; configs saved before kinds existed have no
 * `kind` and are recurrent). Other graphs (encoder-decoder, tagger, forecaster) register theirs.
 * Not a file reader: io/model-file.ts and train/checkpoint.ts use this table.
 */
import { cellKind } from '../kernels/cell-kinds.js';
import type { Module } from './module.js';
import { MAX_PARAMETER_TENSORS, RecurrentModel, type RecurrentModelConfig, describeJsonValue, normalizeModelConfig } from './recurrent-model.js';
import type { Rng } from '../random/rng.js';

/** What every saved config holds: the kind that knows the rest. */
export interface ModelConfig {
  readonly kind: string;
}

/** A module that can be saved: it carries the config it was built from. */
export interface SavedModule<C extends ModelConfig = ModelConfig> extends Module {
  readonly config: C;
}

/** A tensor's name and shape as a file header states them (no data). */
export interface TensorShapeInfo {
  readonly shape: readonly number[];
}

export interface ModelKind<C extends ModelConfig = ModelConfig, M extends SavedModule<C> = SavedModule<C>> {
  readonly kind: string;
  /** Fills defaults and validates a parsed config; one clear error per problem; allocates nothing. */
  normalize(raw: unknown): C;
  /** The names and shapes of the parameters, in `namedParameters()` order, without allocating. */
  parameterShapes(config: C): [string, number[]][];
  /** Builds the module: `rng` draws the initial weights and dropout masks; without it the weights are left for `loadStateDict`. */
  create(config: C, options: { rng?: Rng }): M;
  /**
   * Problems with the state a training run carries between windows (truncated BPTT), stored as
   * tensors named `prefix + name`: missing, misshapen or unexpected. Kinds without one accept none.
   */
  carriedStateProblems?(config: C, tensors: ReadonlyMap<string, TensorShapeInfo>, prefix: string): string[];
  /** Token ids the model reads (a vocabulary saved with it must have this many), or undefined for no token input. */
  vocabularySize?(config: C): number | undefined;
}

/**
 * Most tensors a model file may list (the largest recurrent model's count, far beyond practice
 * for graphs of several stacks too). It bounds the header parse before the config is known; the
 * exact check is each kind's `parameterShapes`.
 */
export const MAX_MODEL_TENSORS = MAX_PARAMETER_TENSORS;

const dims = (shape: readonly number[]) => `[${shape.join(', ')}]`;

const recurrent: ModelKind<RecurrentModelConfig, RecurrentModel> = {
  kind: 'recurrent',
  normalize: (raw) => normalizeModelConfig(raw as RecurrentModelConfig),
  parameterShapes: (config) => RecurrentModel.parameterShapes(config),
  create: (config, options) => new RecurrentModel(config, options),
  vocabularySize: (config) => (config.input.kind === 'dense' ? undefined : config.input.vocabSize),
  carriedStateProblems(config, tensors, prefix) {
    // h (and c for an LSTM), both [L*D, B, H] with the same B.
    const LD = config.numLayers * (config.bidirectional ? 2 : 1);
    const h = tensors.get(`${prefix}h`), c = tensors.get(`${prefix}c`);
    const problems: string[] = [];
    for (const [name, t] of [[`${prefix}h`, h], [`${prefix}c`, c]] as const) {
      if (t && (t.shape.length !== 3 || t.shape[0] !== LD || t.shape[2] !== config.hiddenSize)) {
        problems.push(`tensor '${name}' must be [${LD}, B, ${config.hiddenSize}], got ${dims(t.shape)}`);
      }
    }
    const { cellState, description } = cellKind(config.cell);
    if (c && !cellState) problems.push(`tensor '${prefix}c' is a cell state, but the cell (${config.cell}) has none`);
    else if (cellState && !h !== !c) problems.push(`an ${description}'s carried state needs both '${prefix}h' and '${prefix}c'`);
    else if (h && c && h.shape[1] !== c.shape[1]) problems.push(`tensors '${prefix}h' and '${prefix}c' hold different batch sizes (${h.shape[1]} and ${c.shape[1]})`);
    for (const name of tensors.keys()) {
      if (name.startsWith(prefix) && name !== `${prefix}h` && name !== `${prefix}c`) problems.push(`unexpected tensor '${name}'`);
    }
    return problems;
  },
};

const kinds = new Map<string, ModelKind<any, any>>([['recurrent', recurrent]]); // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Makes a kind known to loaders (`loadModel`, checkpoints). Registering a name twice is an
 * error, unless it is the same object again (a module imported twice).
 */
export function registerModelKind<C extends ModelConfig, M extends SavedModule<C>>(k: ModelKind<C, M>): void {
  if (!k || typeof k.kind !== 'string' || !/^[a-z][a-z0-9-]*$/.test(k.kind)) {
    throw new Error(`registerModelKind: kind must be a lower-case name such as 'encoder-decoder', got ${describeJsonValue(k?.kind)}`);
  }
  const known = kinds.get(k.kind);
  if (known && known !== k) throw new Error(`registerModelKind: a model kind '${k.kind}' is already registered`);
  kinds.set(k.kind, k);
}

/** The names of the known kinds. */
export function modelKinds(): string[] {
  return [...kinds.keys()];
}

/** The kind of a parsed config (absent: 'recurrent', as files written before kinds existed), with a clear error for an unknown one. */
export function modelKindOf(raw: unknown): ModelKind {
  const name = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { kind?: unknown }).kind ?? 'recurrent' : 'recurrent';
  const k = typeof name === 'string' ? kinds.get(name) : undefined;
  if (!k) throw new Error(`model kind ${describeJsonValue(name)} is not known to this recur (known: ${modelKinds().join(', ')})`);
  return k;
}

/** Checks and fills a parsed config through its kind: the normalised config and the kind. */
export function normalizeAnyModelConfig(raw: unknown): { config: ModelConfig; kind: ModelKind } {
  const kind = modelKindOf(raw);
  return { config: kind.normalize(raw), kind };
}
