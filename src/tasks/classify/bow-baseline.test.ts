import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random/rng.js';
import { type CsrMatrix, bagOfWords, bowBaselineAccuracy, logisticRegressionObjective, trainLogisticRegression } from './bow-baseline.js';

/** The dense [rows, cols] form of x, for checking. */
const dense = (x: CsrMatrix) => {
  const out = Array.from({ length: x.rows }, () => new Array<number>(x.cols).fill(0));
  for (let i = 0; i < x.rows; i++) for (let p = x.indptr[i]!; p < x.indptr[i + 1]!; p++) out[i]![x.indices[p]!] = x.values[p]!;
  return out;
};
const near = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

test('bagOfWords: counts or 1s per token, rows of unit L2 norm, columns ascending; an empty sequence is an empty row', () => {
  const counts = bagOfWords([[2, 0, 2], [], [1]], 3);
  assert.deepEqual([...counts.x.indptr], [0, 2, 2, 3]);
  assert.deepEqual([...counts.x.indices], [0, 2, 1]);
  assert.equal(counts.idf, null);
  const r5 = Math.sqrt(5);
  assert.deepEqual(dense(counts.x), [[1 / r5, 0, 2 / r5], [0, 0, 0], [0, 1, 0]]);
  const binary = dense(bagOfWords([[2, 0, 2]], 3, { binary: true }).x)[0]!;
  assert.ok(near(binary[0]!, Math.SQRT1_2) && binary[1] === 0 && near(binary[2]!, Math.SQRT1_2), `${binary}`);
});

test('bagOfWords: tf-idf with scikit-learn\'s smooth idf fitted on train, and the same idf applied to test', () => {
  // 3 documents; token 0 in all, token 1 in one, token 2 in none.
  const train = bagOfWords([[0, 1, 1], [0], [0]], 3, { tfidf: true });
  const idf = [Math.log(4 / 4) + 1, Math.log(4 / 2) + 1, Math.log(4 / 1) + 1];
  train.idf!.forEach((v, j) => assert.ok(near(v, idf[j]!), `idf[${j}] ${v}`));
  const a = idf[0]!, b = 2 * idf[1]!, norm = Math.hypot(a, b);
  const row = dense(train.x)[0]!;
  assert.ok(near(row[0]!, a / norm) && near(row[1]!, b / norm) && row[2] === 0, `${row}`);
  // On test the train idf weights the unseen-in-train token 2 most.
  const test1 = bagOfWords([[0, 2]], 3, { idf: train.idf! });
  const t = dense(test1.x)[0]!, n2 = Math.hypot(idf[0]!, idf[2]!);
  assert.ok(near(t[0]!, idf[0]! / n2) && near(t[2]!, idf[2]! / n2), `${t}`);
  assert.throws(() => bagOfWords([[0, 3]], 3), /bagOfWords: sequence 0, position 1: token 3 is outside \[0, 3\)/);
  assert.throws(() => bagOfWords([[0]], 3, { idf: new Float64Array(2) }), /bagOfWords: idf has 2 entries, expected vocabSize 3/);
});

/**
 * A toy corpus over 8 words: class 0 holds word 0 ("good"), class 1 word 1 ("bad"), class 2
 * word 2 ("meh"); each sentence also holds 1-4 filler words from 3..7 that say nothing of the class.
 */
function corpus(rng: Rng, n: number): { inputs: number[][]; labels: Int32Array } {
  const inputs: number[][] = [], labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    const words = [y];
    const filler = 1 + Math.floor(rng.uniform() * 4);
    for (let f = 0; f < filler; f++) words.splice(Math.floor(rng.uniform() * (words.length + 1)), 0, 3 + Math.floor(rng.uniform() * 5));
    inputs.push(words);
    labels[i] = y;
  }
  return { inputs, labels };
}

test('bowBaselineAccuracy separates a corpus split by a couple of words, with sane probabilities', () => {
  const rng = new Rng(7);
  const train = corpus(rng, 60), held = corpus(rng, 30);
  const r = bowBaselineAccuracy({ train, test: held, vocabSize: 8, classes: 3 });
  assert.equal(r.accuracy, 1);
  assert.deepEqual([...r.predictions], [...held.labels]);
  assert.ok(r.model.fit.converged, `gradient ${r.model.fit.gradientMax} after ${r.model.fit.iterations} iterations`);
  const p = r.model.predictProba(bagOfWords([[0], [1], [2]], 8).x);
  for (let i = 0; i < 3; i++) {
    const row = p.subarray(3 * i, 3 * i + 3);
    assert.ok(near(row.reduce((a, b) => a + b, 0), 1), `row ${i} sums to ${row.reduce((a, b) => a + b, 0)}`);
    assert.ok(row[i]! > 0.5 && row.every((v) => v > 0 && v < 1), `row ${i}: ${[...row]}`);
  }
  // Filler alone says nothing: no class above 0.6.
  const filler = r.model.predictProba(bagOfWords([[4]], 8).x);
  assert.ok(filler.every((v) => v < 0.6), `${[...filler]}`);
});

