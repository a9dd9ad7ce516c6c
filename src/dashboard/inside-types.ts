// What insideOf / insideOfClassifier (inside.ts) compute and the server's /api/runs/<id>/inside
// answers: plain data types without imports, so the page (page/inside-view.ts, type-checked for
// the browser) shares them with the Node side.

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
  /** [T][H]: c_t of this layer (LSTM language models only). */
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
  /** The T symbols (tokens) read (a symbol outside the vocabulary appears as the unknown symbol, or is left out). */
  symbols: string[];
  /** How many symbols of the text were outside the vocabulary. */
  unknown: number;
  /** The model's cell kind ('lstm', 'gru', 'rnn-tanh', ...). */
  cell: string;
  /** 1, or 2 for a bidirectional model (its hidden states hold 2H units per step). */
  directions: number;
  /** One per layer, bottom first. */
  layers: InsideLayer[];
  /**
   * Per step t, most likely first, the `topK` most likely next symbols after reading
   * symbols[0..t] (language model), or the `topK` most likely classes of the prefix
   * symbols[0..t] read as a whole text (classifier). A classifier's class is in `symbol`.
   */
  next: { symbol: string; p: number }[][];
  /**
   * [T]: the L2 norm of d loss / d x_t, x_t the embedded (or one-hot) input at step t. Loss: for
   * a language model the cross-entropy of predicting symbols[T-1] from the output at step T-2
   * (empty for T = 1); for a classifier the cross-entropy of its predicted class (`predicted`)
   * for the whole text (binary, -log sigmoid, for a multi-label classifier).
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

export type Inside = LmInside | ClassifierInside;
