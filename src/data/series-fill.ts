/**
 * Filling the missing values of one column of one series on its regular grid: 'linear'
 * interpolates between the known neighbours in time, 'previous' carries the last known value
 * forward. A value with no neighbour to fill from is an error naming its line, never a guess.
 * Not gap detection: the caller lays the rows on the grid with NaN where nothing is known.
 */

export type FillMethod = 'none' | 'linear' | 'previous';

/** What a fill needs besides the values: where the file's rows sit on the grid, their lines, and the start of an error message. */
export interface FillContext {
  method: Exclude<FillMethod, 'none'>;
  /** Grid index of each row of the file, increasing; the first is 0 and the last is the grid's end. */
  slots: ArrayLike<number>;
  /** The file line of each row. */
  lines: number[];
  /** `file line N, series 'B', column 'Temp'` for a line. */
  where: (line: number) => string;
}

/** Fills the NaNs of `values` (one column of one series, on the grid) in place. */
export function fillSeriesColumn(values: Float64Array, ctx: FillContext): void {
  const n = values.length;
  let firstKnown = 0;
  while (firstKnown < n && Number.isNaN(values[firstKnown]!)) firstKnown++;
  if (firstKnown === n) throw new Error(`${ctx.where(ctx.lines[0]!)}: every value of this column is missing; there is nothing to fill from`);
  if (firstKnown > 0) {
    throw new Error(`${ctx.where(ctx.lines[0]!)}: missing value in the first row of the series, with no earlier value to fill it from; give it a value or remove the row`);
  }
  let known = 0; // index of the last known value
  for (let i = 1; i < n; i++) {
    if (!Number.isNaN(values[i]!)) {
      if (ctx.method === 'linear' && i - known > 1) {
        const a = values[known]!, b = values[i]!, span = i - known;
        for (let k = known + 1; k < i; k++) values[k] = a + ((b - a) * (k - known)) / span;
      }
      known = i;
    } else if (ctx.method === 'previous') values[i] = values[known]!;
  }
  if (known < n - 1 && ctx.method === 'linear') {
    let row = 0;
    while (ctx.slots[row]! <= known) row++;
    throw new Error(`${ctx.where(ctx.lines[row]!)}: missing value at the end of the series; --fill linear needs a known value on each side (use --fill previous, or remove the row)`);
  }
}
