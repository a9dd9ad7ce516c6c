/**
 * A fuzzer for what reads a run's `events.jsonl`: the dashboard server's readEventsChunk, and
 * after it everything the page does with a chunk (parseBatch of the JSON the server sends,
 * foldEvent into a run's state, the figures and texts of series.ts, checkPanels of an eval's
 * view). The seeds are real files: short training runs of every task (testing/task-runs.ts,
 * with eval views and samples) and a resumed run with divergences built from the typed events
 * of train/events.ts. Mutations: truncation mid-line, bit flips, invalid UTF-8, NUL bytes, CRLF
 * and lone CR, many blank lines, lines longer than the server's chunk (MAX_CHUNK_BYTES) and
 * long ones within it, thousands of short lines that are not events, deep nesting, JSON that
 * is not an object, events without a string `type` or with hostile field values, numbers JSON
 * cannot hold, lines shuffled or repeated, and reads from random offsets (`from`: a line start,
 * mid-line, the end, beyond it), or of a file that is missing. The file is written to one path
 * in a temporary directory per case. Oracle: readEventsChunk never throws for file content;
 * `next` is a line boundary within the file, after every complete line of the chunk or at its
 * limit of lines or errors (then with `more`); `nextLine` counts those lines; its events and
 * errors are exactly those lines parsed independently (blank ones skipped); the chunk survives
 * the trip to the page, and nothing downstream throws. Each case under 100 ms, memory flat.
 * Run: node dist/dashboard/events.fuzz.js --cases 100000
 */
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Rng } from '../random/rng.js';
import { createBackend } from '../kernels/index.js';
import { type Mutation, below, concat, deep, pick } from '../io/fuzz-mutations.js';
import { type FuzzOptions, type FuzzReport, parseFuzzArgs, printFuzzReport, runFuzzCases } from '../io/fuzz-runner.js';
import { checkPanels } from '../plot/panels.js';
import type { TrainEvent } from '../train/events.js';
import { makeTaskRuns } from '../testing/task-runs.js';
import { tempDir } from '../testing/temp-dir.js';
import { type EventsChunk, MAX_CHUNK_BYTES, MAX_CHUNK_ERRORS, MAX_CHUNK_LINES, MAX_EVENT_DEPTH, readEventsChunk } from './events-file.js';
import {
  type RunState, align, configRows, endLine, foldEvent, formatBest, formatDivergence, formatEvalMetrics, formatNumber, latestSample, lossUnit, newRunState, parseBatch,
  runHeadline, runStatus, startNotes, throughputUnit,
} from './series.js';

interface EventsBase {
  label: string;
  bytes: Uint8Array;
}

/** A file and where to read it from. */
interface EventsMutation extends Mutation {
  from: number;
  line: number;
  /** Read with no file at the path. */
  missing?: boolean;
}

const utf8 = new TextEncoder();
const NL = 0x0a;

// ---------------------------------------------------------------------------------------------
// Seeds.

