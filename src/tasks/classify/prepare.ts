/**
 * The data side of a classification run: examples read in any of the supported layouts (a
 * table of text and label, one file per class, JSON Lines of vector sequences, IDX images read
 * row by row), the class list, a stratified validation split drawn with the seed, the tokenizer
 * fitted on the training part only, truncation to `maxLength`, pre-trained vectors matched to the
 * vocabulary, and class weights. Everything bad input can cause fails here, before a file is
 * written. No model and no training.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { loadIdxImageSequences } from '../../data/idx-file.js';
import { type LabelledTexts, parseLabelledTable } from '../../data/labelled-text.js';
import { loadClassFiles, loadLabelledTable, loadSequenceJsonl } from '../../data/labelled-text-file.js';
import { truncateSequences } from '../../data/padding.js';
import type { SequenceDataset } from '../../data/sequence-batcher.js';
import { stratifiedSplit } from '../../data/split.js';
import { Tokenizer, type TokenizerJson } from '../../data/tokenizer.js';
import { embeddingMatrix, loadWordVectors } from '../../data/word-vectors.js';
import { balancedClassWeights } from '../../train/metrics.js';
import { type ClassifyConfig, type ClassifyFormat, DEFAULT_EMBEDDING_DIM } from './config.js';

/** Where the examples come from: a path (file or directory), IDX label file, or a table in memory. */
export interface ClassifyInput {
  /** A table (TSV/CSV), a directory or `.txt` file of one class per file, a `.jsonl` file, or IDX images. */
  dataPath?: string;
  /** IDX labels beside IDX images in `dataPath`. */
  labelsPath?: string;
  /** Validation examples in the same layout instead of a split of the training data. */
  validationPath?: string;
  validationLabelsPath?: string;
  /** A table's text in memory (for the library and tests). */
  text?: string;
}

/**
 * Examples as read: texts (tokenized later) or vector sequences, each with its label strings.
 * `lines`: the 1-based line of each example in its file (tables, class files, JSON Lines), for
 * messages; absent for IDX images and examples made in memory (they are then named by number).
 */
export type RawExamples =
  | { kind: 'text'; texts: string[]; labels: string[][]; source: string; skippedEmpty: number; lines?: number[] }
  | { kind: 'vectors'; inputs: Float32Array[]; features: number; labels: string[][]; source: string; skippedEmpty: 0; lines?: number[] };

/** Where example `i` of `raw` is, for a message: `line 12` of its file, else `example 3` (1-based). */
export function exampleName(raw: RawExamples, i: number): string {
  const line = raw.lines?.[i];
  return line === undefined ? `example ${i + 1}` : `line ${line}`;
}

/** The settings a model file keeps so that predict and eval read and tokenize as train did. */
export interface ClassifyMetadata {
  classes: string[];
  multiLabel: boolean;
  /** Null for vector sequences. */
  tokenizer: TokenizerJson | null;
  /** Values per step of vector sequences (null for text). */
  features: number | null;
  /** Longer inputs are cut to this many tokens or steps (0: no limit). */
  maxLength: number;
  data: Pick<ClassifyConfig, 'format' | 'textColumn' | 'labelColumn' | 'header' | 'separator' | 'labelSeparator'>;
}

export interface ClassifyData {
  raw: RawExamples;
  classes: string[];
  tokenizer: Tokenizer | null;
  features: number | null;
  train: SequenceDataset;
  validation: SequenceDataset;
  /** Per-class weights of the loss, or undefined for none. */
  classWeights?: Float32Array;
  /**
   * [V, D] rows of pre-trained vectors for the vocabulary, with the width; `missing`: the
   * vocabulary's words (reserved tokens aside) the file lacks, whose rows start at zero.
   */
  vectors?: { table: Float32Array; dim: number; found: number; missing: string[]; path: string };
  embeddingDim: number;
  /** Facts shown at the start: skipped rows, truncations, unknown tokens, vectors found. */
  facts: [string, string][];
  meta: ClassifyMetadata;
}

/** The layout of `path` when the config says 'auto'. */
export async function detectFormat(path: string, format: ClassifyFormat): Promise<Exclude<ClassifyFormat, 'auto'>> {
  if (format !== 'auto') return format;
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new Error(`data not found: ${path}`);
  }
  if (isDir) return 'class-files';
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.gz' || /-ubyte$|\.idx\d?$/.test(path)) return 'idx';
  if (ext === '.txt') return 'class-files';
  return 'table';
}

