// Pure data handling for the dashboard page (no DOM, so Node tests cover it too): folds a run's training events into
// columnar series, aligns several runs on one x axis for uPlot, formats figures.
import type {
  CheckpointEvent, DivergenceEvent, EndEvent, EvalEvent, MetricSpec, SampleEvent, StartEvent, StepEvent,
} from '../train/events.js';

/** A growable column of numbers; NaN marks a missing value. */
export class Column {
  private buf = new Float64Array(256);
  length = 0;

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  get(i: number): number { return this.buf[i]!; }
  /** The filled part (a view, valid until the next push). */
  view(): Float64Array { return this.buf.subarray(0, this.length); }
  truncate(n: number): void { this.length = Math.min(this.length, Math.max(0, n)); }
}

/** Columns of one kind of event (a `step` column among them), all the same length. */
export class Table<K extends string> {
  readonly cols: Record<K | 'step', Column>;
  constructor(private readonly keys: readonly (K | 'step')[]) {
    this.cols = {} as Record<K | 'step', Column>;
    for (const k of keys) this.cols[k] = new Column();
  }
  get length(): number { return this.cols.step.length; }
  push(row: Record<K | 'step', number>): void { for (const k of this.keys) this.cols[k].push(row[k]); }
  truncate(n: number): void { for (const k of this.keys) this.cols[k].truncate(n); }
  /** Drops the rows whose step is at least `step` (steps redone after a resume). */
  dropFrom(step: number): void {
    const s = this.cols.step;
    let n = s.length;
    while (n > 0 && s.get(n - 1) >= step) n--;
    this.truncate(n);
  }
}

const STEP_KEYS = ['step', 'time', 'loss', 'lr', 'gradNorm', 'itemsPerSecond', 'memoryMiB'] as const;
const EVAL_KEYS = ['step', 'time', 'valLoss'] as const;
export type StepKey = typeof STEP_KEYS[number];
export type EvalKey = typeof EVAL_KEYS[number];

/** Everything the page knows about one run, folded from its events. */
export interface RunState {
  steps: Table<StepKey>;
  evals: Table<EvalKey>;
  start: StartEvent | null;
  end: EndEvent | null;
  lastEval: EvalEvent | null;
  sample: SampleEvent | null;
  checkpoint: CheckpointEvent | null;
  /** The latest divergence of this session (a rollback, or the stop that ended it). */
  divergence: DivergenceEvent | null;
  hasMemory: boolean;
  events: number;
  /** The server said the run has no events.jsonl yet. */
  missing: boolean;
}

export function newRunState(): RunState {
  return {
    steps: new Table(STEP_KEYS), evals: new Table(EVAL_KEYS), start: null, end: null, lastEval: null,
    sample: null, checkpoint: null, divergence: null, hasMemory: false, events: 0, missing: false,
  };
}

