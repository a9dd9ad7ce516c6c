// What insideOf / insideOfClassifier / insideOfTagger / insideOfSeq2seq (inside.ts) compute and
// the server's /api/runs/<id>/inside answers: plain data types without imports, so the page
// (page/inside-view.ts, type-checked for the browser) shares them with the Node side.

export interface InsideGate {
  /**
   * 'input', 'forget', 'cell', 'output' (LSTM); 'reset', 'update', 'new' (GRU). In a
   * bidirectional layer each gate appears twice, 'input (forward)' then 'input (backward)'.
   */
  name: string;
  /** The direction whose gate this is (bidirectional layers only). */
  direction?: 'forward' | 'backward';
  /** [T][H], after the gate's nonlinearity (sigmoid, or tanh for the LSTM cell candidate and the GRU new state). */
  values: number[][];
}

export interface InsideLayer {
  /**
   * [T][D*H]: the layer's output at each step, h_t; for a bidirectional layer (D = 2) the
   * forward direction's H units, then the backward direction's.
   */
  hidden: number[][];
  /** [T][H]: c_t of this layer (LSTM language models and LSTM decoders only). */
  cellState?: number[][];
  /** The gates at every step (LSTM and GRU; undefined for Elman cells, which have none). */
  gates?: InsideGate[];
}

/** One class with its probability. */
export interface InsideClass {
  label: string;
  p: number;
}

interface InsideCommon {
  /**
   * The T symbols (tokens) read (a symbol outside the vocabulary appears as the unknown symbol, or
   * is left out): a tagger's words as typed; an encoder-decoder's source tokens, in source order.
   */
  symbols: string[];
  /** How many symbols of the text were outside the vocabulary (a tagger reads such words from their characters). */
  unknown: number;
  /** The model's cell kind ('lstm', 'gru', 'rnn-tanh', ...): of the encoder, for a tagger or an encoder-decoder. */
  cell: string;
  /** 1, or 2 for a bidirectional model or encoder (its hidden states hold 2H units per step). */
  directions: number;
  /** One per layer, bottom first: the layers that read `symbols` (a tagger's or an encoder-decoder's encoder). */
  layers: InsideLayer[];
  /**
   * Most likely first, the `topK` most likely: per step t, next symbols after reading
   * symbols[0..t] (language model); classes of the prefix symbols[0..t] read as a whole text
   * (classifier); tags of word t (tagger, see `TaggerInside.distribution`). Per output step t of
   * an encoder-decoder (not per symbol): the tokens it may write there (`Seq2seqInside.output`).
   * A class or a tag is in `symbol`.
   */
  next: { symbol: string; p: number }[][];
  /**
   * [T]: the L2 norm of d loss / d x_t, x_t the input at step t (the embedded or one-hot symbol;
   * a tagger's word embedding and character features). Loss: for a language model the
   * cross-entropy of predicting symbols[T-1] from the output at step T-2 (empty for T = 1); for a
   * classifier the cross-entropy of its predicted class (`predicted`) for the whole text (binary,
   * -log sigmoid, for a multi-label classifier); for a tagger and an encoder-decoder the
   * cross-entropy of its whole output, summed (see `TaggerInside`, `Seq2seqInside`).
   */
  gradientThroughTime: number[];
}

/** What a language model does with a text. */
export interface LmInside extends InsideCommon {
  kind: 'lm';
}

/** What a sequence classifier does with a text. */
export interface ClassifierInside extends InsideCommon {
  kind: 'classifier';
  /** Every class with its probability for the whole text, in the model's class order. */
  classes: InsideClass[];
  /** The most probable class for the whole text: the target of the gradient through time's loss. */
  predicted: string;
  /** Probabilities are per-class sigmoids (each its own yes/no; they need not sum to 1) instead of one softmax. */
  multiLabel: boolean;
}

/**
 * What a tagger (`recur tag train`) does with a sentence, word by word. `symbols` are the words,
 * `layers` the encoder's (both directions of a bidirectional one), `next[t]` the most likely tags
 * of word t. The gradient through time's loss is the cross-entropy of the predicted tags
 * (`tags`) summed over the sentence: of each word's tag under the softmax, or of the whole
 * predicted path under the CRF (its negative log-likelihood), so every word's prediction counts.
 */
export interface TaggerInside extends InsideCommon {
  kind: 'tagger';
  /** The predicted tag of each word: the softmax's most likely, or the CRF's Viterbi path (as `recur tag predict`). */
  tags: string[];
  /** Per word, the softmax of its scores at its predicted tag (for a CRF, of its emissions: a confidence figure only), as `recur tag predict`. */
  confidence: number[];
  /** The model scores paths with a linear-chain CRF (Viterbi decoding) instead of a softmax per word. */
  crf: boolean;
  /**
   * What `next` holds: 'softmax', each word's softmax over the tags; 'crf-marginals', each word's
   * marginal P(y_t = k | sentence) under the CRF (forward-backward), whose most likely tags need
   * not form the Viterbi path.
   */
  distribution: 'softmax' | 'crf-marginals';
}

/**
 * What an encoder-decoder (`recur seq2seq train`) does with a source: the encoder's layers over
 * the source tokens (`symbols`, `layers`), and the greedy translation step by step: the decoder's
 * layers over the output steps and, per output step, the most likely tokens (`next`). The
 * gradient through time is over the source tokens' embeddings, of the cross-entropy of the
 * greedy output (teacher-forced on it: [GO] and the tokens written so far in, each output token,
 * [EOS] included when written, as the target) summed over the output steps.
 */
export interface Seq2seqInside extends InsideCommon {
  kind: 'seq2seq';
  /** The encoder read the source back to front; `layers` and `gradientThroughTime` are mapped back to source order. */
  reversed: boolean;
  /** The source was longer than the model accepts and was cut to its first `symbols.length` tokens. */
  truncated: boolean;
  /** What the decoder wrote at each output step (greedy): the tokens, then `[EOS]` when it ended. */
  output: string[];
  /** The translation as text (the tokens detokenized, `[EOS]` left out). */
  translation: string;
  /** Whether decoding ended with `[EOS]` (false: cut at the model's maximum length). */
  finished: boolean;
  /**
   * The decoder's layers, one per layer, bottom first: h_t (and an LSTM's c_t) after each output
   * step, [output.length][Hd], and the gates, recomputed from the weights as the encoder's are.
   */
  decoder: InsideLayer[];
  /** The attention kind ('none', 'additive', 'general', 'dot'). */
  attention: string;
}

export type Inside = LmInside | ClassifierInside | TaggerInside | Seq2seqInside;
