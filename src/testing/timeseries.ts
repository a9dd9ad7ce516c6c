/**
 * Test helper: reads one of the shared example series (../shared/data/timeseries beside the
 * checkout, where the quality runs read them too) as its date column and first value column.
 * Only for tests; not part of the public API, and not the forecast task's CSV reader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SharedSeries {
  dates: string[];
  values: number[];
}

/** The series in `file`, or a string saying why it is absent (for `t.skip`). */
export function sharedSeries(file: string): SharedSeries | string {
  const path = fileURLToPath(new URL(`../../../shared/data/timeseries/${file}`, import.meta.url));
  if (!existsSync(path)) return `${path} is absent (the shared data folder is not beside this checkout)`;
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
  return { dates: rows.map((r) => r[0]!), values: rows.map((r) => Number(r[1])) };
}
