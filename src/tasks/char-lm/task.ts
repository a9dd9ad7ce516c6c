/**
 * The character language model as a task record (char-rnn style): the vocabulary comes from the
 * text, the end of the text is held out for validation, the training part is read as parallel
 * streams in windows with the hidden state carried between them (truncated BPTT), the loss is
 * next-character cross-entropy, validation scores every next character of the held-out part, and
 * each validation shows a sample. The run directory, resume and checkpoints are runTask's.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { crossEntropy, reshape } from '../../autograd/ops/index.js';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { StreamBatcher, type StreamPosition, type StreamWindow, splitContiguous } from '../../data/stream-batcher.js';
import { loadTextFile } from '../../data/text-file.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../../nn/recurrent.js';
import type { StartDetails } from '../../train/events.js';
import type { BatchSource } from '../../train/objective.js';
import type { Resumed, SourceRecord, Task } from '../task.js';
import { BUNDLED_TEXT_PATH, CHAR_LM_DEFAULTS, type CharLmConfig, RUN_CONTROL_FIELDS, modelConfigOf, normalizeCharLmConfig } from './config.js';
import { evaluateStream } from './evaluate-stream.js';
import { generateText } from './generate.js';

/** The text to train on: in memory, or a file; neither means the bundled Tiny Shakespeare (or, resuming, the run's own file). */
export interface CharLmInput {
  text?: string;
  textPath?: string;
}

export interface CharLmData {
  tokenizer: CharTokenizer;
  train: Int32Array;
  validation: Int32Array;
  /** Shares of the unknown symbol among the training and validation characters. */
  unknownShare: { train: number; validation: number };
}

const pct = (x: number): string => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

/** The first `share` of `text`'s characters (code points), as `splitContiguous` cuts their ids. */
function trainingPart(text: string, share: number): string {
  const chars = Array.from(text);
  return chars.slice(0, Math.floor(chars.length * share)).join('');
}

export interface CharLmStartDetails extends StartDetails {
  vocabulary: number;
}

/**
 * The text a language model trains on (in memory, a file, or the bundled Tiny Shakespeare; a
 * resumed run's own file) and its source record, checked against a resumed run's. `isEmpty`
 * says which texts hold nothing to train on.
 */
export async function loadLmText(input: CharLmInput, resumed: Resumed | undefined, isEmpty: (text: string) => boolean): Promise<{ text: string; source: SourceRecord }> {
  const textPath = input.text !== undefined ? null : input.textPath ?? resumed?.source.path ?? BUNDLED_TEXT_PATH;
  const text = input.text ?? await loadTextFile(textPath!);
  if (isEmpty(text)) throw new Error('the training text is empty');
  const source = {
    what: 'text', flag: '--text', description: `${textPath ?? 'given'}, ${text.length} characters`,
    path: textPath === null ? null : resolve(textPath), sha256: createHash('sha256').update(text).digest('hex'),
  };
  resumed?.checkSource(source);
  return { text, source };
}

/** A `BatchSource` over a `StreamBatcher`'s windows. */
export function windowSource(b: StreamBatcher): BatchSource<StreamWindow> {
  return {
    batchesPerEpoch: b.windowsPerEpoch,
    next() {
      const w = b.next();
      return { batch: w, epoch: w.epoch, index: w.window, startsEpoch: w.startsEpoch };
    },
    position: () => b.position(),
    seek: (p) => b.seek(p as StreamPosition),
  };
}

