/**
 * Classification metrics from predicted and true class ids, as scikit-learn computes them:
 * a confusion matrix, accuracy, per-class precision / recall / F1 (0 where undefined, with
 * `zero_division=0`), and their macro averages over the classes that occur. Pure functions of
 * integer arrays; nothing here runs a model.
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
    const precision = predictedC ? tp / predictedC : 0, recall = support ? tp / support : 0;
    perClass.push({ precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support });
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

/** The metrics `fit` computes by name on validation data. */
export type MetricName = 'accuracy' | 'macro-f1';

export const METRIC_SPECS: Readonly<Record<MetricName, MetricSpec>> = {
  accuracy: { name: 'accuracy', label: 'accuracy', format: 'percent', digits: 2, better: 'max' },
  'macro-f1': { name: 'macro-f1', label: 'macro-F1', format: 'decimal', digits: 4, better: 'max' },
};

/** The figures named in `names` from a report. */
export function pickMetrics(report: ClassificationReport, names: readonly MetricName[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = n === 'accuracy' ? report.accuracy : report.macroF1;
  return out;
}