/** A resumed run with a rollback and a stop, a sample, checkpoints and an end: every event type. */
function syntheticRun(): TrainEvent[] {
  const details = {
    model: '2×8 lstm, embedding 4', data: 'rhymes.txt, 2,000 characters', trainItems: 1800, validationItems: 200, batch: '4 × 16', lr: 3e-3, backend: 'reference',
    out: '/tmp/run', lossUnit: 'nats/char', facts: [['vocabulary', 27], ['validation', 'last 10%']] as [string, string | number][], notes: ['season 12, detected'],
  };
  const start = (step: number): TrainEvent => ({
    type: 'start', task: 'char-lm', unit: 'characters', step, resumed: step > 0, maxSteps: 12, accumulate: 1, parameters: 1234,
    metrics: [{ name: 'accuracy', label: 'accuracy', format: 'percent', digits: 2, better: 'max' }], monitor: { metric: 'loss', mode: 'min' }, details,
  });
  const step = (s: number, loss: number): TrainEvent => ({
    type: 'step', step: s, loss, lr: 3e-3, gradNorm: 0.5, epoch: s / 10, items: 64 * s, itemsPerSecond: 1e4, elapsedMs: 100 * s, totalSteps: 12, etaMs: 100 * (12 - s), memoryBytes: 5e7,
  });
  return [
    start(0), step(1, 3.2), step(2, 3.0), step(3, 2.9),
    { type: 'eval', step: 3, valLoss: 2.95, metrics: { accuracy: 0.21 }, value: 2.95, best: 2.95, bestStep: 3, improved: true, savedBest: '/tmp/run/best.safetensors', staleEvals: 0, evalMs: 12, elapsedMs: 320 },
    { type: 'sample', step: 3, text: 'the cat sat\non "the" mat é😀' },
    { type: 'checkpoint', step: 3, reason: 'periodic', path: '/tmp/run/checkpoint.safetensors', ms: 4 },
    step(4, 2.8),
    { type: 'divergence', step: 5, cause: 'loss-growth', loss: 40, gradNorm: 90, smoothedLoss: 9, bestSmoothedLoss: 2.9, factor: 3, recentGradNorms: [0.5, 0.6], firstNonFinite: null,
      lr: 3e-3, clipNorm: 1, action: 'rollback', checkpointStep: 3, restoredStep: 3, lrScale: 0.5, rollbacks: 1, maxRollbacks: 3, elapsedMs: 520 },
    step(4, 2.85),
    { type: 'divergence', step: 5, cause: 'non-finite-loss', loss: NaN, recentGradNorms: [], firstNonFinite: "NaN in forward of 'linear'", lr: 1.5e-3, action: 'stop',
      checkpointStep: 3, rollbacks: 1, maxRollbacks: 3, elapsedMs: 600 },
    start(3), step(4, 2.7), step(5, 2.6),
    { type: 'eval', step: 5, valLoss: 2.6, metrics: { accuracy: 0.3 }, value: 2.6, best: 2.6, bestStep: 5, improved: true, staleEvals: 0, evalMs: 10, elapsedMs: 700, view: [{ kind: 'text', title: 'note', text: 'fine' }] },
    { type: 'checkpoint', step: 5, reason: 'final', path: '/tmp/run/checkpoint.safetensors', ms: 3 },
    { type: 'end', step: 5, reason: 'max-steps', elapsedMs: 720, items: 320, loss: 2.6, valLoss: 2.6, best: 2.6, bestStep: 5 },
  ];
}

/** The seeds: a few steps of a real run of every task (events with views and samples), and the synthetic run. */
async function makeBases(): Promise<EventsBase[]> {
  const backend = await createBackend('reference');
  const dirs = await makeTaskRuns(tempDir('recur-events-fuzz-runs-'), backend, 4);
  const runs = Object.entries(dirs).map(([task, dir]) => ({ label: task, bytes: new Uint8Array(readFileSync(join(dir, 'events.jsonl'))) }));
  return [...runs, { label: 'resumed-diverged', bytes: utf8.encode(syntheticRun().map((e) => `${JSON.stringify(e)}\n`).join('')) }];
}

// ---------------------------------------------------------------------------------------------
// Mutations.

/** Byte offsets where lines start (0 and after each newline, the end included when the file ends with one). */
function lineStarts(b: Uint8Array): number[] {
  const out = [0];
  for (let i = 0; i < b.length; i++) if (b[i] === NL) out.push(i + 1);
  return out;
}

/** The 1-based line number of the line holding byte `at`. */
function lineAt(b: Uint8Array, at: number): number {
  let n = 1;
  for (let i = 0; i < at && i < b.length; i++) if (b[i] === NL) n++;
  return n;
}

const splice = (b: Uint8Array, at: number, insert: Uint8Array, remove = 0) => concat(b.subarray(0, at), insert, b.subarray(at + remove));

/** An offset at a line start (so that inserted text makes lines of its own), or anywhere. */
function insertionPoint(rng: Rng, b: Uint8Array): number {
  return rng.next() < 0.6 ? pick(rng, lineStarts(b)) : below(rng, b.length + 1);
}

