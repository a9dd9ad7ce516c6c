/**
 * The classify task's pictures of a validation pass for the dashboard (panels, src/plot/panels.ts):
 * the confusion matrix of a single-label run, per-class precision, recall and F1 of a multi-label
 * run; with many classes, the most frequent ones. Built from the predictions the validation pass
 * already made: no model runs here.
 */
import type { SequenceDataset } from '../../data/sequence-batcher.js';
import type { MatrixPanel, Panel, TablePanel } from '../../plot/panels.js';
import { confusionMatrix, multiLabelReport } from '../../train/metrics.js';

/** Most classes a panel shows; beyond it, the most frequent true classes. */
export const VIEW_MAX_CLASSES = 30;

/** Class ids by how often they are true (`support`), most frequent first, ties in class order. */
function byFrequency(support: readonly number[]): number[] {
  return support.map((_, c) => c).sort((a, b) => support[b]! - support[a]! || a - b);
}

/**
 * The confusion matrix of class ids (rows true, columns predicted) as a panel. With more than
 * `VIEW_MAX_CLASSES` classes it keeps the most frequent true classes, most frequent first, and
 * sums the others into one last row and column, so that the counts still add up to the examples.
 */
export function confusionPanel(classes: readonly string[], truth: ArrayLike<number>, predicted: ArrayLike<number>): MatrixPanel {
  const C = classes.length;
  const m = confusionMatrix(truth, predicted, C);
  const base = { kind: 'matrix' as const, title: 'confusion matrix (validation)', rowTitle: 'true class', colTitle: 'predicted class', scale: 'count' as const };
  if (C <= VIEW_MAX_CLASSES) return { ...base, rows: [...classes], cols: [...classes], values: m };
  const kept = byFrequency(m.map((row) => row.reduce((a, v) => a + v, 0))).slice(0, VIEW_MAX_CLASSES);
  const slot = new Array<number>(C).fill(VIEW_MAX_CLASSES);
  kept.forEach((c, i) => { slot[c] = i; });
  const values = Array.from({ length: VIEW_MAX_CLASSES + 1 }, () => new Array<number>(VIEW_MAX_CLASSES + 1).fill(0));
  m.forEach((row, t) => row.forEach((v, p) => { values[slot[t]!]![slot[p]!]! += v; }));
  const other = `(${C - VIEW_MAX_CLASSES} other classes)`;
  const labels = [...kept.map((c) => classes[c]!), other];
  return {
    ...base, rows: labels, cols: [...labels], values,
    note: `the ${VIEW_MAX_CLASSES} most frequent of ${C} true classes in the validation data, most frequent first; the other ${C - VIEW_MAX_CLASSES} are summed in '${other}'`,
  };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Per-class precision, recall, F1 and support of multi-label predictions (`predicted`: [N, C]
 * row-major 0/1) against 0/1 target rows, as a table with F1 drawn as a bar. With more than
 * `VIEW_MAX_CLASSES` classes, the most frequent ones.
 */
export function classScoresPanel(classes: readonly string[], truth: readonly ArrayLike<number>[], predicted: Int32Array): TablePanel {
  const C = classes.length;
  if (predicted.length !== truth.length * C) throw new Error(`classScoresPanel: ${predicted.length} predictions for ${truth.length} examples of ${C} classes`);
  const rows = truth.map((_, n) => predicted.subarray(n * C, (n + 1) * C));
  const report = multiLabelReport(truth, rows, C);
  const shown = C <= VIEW_MAX_CLASSES ? classes.map((_, c) => c) : byFrequency(report.perClass.map((s) => s.support)).slice(0, VIEW_MAX_CLASSES);
  return {
    kind: 'table', title: 'per-class scores (validation)', columns: ['class', 'precision', 'recall', 'F1', 'support'],
    rows: shown.map((c) => { const s = report.perClass[c]!; return [classes[c]!, round4(s.precision), round4(s.recall), round4(s.f1), s.support]; }),
    barColumn: 3,
    ...(C > VIEW_MAX_CLASSES ? { note: `the ${VIEW_MAX_CLASSES} most frequent of ${C} classes in the validation data, most frequent first` } : {}),
  };
}

/** The panels of a validation pass: `predictions` as `evaluateSequences` returns them, in the order of `validation`. */
export function classifyEvalPanels(classes: readonly string[], validation: SequenceDataset, predictions: Int32Array, multiLabel: boolean): Panel[] {
  if (multiLabel) return [classScoresPanel(classes, validation.targets ?? [], predictions)];
  return [confusionPanel(classes, (validation.labels ?? []) as ArrayLike<number>, predictions)];
}
