/**
 * The data side of a sequence-to-sequence run: TSV pairs read (source and target columns, other
 * columns ignored; a line without a TAB or with an empty side is an error naming the line), a
 * validation split by source sentence (every pair of a held-out source is held out, so no source
 * is both trained on and scored), tokenizers fitted on the training part (source and target, or
 * one shared), length filters (counted), and token ids. No model and no training.
 */
import { createHash } from 'node:crypto';
import { Tokenizer, type TokenizerJson, type TokenizerOptions, UNK_ID } from '../../data/tokenizer.js';
import { Rng } from '../../random/rng.js';
import type { PairSet } from './batches.js';
import type { Seq2seqConfig } from './config.js';

/** The target vocabulary's start and end tokens (reserved after the tokenizer's own). */
export const GO_TOKEN = '[GO]';
export const EOS_TOKEN = '[EOS]';

export interface RawPairs {
  sources: string[];
  targets: string[];
  /** 1-based line of each pair in its file. */
  lines: number[];
  source: string;
}

/**
 * Pairs of a TSV text: `sourceColumn` and `targetColumn` (1-based) of each non-empty line. A line
 * without enough columns, or with an empty source or target, is an error naming the line.
 */
export function parsePairs(text: string, name: string, c: Pick<Seq2seqConfig, 'sourceColumn' | 'targetColumn'>): RawPairs {
  const sources: string[] = [], targets: string[] = [], lines: number[] = [];
  const rows = text.split('\n');
  const need = Math.max(c.sourceColumn, c.targetColumn);
  rows.forEach((row, i) => {
    const line = row.endsWith('\r') ? row.slice(0, -1) : row;
    if (line.trim() === '') return;
    const cells = line.split('\t');
    if (cells.length < need) {
      throw new Error(cells.length === 1
        ? `${name}: line ${i + 1} has no TAB; each line must be source<TAB>target`
        : `${name}: line ${i + 1} has ${cells.length} columns, and column ${need} is asked for`);
    }
    const s = cells[c.sourceColumn - 1]!.trim(), t = cells[c.targetColumn - 1]!.trim();
    if (s === '') throw new Error(`${name}: line ${i + 1} has an empty source (column ${c.sourceColumn})`);
    if (t === '') throw new Error(`${name}: line ${i + 1} has an empty target (column ${c.targetColumn})`);
    sources.push(s); targets.push(t); lines.push(i + 1);
  });
  if (sources.length === 0) throw new Error(`${name}: holds no pairs (each line must be source<TAB>target)`);
  return { sources, targets, lines, source: name };
}

/** SHA-256 of the pairs as read. */
export function pairsDigest(raw: RawPairs): string {
  const h = createHash('sha256');
  raw.sources.forEach((s, i) => h.update(s).update('\t').update(raw.targets[i]!).update('\n'));
  return h.digest('hex');
}

/**
 * Indices of the validation pairs: a seeded `fraction` of the distinct source sentences (at
 * least one, and at least one left for training), with every pair of each.
 */
export function splitBySource(sources: readonly string[], fraction: number, seed: number): { train: number[]; validation: number[] } {
  const distinct = [...new Set(sources)];
  if (distinct.length < 2) throw new Error(`the data holds ${distinct.length} distinct source sentence; a validation split by source needs at least 2`);
  const order = new Rng(seed).shuffle(distinct.slice()) as string[];
  const n = Math.min(distinct.length - 1, Math.max(1, Math.round(fraction * distinct.length)));
  const held = new Set(order.slice(0, n));
  const train: number[] = [], validation: number[] = [];
  sources.forEach((s, i) => (held.has(s) ? validation : train).push(i));
  return { train, validation };
}

function tokenizerOptions(level: 'word' | 'char', c: Seq2seqConfig, specials: string[]): TokenizerOptions {
  return {
    level, lowercase: c.lowercase, specials, minCount: c.minCount, maxVocab: c.maxVocab > 0 ? c.maxVocab : undefined,
    // Translation keeps numbers and addresses as they are: they must come out again.
    ...(level === 'word' ? { numbers: false, urls: false } : {}),
  };
}