/** Objects whose toString is not a function: `String(x)` and template strings throw on them. */
const NOT_STRINGABLE = ['{"toString":1}', '{"valueOf":{},"toString":[]}', '[{"toString":1}]', '[["a",{"toString":1}],[{"toString":null},1]]', '{"name":"loss","label":{"toString":1}}',
  '[{"name":{"toString":1},"label":"x","format":"percent","digits":{}}]'];
/** Other values put into events' fields: wrong types, extremes, nesting near the limit, panels that are not. */
const HOSTILE = ['null', '1e308', '-1e308', '-0', '""', '"x"', '[]', '{}', '[null]', 'true', JSON.stringify('x'.repeat(100_000)), '[[1]]', '"__proto__"',
  '{"__proto__":{"x":1}}', '9007199254740993', '123456789012345678901234567890', '1e-400', '[1,2,3]', deep(60, '[', ']'), '{"kind":"matrix","title":"t"}',
  '[{"kind":"matrix","title":"m","rowTitle":"r","colTitle":"c","rows":["a"],"cols":["b"],"values":[[1,2]],"scale":"count"}]', '[{"kind":"series","title":"s","x":[1],"lines":[]}]'];
/** Numbers JSON writes that a double cannot hold, or that are edge cases. */
const NUMBERS = ['1e400', '-1e400', '1e-400', '-0', '123456789012345678901234567890', '9007199254740993', '0.1e-999999', '1E+308', '4.9e-324', '-9007199254740992', '1.7976931348623157e308'];

/** Re-serialises one event line with a field (top level, or inside details, metrics or monitor) set to a hostile value. */
function fieldEdit(rng: Rng, b: Uint8Array): Uint8Array {
  const starts = lineStarts(b);
  // Half the time the first line: the start event, whose fields the page shows most.
  const k = rng.next() < 0.5 ? 0 : rng.int(Math.max(1, starts.length - 1));
  const end = starts[k + 1] !== undefined ? starts[k + 1]! - 1 : b.length;
  const line = new TextDecoder().decode(b.subarray(starts[k], end));
  let event: Record<string, unknown>;
  try {
    // A line a combo made too deep for JSON.stringify (a `deep` mutation) is left as it is.
    if (depthOf(line) > 1000) return b;
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return b;
  }
  if (event === null || typeof event !== 'object') return b;
  const nested = ['details', 'metrics', 'monitor'].filter((f) => event[f] !== null && typeof event[f] === 'object');
  const into = nested.length && rng.next() < 0.5 ? (event[pick(rng, nested)] as Record<string, unknown>) : event;
  const keys = Object.keys(into);
  const key = rng.next() < 0.8 && keys.length ? pick(rng, keys) : pick(rng, ['type', 'view', 'metrics', 'facts', 'notes', 'lossUnit', 'monitor', 'best', 'extra']);
  // Put the raw JSON in place of a marker, so that values JSON.stringify would not write (1e400) get in.
  into[key] = '\u0001marker\u0001';
  const text = JSON.stringify(event).replace('"\\u0001marker\\u0001"', pick(rng, pick(rng, [NOT_STRINGABLE, HOSTILE, HOSTILE, NUMBERS])));
  return splice(b, starts[k]!, utf8.encode(text), end - starts[k]!);
}

/** Replaces one number in the file's text with one a double cannot hold. */
function numberEdit(rng: Rng, b: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(b);
  const numbers = [...text.matchAll(/(?<=[:,[])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?=[,\]}])/g)];
  if (!numbers.length) return b;
  const m = pick(rng, numbers);
  return utf8.encode(text.slice(0, m.index) + pick(rng, NUMBERS) + text.slice(m.index! + m[0].length));
}

