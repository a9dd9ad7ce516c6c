// What insideOf (inside.ts) computes and the server's /api/runs/<id>/inside answers: plain
// data types without imports, so the page (page/inside-view.ts, type-checked for the browser)
// shares them with the Node side.

export interface InsideGate {
  /** 'input', 'forget', 'cell', 'output' (LSTM); 'reset', 'update', 'new' (GRU). */
  name: string;
  /** [T][H], after the gate's nonlinearity (sigmoid, or tanh for the LSTM cell candidate and the GRU new state). */
  values: number[][];
}

export interface InsideLayer {
  /** [T][H]: h_t of this layer. */
  hidden: number[][];
  /** [T][H]: c_t of this layer (LSTM only). */
  cellState?: number[][];
  /** The gates at every step (LSTM and GRU; undefined for Elman cells, which have none). */
  gates?: InsideGate[];
}

export interface Inside {
  /** The T symbols read (a symbol outside the vocabulary appears as the unknown symbol, or is left out). */
  symbols: string[];
  /** How many symbols of the text were outside the vocabulary. */
  unknown: number;
  /** The model's cell kind ('lstm', 'gru', 'rnn-tanh', ...). */
  cell: string;
  /** One per layer, bottom first. */
  layers: InsideLayer[];
  /** Per step t, the `topK` most likely next symbols after reading symbols[0..t], most likely first. */
  next: { symbol: string; p: number }[][];
  /**
   * [T]: the L2 norm of d loss / d x_t, x_t the embedded (or one-hot) input at step t, loss the
   * cross-entropy of predicting symbols[T-1] from the output at step T-2. Empty for T = 1.
   */
  gradientThroughTime: number[];
}
