/**
 * Translating with a saved encoder-decoder: read a model file of the seq2seq task, tokenize
 * sources exactly as training did (both tokenizers are stored in the file), apply the stated
 * policies for sources longer than the model's bound (an error, or cut with a count) and for
 * tokens outside the vocabulary ([UNK], which the model learned if training had any, or left
 * out; both counted), decode (greedy, sampling or beam search), and score against references:
 * corpus BLEU and chrF as sacreBLEU computes them, exact match, and exact match by source length.
 */
import { loadTextFile } from '../../data/text-file.js';
import { type Tokenizer, UNK_ID } from '../../data/tokenizer.js';
import { type LoadedModel, loadModel } from '../../io/model-file.js';
import type { Backend } from '../../kernels/backend.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { corpusBleu, corpusChrf } from './bleu.js';
import type { Seq2seqConfig } from './config.js';
import { type DecodeOptions, type Hypothesis, decode } from './decode.js';
import { EncoderDecoder } from './model.js';
import { type Seq2seqMetadata, parsePairs, tokenizersOf } from './prepare.js';
import { SEQ2SEQ_METADATA_KEY, exactMatches } from './task.js';
import { taskMetadataOf } from '../task-metadata.js';

export interface Translator {
  model: EncoderDecoder;
  meta: Seq2seqMetadata;
  source: Tokenizer;
  target: Tokenizer;
}

export async function loadTranslator(path: string, options: { metadata?: Record<string, string> } = {}): Promise<Translator> {
  return translatorOf(await loadModel(path, { kind: 'any', metadata: options.metadata }), path);
}

export function translatorOf(loaded: LoadedModel<SavedModule>, source: string): Translator {
  const meta = taskMetadataOf(loaded, { task: 'seq2seq', key: SEQ2SEQ_METADATA_KEY, what: 'seq2seq', noun: 'an encoder-decoder' }, source) as unknown as Seq2seqMetadata;
  const model = loaded.model;
  if (!(model instanceof EncoderDecoder)) throw new Error(`${source}: a seq2seq model is an encoder-decoder, this file holds a '${(model as { config?: { kind?: string } }).config?.kind}'`);
  const t = tokenizersOf(meta, source);
  if (t.source.size !== model.config.sourceVocabSize || t.target.size !== model.config.targetVocabSize) {
    throw new Error(`${source}: its vocabularies (${t.source.size} source, ${t.target.size} target tokens) do not match the model (${model.config.sourceVocabSize}, ${model.config.targetVocabSize})`);
  }
  if (t.goId !== model.config.goId || t.eosId !== model.config.eosId) throw new Error(`${source}: the target vocabulary's [GO] and [EOS] ids do not match the model's`);
  return { model, meta, source: t.source, target: t.target };
}

/** How translate treats tokens outside the source vocabulary: as [UNK], or left out; 'auto': [UNK] when training taught the model it. */
export type UnknownPolicy = 'auto' | 'unk' | 'skip';

export interface EncodeOptions {
  /** Cut sources longer than the model's bound (default: an error). */
  truncate?: boolean;
  unknown?: UnknownPolicy;
  /** Names input i in messages (default `input i+1`). */
  where?: (i: number) => string;
}

export interface EncodedSources {
  ids: Int32Array[];
  /** Sources cut to the model's bound. */
  truncated: number;
  /** Tokens outside the vocabulary, and what became of them. */
  unknown: number;
  unknownPolicy: 'unk' | 'skip';
}

/** Source ids as training made them, under the length and unknown-token policies. */
export function encodeSources(t: Translator, texts: readonly string[], o: EncodeOptions = {}): EncodedSources {
  const max = t.model.config.maxSourceLength;
  const learned = (t.meta.unknownInTraining ?? 0) > 0;
  const asked = o.unknown ?? 'auto';
  if (asked === 'unk' && !learned) {
    throw new Error(`--unknown unk: this model never read [UNK] in training (every training source token was in its vocabulary, e.g. --min-count 1), so it has not learned what [UNK] means; use --unknown skip, or retrain with --min-count 2`);
  }
  const policy: 'unk' | 'skip' = asked === 'auto' ? (learned ? 'unk' : 'skip') : asked;
  let truncated = 0, unknown = 0;
  const ids = texts.map((text, i) => {
    const name = o.where?.(i) ?? `input ${i + 1}`;
    let row = t.source.encode(text);
    const unk = row.filter((x) => x === UNK_ID).length;
    unknown += unk;
    if (policy === 'skip' && unk > 0) row = row.filter((x) => x !== UNK_ID);
    if (row.length === 0) throw new Error(`${name}: no source token is in the model's vocabulary${text.trim() === '' ? ' (the line is empty)' : ''}`);
    if (row.length > max) {
      if (!o.truncate) throw new Error(`${name}: ${row.length} source tokens, more than the model's bound of ${max} (its training length limit, else twice its longest training source); --truncate cuts it to ${max}`);
      truncated++;
      row = row.slice(0, max);
    }
    return row;
  });
  return { ids, truncated, unknown, unknownPolicy: policy };
}

export interface Translation {
  source: string;
  hypotheses: { text: string; tokens: string[]; logProb: number; score: number; finished: boolean; attention?: number[][] }[];
}

