/**
 * Classification metrics as scikit-learn computes them (`zero_division=0`: 0 where a ratio is
 * undefined): for one class per example, a confusion matrix, accuracy, per-class precision /
 * recall / F1 and their macro averages over the classes that occur; for multi-label 0/1 rows,
 * subset accuracy, Hamming loss, micro and macro averages and per-class scores; and balanced
 * class weights. Pure functions of arrays; nothing here runs a model.
 */
import type { MetricSpec } from './events.js';

/** Row = true class, column = predicted class. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`confusionMatrix: ${truth.length} true labels but ${predicted.length} predictions`);
  if (!(Number.isInteger(classes) && classes > 0)) throw new Error(`confusionMatrix: classes must be a positive integer, got ${classes}`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!, p = predicted[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t < classes) || !(Number.isInteger(p) && p >= 0 && p < classes)) {
      throw new Error(`confusionMatrix: entry ${i} (true ${t}, predicted ${p}) is outside the classes [0, ${classes})`);
    }
    m[t]![p]!++;
  }
  return m;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Examples of the class in the truth. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  /** Means over the classes with support > 0 or predictions. */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  perClass: ClassScores[];
  confusion: number[][];
}

/** Precision, recall and F1 from counts, 0 where a ratio is undefined (scikit-learn's `zero_division=0`). */
function scores(tp: number, predictedPositive: number, support: number): ClassScores {
  const precision = predictedPositive ? tp / predictedPositive : 0, recall = support ? tp / support : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
}

/** Accuracy, per-class and macro scores of predictions over `classes` classes. */
export function classificationReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassificationReport {
  const confusion = confusionMatrix(truth, predicted, classes);
  let correct = 0;
  const perClass: ClassScores[] = [];
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c]![c]!;
    correct += tp;
    let support = 0, predictedC = 0;
    for (let k = 0; k < classes; k++) { support += confusion[c]![k]!; predictedC += confusion[k]![c]!; }
    perClass.push(scores(tp, predictedC, support));
  }
  // scikit-learn averages over the labels present in truth or predictions.
  const present = perClass.filter((_, c) => perClass[c]!.support > 0 || confusion.some((row) => row[c]! > 0));
  const mean = (f: (s: ClassScores) => number) => (present.length ? present.reduce((a, s) => a + f(s), 0) / present.length : 0);
  return {
    accuracy: truth.length ? correct / truth.length : 0,
    macroPrecision: mean((s) => s.precision), macroRecall: mean((s) => s.recall), macroF1: mean((s) => s.f1),
    perClass, confusion,
  };
}

export interface MultiLabelReport {
  /** Fraction of examples whose predicted set of labels is exactly the true one (sklearn's `accuracy_score`). */
  subsetAccuracy: number;
  /** Fraction of (example, class) entries predicted wrong (sklearn's `hamming_loss`). */
  hammingLoss: number;
  /** Scores of all (example, class) entries pooled: sum tp / sum predicted, sum tp / sum true. */
  microPrecision: number;
  microRecall: number;
  microF1: number;
  /** Means of the per-class scores over all `classes` (sklearn's multi-label 'macro': every column counts). */
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  /** Per class; `support` is the number of examples with the label. */
  perClass: ClassScores[];
}

/** Throws unless `rows` holds `n` rows of `classes` entries 0 or 1. */
function checkIndicatorRows(where: string, name: string, rows: readonly ArrayLike<number>[], classes: number): void {
  rows.forEach((row, i) => {
    if (!row || row.length !== classes) throw new Error(`${where}: ${name}[${i}] must hold ${classes} entries (0 or 1), got ${row?.length}`);
    for (let c = 0; c < classes; c++) {
      if (row[c] !== 0 && row[c] !== 1) throw new Error(`${where}: ${name}[${i}][${c}] = ${row[c]} must be 0 or 1`);
    }
  });
}

/**
 * Multi-label metrics from true and predicted 0/1 rows (one row of `classes` entries per
 * example), as scikit-learn's multi-label-indicator metrics with `zero_division=0`.
 */
