/**
 * `timeAxis`: reads the time stamps of a chart (canonical text such as `1949-01`, `1981-01-01`,
 * `2021-03-04T05:00:00Z`, or integer steps) into numbers, and picks the x axis that shows them:
 * a UTC time scale with ticks on whole months, days or hours labelled in the data's own style,
 * or a linear scale of integer steps. Not a date parser for CSV files (the forecast data reader
 * checks those); it never depends on the machine's time zone.
 */

/** How fine the time stamps are: it decides the label format and the smallest tick interval. */
export type TimeGrain = 'step' | 'month' | 'day' | 'minute' | 'second';

export interface TimeAxis {
  grain: TimeGrain;
  /** Milliseconds since 1970-01-01T00:00:00Z for dates, the step itself for integer steps; one array per input. */
  values: number[][];
  /** Vega-Lite axis and scale settings for the x channel (`type` is temporal for dates, quantitative for steps). */
  encoding: {
    type: 'temporal' | 'quantitative';
    scale: Record<string, unknown>;
    axis: Record<string, unknown>;
  };
}

const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;
const STEP = /^[+-]?\d+$/;

interface Stamp { ms: number; grain: TimeGrain }

function dateMs(y: string, mo: string, d: string, h = '0', mi = '0', s = '0', fraction = ''): number | undefined {
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, fraction ? Math.round(Number(fraction) * 1000) : 0);
  const back = new Date(ms);
  // Date.UTC rolls 2021-02-30 over into March; a stamp that does not come back is not a date.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return ms;
}

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}

function readStamp(t: string | number): Stamp | undefined {
  if (typeof t === 'number') return Number.isSafeInteger(t) ? { ms: t, grain: 'step' } : undefined;
  if (STEP.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? { ms: n, grain: 'step' } : undefined;
  }
  let m = MONTH.exec(t);
  if (m) {
    const ms = dateMs(m[1], m[2], '01');
    return ms === undefined ? undefined : { ms, grain: 'month' };
  }
  m = DAY.exec(t);
  if (m) {
    const ms = dateMs(m[1], m[2], m[3]);
    return ms === undefined ? undefined : { ms, grain: 'day' };
  }
  m = DATE_TIME.exec(t);
  if (m) {
    const ms = dateMs(m[1], m[2], m[3], m[4], m[5], m[6], m[7]);
    if (ms === undefined) return undefined;
    // A time without a zone is read as UTC, so that the chart is the same on every machine.
    return { ms: ms - offsetMs(m[8]), grain: m[6] !== undefined && (Number(m[6]) !== 0 || m[7]) ? 'second' : 'minute' };
  }
  return undefined;
}

const GRAIN_ORDER: TimeGrain[] = ['month', 'day', 'minute', 'second'];

/** Label format per grain, and how many characters its labels have. */
const FORMATS: Record<Exclude<TimeGrain, 'step'>, [format: string, chars: number]> = {
  month: ['%Y-%m', 7],
  day: ['%Y-%m-%d', 10],
  minute: ['%Y-%m-%d %H:%M', 16],
  second: ['%Y-%m-%d %H:%M:%S', 19],
};