/** One mutation of a file; `small`: none that adds megabytes (combos, which would multiply them). */
function mutateBytes(rng: Rng, b: Uint8Array, small = false): { bytes: Uint8Array; kind: string } {
  const r = rng.next();
  const kinds: [number, string][] = [[0.08, 'truncate'], [0.18, 'bit-flip'], [0.25, 'invalid-utf8'], [0.31, 'nul'], [0.37, 'crlf'], [0.42, 'blank-lines'], [0.44, 'long-line'],
    [0.445, 'huge-line'], [0.47, 'many-lines'], [0.52, 'deep'], [0.57, 'non-object'], [0.62, 'type'], [0.75, 'field'], [0.8, 'number'], [0.86, 'lines'], [0.9, 'combo'], [1, 'offset']];
  const chosen = kinds.find(([p]) => r < p)![1];
  const kind = small && ['huge-line', 'long-line', 'many-lines'].includes(chosen) ? 'field' : chosen;
  const at = insertionPoint(rng, b);
  const line = (text: string) => utf8.encode(`${text}\n`);
  switch (kind) {
    case 'truncate': return { bytes: b.slice(0, below(rng, b.length)), kind };
    case 'bit-flip': {
      const out = b.slice();
      const n = rng.next() < 0.9 ? 1 + rng.int(4) : 1 + rng.int(64);
      for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return { bytes: out, kind };
    }
    case 'invalid-utf8': {
      const seq = pick(rng, [[0xff], [0xfe], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf0, 0x9f, 0x98]]);
      return { bytes: splice(b, below(rng, b.length + 1), Uint8Array.from(seq)), kind };
    }
    case 'nul': {
      const n = pick(rng, [1, 1, 4, 1000]);
      return { bytes: rng.next() < 0.3 ? splice(b, at, concat(new Uint8Array(n), Uint8Array.of(NL))) : splice(b, below(rng, b.length + 1), new Uint8Array(n)), kind };
    }
    case 'crlf': {
      const text = new TextDecoder().decode(b);
      const how = pick(rng, ['all', 'some', 'lone-cr']);
      const out = how === 'all' ? text.replaceAll('\n', '\r\n') : how === 'some' ? text.replace(/\n/g, (nl) => (rng.next() < 0.5 ? '\r\n' : nl)) : text.replace(/\n/g, (nl) => (rng.next() < 0.3 ? '\r' : nl));
      return { bytes: utf8.encode(out), kind };
    }
    case 'blank-lines': {
      const n = pick(rng, [1, 10, 1000, 100_000]);
      return { bytes: splice(b, at, utf8.encode(pick(rng, ['\n', ' \n', '\t \r\n', '   ']).repeat(n))), kind };
    }
    case 'many-lines': {
      // Thousands of short lines, mostly not events: the reply's limits on lines and errors.
      const n = pick(rng, [999, 1000, 1001, 10_000, 200_000]);
      const kinds = pick(rng, [['x'], ['{'], ['{"type":"a"}'], ['x', '{"type":"a"}', ' ', '1'], ['[]', '{"type":"step","step":1}']]);
      return { bytes: splice(b, at, utf8.encode(Array.from({ length: n }, () => `${pick(rng, kinds)}\n`).join(''))), kind };
    }
    case 'long-line': {
      // Long but within a chunk: a sample of 64 KB or half a chunk, or as many spaces before an event.
      const n = pick(rng, [1 << 16, MAX_CHUNK_BYTES / 2]);
      return { bytes: splice(b, at, line(rng.next() < 0.5 ? JSON.stringify({ type: 'sample', step: 1, text: 'é'.repeat(n / 2) }) : `${' '.repeat(n)}{"type":"end","step":1}`)), kind };
    }
    case 'huge-line': {
      // A line (with its newline) of a whole chunk or one byte less, read as an event; longer, skipped
      // as an error once its newline is written, and waited for before.
      // Half of them a sample of that length, half a small event after that many spaces (lighter on memory).
      const sample = rng.next() < 0.5;
      const head = utf8.encode(sample ? '{"type":"sample","text":"' : ''), tail = utf8.encode(sample ? '"}\n' : '{"type":"end","step":1}\n');
      const huge = new Uint8Array(MAX_CHUNK_BYTES + pick(rng, [-1, 0, 1, 100, MAX_CHUNK_BYTES])).fill(sample ? 0x78 : 0x20); // x or space
      huge.set(head);
      huge.set(tail, huge.length - tail.length);
      return { bytes: rng.next() < 0.7 ? splice(b, at, huge) : concat(b, huge.subarray(0, -1)), kind };
    }
    case 'deep': {
      const n = pick(rng, [MAX_EVENT_DEPTH - 2, MAX_EVENT_DEPTH - 1, MAX_EVENT_DEPTH, 1000, 100_000]);
      const text = pick(rng, [`{"type":"step","x":${deep(n, '[', ']')}}`, `{"type":"start","details":${deep(n, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')}}`,
        deep(n, '[', ']'), `{"type":"eval","view":${deep(n, '[', ']')}}`, `{"type":"x","s":"${'['.repeat(n)}"}`, `{"type":"start","details":{"facts":[["a",${deep(n, '[', ']')}]]}}`]);
      return { bytes: splice(b, at, line(text)), kind };
    }
    case 'non-object':
      return { bytes: splice(b, at, line(pick(rng, ['1', '"x"', 'null', 'true', '[]', '[{"type":"step"}]', '-0', '1e999', '"\\ud800"', '{}', '{"type"}', '{"type":"a",}', '\u00a0{"type":"a"}']))), kind };
    case 'type':
      return { bytes: splice(b, at, line(`{${pick(rng, ['', '"type":1,', '"type":null,', '"type":"",', '"type":"unknown",', '"type":"__proto__",', '"type":"constructor",', '"type":"toString",',
        '"type":"start",', '"type":"eval",', '"type":"step",', '"type":"divergence",', '"type":"end",', '"type":["step"],', '"type":"step","type":"eval",'])}"step":${pick(rng, ['1', '"1"', 'null', '{}', '1e400'])}}`)), kind };
    case 'field': return { bytes: fieldEdit(rng, b), kind };
    case 'number': return { bytes: numberEdit(rng, b), kind };
    case 'lines': {
      const text = new TextDecoder().decode(b);
      let lines = text.split('\n');
      const last = lines.pop()!;
      const how = pick(rng, ['shuffle', 'repeat', 'twice']);
      if (how === 'shuffle') rng.shuffle(lines);
      if (how === 'repeat') for (let i = 0; i < 5; i++) lines.splice(rng.int(lines.length + 1), 0, pick(rng, lines.length ? lines : ['']));
      if (how === 'twice') lines = lines.concat(lines); // a resumed session appended
      return { bytes: utf8.encode(lines.map((l) => `${l}\n`).join('') + last), kind };
    }
    case 'combo': {
      let bytes = b;
      for (let i = 0; i < 2 + rng.int(2); i++) bytes = mutateBytes(rng, bytes, true).bytes;
      return { bytes, kind };
    }
    default: return { bytes: b, kind: 'offset' };
  }
}

