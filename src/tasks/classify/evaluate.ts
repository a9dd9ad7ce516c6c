/**
 * Evaluating a saved classifier on labelled data it was not trained on: the data read with the
 * model's own settings (columns, separator, tokenizer), every label checked against the model's
 * classes, then accuracy, macro-F1, per-class precision / recall / F1 and the confusion matrix
 * (single-label), or subset accuracy, micro and macro F1 and per-class scores (multi-label).
 */
import type { Backend } from '../../kernels/backend.js';
import { type ClassificationReport, classificationReport } from '../../train/metrics.js';
import { multiLabelReport } from '../../train/metrics.js';
import { type ClassifyConfig, normalizeClassifyConfig } from './config.js';
import { type Classifier, checkSequences, classProbabilities, encodeTexts, predictedClasses } from './predict.js';
import { type RawExamples, exampleName, readExamples } from './prepare.js';

export interface ClassScoreRow {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassifyEvaluation {
  source: string;
  examples: number;
  multiLabel: boolean;
  /** Single-label: the share of examples whose arg-max is the label; multi-label: exact set matches. */
  accuracy: number;
  macroF1: number;
  /** Multi-label only. */
  microF1?: number;
  perClass: ClassScoreRow[];
  /** Single-label: rows true classes, columns predicted, in `classes` order. */
  confusion?: number[][];
  classes: string[];
  skippedEmpty: number;
}

/** The data settings of a model with the caller's overrides, as a config `readExamples` takes. */
export function readSettings(c: Classifier, overrides: Partial<Pick<ClassifyConfig, 'textColumn' | 'labelColumn' | 'header' | 'separator' | 'format' | 'strict'>> = {}): ClassifyConfig {
  const d = c.meta.data;
  const pick = <T>(v: T | undefined, saved: T) => (v === undefined ? saved : v);
  return normalizeClassifyConfig({
    format: pick(overrides.format, d.format === 'class-files' || d.format === 'idx' || d.format === 'jsonl' ? 'auto' : d.format),
    textColumn: pick(overrides.textColumn, d.textColumn), labelColumn: pick(overrides.labelColumn, d.labelColumn),
    header: pick(overrides.header, d.header), separator: pick(overrides.separator, d.separator), labelSeparator: d.labelSeparator,
    multiLabel: c.meta.multiLabel, strict: overrides.strict ?? false,
  });
}

/** Class ids of examples' labels; a label the model does not know is an error naming it. */
function truthOf(c: Classifier, raw: RawExamples): number[][] {
  const index = new Map(c.meta.classes.map((k, i) => [k, i]));
  return raw.labels.map((ls, i) => {
    if (!c.meta.multiLabel && ls.length !== 1) throw new Error(`${raw.source}: ${exampleName(raw, i)} has ${ls.length} labels but the model is single-label`);
    return ls.map((l) => {
      const id = index.get(l);
      if (id === undefined) throw new Error(`${raw.source}: ${exampleName(raw, i)} has label '${l}', which the model does not know (its classes: ${c.meta.classes.slice(0, 20).join(', ')}${c.meta.classes.length > 20 ? ', ...' : ''})`);
      return id;
    });
  });
}

/** The model's class probabilities for raw examples ([N, C]). */
export function probabilitiesOf(c: Classifier, backend: Backend, raw: RawExamples, options: { truncate?: boolean } = {}): Float32Array {
  const inputs = raw.kind === 'text'
    ? encodeTexts(c, raw.texts, { truncate: options.truncate, where: (i) => `${raw.source}: ${exampleName(raw, i)}` })
    : checkSequences(c, raw.inputs, raw.features, { truncate: options.truncate, source: raw.source });
  return classProbabilities(c, backend, inputs);
}

/** Scores a classifier on labelled examples. */
export function evaluateClassifier(c: Classifier, backend: Backend, raw: RawExamples, options: { truncate?: boolean; threshold?: number } = {}): ClassifyEvaluation {
  const truth = truthOf(c, raw);
  const probs = probabilitiesOf(c, backend, raw, options);
  const C = c.meta.classes.length, N = truth.length;
  const rows = (r: { perClass: { precision: number; recall: number; f1: number; support: number }[] }) =>
    r.perClass.map((s, k) => ({ label: c.meta.classes[k]!, precision: s.precision, recall: s.recall, f1: s.f1, support: s.support }));
  const base = { source: raw.source, examples: N, multiLabel: c.meta.multiLabel, classes: c.meta.classes, skippedEmpty: raw.skippedEmpty };
  if (c.meta.multiLabel) {
    const oneHot = (ids: number[]) => { const r = new Float32Array(C); for (const k of ids) r[k] = 1; return r; };
    const r = multiLabelReport(truth.map(oneHot), Array.from({ length: N }, (_, n) => oneHot(predictedClasses(c, probs, n, options.threshold))), C);
    return { ...base, accuracy: r.subsetAccuracy, macroF1: r.macroF1, microF1: r.microF1, perClass: rows(r) };
  }
  const report: ClassificationReport = classificationReport(truth.map((l) => l[0]!), Array.from({ length: N }, (_, n) => predictedClasses(c, probs, n)[0]!), C);
  return { ...base, accuracy: report.accuracy, macroF1: report.macroF1, perClass: rows(report), confusion: report.confusion };
}

/** Reads labelled data with the model's settings and scores the model on it. */
export async function evaluateClassifierOn(c: Classifier, backend: Backend, input: { path: string; labelsPath?: string },
  options: Parameters<typeof readSettings>[1] & { truncate?: boolean; threshold?: number } = {}): Promise<ClassifyEvaluation> {
  const raw = await readExamples(readSettings(c, options), input, '--data');
  return evaluateClassifier(c, backend, raw, options);
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The evaluation as text: the headline figures, a per-class table and (single-label) the confusion matrix. */
export function renderClassifyEvaluation(e: ClassifyEvaluation): string {
  const lines = [`${e.source}: ${e.examples.toLocaleString('en-US')} examples${e.skippedEmpty ? ` (${e.skippedEmpty} empty rows skipped)` : ''}`];
  lines.push(e.multiLabel
    ? `subset accuracy ${pct(e.accuracy)}   micro-F1 ${e.microF1!.toFixed(4)}   macro-F1 ${e.macroF1.toFixed(4)}`
    : `accuracy ${pct(e.accuracy)}   macro-F1 ${e.macroF1.toFixed(4)}`);
  const w = Math.max(5, ...e.perClass.map((r) => r.label.length));
  lines.push('', `${'class'.padEnd(w)}  precision  recall      F1  support`);
  for (const r of e.perClass) {
    lines.push(`${r.label.padEnd(w)}  ${r.precision.toFixed(4).padStart(9)}  ${r.recall.toFixed(4).padStart(6)}  ${r.f1.toFixed(4).padStart(6)}  ${String(r.support).padStart(7)}`);
  }
  if (e.confusion) {
    const cw = Math.max(4, ...e.confusion.flat().map((v) => String(v).length), ...e.classes.map((k) => Math.min(k.length, 8)));
    lines.push('', 'confusion matrix (rows: true class, columns: predicted)');
    lines.push(`${''.padEnd(w)}  ${e.classes.map((k) => k.slice(0, 8).padStart(cw)).join(' ')}`);
    e.confusion.forEach((row, i) => lines.push(`${e.classes[i]!.padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join(' ')}`));
  }
  return `${lines.join('\n')}\n`;
}
