/**
 * Reading time-series CSV files: target columns (and covariates) against a time column, one
 * series or several in long format (a series column), checked for one regular step, with
 * missing values and gaps either one-line errors (file, line, series, column) or filled and
 * counted. Not preprocessing or windowing: scaling, transforms and batches are the forecast task's.
 */
import { loadTextFile } from './text-file.js';
import { CsvReader, clip, columnList } from './csv-reader.js';
import { compatibleFormats, formatFrequency, inferTimeGrid, joinFormats, mostCommonDifference, parseTime, timeText, type Frequency, type TimeFormat, type TimeGrid } from './time-axis.js';
import { fillSeriesColumn, type FillMethod } from './series-fill.js';

export type { FillMethod } from './series-fill.js';

export interface TimeSeriesCsvOptions {
  /** The column of timestamps; default: the first column. */
  timeColumn?: string;
  /** One or more target columns (required, non-empty). */
  targets: string[];
  /** Extra numeric columns known at the same times. */
  covariates?: string[];
  /** Several series in one file (long format), rows grouped by this column's id; one global model. */
  seriesColumn?: string;
  /** Default 'none': gaps and missing values are errors. 'linear' interpolates in time, 'previous' carries the last value forward. */
  fill?: FillMethod;
  /** The name errors start with (a file name); default 'CSV text'. */
  source?: string;
}

export interface TimeSeries {
  /** The series id ('' for a file with one series). */
  id: string;
  /** Each step's timestamp in canonical text (the input's granularity; UTC with Z when the input had a zone), gaps filled. */
  times: string[];
  /** One array per target column, each of length `times.length`. */
  targets: Float64Array[];
  /** One array per covariate column. */
  covariates: Float64Array[];
  /** Values this series got from `fill`: missing cells plus inserted rows × columns. */
  filled: number;
}

export interface TimeSeriesData {
  source: string;
  timeColumn: string;
  targets: string[];
  covariates: string[];
  seriesColumn: string | null;
  frequency: Frequency;
  /** How the time column writes its times, e.g. 'YYYY-MM' (what `times` and `futureTimes` keep). */
  timeFormat: string;
  /** In order of first appearance. */
  series: TimeSeries[];
  /** Totals: missing cells filled, whole rows inserted for gaps. */
  filled: { cells: number; rows: number };
}

/** Cells read as missing values (pandas' usual set, less the exotic ones). */
const MISSING = new Set(['', 'NA', 'N/A', 'n/a', '#N/A', '<NA>', 'NaN', 'nan', '-NaN', '-nan', 'NULL', 'null', 'None']);
/** A decimal number; written so that no digit can match two ways (a megabyte of digits must not backtrack quadratically). */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITE = /^[+-]?(?:inf|infinity)$/i;
/** At most this many rows are inserted for gaps in one file: a wrong frequency should not fill memory. */
export const MAX_INSERTED_ROWS = 1_000_000;
const FILL_HINT = '--fill linear|previous';

