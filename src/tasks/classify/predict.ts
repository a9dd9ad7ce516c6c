/**
 * Classifying with a saved model: read a model file of the classify task, tokenize text exactly
 * as training did (the tokenizer is stored in the file), run the model in batches with the true
 * lengths, and turn the outputs into class probabilities (softmax, or per-class sigmoid for a
 * multi-label model) and top-k labels.
 */
import { Tape } from '../../autograd/tape.js';
import { SequenceBatcher, type SequenceDataset } from '../../data/sequence-batcher.js';
import { idxImages } from '../../data/idx.js';
import { loadIdx } from '../../data/idx-file.js';
import { parseSequenceJsonl } from '../../data/sequence-jsonl.js';
import { loadTextFile } from '../../data/text-file.js';
import { Tokenizer } from '../../data/tokenizer.js';
import { type LoadedModel, loadModel } from '../../io/model-file.js';
import type { Backend } from '../../kernels/backend.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import type { ClassifyMetadata } from './prepare.js';
import { CLASSIFY_METADATA_KEY } from './task.js';
import { taskMetadataOf } from '../task-metadata.js';

export interface Classifier {
  model: RecurrentModel;
  meta: ClassifyMetadata;
  /** Null for a model of vector sequences. */
  tokenizer: Tokenizer | null;
}

/** Loads a model file and checks that the classify task wrote it. */
export async function loadClassifier(path: string, options: { metadata?: Record<string, string> } = {}): Promise<Classifier> {
  return classifierOf(await loadModel(path, { kind: 'any', metadata: options.metadata }), path);
}

export function classifierOf(loaded: LoadedModel<SavedModule>, source: string): Classifier {
  const meta = taskMetadataOf(loaded, { task: 'classify', key: CLASSIFY_METADATA_KEY, what: 'classification', noun: 'a classifier' }, source) as unknown as ClassifyMetadata;
  const model = loaded.model;
  if (!(model instanceof RecurrentModel)) throw new Error(`${source}: a classifier is a recurrent model, this file holds a '${(model as { config?: { kind?: string } }).config?.kind}'`);
  if (!Array.isArray(meta?.classes) || meta.classes.length !== model.config.outputSize || !meta.classes.every((c) => typeof c === 'string')) {
    throw new Error(`${source}: its classification metadata lists ${Array.isArray(meta?.classes) ? meta.classes.length : 'no'} classes but the model has ${model.config.outputSize} outputs`);
  }
  const tokenizer = meta.tokenizer ? Tokenizer.fromJSON(meta.tokenizer, `${source}: tokenizer`) : null;
  if (tokenizer && model.config.input.kind !== 'dense' && tokenizer.size !== model.config.input.vocabSize) {
    throw new Error(`${source}: its tokenizer has ${tokenizer.size} tokens but the model's embedding has ${model.config.input.vocabSize}`);
  }
  if (!tokenizer && model.config.input.kind !== 'dense') throw new Error(`${source}: the model reads tokens but the file holds no tokenizer`);
  return { model, meta, tokenizer };
}

/** What to do with inputs longer than the model's `maxLength`: refuse them (default) or cut them as training did. */
export interface LengthOptions {
  truncate?: boolean;
}

/** Token ids of texts as training made them (an empty text becomes one [UNK]); longer than `maxLength` is an error unless truncating. */
export function encodeTexts(c: Classifier, texts: readonly string[], options: LengthOptions & { where?: (i: number) => string } = {}): Int32Array[] {
  if (!c.tokenizer) throw new Error(`this model classifies sequences of ${c.meta.features} values per step, not text: give a .jsonl file or IDX images`);
  const max = c.meta.maxLength;
  return texts.map((t, i) => {
    let ids = c.tokenizer!.encode(t);
    if (ids.length === 0) ids = Int32Array.of(1);
    if (max > 0 && ids.length > max) {
      if (!options.truncate) throw new Error(`${options.where?.(i) ?? `input ${i + 1}`}: ${ids.length} tokens, more than the ${max} the model was trained on (--max-length); --truncate cuts it as training did`);
      ids = ids.slice(0, max);
    }
    return ids;
  });
}

/** Vector sequences checked against the model (values per step, maximum length). */
export function checkSequences(c: Classifier, inputs: readonly Float32Array[], features: number, options: LengthOptions & { source?: string } = {}): Float32Array[] {
  const where = options.source ?? 'input';
  if (c.meta.features === null) throw new Error(`${where}: this model classifies text, not vector sequences`);
  if (features !== c.meta.features) throw new Error(`${where}: sequences of ${features} values per step, but the model reads ${c.meta.features}`);
  const max = c.meta.maxLength;
  return inputs.map((x, i) => {
    const steps = x.length / features;
    if (max > 0 && steps > max) {
      if (!options.truncate) throw new Error(`${where}: sequence ${i + 1} has ${steps} steps, more than the ${max} the model was trained on (--max-length); --truncate cuts it as training did`);
      return x.slice(0, max * features);
    }
    return x;
  });
}

/**
 * One inference tape per backend, kept between calls: a server answering request after request
 * reuses its arena instead of allocating (and the system zeroing) fresh megabytes per call, which
 * at batch 64 cost more than the network itself. classProbabilities is synchronous and resets
 * the tape before it returns, so no two calls share it at once.
 */