export function resetRunState(r: RunState): void {
  Object.assign(r, newRunState());
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A number from JSON, NaN when absent or not a number (JSON writes NaN and Infinity as null). */
function num(x: unknown): number {
  return typeof x === 'number' ? x : NaN;
}

/**
 * A value from an event as text, `fallback` when absent. Events come from a file anyone may
 * have edited: an object whose `toString` is not a function makes `String(x)` throw, so objects
 * and arrays are written as JSON (the server drops lines nested deep enough to break that).
 */
export function text(x: unknown, fallback = '–'): string {
  if (x === undefined || x === null) return fallback;
  if (typeof x === 'string') return x;
  if (typeof x !== 'object') return String(x);
  try {
    return JSON.stringify(x);
  } catch {
    return fallback;
  }
}

/** The start event's metric specs that are objects (a hand-edited file may hold anything). */
function metricSpecs(r: RunState): MetricSpec[] {
  const specs: unknown = r.start?.metrics;
  return Array.isArray(specs) ? specs.filter(isObject) as unknown as MetricSpec[] : [];
}

/** Folds one event into the run; returns false for an event the page does not know. */
export function foldEvent(r: RunState, e: unknown): boolean {
  if (!isObject(e) || typeof e.type !== 'string') return false;
  r.events++;
  switch (e.type) {
    case 'start': {
      const s = e as unknown as StartEvent;
      r.start = s;
      r.end = null;
      r.divergence = null;
      // A resumed run starts again from its checkpoint: steps logged after it were redone.
      const from = num(s.step);
      if (from >= 0) { r.steps.dropFrom(from + 1); r.evals.dropFrom(from + 1); }
      return true;
    }
    case 'step': {
      const s = e as unknown as StepEvent;
      const step = num(s.step);
      r.steps.dropFrom(step);
      const mem = num(s.memoryBytes);
      if (mem >= 0) r.hasMemory = true;
      r.steps.push({
        step, time: num(s.elapsedMs) / 60000, loss: num(s.loss), lr: num(s.lr), gradNorm: num(s.gradNorm),
        itemsPerSecond: num(s.itemsPerSecond), memoryMiB: mem / (1024 * 1024),
      });
      return true;
    }
    case 'eval': {
      const v = e as unknown as EvalEvent;
      const step = num(v.step);
      r.evals.dropFrom(step);
      r.evals.push({ step, time: num(v.elapsedMs) / 60000, valLoss: num(v.valLoss) });
      r.lastEval = v;
      return true;
    }
    case 'sample': r.sample = e as unknown as SampleEvent; return true;
    case 'checkpoint': r.checkpoint = e as unknown as CheckpointEvent; return true;
    case 'end': r.end = e as unknown as EndEvent; return true;
    case 'divergence': {
      const d = e as unknown as DivergenceEvent;
      r.divergence = d;
      // A rollback undoes the steps after the state it restored: they are trained again.
      const from = num(d.restoredStep);
      if (d.action === 'rollback' && from >= 0) { r.steps.dropFrom(from + 1); r.evals.dropFrom(from + 1); }
      return true;
    }
    default: return false;
  }
}

export type RunStatus = 'training' | 'finished' | 'diverged' | 'no events yet' | 'no events.jsonl yet';

export function runStatus(r: RunState): RunStatus {
  if (r.start === null) return r.missing ? 'no events.jsonl yet' : 'no events yet';
  if (r.end === null && r.divergence?.action === 'stop') return 'diverged';
  return r.end === null ? 'training' : 'finished';
}

/** The latest divergence in a line, e.g. 'diverged at step 46 (loss-growth, loss 35.3): rolled back to step 40, learning rate ×0.5'. */
export function formatDivergence(r: RunState): string | null {
  const d = r.divergence;
  if (d === null) return null;
  const what = `diverged at step ${formatNumber(d.step)} (${text(d.cause)}, loss ${formatNumber(d.loss)})`;
  if (d.action === 'rollback') return `${what}: rolled back to step ${formatNumber(d.restoredStep)}, learning rate ×${formatNumber(d.lrScale)} (rollback ${formatNumber(d.rollbacks)} of ${formatNumber(d.maxRollbacks)})`;
  const kept = d.checkpointStep === null || d.checkpointStep === undefined ? 'no checkpoint written' : `checkpoint of step ${formatNumber(d.checkpointStep)} kept`;
  return `${what}: stopped, ${kept}${d.firstNonFinite ? `; first NaN/Inf: ${text(d.firstNonFinite)}` : ''}`;
}

/** One message of the server's `events` stream. */
export interface StreamBatch {
  events: unknown[];
  errors: { line: number; message: string }[];
  next: number;
  nextLine: number;
  missing: boolean;
}

export function parseBatch(data: string): StreamBatch | null {
  let x: unknown;
  try { x = JSON.parse(data); } catch { return null; }
  if (!isObject(x)) return null;
  const errors = Array.isArray(x.errors)
    ? x.errors.filter(isObject).map((e) => ({ line: num(e.line), message: text(e.message, '') }))
    : [];
  return {
    events: Array.isArray(x.events) ? x.events : [],
    errors,
    next: num(x.next),
    nextLine: num(x.nextLine),
    missing: x.missing === true,
  };
}

export function errorLine(run: string, line: number, message: string): string {
  return Number.isFinite(line) ? `${run}: events.jsonl line ${line}: ${message}` : `${run}: ${message}`;
}

export type Aligned = [number[], ...(number | null)[][]];

/**
 * Puts several runs' (x, y) columns on one x axis (the sorted union of their x values), with
 * null where a run has no point; NaN y values become null (a gap).
 */
export function align(xs: Float64Array[], ys: Float64Array[]): Aligned {
  const clean = (v: number): number | null => (Number.isFinite(v) ? v : null);
  if (xs.length === 1) {
    const x: number[] = [];
    const y: (number | null)[] = [];
    const xa = xs[0]!, ya = ys[0]!;
    for (let i = 0; i < xa.length; i++) {
      if (!Number.isFinite(xa[i]!)) continue;
      x.push(xa[i]!);
      y.push(clean(ya[i]!));
    }
    return [x, y];
  }
  let total = 0;
  for (const x of xs) total += x.length;
  const all = new Float64Array(total);
  let o = 0;
  for (const x of xs) { all.set(x, o); o += x.length; }
  all.sort();
  const x: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const v = all[i]!;
    if (Number.isFinite(v) && (x.length === 0 || x[x.length - 1] !== v)) x.push(v);
  }
  const out: Aligned = [x];
  for (let s = 0; s < xs.length; s++) {
    const y: (number | null)[] = new Array<number | null>(x.length).fill(null);
    const xa = xs[s]!, ya = ys[s]!;
    for (let i = 0; i < xa.length; i++) {
      const j = lowerBound(x, xa[i]!);
      if (j < x.length && x[j] === xa[i]) y[j] = clean(ya[i]!);
    }
    out.push(y);
  }
  return out;
}