export function multiLabelReport(truth: readonly ArrayLike<number>[], predicted: readonly ArrayLike<number>[], classes: number): MultiLabelReport {
  const where = 'multiLabelReport';
  if (!(Number.isInteger(classes) && classes > 0)) throw new Error(`${where}: classes must be a positive integer, got ${classes}`);
  if (truth.length !== predicted.length) throw new Error(`${where}: ${truth.length} true rows but ${predicted.length} predicted rows`);
  checkIndicatorRows(where, 'truth', truth, classes);
  checkIndicatorRows(where, 'predicted', predicted, classes);
  const tp = new Array<number>(classes).fill(0), support = tp.slice(), predictedPositive = tp.slice();
  let exact = 0, wrong = 0;
  for (let i = 0; i < truth.length; i++) {
    let same = true;
    for (let c = 0; c < classes; c++) {
      const t = truth[i]![c]!, p = predicted[i]![c]!;
      tp[c]! += t * p;
      support[c]! += t;
      predictedPositive[c]! += p;
      if (t !== p) { same = false; wrong++; }
    }
    if (same) exact++;
  }
  const perClass = tp.map((n, c) => scores(n, predictedPositive[c]!, support[c]!));
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const micro = scores(total(tp), total(predictedPositive), total(support));
  const mean = (f: (s: ClassScores) => number) => perClass.reduce((a, s) => a + f(s), 0) / classes;
  const n = truth.length;
  return {
    subsetAccuracy: n ? exact / n : 0, hammingLoss: n ? wrong / (n * classes) : 0,
    microPrecision: micro.precision, microRecall: micro.recall, microF1: micro.f1,
    macroPrecision: mean((s) => s.precision), macroRecall: mean((s) => s.recall), macroF1: mean((s) => s.f1),
    perClass,
  };
}

/**
 * scikit-learn's `compute_class_weight('balanced')`: weight[c] = n / (classes * count[c]) for n
 * labels, so that every class carries the same total weight. Like scikit-learn, a class with
 * no example is an error (its weight would be infinite, and a model cannot learn it anyway).
 *
 * @param labels - class ids in [0, classes) (flatten per-step labels first, padding left out).
 */
export function balancedClassWeights(labels: ArrayLike<number>, classes: number): Float32Array {
  const where = 'balancedClassWeights';
  if (!(Number.isInteger(classes) && classes > 0)) throw new Error(`${where}: classes must be a positive integer, got ${classes}`);
  const count = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (!(Number.isInteger(y) && y >= 0 && y < classes)) throw new Error(`${where}: labels[${i}] = ${y} is not a class id in [0, ${classes})`);
    count[y]!++;
  }
  const empty = count.indexOf(0);
  if (empty >= 0) throw new Error(`${where}: class ${empty} has no examples among the ${labels.length} labels, so it has no balanced weight`);
  return Float32Array.from(count, (k) => labels.length / (classes * k));
}

/**
 * The metrics `fit` computes by name on validation data. With one class per example
 * 'micro-f1' equals 'accuracy' and 'hamming-loss' is 1 - accuracy (as in scikit-learn); for
 * multi-label data 'accuracy' is the subset accuracy (every label of an example right).
 */
export type MetricName = 'accuracy' | 'macro-f1' | 'micro-f1' | 'hamming-loss';

export const METRIC_SPECS: Readonly<Record<MetricName, MetricSpec>> = {
  accuracy: { name: 'accuracy', label: 'accuracy', format: 'percent', digits: 2, better: 'max' },
  'macro-f1': { name: 'macro-f1', label: 'macro-F1', format: 'decimal', digits: 4, better: 'max' },
  'micro-f1': { name: 'micro-f1', label: 'micro-F1', format: 'decimal', digits: 4, better: 'max' },
  'hamming-loss': { name: 'hamming-loss', label: 'Hamming loss', format: 'decimal', digits: 4, better: 'min' },
};

/** The figures named in `names` from a single-label or a multi-label report. */
export function pickMetrics(report: ClassificationReport | MultiLabelReport, names: readonly MetricName[]): Record<string, number> {
  const accuracy = 'accuracy' in report ? report.accuracy : report.subsetAccuracy;
  const value: Record<MetricName, number> = {
    accuracy,
    'macro-f1': report.macroF1,
    'micro-f1': 'microF1' in report ? report.microF1 : accuracy,
    'hamming-loss': 'hammingLoss' in report ? report.hammingLoss : 1 - accuracy,
  };
  const out: Record<string, number> = {};
  for (const n of names) out[n] = value[n];
  return out;
}
