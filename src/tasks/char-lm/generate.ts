/**
 * Text generation with a character LM: the prime is read in one forward pass, then one
 * character at a time is drawn and fed back, the state carried. A generator, so a front end
 * can stream each character as it comes. Inference only: dropout off, nothing recorded.
 */
import { Tape } from '../../autograd/tape.js';
import type { CharTokenizer } from '../../data/char-tokenizer.js';
import type { Backend } from '../../kernels/backend.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { type RecurrentState, detachState } from '../../nn/recurrent.js';
import type { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { type SamplingOptions, checkSampling, sampleToken } from './sample.js';

export interface GenerateOptions extends SamplingOptions {
  /** Text to condition on (not yielded). Empty: a line break, or the first character if the vocabulary has none. */
  prime?: string;
  /** Characters to generate. */
  length: number;
  rng: Rng;
  /** Ids never drawn, e.g. the unknown symbol (generateChars: the tokenizer's U+FFFD unless given). */
  never?: readonly number[];
}

/** Yields `length` generated characters. Throws before generating if the prime has characters outside the vocabulary. */
export function* generateChars(model: RecurrentModel, tokenizer: CharTokenizer, backend: Backend, options: GenerateOptions): Generator<string, void, void> {
  const prime = options.prime ?? '';
  const context = prime.length > 0 ? prime : tokenizer.has('\n') ? '\n' : tokenizer.vocabulary[0]!;
  const ids = tokenizer.encode(context, 'the prime');
  const unknown = tokenizer.unknownId;
  yield* generateSymbols(model, (id) => tokenizer.vocabulary[id]!, backend, ids, { never: unknown === undefined ? [] : [unknown], ...options });
}

/**
 * Yields `options.length` generated symbols (characters or words, as `symbol` names ids) after
 * reading the context ids `ids` (at least one) in one forward pass; ids in `options.never` are
 * never drawn (their probability is given to the rest, as a Hugging Face `bad_words_ids`).
 */
export function* generateSymbols(model: RecurrentModel, symbol: (id: number) => string, backend: Backend, ids: Int32Array,
  options: Omit<GenerateOptions, 'prime'>): Generator<string, void, void> {
  checkSampling(options);
  const { length, rng } = options;
  if (!(Number.isInteger(length) && length >= 0)) throw new Error(`generateSymbols: length must be an integer >= 0, got ${String(length)}`);
  if (ids.length === 0) throw new Error('generateSymbols: needs at least one context id');
  if (length === 0) return;
  const never = options.never ?? [];
  let masked: Float32Array | undefined; // the last row with `never` masked, reused step after step
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  try {
    let input = new IntTensor(ids, [ids.length, 1]);
    let state: RecurrentState | undefined;
    for (let i = 0; i < length; i++) {
      tape.reset();
      const { logits, state: next } = model.forward(tape, input, state ? { initialState: state } : {});
      const [T, , V] = logits.shape as [number, number, number];
      let row = logits.data.subarray((T - 1) * V, T * V);
      if (never.length) {
        masked ??= new Float32Array(V);
        masked.set(row);
        for (const n of never) if (n >= 0 && n < V) masked[n] = -Infinity;
        row = masked;
      }
      const id = sampleToken(row, options, rng);
      state = detachState(next);
      input = new IntTensor(Int32Array.of(id), [1, 1]);
      yield symbol(id);
    }
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
}

/** The generated text as one string. */
export function generateText(model: RecurrentModel, tokenizer: CharTokenizer, backend: Backend, options: GenerateOptions): string {
  let s = '';
  for (const ch of generateChars(model, tokenizer, backend, options)) s += ch;
  return s;
}