test('logisticRegressionObjective: its gradient matches central differences of the objective', () => {
  const rng = new Rng(3);
  const { inputs, labels } = corpus(rng, 12);
  const x = bagOfWords(inputs, 8, { tfidf: true }).x, K = 3, size = (8 + 1) * K;
  const params = Float64Array.from({ length: size }, () => rng.uniform() * 2 - 1);
  const grad = new Float64Array(size), scratch = new Float64Array(size);
  const f0 = logisticRegressionObjective(x, labels, K, 0.3, params, grad);
  assert.ok(f0 > 0 && Number.isFinite(f0));
  const h = 1e-6;
  for (let j = 0; j < size; j++) {
    const plus = Float64Array.from(params), minus = Float64Array.from(params);
    plus[j]! += h; minus[j]! -= h;
    const numeric = (logisticRegressionObjective(x, labels, K, 0.3, plus, scratch) - logisticRegressionObjective(x, labels, K, 0.3, minus, scratch)) / (2 * h);
    assert.ok(Math.abs(numeric - grad[j]!) < 1e-8, `parameter ${j}: analytic ${grad[j]} vs numeric ${numeric}`);
  }
});

test('trainLogisticRegression: more L2 gives smaller weights; two classes fit scikit-learn\'s binary model', () => {
  const { inputs, labels } = corpus(new Rng(5), 45);
  const x = bagOfWords(inputs, 8).x;
  const norm = (w: Float64Array) => Math.sqrt(w.reduce((a, v) => a + v * v, 0));
  const weak = trainLogisticRegression(x, labels, 3, { l2: 1e-3 }), strong = trainLogisticRegression(x, labels, 3, { l2: 1 });
  assert.ok(weak.fit.converged && strong.fit.converged);
  assert.ok(norm(strong.weights) < 0.5 * norm(weak.weights), `||W|| ${norm(strong.weights)} with l2 1 vs ${norm(weak.weights)} with 1e-3`);
  // The default is 1/N: between the two.
  const byDefault = trainLogisticRegression(x, labels, 3);
  assert.ok(norm(byDefault.weights) < norm(weak.weights) && norm(byDefault.weights) > norm(strong.weights));

  // Binary (classes 0 and 1 of the corpus): w = W[:,1] - W[:,0] must zero the gradient of
  // scikit-learn's binary objective mean log-loss + (l2/2)||w||², with b = b1 - b0.
  const keep = [...labels.keys()].filter((i) => labels[i] !== 2);
  const xb = bagOfWords(keep.map((i) => inputs[i]!), 8).x, yb = keep.map((i) => labels[i]!);
  const l2 = 0.05, m = trainLogisticRegression(xb, yb, 2, { l2, tolerance: 1e-10 });
  const w = Float64Array.from({ length: 8 }, (_, j) => m.weights[2 * j + 1]! - m.weights[2 * j]!), b = m.bias[1]! - m.bias[0]!;
  const g = new Float64Array(9);
  for (let i = 0; i < xb.rows; i++) {
    let z = b;
    for (let p = xb.indptr[i]!; p < xb.indptr[i + 1]!; p++) z += w[xb.indices[p]!]! * xb.values[p]!;
    const r = 1 / (1 + Math.exp(-z)) - yb[i]!;
    g[8]! += r / xb.rows;
    for (let p = xb.indptr[i]!; p < xb.indptr[i + 1]!; p++) g[xb.indices[p]!]! += (r * xb.values[p]!) / xb.rows;
  }
  for (let j = 0; j < 8; j++) g[j]! += l2 * w[j]!;
  assert.ok(g.every((v) => Math.abs(v) < 1e-8), `binary gradient ${[...g]}`);
  // Deterministic: the same fit twice is the same bits.
  assert.deepEqual(trainLogisticRegression(xb, yb, 2, { l2, tolerance: 1e-10 }).weights, m.weights);
});

test('trainLogisticRegression names what is wrong with its input', () => {
  const x = bagOfWords([[0], [1]], 2).x;
  assert.throws(() => trainLogisticRegression(x, [0, 2], 2), /trainLogisticRegression: label 1 is 2, outside \[0, 2\)/);
  assert.throws(() => trainLogisticRegression(x, [0], 2), /trainLogisticRegression: 1 labels for 2 rows/);
  assert.throws(() => trainLogisticRegression(x, [0, 1], 1), /trainLogisticRegression: classes must be an integer >= 2, got 1/);
  const m = trainLogisticRegression(x, [0, 1], 2);
  assert.throws(() => m.predict(bagOfWords([[0]], 3).x), /LogisticRegressionModel.predictProba: x has 3 columns, expected 2/);
});