/** Where to read from: usually the start; else a line start, mid-line, the end, beyond it. */
function chooseOffset(rng: Rng, b: Uint8Array, kind: string): { from: number; line: number; where: string } {
  const where = kind === 'offset' || rng.next() < 0.3 ? pick(rng, ['line-start', 'mid-line', 'end', 'beyond', 'far-beyond']) : 'start';
  if (where === 'start') return { from: 0, line: 1, where };
  if (where === 'line-start') {
    const starts = lineStarts(b);
    const k = rng.int(starts.length);
    return { from: starts[k]!, line: k + 1, where };
  }
  if (where === 'mid-line') {
    const from = below(rng, b.length + 1);
    return { from, line: lineAt(b, from), where };
  }
  if (where === 'end') return { from: b.length, line: lineAt(b, b.length), where };
  return { from: b.length + (where === 'beyond' ? 1 + rng.int(100) : 2 ** 40), line: 1 + rng.int(10), where };
}

function mutate(rng: Rng, base: EventsBase): EventsMutation {
  if (rng.next() < 0.005) return { bytes: base.bytes, label: 'missing', from: 0, line: 1, missing: true, mustLoad: true };
  const { bytes, kind } = mutateBytes(rng, base.bytes);
  const { from, line, where } = chooseOffset(rng, bytes, kind);
  return { bytes, label: `${kind}:${where}`, from, line, mustLoad: true };
}

// ---------------------------------------------------------------------------------------------
// The oracle.

