/**
 * The bag-of-words baseline of sequence classification: token-id sequences as sparse count,
 * binary or tf-idf rows (L2-normalised, as scikit-learn's TfidfVectorizer), and a multinomial
 * logistic regression fitted by full-batch L-BFGS on softmax cross-entropy + L2, so that it
 * approximates scikit-learn's `LogisticRegression(C=1)` on the same features. Plain Float64Array
 * code, no autograd, deterministic. Not a tokenizer: it reads ids a tokenizer made.
 */

/**
 * A sparse matrix in compressed sparse row form: row i holds `values[indptr[i] .. indptr[i+1])`
 * at columns `indices[...]` (ascending within a row, no repeats).
 */
export interface CsrMatrix {
  rows: number;
  cols: number;
  /** [rows + 1] offsets into indices and values; indptr[0] = 0, indptr[rows] = nnz. */
  indptr: Int32Array;
  /** [nnz] column of each stored value. */
  indices: Int32Array;
  /** [nnz] the stored values. */
  values: Float64Array;
}

export interface BagOfWordsOptions {
  /** 1 for each token present instead of its count (default false). */
  binary?: boolean;
  /**
   * Fit inverse document frequencies on these sequences and weight by them (default false):
   * idf(t) = ln((1 + n) / (1 + df(t))) + 1, scikit-learn's smooth idf. The idf is returned, to
   * transform other sequences (test sets) with `idf` instead.
   */
  tfidf?: boolean;
  /** Weight by this idf ([vocabSize], from an earlier `bagOfWords` with `tfidf`) instead of fitting one. */
  idf?: Float64Array;
}

export interface BagOfWords {
  /** [sequences, vocabSize], each non-empty row of unit L2 norm. */
  x: CsrMatrix;
  /** [vocabSize] the idf applied, or null without tf-idf. */
  idf: Float64Array | null;
}

/**
 * Sequences of token ids in [0, vocabSize) as rows of a sparse matrix: token counts (or 1s with
 * `binary`), times the idf with `tfidf` or `idf`, each row scaled to unit L2 norm (an empty
 * sequence gives an empty row). Pass the sequences unpadded: every id counts, [PAD] included.
 */
export function bagOfWords(sequences: readonly ArrayLike<number>[], vocabSize: number, options: BagOfWordsOptions = {}): BagOfWords {
  if (!(Number.isInteger(vocabSize) && vocabSize > 0)) throw new Error(`bagOfWords: vocabSize must be a positive integer, got ${vocabSize}`);
  if (options.tfidf && options.idf) throw new Error('bagOfWords: give tfidf (fit an idf) or idf (apply one), not both');
  if (options.idf && options.idf.length !== vocabSize) throw new Error(`bagOfWords: idf has ${options.idf.length} entries, expected vocabSize ${vocabSize}`);
  const counts = new Float64Array(vocabSize);
  const touched = new Int32Array(vocabSize);
  const indptr = new Int32Array(sequences.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  sequences.forEach((seq, i) => {
    let n = 0;
    for (let t = 0; t < seq.length; t++) {
      const id = seq[t]!;
      if (!(Number.isInteger(id) && id >= 0 && id < vocabSize)) throw new Error(`bagOfWords: sequence ${i}, position ${t}: token ${id} is outside [0, ${vocabSize})`);
      if (counts[id] === 0) touched[n++] = id;
      counts[id]! += 1;
    }
    const row = touched.subarray(0, n).sort();
    for (const id of row) {
      indices.push(id);
      values.push(options.binary ? 1 : counts[id]!);
      counts[id] = 0;
    }
    indptr[i + 1] = indices.length;
  });
  const x: CsrMatrix = { rows: sequences.length, cols: vocabSize, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
  let idf: Float64Array | null = options.idf ?? null;
  if (options.tfidf) {
    const df = new Float64Array(vocabSize);
    for (const j of x.indices) df[j]! += 1;
    idf = df.map((d) => Math.log((1 + x.rows) / (1 + d)) + 1);
  }
  if (idf) for (let p = 0; p < x.values.length; p++) x.values[p]! *= idf[x.indices[p]!]!;
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) s += x.values[p]! ** 2;
    if (s > 0) for (let p = x.indptr[i]!, inv = 1 / Math.sqrt(s); p < x.indptr[i + 1]!; p++) x.values[p]! *= inv;
  }
  return { x, idf };
}

