/**
 * Autocomplete with a language model, as a user types: what comes next, ranked by probability.
 *
 * Word models: with text ending in a space, the most likely next words; with text ending inside
 * a word, the vocabulary's words that start with what was typed, ranked by the probability of
 * each after the words before it; with `words` > 1, the best continuations of that many words by
 * beam search (total log-probability). Character models complete the word being typed (or, after
 * a space, the next word), character by character, by beam search until `words` words have
 * ended (a space, a line break, or punctuation after letters). Probabilities are the model's
 * joint probabilities of each completion given the text. Inference only.
 */
import { Tape } from '../../autograd/tape.js';
import type { Backend } from '../../kernels/backend.js';
import { detachState, selectStateRows } from '../../nn/recurrent.js';
import { IntTensor } from '../../tensor/tensor.js';
import type { LoadedLm } from './evaluate.js';
import { type UnknownPolicy, defaultUnknownPolicy, encodeText } from './vocab.js';

export interface CompleteOptions {
  /** Completions returned (and the beam width): default 5. */
  topK?: number;
  /** Words each completion holds: default 1. */
  words?: number;
  /** Symbols of the text outside the vocabulary: default 'unk', 'skip' for a model without an unknown symbol (character models trained before they had U+FFFD). */
  unknown?: UnknownPolicy;
  /** Most characters a character model may spend on one word (default 30). */
  maxWordChars?: number;
}

export interface Completion {
  /** What to append to the text. */
  text: string;
  /** The model's probability of it, given the text (for a typed prefix: of the whole word). */
  probability: number;
}

export interface CompleteResult {
  completions: Completion[];
  /** The text's symbols outside the vocabulary (read as [UNK] or left out). */
  unknown: number;
  /** The word being typed, which the completions finish ('' after a space). */
  prefix: string;
}

interface Hyp {
  symbols: number[];
  logProb: number;
  /** Words ended so far. */
  words: number;
  /** Character models: letters of the word being written (the typed prefix counts). */
  cur: number;
  /** Row of the state it continues from. */
  row: number;
  done: boolean;
}

function logSoftmax(logits: Float32Array, row: number, V: number): Float64Array {
  const out = new Float64Array(V);
  let top = -Infinity;
  for (let v = 0; v < V; v++) top = Math.max(top, logits[row * V + v]!);
  let z = 0;
  for (let v = 0; v < V; v++) z += Math.exp(logits[row * V + v]! - top);
  const lz = top + Math.log(z);
  for (let v = 0; v < V; v++) out[v] = logits[row * V + v]! - lz;
  return out;
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}'’-]/u;

