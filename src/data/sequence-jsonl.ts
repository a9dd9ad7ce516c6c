/**
 * Labelled sequences of feature vectors from JSON Lines: one object a line with a `sequence`
 * (T steps of F numbers) and a `label`. Pure: a string in, Float32Arrays out, so it runs in a
 * browser too; reading the file is labelled-text-file.ts. Not a scaler: values are kept as written.
 */
import { clip } from './csv-reader.js';
import { splitLabels, splitLines } from './labelled-text.js';

/** Labelled sequences of feature vectors; every array holds one entry per example. */
export interface LabelledSequences {
  /** Each example's T × features values, step-major (step 0's features first). */
  inputs: Float32Array[];
  /** Values per step, the same for every example. */
  features: number;
  /** The labels of each example as strings (a number label becomes its string form). */
  labels: string[][];
  /** The 1-based line each example came from. */
  lines: number[];
  source: string;
}

/** What a JSON value is, for a message. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(clip(v))}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** A JSON label (string, number, or a non-empty array of them) as trimmed, distinct strings. */
function labelsOf(value: unknown, where: string): string[] {
  const one = (v: unknown): string => {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'string') return splitLabels(v, undefined, where)[0]!;
    throw new Error(`${where}: a label must be a string or a number, got ${kindOf(v)}`);
  };
  if (!Array.isArray(value)) return [one(value)];
  if (value.length === 0) throw new Error(`${where}: the label list is empty`);
  return [...new Set(value.map(one))];
}

/** A step's values as float32, or an error naming the step and the value that is not a finite float32. */
function putStep(out: Float32Array, at: number, values: readonly unknown[], where: string, step: number): void {
  for (let f = 0; f < values.length; f++) {
    const v = values[f];
    const x = typeof v === 'number' ? Math.fround(v) : NaN;
    if (!Number.isFinite(x)) {
      const why = typeof v === 'number' && Number.isFinite(v) ? ' (beyond float32 range)' : '';
      throw new Error(`${where}: step ${step} value ${f} is ${kindOf(v)}, not a finite number${why}`);
    }
    out[at + f] = x;
  }
}

/** One line's sequence as T × F values; `features` is F of the earlier lines (undefined before the first). */
function sequenceOf(value: unknown, where: string, features: number | undefined, firstLine: number): Float32Array {
  if (!Array.isArray(value)) throw new Error(`${where}: 'sequence' must be an array of steps, got ${kindOf(value)}`);
  if (value.length === 0) throw new Error(`${where}: the sequence is empty`);
  const flat = !Array.isArray(value[0]);
  const width = flat ? 1 : (value[0] as unknown[]).length;
  if (width === 0) throw new Error(`${where}: step 0 is an empty array`);
  if (features !== undefined && width !== features) {
    throw new Error(`${where}: steps have ${width} value${width === 1 ? '' : 's'} but line ${firstLine}'s have ${features}; every sequence needs the same number of features`);
  }
  const out = new Float32Array(value.length * width);
  value.forEach((step: unknown, t) => {
    if (flat) {
      if (Array.isArray(step)) throw new Error(`${where}: step ${t} is an array but step 0 is a number; write every step as an array, or every step as one number`);
      putStep(out, t, [step], where, t);
      return;
    }
    if (!Array.isArray(step)) throw new Error(`${where}: step ${t} is ${kindOf(step)} but step 0 is an array of ${width} values`);
    if (step.length !== width) throw new Error(`${where}: step ${t} has ${step.length} values but step 0 has ${width}`);
    putStep(out, t * width, step, where, t);
  });
  return out;
}

/**
 * Reads JSON Lines of labelled sequences: each non-blank line an object with `sequence` (an
 * array of T >= 1 steps, each an array of F numbers; or a flat array of numbers, T steps of one
 * feature) and `label` (a string or a number, or an array of them for several labels). Other
 * fields are ignored. Every line must have the same F. Errors name `source` and the line: not
 * JSON, not an object, a missing field, an empty sequence, steps of different widths, F unlike
 * earlier lines, a value that is not a finite number (or beyond float32), an empty label, no lines.
 * With `labels: 'optional'` (sequences to classify) a line may lack `label`; its labels are then [].
 */
export function parseSequenceJsonl(text: string, source = 'JSON Lines', options: { labels?: 'required' | 'optional' } = {}): LabelledSequences {
  const required = options.labels !== 'optional';
  const out: LabelledSequences = { inputs: [], features: 0, labels: [], lines: [], source };
  let features: number | undefined;
  splitLines(text).forEach((row, i) => {
    if (row.trim() === '') return;
    const where = `${source} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected an object with 'sequence' and 'label', got ${kindOf(value)}`);
    const record = value as Record<string, unknown>;
    for (const field of required ? ['sequence', 'label'] : ['sequence']) {
      if (!(field in record)) throw new Error(`${where}: missing field '${field}'`);
    }
    const sequence = sequenceOf(record.sequence, where, features, out.lines[0] ?? i + 1);
    const labels = 'label' in record ? labelsOf(record.label, where) : [];
    features ??= sequence.length / (record.sequence as unknown[]).length;
    out.inputs.push(sequence);
    out.labels.push(labels);
    out.lines.push(i + 1);
  });
  if (features === undefined) throw new Error(`${source}: no sequences (every line is blank)`);
  out.features = features;
  return out;
}
