/**
 * Tagging with a saved tagger: read a model file of the tag task (its word, character and tag
 * vocabularies are stored in it), tag a CoNLL-U or TSV file and write it back in the same format
 * with the tag column filled, tag plain sentences, and score against gold tags: token accuracy,
 * accuracy on words outside the vocabulary, per-tag precision/recall/F1, and for BIO/IOBES tags
 * entity-level figures as conlleval and seqeval compute them.
 */
import { type TaggedDocument, type TaggedSentence, writeTagged } from '../../data/tagged-text.js';
import { splitText } from '../../data/tokenizer.js';
import { type LoadedModel, loadModel } from '../../io/model-file.js';
import type { Backend } from '../../kernels/backend.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { type TaggingMetrics } from './metrics.js';
import { Tagger } from './model.js';
import { TAG_METADATA_KEY, type TagMetadata, TagVocabulary } from './prepare.js';
import { scoreTags, tagSets } from './task.js';
import { taskMetadataOf } from '../task-metadata.js';

export interface LoadedTagger {
  model: Tagger;
  meta: TagMetadata;
  vocab: TagVocabulary;
}

export async function loadTagger(path: string, options: { metadata?: Record<string, string> } = {}): Promise<LoadedTagger> {
  return taggerOf(await loadModel(path, { kind: 'any', metadata: options.metadata }), path);
}

export function taggerOf(loaded: LoadedModel<SavedModule>, source: string): LoadedTagger {
  const meta = taskMetadataOf(loaded, { task: 'tag', key: TAG_METADATA_KEY, what: 'tagging', noun: 'a tagger' }, source) as unknown as TagMetadata;
  const model = loaded.model;
  if (!(model instanceof Tagger)) throw new Error(`${source}: a tag model is a tagger, this file holds a '${(model as { config?: { kind?: string } }).config?.kind}'`);
  const vocab = TagVocabulary.fromMetadata(meta, source);
  const c = model.config;
  if (vocab.words.size !== c.wordVocabSize || (vocab.chars?.size ?? 0) !== c.charVocabSize || vocab.tags.length !== c.tagCount) {
    throw new Error(`${source}: its vocabularies (${vocab.words.size} words, ${vocab.chars?.size ?? 0} characters, ${vocab.tags.length} tags) do not match the model (${c.wordVocabSize}, ${c.charVocabSize}, ${c.tagCount})`);
  }
  return { model, meta, vocab };
}

/** Tags of sentences: per sentence, per word, the tag and the softmax's probability for it. */
export interface TaggedOutput {
  tags: string[][];
  confidence: number[][];
  /** Words outside the vocabulary (read from their characters only). */
  unknownWords: number;
  tokens: number;
}

export function tagSentences(t: LoadedTagger, backend: Backend, sentences: readonly TaggedSentence[]): TaggedOutput {
  const set = t.vocab.encode(sentences, false);
  const r = tagSets(t.model, backend, set, 128);
  return {
    tags: r.tags.map((p) => Array.from(p, (k) => t.vocab.tags[k]!)),
    confidence: r.confidence.map((c) => Array.from(c)),
    unknownWords: set.unknownWords, tokens: set.tokens,
  };
}

/** The document with its tag column replaced by the model's tags (same format). */
export function tagDocument(t: LoadedTagger, backend: Backend, doc: TaggedDocument): { text: string; output: TaggedOutput } {
  const output = tagSentences(t, backend, doc.sentences);
  return { text: writeTagged(doc, output.tags), output };
}

/**
 * A plain sentence split into words as treebanks tokenize English (Universal Dependencies, Penn
 * Treebank): punctuation apart, case kept, and clitics as words of their own (can't -> ca n't,
 * it's -> it 's, we'll -> we 'll).
 */
export function splitWords(text: string): string[] {
  return splitText(text, { level: 'word', lowercase: false, numbers: false, urls: false }).flatMap((w) => {
    const m = /^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$/iu.exec(w);
    return m ? [m[1]!, m[2]!] : [w];
  });
}

export interface TagEvaluation {
  source: string;
  sentences: number;
  metrics: TaggingMetrics;
  /** Gold tags the model does not know (always wrong). */
  unknownTags: number;
}

/** Scores the model on a document with gold tags. */
export function evaluateTagger(t: LoadedTagger, backend: Backend, doc: TaggedDocument): TagEvaluation {
  const set = t.vocab.encode(doc.sentences, true);
  const r = tagSets(t.model, backend, set, 128);
  return { source: doc.source, sentences: doc.sentences.length, metrics: scoreTags(t.vocab, doc.sentences, r.tags, t.vocab.unseen(doc.sentences)), unknownTags: set.unknownTags };
}

function pct(x: number): string {
  return Number.isNaN(x) ? '-' : `${(100 * x).toFixed(2)}%`;
}

/** The evaluation as tables. */
export function renderTagEvaluation(e: TagEvaluation): string {
  const m = e.metrics;
  const lines = [
    `${e.source}: ${e.sentences.toLocaleString('en-US')} sentences, ${m.tokens.toLocaleString('en-US')} tokens`,
    `accuracy ${pct(m.accuracy)}`,
    `unseen-word accuracy ${pct(m.unseenAccuracy)} (${m.unseenTokens.toLocaleString('en-US')} tokens outside the vocabulary)`,
    `macro-F1 ${m.macroF1.toFixed(4)}`,
  ];
  if (e.unknownTags) lines.push(`${e.unknownTags} tokens have a gold tag the model does not know (counted wrong)`);
  if (m.chunks) {
    const c = m.chunks;
    lines.push('', `entities (conlleval): precision ${pct(c.precision)}, recall ${pct(c.recall)}, F1 ${pct(c.f1)} (${c.correct} of ${c.predicted} found, ${c.gold} in gold)`);
    lines.push('', 'type          precision   recall       F1   gold', ...c.perType.map((r) => `${r.type.padEnd(12)} ${pct(r.precision).padStart(10)} ${pct(r.recall).padStart(8)} ${pct(r.f1).padStart(8)} ${String(r.gold).padStart(6)}`));
  }
  lines.push('', 'tag           precision   recall       F1  support', ...m.perTag.map((r) => `${r.tag.padEnd(12)} ${pct(r.precision).padStart(10)} ${pct(r.recall).padStart(8)} ${pct(r.f1).padStart(8)} ${String(r.support).padStart(8)}`));
  return `${lines.join('\n')}\n`;
}