/** How deep the arrays and objects of a line nest as written: its brackets outside strings. */
function depthOf(text: string): number {
  let depth = 0, max = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

/**
 * What readEventsChunk must return for the complete lines in `lines` (bytes from `from`, first
 * line numbered `line`): up to the line that reaches MAX_CHUNK_LINES events and errors or
 * MAX_CHUNK_ERRORS errors (`length` bytes), and whether it stopped there.
 */
function expectedLines(lines: Uint8Array, line: number): { events: unknown[]; errorLines: number[]; count: number; length: number; stopped: boolean } {
  const events: unknown[] = [];
  const errorLines: number[] = [];
  const decoder = new TextDecoder();
  let n = line, start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== NL) continue;
    const text = decoder.decode(lines.subarray(start, i));
    start = i + 1;
    const at = n++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = depthOf(text) <= MAX_EVENT_DEPTH ? JSON.parse(text) : undefined;
    } catch {
      value = undefined; // an error line, as one that parses to a non-event
    }
    const isEvent = value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
    if (isEvent) events.push(value);
    else errorLines.push(at);
    if ((events.length + errorLines.length >= MAX_CHUNK_LINES || errorLines.length >= MAX_CHUNK_ERRORS) && start < lines.length) {
      return { events, errorLines, count: n - line, length: start, stopped: true };
    }
  }
  return { events, errorLines, count: n - line, length: lines.length, stopped: false };
}

/** Everything the page computes from a run's state: each must be made without throwing. */
function render(r: RunState): unknown[] {
  const steps = r.steps.cols, evals = r.evals.cols;
  let panels: unknown = 'none';
  if (r.lastEval?.view !== undefined) {
    try {
      panels = checkPanels(r.lastEval.view).length;
    } catch (e) {
      if (!(e instanceof Error) || e.constructor !== Error) throw e;
      panels = e.message;
    }
  }
  return [runStatus(r), r.start ? configRows(r.start) : [], formatBest(r), formatEvalMetrics(r), formatDivergence(r), lossUnit(r), throughputUnit(r), runHeadline(r), startNotes(r),
    endLine(r), latestSample(r), r.lastEval ? formatNumber(r.lastEval.step) : '', steps.step.length ? formatNumber(steps.step.get(steps.step.length - 1)) : '',
    align([steps.step.view(), evals.step.view()], [steps.loss.view(), evals.valLoss.view()]), align([steps.time.view()], [steps.memoryMiB.view()]), panels];
}

/** Whether every leaf of the rendering is text, a number or null (what the page puts in its DOM). */
function plainLeaves(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'number') return true;
  if (Array.isArray(v)) return v.every(plainLeaves);
  return typeof v === 'object' && Object.values(v).every(plainLeaves);
}

