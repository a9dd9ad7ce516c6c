/**
 * Evaluating a character LM on a text, and recognising a loaded model file as one: the loss
 * over every next-character prediction in nats, bits and perplexity.
 */
import { CharTokenizer } from '../../data/char-tokenizer.js';
import type { LoadedModel } from '../../io/model-file.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { evaluateStream } from './evaluate-stream.js';
import { describeTask } from '../task-metadata.js';
import { type EncodedText, type LmVocabulary, type UnknownPolicy, encodeText, lmVocabularyOf } from './vocab.js';

export interface CharLmLoss {
  /** Mean loss per predicted character, natural log. */
  nats: number;
  /** The same in bits (nats / ln 2). */
  bits: number;
  /** exp(nats). */
  perplexity: number;
  /** Predictions scored (characters - 1). */
  predictions: number;
}

/** Loss of `model` on `text`; characters outside the vocabulary are an error naming them. */
export function evaluateCharLm(model: RecurrentModel, tokenizer: CharTokenizer, backend: Backend, text: string,
  options: { batchSize?: number; seqLen?: number } = {}): CharLmLoss {
  const ids = tokenizer.encode(text, 'the text');
  if (ids.length < 2) throw new Error(`the text must have at least 2 characters to score a prediction, got ${ids.length}`);
  const { loss, tokens } = evaluateStream(model, backend, ids, options);
  return { nats: loss, bits: loss / Math.LN2, perplexity: Math.exp(loss), predictions: tokens };
}

/**
 * The tokenizer of a loaded model, after checking that it is a character LM: a vocabulary in
 * its metadata, token-id input and a head over the same vocabulary at every step.
 */
export function charLmOf(loaded: LoadedModel, source: string): { model: RecurrentModel; tokenizer: CharTokenizer } {
  const { model, config, vocabulary } = loaded;
  if (!vocabulary) throw new Error(`${source} is not a character language model: its metadata has no vocabulary (was it trained by recur lm train?)`);
  let tokenizer: CharTokenizer;
  try {
    tokenizer = new CharTokenizer(vocabulary);
  } catch (e) {
    throw new Error(`${source} is not a character language model: ${(e as Error).message}`);
  }
  const V = tokenizer.size;
  const inV = config.input.kind === 'dense' ? undefined : config.input.vocabSize;
  if (inV !== V || config.outputSize !== V || config.output !== 'sequence' || config.bidirectional) {
    throw new Error(`${source} is not a character language model: it needs token input and a per-step head over its ${V} characters, ` +
      `got input ${config.input.kind}${inV === undefined ? '' : ` of ${inV}`}, output ${config.output} of ${config.outputSize}${config.bidirectional ? ', bidirectional' : ''}`);
  }
  return { model, tokenizer };
}

/** A loaded language model of either level: the model and its vocabulary. */
export interface LoadedLm {
  model: RecurrentModel;
  vocab: LmVocabulary;
}

/**
 * The vocabulary of a loaded model after checking that it is a language model (`recur lm
 * train`, characters or words): token-id input and a per-step head over the same vocabulary.
 */
export function lmOf(loaded: LoadedModel, source: string): LoadedLm {
  const { model, config } = loaded;
  if (loaded.task !== undefined && loaded.task !== 'char-lm' && loaded.task !== 'word-lm') {
    throw new Error(`${source} is ${describeTask(loaded.task)}, not a language model (recur lm train)`);
  }
  const vocab = lmVocabularyOf(loaded.extra, loaded.vocabulary, source);
  const V = vocab.size;
  const inV = config.input.kind === 'dense' ? undefined : config.input.vocabSize;
  if (inV !== V || config.outputSize !== V || config.output !== 'sequence' || config.bidirectional) {
    throw new Error(`${source} is not a language model: it needs token input and a per-step head over its ${V} ${vocab.level === 'char' ? 'characters' : 'words'}, ` +
      `got input ${config.input.kind}${inV === undefined ? '' : ` of ${inV}`}, output ${config.output} of ${config.outputSize}${config.bidirectional ? ', bidirectional' : ''}`);
  }
  return { model, vocab };
}

export interface LmLoss extends CharLmLoss {
  /** How the text's symbols were read (counts of symbols outside the vocabulary). */
  encoded: EncodedText;
}

/** Loss of a language model of either level on `text` per predicted symbol, unknown symbols read under `policy` (and counted). */
export function evaluateLm(lm: LoadedLm, backend: Backend, text: string, policy: UnknownPolicy, options: { batchSize?: number; seqLen?: number } = {}): LmLoss {
  const encoded = encodeText(lm.vocab, text, policy);
  const unit = lm.vocab.level === 'char' ? 'characters' : 'words';
  if (encoded.ids.length < 2) throw new Error(`the text must have at least 2 ${unit} ${policy === 'skip' && encoded.unknown ? 'inside the vocabulary ' : ''}to score a prediction, got ${encoded.ids.length}`);
  const { loss, tokens } = evaluateStream(lm.model, backend, encoded.ids, options);
  return { nats: loss, bits: loss / Math.LN2, perplexity: Math.exp(loss), predictions: tokens, encoded };
}