function checkOptions(options: TimeSeriesCsvOptions): void {
  const fn = 'parseTimeSeriesCsv';
  const names = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (!names(options?.targets) || options.targets.length === 0) throw new Error(`${fn}: options.targets must list at least one column, got ${JSON.stringify(options?.targets)}`);
  if (options.covariates !== undefined && !names(options.covariates)) throw new Error(`${fn}: options.covariates must be a list of column names, got ${JSON.stringify(options.covariates)}`);
  for (const key of ['timeColumn', 'seriesColumn', 'source'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') throw new Error(`${fn}: options.${key} must be a string, got ${JSON.stringify(options[key])}`);
  }
  if (options.fill !== undefined && !['none', 'linear', 'previous'].includes(options.fill)) {
    throw new Error(`${fn}: options.fill must be 'none', 'linear' or 'previous', got ${JSON.stringify(options.fill)}`);
  }
}

/** Selected columns by role, as header indices. */
interface Columns { time: number; targets: number[]; covariates: number[]; series: number | null }

function resolveColumns(header: string[], options: TimeSeriesCsvOptions, source: string): Columns {
  const find = (name: string): number => {
    const at: number[] = [];
    header.forEach((h, i) => { if (h === name) at.push(i); });
    if (at.length === 0) {
      const near = header.find((h) => h.trim().toLowerCase() === name.trim().toLowerCase());
      const hint = near === undefined ? '' : ` (names are matched exactly: did you mean '${clip(near)}'?)`;
      throw new Error(`column '${clip(name)}' not found in ${source}; the columns are ${columnList(header)}${hint}`);
    }
    if (at.length > 1) throw new Error(`${source} line 1: column '${clip(name)}' is named twice (columns ${at[0]! + 1} and ${at[1]! + 1}); rename one`);
    return at[0]!;
  };
  const columns: Columns = {
    time: options.timeColumn === undefined ? 0 : find(options.timeColumn),
    targets: options.targets.map(find),
    covariates: (options.covariates ?? []).map(find),
    series: options.seriesColumn === undefined ? null : find(options.seriesColumn),
  };
  const roles = new Map<number, string>();
  const claim = (index: number, role: string) => {
    const had = roles.get(index);
    if (had !== undefined) {
      throw new Error(`column '${clip(header[index]!)}' of ${source} is ${had === role ? `given twice as ${role}` : `both ${had} and ${role}`}`);
    }
    roles.set(index, role);
  };
  claim(columns.time, options.timeColumn === undefined ? 'the time column (by default the first column)' : 'the time column');
  if (columns.series !== null) claim(columns.series, 'the series column');
  for (const i of columns.targets) claim(i, 'a target');
  for (const i of columns.covariates) claim(i, 'a covariate');
  return columns;
}

/** A Float64Array that doubles as rows arrive: a million rows without a million boxed numbers. */
class GrowingArray {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const more = new Float64Array(this.data.length * 2);
      more.set(this.data);
      this.data = more;
    }
    this.data[this.length++] = v;
  }
}

/** The rows of the file, column by column (NaN marks a missing value), and the series they belong to. */
interface Rows {
  count: number;
  lines: Float64Array;
  times: Float64Array;
  values: Float64Array[];
  format: TimeFormat;
  ids: string[];
  /** Each series' rows, in file order. */
  rowsOf: Int32Array[];
}

/** `file line 5, series 'B', column 'Temp'`: where an error is, for the start of its message. */
function place(source: string, lines: number[], series: string | null, column: string | null): string {
  const where = lines.length === 1 ? `line ${lines[0]}` : `lines ${lines[0]} and ${lines[1]}`;
  return `${source} ${where}${series === null ? '' : `, series '${clip(series)}'`}${column === null ? '' : `, column '${clip(column)}'`}`;
}

/**
 * Why a cell that is not a plain decimal number cannot be read, or null when it is a missing
 * value that `fill` will fill. Only called off the fast path, so a good row allocates nothing here.
 */
function valueProblem(s: string, fill: FillMethod): string | null {
  if (NUMBER.test(s)) return `'${clip(s)}' is too large for a 64-bit float (it would be infinite), not a number a model can use`;
  if (MISSING.has(s)) {
    if (fill !== 'none') return null;
    const what = /nan/i.test(s) ? `'${s}' is not a number a model can use (a missing value)` : `missing value${s === '' ? ' (empty cell)' : ` ('${s}')`}`;
    return `${what}; ${FILL_HINT} fills it`;
  }
  if (INFINITE.test(s)) return `'${s}' is infinite, not a number a model can use`;
  const hint = /^[+-]?\d+,\d+$/.test(s) ? ' (write decimals with a point: 1.5)' : '';
  return `'${clip(s)}' is not a number${hint}`;
}