/** What a model file keeps so that translate and eval tokenize and detokenize as train did. */
export interface Seq2seqMetadata {
  source: TokenizerJson;
  target: TokenizerJson;
  sharedVocabulary: boolean;
  sourceColumn: number;
  targetColumn: number;
  /** The validation pairs' source lines were held out by source sentence with this seed and fraction. */
  split: { seed: number; fraction: number };
  /** [UNK] tokens among the training sources: 0 means the model never learned what [UNK] stands for. */
  unknownInTraining: number;
}

export interface Seq2seqData {
  raw: RawPairs;
  sourceTokenizer: Tokenizer;
  targetTokenizer: Tokenizer;
  goId: number;
  eosId: number;
  train: PairSet;
  validation: PairSet;
  /** The validation pairs' texts (references for BLEU), in `validation` order. */
  validationTexts: { sources: string[]; targets: string[] };
  /** The longest source translate accepts: --max-source-length when given, else twice the longest training source. */
  maxSourceLength: number;
  /** The longest training target, in tokens. */
  maxTargetLength: number;
  facts: [string, string][];
  meta: Seq2seqMetadata;
}

/** Tokenizers from saved metadata, checked. */
export function tokenizersOf(meta: Seq2seqMetadata, where: string): { source: Tokenizer; target: Tokenizer; goId: number; eosId: number } {
  const source = Tokenizer.fromJSON(meta.source, `${where}: source tokenizer`);
  const target = Tokenizer.fromJSON(meta.target, `${where}: target tokenizer`);
  const goId = target.idOf(GO_TOKEN), eosId = target.idOf(EOS_TOKEN);
  if (goId === undefined || eosId === undefined) throw new Error(`${where}: the target vocabulary lacks ${GO_TOKEN} or ${EOS_TOKEN}`);
  return { source, target, goId, eosId };
}

const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;