function lowerBound(a: number[], v: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** A metric as its spec says: 0.912 → '91.20%' (percent, 2 digits) or '0.912' (decimal, 3). */
export function formatMetric(value: number | null | undefined, spec: Pick<MetricSpec, 'format' | 'digits'>): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  const digits = Math.min(20, Math.max(0, Math.floor(spec.digits)));
  return spec.format === 'percent' ? `${(value * 100).toFixed(digits)}%` : value.toFixed(digits);
}

/** A plain figure (loss, learning rate, rate) in a few significant digits. */
export function formatNumber(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return v.toPrecision(4).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** The best monitored validation figure so far and its step, e.g. '1.4213 nats/char at step 900'. */
export function formatBest(r: RunState): string | null {
  const e = r.lastEval;
  if (e === null || typeof e.best !== 'number') return null;
  const monitor: unknown = isObject(r.start?.monitor) ? r.start.monitor.metric : undefined;
  const spec = metricSpecs(r).find((m) => m.name === (monitor ?? 'loss'));
  const figure = spec
    ? `${formatMetric(e.best, spec)} ${text(spec.label, '')}`
    : `${formatMetric(e.best, { format: 'decimal', digits: 4 })} ${lossUnit(r)}`.trim();
  return `${figure} at step ${formatNumber(e.bestStep)}`;
}

/** The latest validation loss and metrics, each formatted per the start event's spec. */
export function formatEvalMetrics(r: RunState): [string, string][] {
  const e = r.lastEval;
  if (e === null) return [];
  const rows: [string, string][] = [
    ['validation loss', `${formatMetric(e.valLoss, { format: 'decimal', digits: 4 })} ${lossUnit(r)}`.trim()],
  ];
  const specs = metricSpecs(r);
  for (const [name, value] of Object.entries(isObject(e.metrics) ? e.metrics : {})) {
    const spec = specs.find((m) => m.name === name);
    rows.push(spec ? [text(spec.label), formatMetric(value, spec)] : [name, formatNumber(value)]);
  }
  return rows;
}

/** The loss's unit from the start event ('nats/char'), or ''. */
export function lossUnit(r: RunState): string {
  return text(isObject(r.start?.details) ? r.start.details.lossUnit : undefined, '');
}

/** The throughput's unit ('characters/s'), or ''. */
export function throughputUnit(r: RunState): string {
  const unit = text(r.start?.unit, '');
  return unit ? `${unit}/s` : '';
}

/** The run in the page's header: `task · model`, or null before its start event. */
export function runHeadline(r: RunState): string | null {
  if (r.start === null) return null;
  return `${text(r.start.task, 'undefined')} · ${text(isObject(r.start.details) ? r.start.details.model : undefined, '')} `;
}

/** The notes of the start event (what the task chose, and why), one line each. */
export function startNotes(r: RunState): string[] {
  const notes: unknown = isObject(r.start?.details) ? r.start.details.notes : undefined;
  return Array.isArray(notes) ? notes.map((n) => text(n)) : [];
}

/** `finished at step 900 (max-steps)`, or null before the end event. */
export function endLine(r: RunState): string | null {
  return r.end === null ? null : `finished at step ${formatNumber(r.end.step)} (${text(r.end.reason, 'undefined')})`;
}

/** The latest sample's heading and text, or null before one. */
export function latestSample(r: RunState): { title: string; text: string } | null {
  return r.sample === null ? null : { title: `sample at step ${formatNumber(r.sample.step)}`, text: text(r.sample.text, '') };
}

/** The run's config as label/value rows, from its latest start event. */
export function configRows(s: StartEvent): [string, string][] {
  const d = (isObject(s.details) ? s.details : {}) as Partial<StartEvent['details']>;
  const rows: [string, string][] = [
    ['task', text(s.task)],
    ['model', text(d.model)],
    ['data', text(d.data)],
    ['items', `${formatNumber(d.trainItems)} train, ${formatNumber(d.validationItems)} validation ${text(s.unit, '')}`.trim()],
    ['batch', text(d.batch)],
    ['lr', formatNumber(d.lr)],
    ['backend', text(d.backend)],
    ['parameters', formatNumber(s.parameters)],
  ];
  if (typeof s.maxSteps === 'number') rows.push(['max steps', formatNumber(s.maxSteps)]);
  if (s.resumed) rows.push(['resumed', `from step ${formatNumber(s.step)}`]);
  for (const f of Array.isArray(d.facts) ? d.facts : []) {
    if (Array.isArray(f) && f.length >= 2) rows.push([text(f[0], 'undefined'), typeof f[1] === 'number' ? formatNumber(f[1]) : text(f[1], f[1] === null ? 'null' : 'undefined')]);
  }
  return rows;
}