/** Each series' row indices in file order, by counting (rows of several series may interleave). */
function groupRows(seriesOf: Float64Array, count: number, seriesCount: number): Int32Array[] {
  if (seriesCount === 1) {
    const all = new Int32Array(count);
    for (let r = 0; r < count; r++) all[r] = r;
    return [all];
  }
  const sizes = new Int32Array(seriesCount);
  for (let r = 0; r < count; r++) sizes[seriesOf[r]!]++;
  const groups = Array.from(sizes, (n) => new Int32Array(n));
  const fillAt = new Int32Array(seriesCount);
  for (let r = 0; r < count; r++) { const s = seriesOf[r]!; groups[s]![fillAt[s]!++] = r; }
  return groups;
}

function readRows(reader: CsvReader, columns: Columns, options: TimeSeriesCsvOptions, source: string): Rows {
  const header = reader.header.cells;
  const fill = options.fill ?? 'none';
  const valueColumns = [...columns.targets, ...columns.covariates];
  const lines = new GrowingArray(), times = new GrowingArray(), seriesOf = new GrowingArray();
  const values = valueColumns.map(() => new GrowingArray());
  const ids: string[] = [];
  const seriesIndex = new Map<string, number>();
  let format: TimeFormat | null = null;
  let firstTime = { line: 0, text: '' };
  const timeName = header[columns.time]!;
  for (let record = reader.next(); record !== null; record = reader.next()) {
    const { line, cells } = record;
    if (cells.length !== header.length) {
      const quote = cells.length > header.length ? `; a cell with '${reader.separator === '\t' ? '\\t' : reader.separator}' in it needs "quotes"` : '';
      throw new Error(`${source} line ${line}: ${cells.length} cell${cells.length === 1 ? '' : 's'}, expected ${header.length} as in the header (${columnList(header)})${quote}`);
    }
    let id = '';
    if (columns.series !== null) {
      id = cells[columns.series]!;
      if (id.trim() === '') throw new Error(`${place(source, [line], null, header[columns.series]!)}: missing series id`);
    }
    const seriesName = columns.series === null ? null : id;
    let s = seriesIndex.get(id);
    if (s === undefined) { s = ids.length; seriesIndex.set(id, s); ids.push(id); }
    const timeText = cells[columns.time]!.trim();
    if (timeText === '' || MISSING.has(timeText)) throw new Error(`${place(source, [line], seriesName, timeName)}: missing time${timeText === '' ? '' : ` ('${timeText}')`}; every row needs one`);
    let parsed;
    try { parsed = parseTime(timeText); } catch (e) {
      throw new Error(`${place(source, [line], seriesName, timeName)}: cannot read '${clip(timeText)}' as a time: ${(e as Error).message}`);
    }
    if (format === null) { format = parsed.format; firstTime = { line, text: timeText }; }
    else if (!compatibleFormats(parsed.format, format)) {
      throw new Error(`${place(source, [line], seriesName, timeName)}: '${clip(timeText)}' is ${parsed.format.pattern}, but line ${firstTime.line} has ${format.pattern} ('${clip(firstTime.text)}'); all times must have one format`);
    } else format = joinFormats(format, parsed.format);
    for (let j = 0; j < valueColumns.length; j++) {
      const col = valueColumns[j]!;
      const cell = cells[col]!.trim();
      const v = NUMBER.test(cell) ? Number(cell) : NaN;
      if (!Number.isFinite(v)) {
        const problem = valueProblem(cell, fill);
        if (problem !== null) throw new Error(`${place(source, [line], seriesName, header[col]!)}: ${problem}`);
      }
      values[j]!.push(v);
    }
    lines.push(line);
    times.push(parsed.value);
    seriesOf.push(s);
  }
  if (format === null) throw new Error(`${source} has a header but no rows`);
  const count = lines.length;
  return {
    count, lines: lines.data, times: times.data, values: values.map((v) => v.data), format, ids,
    rowsOf: groupRows(seriesOf.data, count, ids.length),
  };
}

