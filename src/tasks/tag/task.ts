/**
 * Tagging every token as a task record: sentences prepared by prepare.ts, the model a Tagger
 * (word + character features, bidirectional encoder, softmax or CRF), the loss per token with
 * training words seen once read as [UNK] at random (so that [UNK] is learned), validation token
 * accuracy deciding the best model, accuracy on words outside the vocabulary beside it.
 */
import { resolve } from 'node:path';
import { Tape } from '../../autograd/tape.js';
import { loadTextFile } from '../../data/text-file.js';
import type { TaggedSentence } from '../../data/tagged-text.js';
import { UNK_ID } from '../../data/tokenizer.js';
import type { Backend } from '../../kernels/backend.js';
import type { MetricSpec, StartDetails } from '../../train/events.js';
import type { Prepared, Task } from '../task.js';
import { type SentenceSet, TagBatcher, makeTagBatch } from './batches.js';
import { TAG_DEFAULTS, TAG_RUN_CONTROL, type TagConfig, normalizeTagConfig } from './config.js';
import { type TaggingMetrics, taggingMetrics } from './metrics.js';
import { type TagBatch, Tagger, type TaggerConfigInput } from './model.js';
import { TAG_METADATA_KEY, type TagData, type TagInput, type TagMetadata, type TagVocabulary, prepareTag, readTaggedFile, sentencesDigest } from './prepare.js';

export const TAG_METRICS: MetricSpec[] = [
  { name: 'accuracy', label: 'accuracy', format: 'percent', digits: 2, better: 'max' },
  { name: 'unseen', label: 'unseen-word accuracy', format: 'percent', digits: 2, better: 'max' },
];

/** The Tagger config of a run. */
export function taggerConfig(config: TagConfig, data: Pick<TagData, 'vocab' | 'embeddingDim'>): TaggerConfigInput {
  const chars = data.vocab.chars;
  return {
    kind: 'tagger', wordVocabSize: data.vocab.words.size, wordEmbeddingDim: data.embeddingDim,
    charVocabSize: chars ? chars.size : 0, charEmbeddingDim: chars ? config.charEmbeddingDim : 0, charHiddenSize: chars ? config.charHiddenSize : 0,
    cell: config.cell, hiddenSize: config.hiddenSize, numLayers: config.numLayers, bidirectional: config.bidirectional,
    dropout: config.dropout, tagCount: data.vocab.tags.length, crf: config.crf,
  };
}

/**
 * Tags sentences with a model (eval mode, batches of `batchSize`), and with gold tags the
 * validation loss per token (gold tags the model lacks are left out of the loss).
 */
export function tagSets(model: Tagger, backend: Backend, set: SentenceSet, batchSize = 64): { tags: Int32Array[]; confidence: Float32Array[]; loss: number } {
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  const N = set.words.length;
  const tags: Int32Array[] = new Array(N);
  const confidence: Float32Array[] = new Array(N);
  let lossSum = 0, lossTokens = 0;
  // By length, so that batches hold little padding; results go back in order.
  const order = Array.from(set.words.keys()).sort((a, b) => set.words[a]!.length - set.words[b]!.length);
  try {
    for (let lo = 0; lo < N; lo += batchSize) {
      const idx = order.slice(lo, lo + batchSize);
      const batch = makeTagBatch(set, idx);
      const e = model.emissions(tape, batch); // one forward pass for the tags and the loss
      const p = model.decode(e, batch);
      idx.forEach((k, b) => { tags[k] = p.tags[b]!; confidence[k] = p.confidence[b]!; });
      const n = batch.tags ? batch.tags.data.filter((y) => y >= 0).length : 0;
      // A CRF scores whole paths: a sentence with a gold tag the model lacks has none (eval on new files); its loss is left out.
      if (n > 0 && !(model.config.crf && n < batch.tokens)) {
        lossSum += model.lossOf(tape, e, batch, { reduction: 'sum' }).item();
        lossTokens += n;
      }
      tape.reset();
    }
  } finally {
    model.train(wasTraining);
  }
  return { tags, confidence, loss: lossTokens ? lossSum / lossTokens : NaN };
}

/** Metrics of predicted tag ids against sentences with gold tags. */
export function scoreTags(vocab: TagVocabulary, sentences: readonly TaggedSentence[], predicted: readonly Int32Array[], unseen: readonly (readonly boolean[])[]): TaggingMetrics {
  return taggingMetrics(sentences.map((s) => s.tags.map((t) => t ?? '')), predicted.map((p) => Array.from(p, (k) => vocab.tags[k]!)), unseen);
}

