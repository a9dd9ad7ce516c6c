/**
 * The word-level language model as a task record: the character model's training (parallel
 * streams, truncated BPTT, next-token cross-entropy, the end of the text held out) over the
 * words of the shared word tokenizer (punctuation apart, numbers [NUM], URLs [URL]) fitted on
 * the training part, the words beyond --max-vocab or under --min-count read as [UNK] so the model
 * learns it. Validation reports perplexity per word. The tokenizer is saved in the model file.
 */
import { StreamBatcher } from '../../data/stream-batcher.js';
import { Tokenizer, UNK_ID } from '../../data/tokenizer.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import type { RecurrentState } from '../../nn/recurrent.js';
import type { StreamWindow } from '../../data/stream-batcher.js';
import type { Task } from '../task.js';
import { WORD_LM_DEFAULTS, type WordLmConfig, RUN_CONTROL_FIELDS, normalizeWordLmConfig, wordModelConfigOf } from './config.js';
import { evaluateStream } from './evaluate-stream.js';
import { generateSymbols } from './generate.js';
import { type CharLmInput, type CharLmStartDetails, charLmTask, loadLmText, windowSource } from './task.js';
import { WORD_LM_METADATA_KEY, WordVocabulary, neverSampled } from './vocab.js';

export interface WordLmData {
  vocab: WordVocabulary;
  train: Int32Array;
  validation: Int32Array;
  /** Share of [UNK] among the validation words. */
  unknownShare: number;
}

/** The character offset where the held-out end of `text` starts: `fraction` of it, moved back to a whitespace so no word is cut. */
export function heldOutStart(text: string, fraction: number): number {
  let cut = Math.floor(text.length * (1 - fraction));
  while (cut > 0 && !/\s/u.test(text[cut - 1]!)) cut--;
  return cut;
}

export const wordLmTask: Task<WordLmConfig, CharLmInput, WordLmData, RecurrentModel, StreamWindow, RecurrentState, CharLmStartDetails> = {
  name: 'word-lm',
  unit: 'words',
  lossUnit: 'nats/word',
  metrics: [{ name: 'perplexity', label: 'perplexity', format: 'decimal', digits: 2, better: 'min' }],
  defaults: WORD_LM_DEFAULTS,
  runControl: RUN_CONTROL_FIELDS,
  normalizeConfig: normalizeWordLmConfig,

  async prepare(config, input = {}, resumed) {
    const { text, source } = await loadLmText(input, resumed, (t) => t.trim().length === 0);
    const cut = heldOutStart(text, config.validationFraction);
    const saved = resumed?.extras.extra?.[WORD_LM_METADATA_KEY];
    const tokenizer = saved !== undefined ? Tokenizer.fromJSON(JSON.parse(saved), 'checkpoint: word vocabulary')
      : Tokenizer.fit([text.slice(0, cut)], { level: 'word', lowercase: config.lowercase, maxVocab: config.maxVocab || undefined, minCount: config.minCount });
    const vocab = new WordVocabulary(tokenizer);
    const train = tokenizer.encode(text.slice(0, cut));
    const heldOut = tokenizer.encode(text.slice(cut));
    const need = config.batchSize * config.seqLen + 1;
    if (train.length < need) {
      throw new Error(`the text is too short for one training window: its training part has ${train.length} words and needs at least ` +
        `batch size × sequence length + 1 = ${config.batchSize} × ${config.seqLen} + 1 = ${need}; use a longer text or a smaller batch size or sequence length`);
    }
    if (heldOut.length < 1) throw new Error('the text is too short to hold out a validation part: its end has no word');
    let unknown = 0;
    for (const id of heldOut) if (id === UNK_ID) unknown++;
    // The last training word is the context of the first held-out one: every held-out word is predicted.
    const validation = Int32Array.from([train[train.length - 1]!, ...heldOut]);
    return {
      data: { vocab, train, validation, unknownShare: unknown / heldOut.length },
      source,
      extras: { extra: { [WORD_LM_METADATA_KEY]: JSON.stringify(vocab.toJSON()) } },
      trainItems: train.length,
      validationItems: heldOut.length,
    };
  },

  modelConfig: (config, { data }) => wordModelConfigOf(config, data.vocab.size),
  buildModel: (config, { data }, rng) => new RecurrentModel(wordModelConfigOf(config, data.vocab.size), { rng }),

  batches: (config, { data }) => windowSource(new StreamBatcher(data.train, { batchSize: config.batchSize, seqLen: config.seqLen })),

  objective: (model, config, prepared, rng) => charLmTask.objective(model, config, prepared as never, rng),

  evaluate(model, { data }, backend, config) {
    const { loss } = evaluateStream(model, backend, data.validation, { batchSize: config.batchSize, seqLen: config.seqLen });
    return { loss, metrics: { perplexity: Math.exp(loss) } };
  },

  sample(model, { data }, backend, rng, config) {
    if (config.sampleLength === 0) return undefined;
    const words = [...generateSymbols(model, (id) => data.vocab.symbol(id), backend, data.validation.subarray(0, 1), { length: config.sampleLength, temperature: 0.8, rng, never: neverSampled(data.vocab) })];
    return data.vocab.join(words);
  },

  describe: (config, { data, source }) => ({
    model: `${config.numLayers}×${config.hiddenSize} ${config.cell}, ${config.input}${config.input === 'embedding' ? ` ${config.embeddingDim}` : ''}${config.tieWeights ? ', tied output layer' : ''}, words`,
    data: source.path ?? '(given text)',
    batch: `${config.batchSize} × ${config.seqLen}`,
    vocabulary: data.vocab.size,
    facts: [
      ['vocabulary', `${data.vocab.size} words ([PAD] [UNK] [NUM] [URL] included${config.maxVocab ? `, the ${config.maxVocab - 4} most frequent` : ''}${config.lowercase ? ', lower-cased' : ''})`],
      ['unknown in validation', `${(100 * data.unknownShare).toFixed(1)}% of words are [UNK]`],
    ],
  }),
};