type Interval = [unit: 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year', step: number, ms: number];

const S = 1000, MIN = 60 * S, H = 60 * MIN, D = 24 * H, MO = 30.44 * D, Y = 365.25 * D;

/** Tick intervals from fine to coarse; each grain starts at its own (a monthly series never gets a tick mid-month). */
const INTERVALS: Interval[] = [
  ['second', 1, S], ['second', 5, 5 * S], ['second', 15, 15 * S], ['second', 30, 30 * S],
  ['minute', 1, MIN], ['minute', 5, 5 * MIN], ['minute', 15, 15 * MIN], ['minute', 30, 30 * MIN],
  ['hour', 1, H], ['hour', 3, 3 * H], ['hour', 6, 6 * H], ['hour', 12, 12 * H],
  ['day', 1, D], ['day', 2, 2 * D], ['week', 1, 7 * D], ['month', 1, MO], ['month', 3, 3 * MO], ['month', 6, 6 * MO],
  ['year', 1, Y], ['year', 2, 2 * Y], ['year', 5, 5 * Y], ['year', 10, 10 * Y], ['year', 20, 20 * Y], ['year', 50, 50 * Y],
  ['year', 100, 100 * Y], ['year', 200, 200 * Y], ['year', 500, 500 * Y], ['year', 1000, 1000 * Y],
];

const FIRST_INTERVAL: Record<Exclude<TimeGrain, 'step'>, number> = {
  month: INTERVALS.findIndex(([u]) => u === 'month'),
  day: INTERVALS.findIndex(([u]) => u === 'day'),
  minute: INTERVALS.findIndex(([u]) => u === 'minute'),
  second: 0,
};

/** Pixels one label takes with its gap: an over-estimate for 10 px digits, so labels never touch. */
function labelPixels(chars: number): number {
  return chars * 6.5 + 14;
}

/**
 * Reads every array of time stamps of one chart (history, forecast, truth ...) and returns their
 * numbers plus the x encoding for a chart `width` pixels wide. All stamps must be of one kind:
 * integer steps, or dates (months, days and date-times may mix; the finest decides the labels).
 * `where` names each array in errors, e.g. `forecastChart: history.times`.
 */
export function timeAxis(arrays: readonly (readonly (string | number)[])[], where: readonly string[], width: number): TimeAxis {
  let grain: TimeGrain | undefined;
  let firstWhere = '';
  let lo = Infinity, hi = -Infinity;
  const values = arrays.map((times, a) => times.map((t, i) => {
    const stamp = readStamp(t);
    if (!stamp) {
      throw new Error(`${where[a]}[${i}] must be an integer step or a date like 1949-01, 1981-01-01 or 2021-03-04T05:00:00Z, got ${JSON.stringify(t)}`);
    }
    if (grain === undefined) {
      grain = stamp.grain;
      firstWhere = `${where[a]}[${i}]`;
    } else if ((grain === 'step') !== (stamp.grain === 'step')) {
      throw new Error(`${where[a]}[${i}] is ${stamp.grain === 'step' ? 'an integer step' : 'a date'} but ${firstWhere} is ${grain === 'step' ? 'an integer step' : 'a date'}: one chart has one kind of time`);
    } else if (GRAIN_ORDER.indexOf(stamp.grain) > GRAIN_ORDER.indexOf(grain)) {
      grain = stamp.grain;
    }
    lo = Math.min(lo, stamp.ms);
    hi = Math.max(hi, stamp.ms);
    return stamp.ms;
  }));
  if (grain === undefined) throw new Error(`${where.join(', ')}: no time stamps`);

  if (grain === 'step') {
    return {
      grain, values,
      encoding: { type: 'quantitative', scale: { zero: false, nice: false, padding: 6 }, axis: { format: 'd', tickMinStep: 1, labelOverlap: 'greedy' } },
    };
  }
  const [format, chars] = FORMATS[grain];
  const maxTicks = Math.max(2, Math.floor(width / labelPixels(chars)));
  const span = hi - lo;
  let pick = INTERVALS[INTERVALS.length - 1];
  for (let k = FIRST_INTERVAL[grain]; k < INTERVALS.length; k++) {
    if (span / INTERVALS[k][2] + 1 <= maxTicks) {
      pick = INTERVALS[k];
      break;
    }
  }
  return {
    grain, values,
    encoding: {
      type: 'temporal',
      scale: { type: 'utc', padding: 6 },
      // labelOverlap stays as a safety net: labels are measured by estimate where no canvas is installed.
      axis: { format, tickCount: { interval: pick[0], step: pick[1] }, labelOverlap: 'greedy' },
    },
  };
}