export const tagTask: Task<TagConfig, TagInput, TagData, Tagger, TagBatch, null, StartDetails> = {
  name: 'tag',
  unit: 'tokens',
  lossUnit: 'nats/token',
  metrics: TAG_METRICS,
  monitor: { metric: 'accuracy', mode: 'max' },
  defaults: TAG_DEFAULTS,
  runControl: TAG_RUN_CONTROL,
  normalizeConfig: normalizeTagConfig,

  async prepare(config, input = {}, resumed) {
    const saved = resumed?.extras.extra?.[TAG_METADATA_KEY];
    const savedMeta = saved ? JSON.parse(saved) as TagMetadata & { validationPath?: string } : undefined;
    const given = input.dataPath !== undefined || input.text !== undefined;
    const dataPath = given ? input.dataPath : resumed?.source.path ?? undefined;
    if (input.text === undefined && dataPath === undefined) throw new Error('tag: give the tagged sentences (--data FILE, CoNLL-U or a TSV of token<TAB>tag lines)');
    const name = dataPath ?? 'sentences';
    const text = input.text ?? await loadTextFile(dataPath!);
    const doc = readTaggedFile(text, name, config);
    const source = {
      what: 'training data', flag: '--data',
      description: `${name}, ${doc.sentences.length.toLocaleString('en-US')} sentences`,
      path: input.text !== undefined ? null : resolve(dataPath!),
      sha256: sentencesDigest(doc.sentences),
    };
    resumed?.checkSource(source);
    const validationPath = given ? input.validationPath : savedMeta?.validationPath;
    const valText = input.validationText ?? (validationPath ? await loadTextFile(validationPath) : undefined);
    const valDoc = valText !== undefined ? readTaggedFile(valText, validationPath ?? 'validation sentences', config) : undefined;
    const data = await prepareTag(config, doc, valDoc, savedMeta);
    const meta = { ...data.meta, validationPath: validationPath ? resolve(validationPath) : undefined };
    const prepared: Prepared<TagData> = {
      data, source, extras: { extra: { [TAG_METADATA_KEY]: JSON.stringify(meta) } },
      trainItems: data.trainTokens, validationItems: data.validationTokens,
    };
    return prepared;
  },

  modelConfig: (config, { data }) => taggerConfig(config, data),

  buildModel(config, { data }, rng) {
    const model = new Tagger(taggerConfig(config, data), { rng });
    if (data.vectors) {
      const w = model.wordEmbed.weight;
      w.data.set(data.vectors.table);
      w.requiresGrad = !config.freezeVectors;
    }
    return model;
  },

  batches: (config, { data }, rng) => new TagBatcher(data.train, config.batchSize, rng),

  objective(model, config, { data }, rng) {
    const p = config.unknownReplacement;
    return ({ tape, batch }) => {
      let b = batch;
      if (p > 0) {
        // Words seen once in training are read as [UNK] with probability p, so that [UNK] is trained.
        const words = batch.words.clone();
        for (let i = 0; i < words.size; i++) {
          const id = words.data[i]!;
          if (data.singletons[id] && rng.uniform() < p) words.data[i] = UNK_ID;
        }
        b = { ...batch, words };
      }
      return { loss: model.loss(tape, b), items: batch.tokens };
    };
  },

  evaluate(model, { data }, backend) {
    const r = tagSets(model, backend, data.validation, 128);
    const m = scoreTags(data.vocab, data.validationSentences, r.tags, data.validationUnseen);
    return { loss: r.loss, metrics: { accuracy: m.accuracy, unseen: m.unseenAccuracy } };
  },

  sample(model, { data }, backend) {
    const one: SentenceSet = { words: [data.validation.words[0]!], chars: [data.validation.chars[0]!], forms: [data.validation.forms[0]!] };
    const [tags] = tagSets(model, backend, one).tags;
    return data.validation.forms[0]!.map((w, t) => `${w}/${data.vocab.tags[tags![t]!]}`).join(' ');
  },

  describe(config, { data }, model) {
    const c = model.config;
    const chars = c.charVocabSize > 0 ? ` + character BiLSTM ${c.charHiddenSize}×2` : '';
    return {
      model: `word embedding ${c.wordEmbeddingDim}${chars} -> ${c.numLayers}×${c.hiddenSize}${c.bidirectional ? ' bidirectional' : ''} ${c.cell} -> ${c.crf ? 'CRF' : 'softmax'} over ${c.tagCount} tags`,
      data: data.meta.format === 'conllu' ? 'CoNLL-U' : 'tagged TSV',
      batch: String(config.batchSize),
      facts: [
        ...data.facts,
        ...(config.unknownReplacement > 0 ? [['unknown words', `training words seen once read as [UNK] with probability ${config.unknownReplacement}`] as [string, string]] : []),
      ],
    };
  },
};