/** Tokenizes, splits and filters the pairs; `saved` (resume) keeps the checkpoint's vocabularies. */
export function prepareSeq2seq(c: Seq2seqConfig, raw: RawPairs, saved?: Seq2seqMetadata, validationRaw?: RawPairs): Seq2seqData {
  const facts: [string, string][] = [];
  let trainIdx: number[], valIdx: number[];
  let valRaw: RawPairs;
  if (validationRaw) {
    trainIdx = raw.sources.map((_, i) => i);
    valIdx = validationRaw.sources.map((_, i) => i);
    valRaw = validationRaw;
    const seen = new Set(raw.sources);
    const overlap = validationRaw.sources.filter((s) => seen.has(s)).length;
    if (overlap > 0) facts.push(['validation overlap', `${overlap} validation pairs have a source sentence that is also in training`]);
  } else {
    ({ train: trainIdx, validation: valIdx } = splitBySource(raw.sources, c.validation, c.seed));
    valRaw = raw;
  }
  let source: Tokenizer, target: Tokenizer;
  if (saved) {
    ({ source, target } = tokenizersOf(saved, 'checkpoint'));
  } else if (c.sharedVocabulary) {
    const texts = [...trainIdx.map((i) => raw.sources[i]!), ...trainIdx.map((i) => raw.targets[i]!)];
    source = target = Tokenizer.fit(texts, tokenizerOptions(c.sourceTokenizer, c, [GO_TOKEN, EOS_TOKEN]));
  } else {
    source = Tokenizer.fit(trainIdx.map((i) => raw.sources[i]!), tokenizerOptions(c.sourceTokenizer, c, []));
    target = Tokenizer.fit(trainIdx.map((i) => raw.targets[i]!), tokenizerOptions(c.targetTokenizer, c, [GO_TOKEN, EOS_TOKEN]));
  }
  const goId = target.idOf(GO_TOKEN)!, eosId = target.idOf(EOS_TOKEN)!;

  const encode = (r: RawPairs, idx: number[]) => {
    const s = source.encodeAll(idx.map((i) => r.sources[i]!));
    const t = target.encodeAll(idx.map((i) => r.targets[i]!));
    return { s, t };
  };
  const tr = encode(raw, trainIdx);
  // Length filters on training pairs only (validation is scored as it is).
  const keep: number[] = [];
  let tooLong = 0, emptyAfter = 0;
  for (let k = 0; k < trainIdx.length; k++) {
    const ls = tr.s.ids[k]!.length, lt = tr.t.ids[k]!.length;
    if (ls === 0 || lt === 0) { emptyAfter++; continue; }
    if ((c.maxSourceLength > 0 && ls > c.maxSourceLength) || (c.maxTargetLength > 0 && lt > c.maxTargetLength)) { tooLong++; continue; }
    keep.push(k);
  }
  if (keep.length === 0) throw new Error(`no training pair is left after the length filters (--max-source-length ${c.maxSourceLength}, --max-target-length ${c.maxTargetLength})`);
  if (tooLong > 0) facts.push(['length filter', `${tooLong.toLocaleString('en-US')} training pairs longer than the limits left out`]);
  if (emptyAfter > 0) facts.push(['no tokens', `${emptyAfter} training pairs with a side that has no tokens left out`]);
  const train: PairSet = { sources: keep.map((k) => tr.s.ids[k]!), targets: keep.map((k) => tr.t.ids[k]!) };

  const va = encode(valRaw, valIdx);
  const vKeep: number[] = [];
  for (let k = 0; k < valIdx.length; k++) if (va.s.ids[k]!.length > 0 && va.t.ids[k]!.length > 0) vKeep.push(k);
  if (vKeep.length === 0) throw new Error('no validation pair has tokens on both sides');
  const validation: PairSet = { sources: vKeep.map((k) => va.s.ids[k]!), targets: vKeep.map((k) => va.t.ids[k]!) };
  const validationTexts = { sources: vKeep.map((k) => valRaw.sources[valIdx[k]!]!), targets: vKeep.map((k) => valRaw.targets[valIdx[k]!]!) };
  const unknown = (ids: Int32Array[]) => ids.reduce((n, a) => n + a.filter((x) => x === UNK_ID).length, 0);
  const vsTok = validation.sources.reduce((n, a) => n + a.length, 0), vtTok = validation.targets.reduce((n, a) => n + a.length, 0);
  facts.push(['vocabulary', c.sharedVocabulary ? `${source.size} shared (${c.sourceTokenizer})` : `source ${source.size} (${c.sourceTokenizer}), target ${target.size} (${c.targetTokenizer})`]);
  facts.push(['unknown in validation', `source ${pct(unknown(validation.sources), vsTok)}, target ${pct(unknown(validation.targets), vtTok)} of tokens`]);
  const longestSource = Math.max(...train.sources.map((s) => s.length));
  const maxTargetLength = Math.max(...train.targets.map((t) => t.length));
  // The bound translate holds sources to: the length filter when one was given, else twice the longest training source.
  const maxSourceLength = c.maxSourceLength > 0 ? c.maxSourceLength : 2 * longestSource;
  facts.push(['lengths', `source up to ${longestSource} (sources up to ${maxSourceLength} accepted at translate time), target up to ${maxTargetLength} tokens`]);
  return {
    raw, sourceTokenizer: source, targetTokenizer: target, goId, eosId, train, validation, validationTexts, maxSourceLength, maxTargetLength, facts,
    meta: { source: source.toJSON(), target: target.toJSON(), sharedVocabulary: c.sharedVocabulary, sourceColumn: c.sourceColumn, targetColumn: c.targetColumn, split: { seed: c.seed, fraction: c.validation }, unknownInTraining: unknown(train.sources) },
  };
}