function tableOptions(config: ClassifyConfig, strict: boolean) {
  return {
    separator: config.separator === 'tab' ? '\t' as const : config.separator === 'comma' ? ',' as const : 'auto' as const,
    header: config.header === 'auto' ? 'auto' as const : config.header === 'yes',
    textColumn: config.textColumn, labelColumn: config.labelColumn,
    multiLabelSeparator: config.multiLabel ? config.labelSeparator : undefined,
    strict,
  };
}

/** Reads examples from a path (or table text) in the config's layout. */
export async function readExamples(config: ClassifyConfig, input: { path?: string; labelsPath?: string; text?: string }, what = '--data'): Promise<RawExamples> {
  if (input.text !== undefined) return textExamples(parseLabelledTable(input.text, { source: 'table text', ...tableOptions(config, config.strict) }));
  if (!input.path) throw new Error(`no training data: give ${what} (a TSV/CSV table, a directory of one file per class, a .jsonl file, or IDX images with --labels)`);
  const format = await detectFormat(input.path, config.format);
  if (format !== 'idx' && input.labelsPath) throw new Error(`--labels is for IDX images; ${input.path} reads as ${format === 'table' ? 'a table' : format}, whose labels are inside it`);
  if (format === 'idx') {
    if (!input.labelsPath) throw new Error(`${input.path} holds IDX images: give their labels with --labels FILE (e.g. train-labels-idx1-ubyte.gz)`);
    const s = await loadIdxImageSequences(input.path, input.labelsPath);
    return { kind: 'vectors', inputs: s.inputs, features: s.features, labels: Array.from(s.labels, (l) => [String(l)]), source: input.path, skippedEmpty: 0 };
  }
  if (format === 'jsonl') {
    const s = await loadSequenceJsonl(input.path);
    return { kind: 'vectors', inputs: s.inputs, features: s.features, labels: s.labels, source: input.path, skippedEmpty: 0, lines: s.lines };
  }
  if (format === 'class-files') return textExamples(await loadClassFiles(input.path, { strict: config.strict }));
  return textExamples(await loadLabelledTable(input.path, tableOptions(config, config.strict)));
}

function textExamples(t: LabelledTexts): RawExamples {
  return { kind: 'text', texts: t.texts, labels: t.labels, source: t.source, skippedEmpty: t.skippedEmpty, lines: t.lines };
}