/** Translates texts (already encoded by `encodeSources`). */
export function translate(t: Translator, backend: Backend, texts: readonly string[], ids: readonly Int32Array[], options: DecodeOptions = {}): Translation[] {
  const out = decode(t.model, backend, ids, options);
  return out.map((list: Hypothesis[], i) => ({
    source: texts[i]!,
    hypotheses: list.map((h) => ({
      text: t.target.decode(h.tokens), tokens: h.tokens.map((id) => t.target.vocabulary[id]!), logProb: h.logProb, score: h.score, finished: h.finished, attention: h.attention,
    })),
  }));
}

export interface Seq2seqEvaluation {
  source: string;
  pairs: number;
  decoding: string;
  bleu: number;
  /** BLEU's parts: n-gram precisions (percent), brevity penalty, hypothesis and reference lengths. */
  bleuDetails: { precisions: number[]; bp: number; sysLen: number; refLen: number };
  chrf: number;
  exactMatch: number;
  /** Exact match by source length in tokens (as the model read them). */
  byLength: { length: string; pairs: number; exactMatch: number }[];
  truncated: number;
  unknown: number;
  unknownPolicy: string;
  examples: { source: string; reference: string; hypothesis: string }[];
  /** Translations in data order (for --plot-attention and --json). */
  translations: Translation[];
}

/** Scores a translator on a TSV of pairs (the model's columns unless `columns` says otherwise). */
export async function evaluateTranslatorOn(t: Translator, backend: Backend, path: string, options: DecodeOptions & EncodeOptions & { columns?: Partial<Pick<Seq2seqConfig, 'sourceColumn' | 'targetColumn'>> } = {}): Promise<Seq2seqEvaluation> {
  const raw = parsePairs(await loadTextFile(path), path, {
    sourceColumn: options.columns?.sourceColumn ?? t.meta.sourceColumn, targetColumn: options.columns?.targetColumn ?? t.meta.targetColumn,
  });
  const enc = encodeSources(t, raw.sources, { ...options, where: (i) => `${path}: line ${raw.lines[i]}` });
  const translations = translate(t, backend, raw.sources, enc.ids, options);
  const hyps = translations.map((tr) => tr.hypotheses[0]!.text);
  const bleu = corpusBleu(hyps, raw.targets);
  const chrf = corpusChrf(hyps, raw.targets);
  const right = exactMatches(t.target, hyps, raw.targets);
  const buckets = new Map<string, { pairs: number; right: number; order: number }>();
  enc.ids.forEach((ids, i) => {
    const L = ids.length;
    const [key, order] = L <= 5 ? [String(L), L] : L <= 10 ? ['6-10', 6] : L <= 20 ? ['11-20', 11] : ['21+', 21];
    const b = buckets.get(key) ?? { pairs: 0, right: 0, order };
    b.pairs++; b.right += right[i] ? 1 : 0;
    buckets.set(key, b);
  });
  const method = options.method ?? 'greedy';
  return {
    source: path, pairs: raw.sources.length,
    decoding: method === 'beam' ? `beam ${options.beamWidth ?? 5}, length penalty ${options.lengthPenalty ?? 1}` : method === 'sample' ? `sampling, temperature ${options.temperature ?? 1}` : 'greedy',
    bleu: bleu.score, bleuDetails: { precisions: bleu.precisions, bp: bleu.bp, sysLen: bleu.sysLen, refLen: bleu.refLen },
    chrf: chrf.score, exactMatch: right.filter(Boolean).length / right.length,
    byLength: [...buckets].sort((a, b) => a[1].order - b[1].order).map(([length, b]) => ({ length, pairs: b.pairs, exactMatch: b.right / b.pairs })),
    truncated: enc.truncated, unknown: enc.unknown, unknownPolicy: enc.unknownPolicy,
    examples: raw.sources.slice(0, 5).map((s, i) => ({ source: s, reference: raw.targets[i]!, hypothesis: hyps[i]! })),
    translations,
  };
}

export function renderSeq2seqEvaluation(e: Seq2seqEvaluation): string {
  const lines = [
    `${e.source}: ${e.pairs.toLocaleString('en-US')} pairs, ${e.decoding}`,
    `BLEU ${e.bleu.toFixed(2)}  (${e.bleuDetails.precisions.map((p) => p.toFixed(1)).join('/')}, BP ${e.bleuDetails.bp.toFixed(3)}, ratio ${(e.bleuDetails.sysLen / Math.max(1, e.bleuDetails.refLen)).toFixed(3)}, hyp ${e.bleuDetails.sysLen}, ref ${e.bleuDetails.refLen}; sacreBLEU 13a)`,
    `chrF ${e.chrf.toFixed(2)}`,
    `exact match ${(100 * e.exactMatch).toFixed(2)}%`,
    '',
    'source length  pairs  exact match',
    ...e.byLength.map((b) => `${b.length.padStart(13)}  ${String(b.pairs).padStart(5)}  ${(100 * b.exactMatch).toFixed(2).padStart(10)}%`),
  ];
  if (e.truncated) lines.push('', `${e.truncated} sources cut to the model's longest training source (--truncate)`);
  if (e.unknown) lines.push('', `${e.unknown} source tokens outside the vocabulary (${e.unknownPolicy === 'unk' ? 'read as [UNK]' : 'left out'})`);
  lines.push('', 'examples:');
  for (const x of e.examples) lines.push(`  ${x.source}`, `    reference  ${x.reference}`, `    model      ${x.hypothesis}`);
  return `${lines.join('\n')}\n`;
}