/** One series' times in order, checked: at least 2, no duplicates, sorted. Duplicates and unsorted rows are errors whatever `fill` says: which row to keep would be a guess. */
function orderedTimes(rows: Rows, s: number, seriesName: string | null, source: string, timeName: string): Float64Array {
  const idx = rows.rowsOf[s]!;
  if (idx.length < 2) {
    const who = seriesName === null ? '' : ` series '${clip(seriesName)}'`;
    throw new Error(`${source}${who} has only 1 row (line ${rows.lines[idx[0]!]}); at least 2 are needed to infer the frequency`);
  }
  const times = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) times[k] = rows.times[idx[k]!]!;
  for (let k = 1; k < idx.length; k++) {
    if (times[k]! > times[k - 1]!) continue;
    const at = place(source, [rows.lines[idx[k - 1]!]!, rows.lines[idx[k]!]!], seriesName, timeName);
    const text = (i: number) => timeText(rows.format, times[i]!);
    if (times[k] === times[k - 1]) {
      throw new Error(`${at}: duplicate time ${text(k)}; each time may appear once${seriesName === null ? '' : ' per series'}`);
    }
    const newestFirst = times[idx.length - 1]! < times[0]! ? '; the rows look sorted newest first' : '';
    throw new Error(`${at}: time ${text(k)} comes after ${text(k - 1)}; rows must be sorted by time, oldest first${newestFirst}`);
  }
  return times;
}

interface SeriesContext { source: string; seriesName: string | null; timeName: string; fill: FillMethod; multi: boolean }

/** Checks that the step holds everywhere in one series; returns its positions on the grid and the number of rows its gaps need. */
function checkSteps(rows: Rows, s: number, times: Float64Array, grid: TimeGrid, ctx: SeriesContext): { positions: Float64Array; missing: number } {
  const idx = rows.rowsOf[s]!;
  const positions = times.map((t) => grid.position(t));
  const { step } = grid;
  if (ctx.multi) {
    // A series on another frequency would otherwise be all gaps, or with --fill silently resampled.
    const own = mostCommonDifference([positions]);
    if (own !== step) {
      const k = positions.findIndex((p, i) => i > 0 && p - positions[i - 1]! === own);
      const at = place(ctx.source, [rows.lines[idx[k - 1]!]!, rows.lines[idx[k]!]!], ctx.seriesName, ctx.timeName);
      throw new Error(`${at}: this series mostly steps ${grid.duration(own)} (${grid.text(positions[k - 1]!)} to ${grid.text(positions[k]!)}), but the file's most common step is ${grid.duration(step)}; all series in one file must share one frequency`);
    }
  }
  let missing = 0;
  for (let k = 1; k < idx.length; k++) {
    const d = positions[k]! - positions[k - 1]!;
    if (d === step) continue;
    const at = place(ctx.source, [rows.lines[idx[k - 1]!]!, rows.lines[idx[k]!]!], ctx.seriesName, ctx.timeName);
    const from = grid.text(positions[k - 1]!), to = grid.text(positions[k]!);
    const digits8 = grid.format.kind === 'integer' && /^\d{8}$/.test(to) ? ' (dates written YYYYMMDD are read as integers: write them YYYY-MM-DD)' : '';
    if (d % step !== 0) {
      throw new Error(`${at}: a step of ${grid.duration(d)} from ${from} to ${to} is not a whole number of steps of ${grid.duration(step)} (the most common step)${digits8}`);
    }
    const gap = d / step - 1;
    if (ctx.fill === 'none') {
      const which = gap === 1 ? `1 step missing (${grid.text(positions[k - 1]! + step)})`
        : `${gap} steps missing (${grid.text(positions[k - 1]! + step)} … ${grid.text(positions[k]! - step)})`;
      throw new Error(`${at}: a gap from ${from} to ${to}, ${which}; ${FILL_HINT} inserts the missing rows${digits8}`);
    }
    missing += gap;
  }
  return { positions, missing };
}