/** Completions of `text` (see the file comment). */
export function complete(lm: LoadedLm, backend: Backend, text: string, options: CompleteOptions = {}): CompleteResult {
  const K = options.topK ?? 5;
  const N = options.words ?? 1;
  const maxChars = options.maxWordChars ?? 30;
  if (typeof text !== 'string' || text.trim() === '') throw new Error('complete: the text is empty; type a few words to complete');
  if (!(Number.isInteger(K) && K >= 1 && K <= 100)) throw new Error(`complete: topK must be an integer from 1 to 100, got ${String(K)}`);
  if (!(Number.isInteger(N) && N >= 1 && N <= 50)) throw new Error(`complete: words must be an integer from 1 to 50, got ${String(N)}`);
  const { model, vocab } = lm;
  const V = vocab.size;
  const policy = options.unknown ?? defaultUnknownPolicy(vocab);
  const typing = !/\s$/u.test(text);
  // A word model completes a typed prefix from its vocabulary: the context is the text before it.
  let prefix = '';
  let context = text;
  if (vocab.level === 'word' && typing) {
    const symbols = vocab.split(text);
    const last = symbols[symbols.length - 1] ?? '';
    if (last !== '' && [...Array(V).keys()].some((id) => isWord(vocab.symbol(id)) && vocab.symbol(id).startsWith(last))) {
      prefix = last;
      context = text.slice(0, text.length - lastRawLength(text));
    }
  } else if (vocab.level === 'char' && typing) {
    prefix = /[\p{L}\p{N}\p{M}'’-]*$/u.exec(text)![0];
  }
  const enc = encodeText(vocab, context, policy);
  // Nothing before the typed word: condition on a line break or a full stop, as after a sentence.
  const ids = enc.ids.length ? enc.ids : Int32Array.of(vocab.idOf('\n') ?? vocab.idOf('.') ?? 0);
  const wasTraining = model.training;
  model.eval();
  const tape = Tape.inference(backend);
  try {
    const first = model.forward(tape, new IntTensor(ids, [ids.length, 1]));
    let state = detachState(first.state);
    let rowsLogp: Float64Array[] = [logSoftmax(first.logits.data.subarray((ids.length - 1) * V, ids.length * V), 0, V)];
    tape.reset();
    let beams: Hyp[] = [{ symbols: [], logProb: 0, words: 0, cur: [...prefix].length, row: 0, done: false }];
    const finished: Hyp[] = [];
    // Finished hypotheses kept: a character model's may end the same word two ways (merged below).
    const F = vocab.level === 'char' ? 2 * K : K;
    const steps = vocab.level === 'word' ? N : N * (maxChars + 1);
    /** Symbols a hypothesis may take next: words (not [PAD] [UNK] [NUM] [URL]; the first starting with the typed prefix); characters (a word boundary only after letters, at most maxChars letters a word). */
    const allowed = (b: Hyp, id: number, step: number): boolean => {
      if (id === vocab.unkId) return false;
      const sym = vocab.symbol(id);
      if (vocab.level === 'word') return isWord(sym) && !(step === 0 && prefix && !sym.startsWith(prefix));
      return WORD_CHAR.test(sym) ? b.cur < maxChars : b.cur > 0;
    };
    for (let step = 0; step < steps; step++) {
      const cands: Hyp[] = [];
      beams.forEach((b, i) => {
        const lp = rowsLogp[i]!;
        // The K best live and F best finished extensions overall are among each row's K + F best symbols it may take.
        for (const v of topAllowed(lp, K + F, (id) => allowed(b, id, step))) {
          const logProb = b.logProb + lp[v]!;
          const sym = vocab.symbol(v);
          if (vocab.level === 'word') {
            cands.push({ ...b, symbols: [...b.symbols, v], logProb, words: b.words + 1, row: i, done: b.words + 1 === N });
          } else if (WORD_CHAR.test(sym)) {
            cands.push({ ...b, symbols: [...b.symbols, v], logProb, cur: b.cur + 1, row: i });
          } else {
            // A space, line break or punctuation after letters ends the word; the last word's boundary is not part of the completion.
            const words = b.words + 1;
            cands.push(words === N ? { ...b, logProb, words, row: i, done: true } : { ...b, symbols: [...b.symbols, v], logProb, words, cur: 0, row: i });
          }
        }
      });
      cands.sort((a, b) => b.logProb - a.logProb);
      const next: Hyp[] = [];
      for (const c of cands) {
        if (finished.length >= F && c.logProb <= finished[F - 1]!.logProb) break;
        if (c.done) { finished.push(c); finished.sort((a, b) => b.logProb - a.logProb); continue; }
        if (next.length < K) next.push(c);
        if (next.length === K && finished.length >= F) break;
      }
      if (next.length === 0 || (finished.length >= F && next[0]!.logProb <= finished[F - 1]!.logProb)) break;
      // One step of the model for every live hypothesis, from its parent's state.
      const s = selectStateRows(state, next.map((h) => h.row));
      const r = model.forward(tape, new IntTensor(Int32Array.from(next, (h) => h.symbols[h.symbols.length - 1]!), [1, next.length]), { initialState: s });
      state = detachState(r.state);
      rowsLogp = next.map((_, i) => logSoftmax(r.logits.data, i, V));
      tape.reset();
      beams = next.map((h, i) => ({ ...h, row: i }));
    }
    const top = finished.sort((a, b) => b.logProb - a.logProb);
    const completions = top.map((h) => {
      let syms = h.symbols.map((id) => vocab.symbol(id));
      let out: string;
      if (vocab.level === 'word') {
        if (prefix) syms = [syms[0]!.slice(prefix.length), ...syms.slice(1)];
        out = prefix ? syms[0]! + (syms.length > 1 ? ` ${vocab.join(syms.slice(1))}` : '') : vocab.join(syms);
        if (prefix && syms.length > 1 && /^[.,;:!?]/u.test(syms[1]!)) out = syms[0]! + vocab.join(syms.slice(1));
      } else {
        out = syms.join('');
      }
      return { text: out, probability: Math.exp(h.logProb) };
    });
    // A character model can end the same letters with a space or with punctuation: one completion, their probabilities added.
    const merged = new Map<string, number>();
    for (const c of completions) merged.set(c.text, (merged.get(c.text) ?? 0) + c.probability);
    const ranked = [...merged].map(([t, probability]) => ({ text: t, probability })).sort((a, b) => b.probability - a.probability).slice(0, K);
    return { completions: ranked, unknown: enc.unknown, prefix };
  } finally {
    tape.reset();
    model.train(wasTraining);
  }
}

/** The (at most) k ids with the largest log-probabilities among those `ok` allows, best first. */
function topAllowed(lp: Float64Array, k: number, ok: (id: number) => boolean): number[] {
  const top: number[] = [];
  for (let v = 0; v < lp.length; v++) {
    if (top.length === k && lp[v]! <= lp[top[k - 1]!]!) continue;
    if (!ok(v)) continue;
    let i = top.length < k ? top.length : k - 1;
    top[i] = v;
    while (i > 0 && lp[top[i - 1]!]! < lp[top[i]!]!) { [top[i - 1], top[i]] = [top[i]!, top[i - 1]!]; i--; }
  }
  return top;
}

/** A vocabulary entry that is a word to suggest (not a reserved token like [UNK]). */
function isWord(sym: string): boolean {
  return !/^\[[A-Z]+\]$/u.test(sym);
}

/** Characters of `text`'s last word as typed (to cut it off as the prefix). */
function lastRawLength(text: string): number {
  return /[^\s\p{P}\p{S}]*$/u.exec(text)![0].length;
}
