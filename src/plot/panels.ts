/**
 * Panels: pictures as plain JSON, for the dashboard's task views (issue 17). A task's evaluation
 * may attach panels to its `eval` event (a confusion matrix, a forecast of the validation part),
 * and a dashboard task view answers a typed input with panels (the top classes of a sentence,
 * a translation with its attention, a tagged sentence, autocompletions). The page draws each
 * kind; a new task adds a view by producing these, with no page code of its own.
 *
 * Like the rest of plot, panels know no models, tasks or files: numbers and labels only.
 * `checkPanels` is what a reader of untrusted JSON (the page, reading events.jsonl) runs first.
 */

/** Rows × columns of numbers with labels: a confusion matrix, attention weights. */
export interface MatrixPanel {
  kind: 'matrix';
  title: string;
  /** What the rows and the columns are ('true class', 'predicted class', 'output token'). */
  rowTitle: string;
  colTitle: string;
  rows: string[];
  cols: string[];
  /** values[r][c]; not-a-number is drawn grey. */
  values: number[][];
  /**
   * 'count': integers, shaded by each row's share (a confusion matrix), the count written in the cell;
   * 'weight': values in [0, 1], shaded by value (attention weights).
   */
  scale: 'count' | 'weight';
  note?: string;
}

/** Lines over a shared x axis, with an optional interval band: a forecast against the truth. */
export interface SeriesPanel {
  kind: 'series';
  title: string;
  /** x values: ISO 8601 times, or step numbers. */
  x: (string | number)[];
  lines: { name: string; values: (number | null)[]; dashed?: boolean }[];
  /** A band between lo and hi drawn under the lines ('80% interval'). */
  band?: { name: string; lo: (number | null)[]; hi: (number | null)[] };
  /** The first x of the part the model predicted (a marker is drawn there). */
  splitAt?: string | number;
  note?: string;
}

/** A sentence with a label under each token: a tagged sentence. */
export interface TokensPanel {
  kind: 'tokens';
  title: string;
  tokens: { text: string; label: string; score?: number }[];
  note?: string;
}

/** A small table: the top classes with their probabilities, completions, hypotheses. */
export interface TablePanel {
  kind: 'table';
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** A column (index) drawn as a bar of its value in [0, 1] beside the number. */
  barColumn?: number;
  note?: string;
}

export interface TextPanel {
  kind: 'text';
  title: string;
  text: string;
}

export type Panel = MatrixPanel | SeriesPanel | TokensPanel | TablePanel | TextPanel;

/** Most numbers and strings one panel list may hold (an eval event stays small). */
export const MAX_PANEL_CELLS = 20_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

/**
 * Checks that `value` is a list of panels as described above; returns them, or throws an error
 * naming the first problem ('panel 2 (matrix): values has 3 rows, rows has 4').
 */
export function checkPanels(value: unknown): Panel[] {
  if (!Array.isArray(value)) throw new Error('panels must be a list');
  let cells = 0;
  value.forEach((p, i) => {
    if (!isObj(p) || !isStr(p.kind) || !isStr(p.title)) throw new Error(`panel ${i} is not an object with a kind and a title`);
    const where = `panel ${i} (${p.kind})`;
    const fail = (what: string): never => { throw new Error(`${where}: ${what}`); };
    if (p.note !== undefined && !isStr(p.note)) fail('note must be text');
    switch (p.kind) {
      case 'matrix': {
        if (!strings(p.rows) || !strings(p.cols) || !isStr(p.rowTitle) || !isStr(p.colTitle)) fail('rows, cols, rowTitle and colTitle must be text');
        if (p.scale !== 'count' && p.scale !== 'weight') fail(`scale must be 'count' or 'weight'`);
        const rows = p.rows as string[];
        const cols = p.cols as string[];
        if (!Array.isArray(p.values) || p.values.length !== rows.length) fail(`values has ${Array.isArray(p.values) ? p.values.length : 'no'} rows, rows has ${rows.length}`);
        (p.values as unknown[]).forEach((r, k) => {
          if (!Array.isArray(r) || r.length !== cols.length || !r.every(isNumOrNull)) fail(`values row ${k} is not ${cols.length} numbers`);
        });
        cells += rows.length * cols.length + rows.length + cols.length;
        break;
      }
      case 'series': {
        if (!Array.isArray(p.x) || !p.x.every((x) => isStr(x) || typeof x === 'number')) fail('x must be a list of times or numbers');
        const n = (p.x as unknown[]).length;
        const column = (v: unknown, name: string): void => {
          if (!Array.isArray(v) || v.length !== n || !v.every(isNumOrNull)) fail(`${name} must be ${n} numbers (or nulls), one per x`);
        };
        if (!Array.isArray(p.lines) || p.lines.length === 0) fail('lines must be a non-empty list');
        (p.lines as unknown[]).forEach((l, k) => {
          if (!isObj(l) || !isStr(l.name)) fail(`line ${k} has no name`);
          column((l as Record<string, unknown>).values, `line ${k}'s values`);
        });
        if (p.band !== undefined) {
          if (!isObj(p.band) || !isStr(p.band.name)) fail('band has no name');
          const b = p.band as Record<string, unknown>;
          column(b.lo, 'band.lo');
          column(b.hi, 'band.hi');
        }
        if (p.splitAt !== undefined && !isStr(p.splitAt) && typeof p.splitAt !== 'number') fail('splitAt must be a time or a number');
        cells += n * ((p.lines as unknown[]).length + 1 + (p.band ? 2 : 0));
        break;
      }
      case 'tokens': {
        if (!Array.isArray(p.tokens)) fail('tokens must be a list');
        (p.tokens as unknown[]).forEach((t, k) => {
          if (!isObj(t) || !isStr(t.text) || !isStr(t.label) || (t.score !== undefined && typeof t.score !== 'number')) fail(`token ${k} needs text, label and an optional numeric score`);
        });
        cells += 2 * (p.tokens as unknown[]).length;
        break;
      }
      case 'table': {
        if (!strings(p.columns)) fail('columns must be text');
        const width = (p.columns as string[]).length;
        if (!Array.isArray(p.rows)) fail('rows must be a list');
        (p.rows as unknown[]).forEach((r, k) => {
          if (!Array.isArray(r) || r.length !== width || !r.every((c) => isStr(c) || typeof c === 'number')) fail(`row ${k} is not ${width} cells of text or numbers`);
        });
        if (p.barColumn !== undefined && !(Number.isInteger(p.barColumn) && (p.barColumn as number) >= 0 && (p.barColumn as number) < width)) fail(`barColumn must be a column index below ${width}`);
        cells += width * (1 + (p.rows as unknown[]).length);
        break;
      }
      case 'text':
        if (!isStr(p.text)) fail('text must be text');
        cells += 1;
        break;
      default:
        fail(`unknown kind (the kinds are matrix, series, tokens, table and text)`);
    }
  });
  if (cells > MAX_PANEL_CELLS) throw new Error(`panels hold ${cells} cells; at most ${MAX_PANEL_CELLS}`);
  return value as Panel[];
}