/** Throws unless x is a well-formed CSR matrix with `cols` columns. */
function checkCsr(where: string, x: CsrMatrix, cols: number): void {
  if (x.cols !== cols) throw new Error(`${where}: x has ${x.cols} columns, expected ${cols}`);
  if (x.indptr.length !== x.rows + 1 || x.indptr[0] !== 0 || x.indptr[x.rows] !== x.indices.length || x.values.length !== x.indices.length) {
    throw new Error(`${where}: x is not a CSR matrix of ${x.rows} rows (indptr ${x.indptr.length} entries, ${x.indices.length} indices, ${x.values.length} values)`);
  }
}

/** Softmax of z [K] in place (max-shifted); returns ln Σ exp(z), the log-partition. */
function softmaxInPlace(z: Float64Array): number {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  let s = 0;
  for (let k = 0; k < z.length; k++) { z[k] = Math.exp(z[k]! - m); s += z[k]!; }
  for (let k = 0; k < z.length; k++) z[k]! /= s;
  return m + Math.log(s);
}

/** The logits of row i: z [K] = b + Σ_j x_ij W[j, :], with params = [W (cols × K), b (K)]. */
function logitsOf(x: CsrMatrix, i: number, params: Float64Array, classes: number, z: Float64Array): void {
  const bias = x.cols * classes;
  for (let k = 0; k < classes; k++) z[k] = params[bias + k]!;
  for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
    const v = x.values[p]!, w = x.indices[p]! * classes;
    for (let k = 0; k < classes; k++) z[k]! += v * params[w + k]!;
  }
}

/**
 * The objective the regression minimises, and its gradient written into `grad` (same layout as
 * params): mean softmax cross-entropy over the rows + (l2 / 2) ||W||², the bias unpenalised.
 * params = [W as cols × classes row-major (W[j, k] at j·classes + k), b (classes)].
 */
export function logisticRegressionObjective(x: CsrMatrix, labels: ArrayLike<number>, classes: number, l2: number, params: Float64Array, grad: Float64Array): number {
  const K = classes, bias = x.cols * K, n = x.rows;
  const z = new Float64Array(K);
  grad.fill(0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    logitsOf(x, i, params, K, z);
    const y = labels[i]!;
    loss += -z[y]! + softmaxInPlace(z);
    z[y]! -= 1; // dloss/dz = p - onehot(y)
    for (let k = 0; k < K; k++) grad[bias + k]! += z[k]!;
    for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) {
      const v = x.values[p]!, w = x.indices[p]! * K;
      for (let k = 0; k < K; k++) grad[w + k]! += v * z[k]!;
    }
  }
  let penalty = 0;
  for (let j = 0; j < bias; j++) penalty += params[j]! ** 2;
  for (let j = 0; j < grad.length; j++) grad[j] = grad[j]! / n + (j < bias ? l2 * params[j]! : 0);
  return loss / n + 0.5 * l2 * penalty;
}

export interface LogisticRegressionOptions {
  /**
   * The L2 coefficient λ of the per-sample objective mean cross-entropy + (λ/2) ||W||² (default
   * 1 / N for N training rows: scikit-learn's C = 1, whose objective C Σ loss + ½ ||W||² is N·C
   * times this one, so λ = 1 / (C N)). With two classes scikit-learn fits one weight vector w;
   * the softmax here is then fitted with 2λ, which is exactly that model (w = W[:, 1] - W[:, 0]).
   */
  l2?: number;
  /** L-BFGS iterations at most (default 1000). */
  maxIterations?: number;
  /** Converged when no gradient component exceeds this in absolute value (default 1e-8). */
  tolerance?: number;
}