const servingTapes = new WeakMap<Backend, Tape>();
function servingTape(backend: Backend): Tape {
  let tape = servingTapes.get(backend);
  if (!tape) servingTapes.set(backend, tape = Tape.inference(backend));
  return tape;
}

/** [N, C] class probabilities (softmax; per-class sigmoid for a multi-label model), in input order. */
export function classProbabilities(c: Classifier, backend: Backend, inputs: readonly ArrayLike<number>[], options: { batchSize?: number } = {}): Float32Array {
  const C = c.model.config.outputSize;
  const out = new Float32Array(inputs.length * C);
  if (inputs.length === 0) return out;
  const data: SequenceDataset = c.meta.features === null ? { inputs } : { inputs, features: c.meta.features };
  const batcher = new SequenceBatcher(data, { batchSize: options.batchSize ?? 128, shuffle: false });
  const wasTraining = c.model.training;
  c.model.eval();
  const tape = servingTape(backend);
  try {
    for (const batch of batcher.inOrder()) {
      tape.reset();
      const logits = c.model.forward(tape, batch.inputs, { lengths: batch.lengths }).logits.data;
      batch.indices.forEach((n, b) => {
        const row = logits.subarray(b * C, (b + 1) * C), dst = out.subarray(n * C, (n + 1) * C);
        if (c.meta.multiLabel) for (let k = 0; k < C; k++) dst[k] = 1 / (1 + Math.exp(-row[k]!));
        else {
          let m = -Infinity;
          for (let k = 0; k < C; k++) m = Math.max(m, row[k]!);
          let s = 0;
          for (let k = 0; k < C; k++) s += (dst[k] = Math.exp(row[k]! - m));
          for (let k = 0; k < C; k++) dst[k]! /= s;
        }
      });
    }
  } finally {
    tape.reset();
    c.model.train(wasTraining);
  }
  return out;
}

export interface Ranked {
  label: string;
  probability: number;
}

/** The k most probable classes of row `n` of [N, C] probabilities, most probable first (ties: lower class first). */
export function topK(probabilities: Float32Array, classes: readonly string[], n: number, k: number): Ranked[] {
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`topK: k must be an integer >= 1 (how many classes to show), got ${k}`);
  const C = classes.length;
  const row = probabilities.subarray(n * C, (n + 1) * C);
  return Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, Math.min(k, C)).map((i) => ({ label: classes[i]!, probability: row[i]! }));
}

/** The predicted class ids of row n: the arg-max, or every class over `threshold` for a multi-label model. */
export function predictedClasses(c: Classifier, probabilities: Float32Array, n: number, threshold = 0.5): number[] {
  const C = c.meta.classes.length;
  const row = probabilities.subarray(n * C, (n + 1) * C);
  if (c.meta.multiLabel) return Array.from(row.keys()).filter((k) => row[k]! > threshold);
  let best = 0;
  for (let k = 1; k < C; k++) if (row[k]! > row[best]!) best = k;
  return [best];
}

/** Inputs to classify and how each is named in the output (the text, or `file:n`). */
export interface PredictInputs {
  inputs: ArrayLike<number>[];
  names: string[];
}

/**
 * Reads what to classify: texts, the non-empty lines of a file or of stdin's text (text models),
 * or a .jsonl / IDX file of sequences (vector models; labels in them are ignored).
 */
export async function readPredictInputs(c: Classifier, given: { texts: string[] } | { path: string } | { stdin: string }, options: LengthOptions = {}): Promise<PredictInputs> {
  if (c.tokenizer) {
    let texts: string[], where: (i: number) => string;
    if ('texts' in given) {
      texts = given.texts;
      where = (i) => `text ${i + 1}`;
    } else {
      const source = 'path' in given ? given.path : 'stdin';
      const text = 'path' in given ? await loadTextFile(given.path) : given.stdin;
      const lines = text.split('\n').map((l, i) => ({ l: l.endsWith('\r') ? l.slice(0, -1) : l, i })).filter((x) => x.l.trim() !== '');
      if (lines.length === 0) throw new Error(`${source}: no text to classify (every line is empty)`);
      texts = lines.map((x) => x.l);
      where = (i) => `${source}: line ${lines[i]!.i + 1}`;
    }
    return { inputs: encodeTexts(c, texts, { ...options, where }), names: texts };
  }
  if (!('path' in given)) throw new Error(`this model classifies sequences of ${c.meta.features} values per step: give them with --input FILE (.jsonl or IDX images)`);
  const seqs = await loadUnlabelledSequences(given.path);
  return { inputs: checkSequences(c, seqs.inputs, seqs.features, { ...options, source: given.path }), names: seqs.inputs.map((_, i) => `${given.path}:${i + 1}`) };
}

/** Sequences to classify from a .jsonl file (labels optional, ignored) or IDX images. */
async function loadUnlabelledSequences(path: string): Promise<{ inputs: Float32Array[]; features: number }> {
  if (/\.(jsonl|ndjson)$/i.test(path)) return parseSequenceJsonl(await loadTextFile(path), path, { labels: 'optional' });
  return idxImages(await loadIdx(path), path);
}