/** Class names in order: numerically when every one is an integer, else by code point. */
export function classList(labels: readonly (readonly string[])[]): string[] {
  const set = new Set<string>();
  for (const ls of labels) for (const l of ls) set.add(l);
  const names = [...set];
  const numeric = names.every((n) => /^-?\d+$/.test(n));
  return numeric ? names.sort((a, b) => Number(a) - Number(b)) : names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The tokenizer level a config asks for on these examples. */
function levelOf(config: ClassifyConfig, format: string): 'word' | 'char' {
  if (config.tokenizer !== 'auto') return config.tokenizer;
  return format === 'class-files' ? 'char' : 'word';
}

/** Class ids of label strings; an unknown label is an error naming `where` and the example (`name(i)`). */
function labelIds(labels: readonly (readonly string[])[], classes: readonly string[], where: string, name: (i: number) => string): number[][] {
  const index = new Map(classes.map((c, i) => [c, i]));
  return labels.map((ls, i) => ls.map((l) => {
    const id = index.get(l);
    if (id === undefined) throw new Error(`${where}: ${name(i)} has label '${l}', which the training data does not have (classes: ${classes.slice(0, 20).join(', ')}${classes.length > 20 ? ', ...' : ''})`);
    return id;
  }));
}

/** 'class 'a' has' or 'classes 'a', 'b' have', for messages. */
function classesHave(names: readonly string[]): string {
  return names.length === 1 ? `class '${names[0]}' has` : `classes ${names.map((c) => `'${c}'`).join(', ')} have`;
}

/** A labelled dataset of encoded sequences: one class id per example, or 0/1 rows (multi-label). */
function datasetOf(inputs: ArrayLike<number>[], features: number | null, ids: number[][], classes: number, multiLabel: boolean): SequenceDataset {
  const base = features === null ? { inputs } : { inputs, features };
  if (!multiLabel) return { ...base, labels: ids.map((l) => l[0]!) };
  return { ...base, targets: ids.map((l) => { const row = new Float32Array(classes); for (const c of l) row[c] = 1; return row; }) };
}

/**
 * Turns raw examples into training and validation datasets (see the file comment). `validation`:
 * separate validation examples; without them a stratified split of `raw`. `saved`: the settings
 * of a resumed run (its tokenizer and classes are kept, not fitted again).
 */
export async function prepareClassify(config: ClassifyConfig, raw: RawExamples, format: string, validationRaw?: RawExamples, saved?: ClassifyMetadata): Promise<ClassifyData> {
  const where = raw.source;
  const several = config.multiLabel ? -1 : raw.labels.findIndex((l) => l.length !== 1);
  if (several >= 0) throw new Error(`${where}: ${exampleName(raw, several)} has ${raw.labels[several]!.length} labels; several labels per example need --multi-label`);
  const facts: [string, string][] = [];
  if (raw.skippedEmpty) facts.push(['skipped', `${raw.skippedEmpty} empty text rows (--strict makes them an error)`]);
  // Split: by index, stratified on each example's first label.
  let trainIdx: number[], valIdx: number[], valRaw: RawExamples;
  if (validationRaw) {
    if (validationRaw.kind !== raw.kind) throw new Error(`${validationRaw.source}: validation data holds ${validationRaw.kind === 'text' ? 'text' : 'vector sequences'} but the training data holds ${raw.kind === 'text' ? 'text' : 'vector sequences'}`);
    trainIdx = raw.labels.map((_, i) => i);
    valIdx = validationRaw.labels.map((_, i) => i);
    valRaw = validationRaw;
  } else {
    // Single-label: every class needs an example on each side, so a class of one example is an
    // error (as in scikit-learn's train_test_split(stratify=...)), not silently left out of
    // validation. Multi-label data stratifies on the first label, a key that need not be a
    // class's only appearance: a key with one example stays in training.
    const provisional = classList(raw.labels.map((l) => [l[0]!]));
    const first = labelIds(raw.labels.map((l) => [l[0]!]), provisional, where, (i) => exampleName(raw, i)).map((l) => l[0]!);
    const sizes = new Array<number>(provisional.length).fill(0);
    for (const c of first) sizes[c]!++;
    const lonely = config.multiLabel ? [] : provisional.filter((_, c) => sizes[c]! < 2);
    if (lonely.length) {
      throw new Error(`${where}: ${classesHave(lonely)} a single example, and a stratified validation split needs at least 2 of each class ` +
        '(one for training, one for validation): add examples, leave the class out, or give validation data of your own (--validation-data)');
    }
    const split = stratifiedSplit(first, { validation: config.validation, seed: config.seed });
    trainIdx = Array.from(split.train);
    valIdx = Array.from(split.validation);
    valRaw = raw;
  }
  const trainLabels = trainIdx.map((i) => raw.labels[i]!);
  const classes = saved?.classes ?? classList(trainLabels);
  if (classes.length < 2) throw new Error(`${where}: every example has the label '${classes[0]}'; a classifier needs at least 2 classes`);
  const allClasses = classList(raw.labels);
  const unseen = allClasses.filter((c) => !classes.includes(c));
  if (unseen.length) throw new Error(`${where}: ${classesHave(unseen)} no examples in the training part`);
  if (config.multiLabel) {
    const counts = new Array<number>(classes.length).fill(0);
    for (const ls of trainLabels) for (const l of ls) counts[classes.indexOf(l)]++;
    const none = classes.filter((_, c) => counts[c] === 0);
    if (none.length) throw new Error(`${where}: ${classesHave(none)} no examples in the training part`);
  }
  const trainIds = labelIds(trainLabels, classes, where, (k) => exampleName(raw, trainIdx[k]!));
  const valIds = labelIds(valIdx.map((i) => valRaw.labels[i]!), classes, valRaw.source, (k) => exampleName(valRaw, valIdx[k]!));

  let tokenizer: Tokenizer | null = null;
  let trainInputs: (Int32Array | Float32Array)[], valInputs: (Int32Array | Float32Array)[];
  let features: number | null = null;
  if (raw.kind === 'text' && valRaw.kind === 'text') {
    const level = levelOf(config, format);
    const lower = config.lowercase === 'auto' ? level === 'word' : config.lowercase === 'yes';
    tokenizer = saved?.tokenizer ? Tokenizer.fromJSON(saved.tokenizer, `${where}: the run's tokenizer`) : Tokenizer.fit(trainIdx.map((i) => raw.texts[i]!), {
      level, lowercase: lower, specials: config.specials, minCount: config.minCount, maxVocab: config.maxVocab || undefined, stripAccents: config.stripAccents,
    });
    const encode = (texts: string[]) => texts.map((t) => { const ids = tokenizer!.encode(t); return ids.length ? ids : Int32Array.of(1); });
    trainInputs = encode(trainIdx.map((i) => raw.texts[i]!));
    const valTexts = valIdx.map((i) => valRaw.texts[i]!);
    const enc = tokenizer.encodeAll(valTexts);
    valInputs = enc.ids.map((ids) => (ids.length ? ids : Int32Array.of(1)));
    if (enc.tokens) facts.push(['unknown tokens', `${(100 * enc.unknown / enc.tokens).toFixed(1)}% of ${enc.tokens} validation tokens`]);
  } else if (raw.kind === 'vectors' && valRaw.kind === 'vectors') {
    features = raw.features;
    if (valRaw.features !== features) throw new Error(`${valRaw.source}: validation sequences have ${valRaw.features} values per step but the training ones have ${features}`);
    trainInputs = trainIdx.map((i) => raw.inputs[i]!);
    valInputs = valIdx.map((i) => valRaw.inputs[i]!);
  } else {
    throw new Error('unreachable: checked above');
  }
  if (config.maxLength > 0) {
    const t = truncateSequences(trainInputs, config.maxLength, { features: features ?? 1 });
    const v = truncateSequences(valInputs, config.maxLength, { features: features ?? 1 });
    trainInputs = t.sequences; valInputs = v.sequences;
    if (t.truncated + v.truncated) facts.push(['truncated', `${t.truncated} training and ${v.truncated} validation sequences cut to ${config.maxLength} ${features === null ? 'tokens' : 'steps'}`]);
  }

  let vectors: ClassifyData['vectors'];
  let embeddingDim = config.embeddingDim || DEFAULT_EMBEDDING_DIM;
  if (config.vectors !== undefined) {
    if (!tokenizer) throw new Error(`--vectors applies to text; ${where} holds vector sequences`);
    if (tokenizer.options.level !== 'word') throw new Error('--vectors holds word vectors and needs --tokenizer word');
    // Only the vocabulary's vectors are kept (every line is still checked): glove.6B.300d holds 400,000.
    const wv = await loadWordVectors(config.vectors, { keep: tokenizer.vocabulary });
    if (config.embeddingDim && config.embeddingDim !== wv.dim) throw new Error(`${config.vectors}: the vectors have ${wv.dim} dimensions but --embedding-dim is ${config.embeddingDim}`);
    // The reserved tokens ([PAD] [UNK] [NUM] [URL]) are not looked up and start at zero; user specials are.
    const m = embeddingMatrix(wv, tokenizer.vocabulary, { dim: wv.dim });
    embeddingDim = wv.dim;
    vectors = { table: m.table, dim: wv.dim, found: m.found, missing: m.missing, path: config.vectors };
    const words = m.found + m.missing.length;
    facts.push(['vectors', `${m.found} of ${words} vocabulary tokens found in ${config.vectors} (${wv.dim} dimensions${config.freezeVectors ? ', frozen' : ''}); ${m.missing.length} out of vocabulary${m.missing.length ? `, e.g. ${m.missing.slice(0, 5).join(' ')}` : ''}`]);
  }

  const classWeights = config.classWeights === 'auto' ? balancedClassWeights(trainIds.map((l) => l[0]!), classes.length) : undefined;
  const meta: ClassifyMetadata = {
    classes, multiLabel: config.multiLabel, tokenizer: tokenizer ? tokenizer.toJSON() : null, features, maxLength: config.maxLength,
    data: { format: format as ClassifyFormat, textColumn: config.textColumn, labelColumn: config.labelColumn, header: config.header, separator: config.separator, labelSeparator: config.labelSeparator },
  };
  return {
    raw, classes, tokenizer, features,
    train: datasetOf(trainInputs, features, trainIds, classes.length, config.multiLabel),
    validation: datasetOf(valInputs, features, valIds, classes.length, config.multiLabel),
    classWeights, vectors, embeddingDim, facts, meta,
  };
}