/** A fitted multinomial logistic regression over `features` columns. */
export class LogisticRegressionModel {
  constructor(
    readonly classes: number,
    readonly features: number,
    /** [features, classes] row-major: weights[j · classes + k]. */
    readonly weights: Float64Array,
    /** [classes] the intercepts. */
    readonly bias: Float64Array,
    /** How the fit ended: the objective reached, iterations, whether it converged, the gradient's largest component. */
    readonly fit: { objective: number; iterations: number; converged: boolean; gradientMax: number },
  ) {}

  /** Class probabilities of each row of x: [rows, classes] row-major. */
  predictProba(x: CsrMatrix): Float64Array {
    checkCsr('LogisticRegressionModel.predictProba', x, this.features);
    const K = this.classes, out = new Float64Array(x.rows * K), z = new Float64Array(K);
    const params = new Float64Array(this.weights.length + K);
    params.set(this.weights);
    params.set(this.bias, this.weights.length);
    for (let i = 0; i < x.rows; i++) {
      logitsOf(x, i, params, K, z);
      softmaxInPlace(z);
      out.set(z, i * K);
    }
    return out;
  }

  /** The most probable class of each row of x (the lowest index on ties). */
  predict(x: CsrMatrix): Int32Array {
    const p = this.predictProba(x), K = this.classes, out = new Int32Array(x.rows);
    for (let i = 0; i < x.rows; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (p[i * K + k]! > p[i * K + best]!) best = k;
      out[i] = best;
    }
    return out;
  }
}

const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };
const maxAbs = (a: Float64Array) => { let m = 0; for (const v of a) m = Math.max(m, Math.abs(v)); return m; };

/** L-BFGS memory: the last corrections kept. */
const MEMORY = 10;

/**
 * Fits a multinomial logistic regression to rows of x and labels in [0, classes) by full-batch
 * L-BFGS (two-loop recursion, memory 10, backtracking Armijo line search) from zero weights,
 * minimising `logisticRegressionObjective` with the L2 of `options.l2` (see there). The problem
 * is strictly convex in W, so the answer does not depend on the start.
 */
export function trainLogisticRegression(x: CsrMatrix, labels: ArrayLike<number>, classes: number, options: LogisticRegressionOptions = {}): LogisticRegressionModel {
  const where = 'trainLogisticRegression';
  if (!(Number.isInteger(classes) && classes >= 2)) throw new Error(`${where}: classes must be an integer >= 2, got ${classes}`);
  checkCsr(where, x, x.cols);
  if (x.rows === 0) throw new Error(`${where}: x has no rows`);
  if (labels.length !== x.rows) throw new Error(`${where}: ${labels.length} labels for ${x.rows} rows`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) throw new Error(`${where}: label ${i} is ${y}, outside [0, ${classes})`);
  }
  const l2 = options.l2 ?? 1 / x.rows;
  const maxIterations = options.maxIterations ?? 1000;
  const tolerance = options.tolerance ?? 1e-8;
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new Error(`${where}: l2 must be a finite number >= 0, got ${l2}`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 0)) throw new Error(`${where}: maxIterations must be an integer >= 0, got ${maxIterations}`);
  if (!(tolerance > 0)) throw new Error(`${where}: tolerance must be > 0, got ${tolerance}`);
  const lambda = classes === 2 ? 2 * l2 : l2;
  const size = (x.cols + 1) * classes;
  const objective = (p: Float64Array, g: Float64Array) => logisticRegressionObjective(x, labels, classes, lambda, p, g);

  let params = new Float64Array(size), grad = new Float64Array(size);
  let f = objective(params, grad);
  const s: Float64Array[] = [], y: Float64Array[] = [], rho: number[] = [];
  const d = new Float64Array(size), alpha = new Float64Array(MEMORY);
  let next = new Float64Array(size), nextGrad = new Float64Array(size);
  let iterations = 0, converged = maxAbs(grad) <= tolerance;
  while (!converged && iterations < maxIterations) {
    // d = -H g by the two-loop recursion; H0 = (s·y / y·y) I, or a step of unit length at first.
    for (let j = 0; j < size; j++) d[j] = -grad[j]!;
    for (let m = s.length - 1; m >= 0; m--) {
      alpha[m] = rho[m]! * dot(s[m]!, d);
      for (let j = 0; j < size; j++) d[j]! -= alpha[m]! * y[m]![j]!;
    }
    const last = s.length - 1;
    const gamma = last >= 0 ? 1 / (rho[last]! * dot(y[last]!, y[last]!)) : 1 / Math.max(1, Math.sqrt(dot(grad, grad)));
    for (let j = 0; j < size; j++) d[j]! *= gamma;
    for (let m = 0; m < s.length; m++) {
      const beta = rho[m]! * dot(y[m]!, d);
      for (let j = 0; j < size; j++) d[j]! += (alpha[m]! - beta) * s[m]![j]!;
    }
    let slope = dot(grad, d);
    if (!(slope < 0)) { // not a descent direction: forget the curvature pairs, go down the gradient
      s.length = y.length = rho.length = 0;
      for (let j = 0; j < size; j++) d[j] = -grad[j]!;
      slope = -dot(grad, grad);
    }
    let step = 1, fNext = Infinity;
    for (let tries = 0; tries < 60; tries++, step /= 2) {
      for (let j = 0; j < size; j++) next[j] = params[j]! + step * d[j]!;
      fNext = objective(next, nextGrad);
      if (fNext <= f + 1e-4 * step * slope) break;
    }
    if (!(fNext <= f + 1e-4 * step * slope)) break; // no decrease left at float64 precision
    iterations++;
    const sk = new Float64Array(size), yk = new Float64Array(size);
    for (let j = 0; j < size; j++) { sk[j] = next[j]! - params[j]!; yk[j] = nextGrad[j]! - grad[j]!; }
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      if (s.length === MEMORY) { s.shift(); y.shift(); rho.shift(); }
      s.push(sk); y.push(yk); rho.push(1 / sy);
    }
    const stalled = f - fNext <= 1e-15 * Math.max(1, Math.abs(f));
    [params, next] = [next, params];
    [grad, nextGrad] = [nextGrad, grad];
    f = fNext;
    converged = maxAbs(grad) <= tolerance;
    if (stalled) break;
  }
  const cols = x.cols * classes;
  return new LogisticRegressionModel(classes, x.cols, params.slice(0, cols), params.slice(cols), { objective: f, iterations, converged, gradientMax: maxAbs(grad) });
}