/** One series laid on its grid: canonical times, one array per value column with gaps and missing values filled. */
function layOut(rows: Rows, s: number, positions: Float64Array, grid: TimeGrid, ctx: SeriesContext, valueNames: string[]): { times: string[]; arrays: Float64Array[]; missingCells: number } {
  const idx = rows.rowsOf[s]!;
  const first = positions[0]!;
  const length = (positions[positions.length - 1]! - first) / grid.step + 1;
  const times: string[] = new Array(length);
  for (let k = 0; k < length; k++) times[k] = grid.text(first + k * grid.step);
  const slots = positions.map((p) => (p - first) / grid.step);
  let missingCells = 0;
  const arrays = rows.values.map((values, j) => {
    const out = length === idx.length ? new Float64Array(length) : new Float64Array(length).fill(NaN);
    let missing = 0;
    for (let k = 0; k < idx.length; k++) {
      const v = values[idx[k]!]!;
      out[slots[k]!] = v;
      if (v !== v) missing++; // NaN: a missing cell
    }
    missingCells += missing;
    if (ctx.fill !== 'none' && (missing > 0 || length > idx.length)) {
      fillSeriesColumn(out, {
        method: ctx.fill, slots, lines: Array.from(idx, (r) => rows.lines[r]!),
        where: (line) => place(ctx.source, [line], ctx.seriesName, valueNames[j]!),
      });
    }
    return out;
  });
  return { times, arrays, missingCells };
}

/**
 * Parses time-series CSV text. Every problem is one thrown Error, a single line starting with
 * the source, the line number(s) (the header is line 1), the series and the column where they
 * apply: `airline.csv line 5, column 'Passengers': 'abc' is not a number`.
 */
export function parseTimeSeriesCsv(text: string, options: TimeSeriesCsvOptions): TimeSeriesData {
  checkOptions(options);
  const source = options.source ?? 'CSV text';
  const fill = options.fill ?? 'none';
  const reader = new CsvReader(text, source);
  const header = reader.header.cells;
  const columns = resolveColumns(header, options, source);
  const rows = readRows(reader, columns, options, source);
  const timeName = header[columns.time]!;
  const multi = columns.series !== null;
  const contexts: SeriesContext[] = rows.ids.map((id) => ({ source, seriesName: multi ? id : null, timeName, fill, multi }));
  const times = rows.ids.map((_, s) => orderedTimes(rows, s, contexts[s]!.seriesName, source, timeName));

  let grid: TimeGrid;
  try { grid = inferTimeGrid(rows.format, times); } catch (e) {
    throw new Error(`${source}, column '${clip(timeName)}': ${(e as Error).message}`);
  }
  const checked = rows.ids.map((_, s) => checkSteps(rows, s, times[s]!, grid, contexts[s]!));
  const inserted = checked.reduce((sum, c) => sum + c.missing, 0);
  if (inserted > MAX_INSERTED_ROWS) {
    throw new Error(`${source}, column '${clip(timeName)}': filling the gaps would insert ${inserted} rows, more than ${MAX_INSERTED_ROWS}; is a step of ${formatFrequency(grid.frequency)} right for this file?`);
  }

  const valueNames = [...columns.targets, ...columns.covariates].map((i) => header[i]!);
  let cells = 0;
  const series: TimeSeries[] = rows.ids.map((id, s) => {
    const { times: stamps, arrays, missingCells } = layOut(rows, s, checked[s]!.positions, grid, contexts[s]!, valueNames);
    cells += missingCells;
    return {
      id, times: stamps, filled: missingCells + checked[s]!.missing * valueNames.length,
      targets: arrays.slice(0, columns.targets.length), covariates: arrays.slice(columns.targets.length),
    };
  });
  return {
    source, timeColumn: timeName, targets: [...options.targets], covariates: [...(options.covariates ?? [])],
    seriesColumn: options.seriesColumn ?? null, frequency: grid.frequency, timeFormat: grid.format.pattern,
    series, filled: { cells, rows: inserted },
  };
}

/** Reads a time-series CSV file (UTF-8, not binary, not empty: `loadTextFile`) and parses it; errors start with `path`. */
export async function loadTimeSeriesCsv(path: string, options: Omit<TimeSeriesCsvOptions, 'source'>): Promise<TimeSeriesData> {
  const text = await loadTextFile(path);
  return parseTimeSeriesCsv(text, { ...options, source: path });
}