export const charLmTask: Task<CharLmConfig, CharLmInput, CharLmData, RecurrentModel, StreamWindow, RecurrentState, CharLmStartDetails> = {
  name: 'char-lm',
  unit: 'characters',
  lossUnit: 'nats/char',
  metrics: [{ name: 'bitsPerChar', label: 'bits', format: 'decimal', digits: 3, better: 'min' }],
  defaults: CHAR_LM_DEFAULTS,
  runControl: RUN_CONTROL_FIELDS,
  normalizeConfig: normalizeCharLmConfig,

  async prepare(config, input = {}, resumed) {
    const { text, source } = await loadLmText(input, resumed, (t) => t.length === 0);
    // A new model's vocabulary comes from the training part (characters seen at least minCount
    // times there) with the unknown symbol U+FFFD, which every other character is read as.
    // A resumed run keeps its vocabulary; one from before U+FFFD had none, and reads strictly.
    const trainShare = 1 - config.validationFraction;
    const tokenizer = resumed ? new CharTokenizer(resumed.extras.vocabulary ?? [])
      : CharTokenizer.fit(trainingPart(text, trainShare), { minCount: config.minCount });
    const ids = tokenizer.unknownId === undefined ? tokenizer.encode(text, 'the training text') : tokenizer.encodeOrUnknown(text).ids;
    const { train, validation } = splitContiguous(ids, trainShare);
    const need = config.batchSize * config.seqLen + 1;
    if (train.length < need) {
      throw new Error(`the text is too short for one training window: its training split (${Math.round((1 - config.validationFraction) * 100)}% = ${train.length} characters) ` +
        `needs at least batch size × sequence length + 1 = ${config.batchSize} × ${config.seqLen} + 1 = ${need}; use a longer text or a smaller batch size or sequence length`);
    }
    if (validation.length < 2) throw new Error(`the text is too short to hold out a validation split: ${validation.length} characters (need 2)`);
    const unknownShare = (part: Int32Array) => {
      let n = 0;
      for (const id of part) if (id === tokenizer.unknownId) n++;
      return n / part.length;
    };
    return {
      data: { tokenizer, train, validation, unknownShare: { train: unknownShare(train), validation: unknownShare(validation) } },
      source,
      extras: { vocabulary: [...tokenizer.vocabulary] },
      trainItems: train.length,
      validationItems: validation.length,
    };
  },

  modelConfig: (config, { data }) => modelConfigOf(config, data.tokenizer.size),
  buildModel: (config, { data }, rng) => new RecurrentModel(modelConfigOf(config, data.tokenizer.size), { rng }),

  batches: (config, { data }) => windowSource(new StreamBatcher(data.train, { batchSize: config.batchSize, seqLen: config.seqLen })),

  objective: (model) => ({ tape, batch, carried }) => {
    const { logits, state } = model.forward(tape, batch.inputs, carried ? { initialState: carried } : {});
    const [T, B, V] = logits.shape as [number, number, number];
    return { loss: crossEntropy(tape, reshape(tape, logits, [T * B, V]), batch.targets), items: T * B, carry: detachState(state) };
  },

  evaluate(model, { data }, backend, config) {
    const { loss } = evaluateStream(model, backend, data.validation, { batchSize: config.batchSize, seqLen: config.seqLen });
    return { loss, metrics: { bitsPerChar: loss / Math.LN2 } };
  },

  sample: (model, { data }, backend, rng, config) => (config.sampleLength > 0
    ? generateText(model, data.tokenizer, backend, { length: config.sampleLength, temperature: 0.8, rng })
    : undefined),

  describe: (config, { data, source }) => ({
    model: `${config.numLayers}×${config.hiddenSize} ${config.cell}, ${config.input}${config.input === 'embedding' ? ` ${config.embeddingDim}` : ''}`,
    data: source.path ?? '(given text)',
    batch: `${config.batchSize} × ${config.seqLen}`,
    vocabulary: data.tokenizer.size,
    facts: [
      ['vocabulary', data.tokenizer.unknownId === undefined ? `${data.tokenizer.size} characters`
        : `${data.tokenizer.size} characters, U+FFFD (unknown) included${config.minCount > 1 ? `; those seen fewer than ${config.minCount} times are unknown` : ''}`],
      ...(data.tokenizer.unknownId === undefined ? [] : [['unknown', `${pct(data.unknownShare.train)} of training and ${pct(data.unknownShare.validation)} of validation characters`] as [string, string]]),
    ],
  }),
};