/** Labelled token-id sequences. */
export interface LabelledTokens {
  inputs: readonly ArrayLike<number>[];
  /** Class index per sequence, in [0, classes). */
  labels: ArrayLike<number>;
}

export interface BowBaselineInput {
  train: LabelledTokens;
  test: LabelledTokens;
  vocabSize: number;
  classes: number;
  /** The features (default `{ tfidf: true }`: TfidfVectorizer's defaults); an idf is fitted on train only. */
  features?: Omit<BagOfWordsOptions, 'idf'>;
  regression?: LogisticRegressionOptions;
}

export interface BowBaselineResult {
  /** Fraction of test sequences classified right. */
  accuracy: number;
  /** [test sequences] the predicted classes. */
  predictions: Int32Array;
  model: LogisticRegressionModel;
}

/**
 * The bag-of-words logistic-regression baseline: features fitted on the training sequences
 * (the idf too), the regression trained on them, the test sequences transformed the same way
 * and classified. The test set selects nothing.
 */
export function bowBaselineAccuracy(input: BowBaselineInput): BowBaselineResult {
  const features = input.features ?? { tfidf: true };
  if (input.test.labels.length !== input.test.inputs.length) throw new Error(`bowBaselineAccuracy: test has ${input.test.labels.length} labels for ${input.test.inputs.length} sequences`);
  if (input.test.inputs.length === 0) throw new Error('bowBaselineAccuracy: the test set is empty');
  const train = bagOfWords(input.train.inputs, input.vocabSize, features);
  const model = trainLogisticRegression(train.x, input.train.labels, input.classes, input.regression);
  const test = bagOfWords(input.test.inputs, input.vocabSize, { binary: features.binary, ...(train.idf ? { idf: train.idf } : {}) });
  const predictions = model.predict(test.x);
  let right = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === input.test.labels[i]) right++;
  return { accuracy: right / predictions.length, predictions, model };
}