function disagreement(m: EventsMutation, chunk: EventsChunk): string | undefined {
  const b = m.bytes, size = b.length, { from, line } = m;
  if (m.missing) return isDeepStrictEqual(chunk, { events: [], errors: [], next: 0, nextLine: 1, missing: true }) ? undefined : 'a missing file not reported as missing';
  if (from > size) return isDeepStrictEqual(chunk, { events: [], errors: [], next: 0, nextLine: 1, reset: true }) ? undefined : `from ${from} beyond the end (${size}) did not reset`;
  if (chunk.missing || chunk.reset) return 'missing or reset for a file that is there';
  if (!(chunk.next >= from && chunk.next <= size)) return `next ${chunk.next} outside [${from}, ${size}]`;
  if (chunk.next > from && b[chunk.next - 1] !== NL) return `next ${chunk.next} is not at a line boundary`;
  const window = b.subarray(from, Math.min(size, from + MAX_CHUNK_BYTES));
  const lastNl = window.lastIndexOf(NL);
  if (lastNl < 0) {
    const after = window.length === MAX_CHUNK_BYTES ? b.indexOf(NL, from + MAX_CHUNK_BYTES) : -1;
    const want = after < 0 ? { events: [], errors: [], next: from, nextLine: line }
      : { events: [], errors: [{ line, message: `longer than ${MAX_CHUNK_BYTES} bytes, skipped` }], next: after + 1, nextLine: line + 1, ...(after + 1 < size ? { more: true } : {}) };
    if (!isDeepStrictEqual(chunk, want)) return `a chunk without a complete line read as ${JSON.stringify({ ...chunk, events: chunk.events.length }).slice(0, 200)}`;
  } else {
    const want = expectedLines(window.subarray(0, lastNl + 1), line);
    if (chunk.next !== from + want.length) return `next ${chunk.next}, but the chunk's lines end at ${from + want.length}${want.stopped ? ' (where it reaches its limit)' : ''}`;
    const more = want.stopped || from + window.length < size;
    if (chunk.more !== (more ? true : undefined)) return `more is ${chunk.more}, expected ${more}`;
    if (chunk.nextLine !== line + want.count) return `nextLine ${chunk.nextLine} after ${want.count} lines from line ${line}`;
    if (!isDeepStrictEqual(chunk.errors.map((e) => e.line), want.errorLines)) return `error lines ${JSON.stringify(chunk.errors.map((e) => e.line)).slice(0, 100)}, expected ${JSON.stringify(want.errorLines).slice(0, 100)}`;
    if (!isDeepStrictEqual(chunk.events, want.events)) return `${chunk.events.length} events read, expected ${want.events.length} (or they differ)`;
  }
  if (chunk.errors.some((e) => typeof e.message !== 'string' || /[\u0000-\u001f\u007f\u2028\u2029]/.test(e.message) || e.message.length > 300)) return 'an error message that is not one short line';
  // The trip to the page: the server's JSON (route and stream), parseBatch, foldEvent, and every figure drawn from it.
  const batch = parseBatch(JSON.stringify({ run: 0, ...chunk }));
  if (!batch) return 'parseBatch refused the server\'s JSON';
  const state = newRunState();
  for (const e of batch.events) foldEvent(state, e);
  if (!plainLeaves(render(state))) return 'the page would be given something other than text and numbers';
  return undefined;
}

/** Per mutation kind: cases whose chunk held events, and cases whose chunk held error lines. */
export interface EventsFuzzReport extends FuzzReport {
  outcomes: Record<string, { events: number; errors: number }>;
}

/** Reads `cases` mutated events files (see the file comment); `npm run fuzz` runs 100,000. */
export async function runEventsFuzz(options: FuzzOptions): Promise<EventsFuzzReport> {
  const bases = await makeBases();
  const path = join(tempDir('recur-events-fuzz-'), 'events.jsonl');
  const outcomes: EventsFuzzReport['outcomes'] = {};
  let fd: number | null = null;
  const report = await runFuzzCases<EventsMutation, EventsChunk, EventsBase>({
    bases: () => bases.map((base) => ({ base, weight: 1 })),
    mutate,
    setup(m) {
      // One open file, emptied and rewritten per case (opening is most of a case's cost); removed for a missing one.
      if (m.missing) {
        if (fd !== null) closeSync(fd);
        fd = null;
        rmSync(path, { force: true });
        return;
      }
      fd ??= openSync(path, 'w');
      ftruncateSync(fd, 0);
      writeSync(fd, m.bytes, 0, m.bytes.length, 0);
    },
    load: (m) => readEventsChunk(path, m.from, m.line),
    verify(m, chunk) {
      const o = (outcomes[m.label.split(':')[0]!] ??= { events: 0, errors: 0 });
      if (chunk.events.length) o.events++;
      if (chunk.errors.length) o.errors++;
      return disagreement(m, chunk);
    },
    // readEventsChunk reports what is wrong with a line in its chunk: it throws for no content.
    errorPrefix: 'readEventsChunk throws for no file content: ',
    maxMessageLength: 0,
  }, options);
  if (fd !== null) closeSync(fd);
  return { ...report, outcomes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { cases, seed } = parseFuzzArgs('events.fuzz', process.argv.slice(2));
  const r = await runEventsFuzz({ cases, seed });
  printFuzzReport('events.jsonl fuzz', seed, r, 'an error (never expected)');
  console.log('  cases whose chunk held events / error lines, by mutation:');
  for (const [k, v] of Object.entries(r.outcomes).sort()) console.log(`    ${k.padEnd(22)} ${String(v.events).padStart(7)} ${String(v.errors).padStart(7)}`);
}
