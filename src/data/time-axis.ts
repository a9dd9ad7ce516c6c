/**
 * Timestamps of a time series and the regular step between them: parsing ISO 8601 dates,
 * datetimes (naive, or with Z or an offset, normalised to UTC), months, quarters, years and
 * integer steps with exact calendar arithmetic (no `Date`, no local time); inferring the
 * frequency; writing canonical text and the timestamps after the last. Not a CSV reader.
 */

/** The unit a frequency counts in; 'step' is a plain integer index. */
export type TimeUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year' | 'step';

/**
 * A regular step: `{ unit: 'month', every: 1 }`, `{ unit: 'minute', every: 15 }`. `monthEnd`
 * is set when dates step by months and sit on the last day of each month (2021-01-31,
 * 2021-02-28, ...): the only case the last date alone cannot tell (2021-02-28 could be the
 * 28th of every month).
 */
export interface Frequency { unit: TimeUnit; every: number; monthEnd?: boolean }

/**
 * How a column writes its times. `kind` 'year' is a column of 4-digit integers (read as
 * years), 'integer' any other integer index. Datetimes have a `precision` and are `utc` when
 * they came with Z or an offset. `pattern` is the human form used in messages.
 */
export interface TimeFormat {
  readonly kind: 'integer' | 'year' | 'quarter' | 'month' | 'date' | 'datetime';
  readonly precision: 'minute' | 'second' | 'millisecond' | null;
  readonly utc: boolean;
  readonly pattern: string;
}

/** A parsed timestamp: integers as they are, months and quarters as month counts (year*12 + month-1), dates and datetimes as UTC milliseconds since 1970. */
export interface ParsedTime { format: TimeFormat; value: number }

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const FIXED_UNITS: [TimeUnit, number][] = [['week', WEEK], ['day', DAY], ['hour', HOUR], ['minute', MINUTE], ['second', 1000]];

function makeFormat(kind: TimeFormat['kind'], precision: TimeFormat['precision'], utc: boolean): TimeFormat {
  const clock = precision === 'minute' ? 'hh:mm' : precision === 'second' ? 'hh:mm:ss' : 'hh:mm:ss.sss';
  const pattern = kind === 'integer' ? 'an integer' : kind === 'year' ? 'YYYY' : kind === 'quarter' ? 'YYYY-Qn'
    : kind === 'month' ? 'YYYY-MM' : kind === 'date' ? 'YYYY-MM-DD' : `YYYY-MM-DDT${clock}${utc ? ' with Z or an offset' : ''}`;
  return Object.freeze({ kind, precision, utc, pattern });
}

const FORMATS = {
  integer: makeFormat('integer', null, false), year: makeFormat('year', null, false),
  quarter: makeFormat('quarter', null, false), month: makeFormat('month', null, false), date: makeFormat('date', null, false),
  /** Indexed [precision: minute, second, millisecond][utc ? 1 : 0]. */
  datetime: (['minute', 'second', 'millisecond'] as const).map((p) => [makeFormat('datetime', p, false), makeFormat('datetime', p, true)] as const),
};

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date `days` after 1970-01-01 as [year, month 1-12, day 1-31] (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function isLeap(year: number): boolean { return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0; }

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1-12) of `year`, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : MONTH_DAYS[month - 1]!;
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** The accepted forms, for messages. */
export const TIME_FORMS = 'ISO 8601 such as 2021-03-04, 2021-03-04T05:06:07, 2021-03-04 05:06+01:00, 1949-01, 2021-Q1, 2021, or an integer step';

function checkMonth(month: number): void {
  if (month < 1 || month > 12) throw new Error(`month ${month} does not exist`);
}

function checkDay(year: number, month: number, day: number): void {
  checkMonth(month);
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) throw new Error(`${MONTH_NAMES[month - 1]} ${year} has ${dim} days`);
}

/** The decimal number in s[from, from + length), or -1 when a character there is not a digit. */
function digits(s: string, from: number, length: number): number {
  if (from + length > s.length) return -1;
  let v = 0;
  for (let i = from; i < from + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const at = (s: string, i: number) => s.charCodeAt(i);
const DASH = 45, COLON = 58, DOT = 46, PLUS = 43;
const NOT_A_TIME = `expected ${TIME_FORMS}`;

/** A datetime's clock and zone after the date (s[10] is 'T', 't' or ' '): hh:mm[:ss[.fff]][Z|±hh[:mm]]. */
function parseClock(s: string, days: number): ParsedTime {
  const hour = digits(s, 11, 2), minute = digits(s, 14, 2);
  if (hour < 0 || minute < 0 || at(s, 13) !== COLON) throw new Error(NOT_A_TIME);
  if (hour > 23) throw new Error(`hour ${hour} does not exist (0-23)`);
  if (minute > 59) throw new Error(`minute ${minute} does not exist (0-59)`);
  let i = 16, second = 0, millis = 0;
  let precision = 0; // minute, second, millisecond
  if (at(s, i) === COLON) {
    second = digits(s, i + 1, 2);
    if (second < 0) throw new Error(NOT_A_TIME);
    if (second > 59) throw new Error(`second ${second} does not exist (0-59; leap seconds are not supported)`);
    precision = 1;
    i += 3;
    if (at(s, i) === DOT) {
      let end = i + 1;
      while (end < s.length && digits(s, end, 1) >= 0) end++;
      const fraction = s.slice(i + 1, end);
      if (fraction.length === 0 || fraction.length > 9) throw new Error(NOT_A_TIME);
      if (/[1-9]/.test(fraction.slice(3))) throw new Error('times finer than a millisecond are not supported');
      millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
      precision = 2;
      i = end;
    }
  }
  let offset = 0, utc = false;
  if (i < s.length) {
    const c = s[i]!;
    if ((c === 'Z' || c === 'z') && i + 1 === s.length) utc = true;
    else if (c === '+' || c === '-') {
      const oh = digits(s, i + 1, 2);
      const colon = at(s, i + 3) === COLON ? 1 : 0;
      const om = i + 3 === s.length ? 0 : digits(s, i + 3 + colon, 2);
      const end = i + 3 === s.length ? i + 3 : i + 5 + colon;
      if (oh < 0 || om < 0 || end !== s.length) throw new Error(NOT_A_TIME);
      if (oh > 23 || om > 59) throw new Error(`offset ${s.slice(i)} does not exist`);
      offset = (at(s, i) === PLUS ? 1 : -1) * (oh * HOUR + om * MINUTE);
      utc = true;
    } else throw new Error(NOT_A_TIME);
  }
  const value = days * DAY + hour * HOUR + minute * MINUTE + second * 1000 + millis - offset;
  return { format: FORMATS.datetime[precision]![utc ? 1 : 0], value };
}

/**
 * Reads one timestamp (surrounding spaces ignored). Throws an Error whose message is the reason
 * alone (`month 13 does not exist`), for the caller to put after the file and line. Hand-written
 * rather than regular expressions: a million rows should not make a million match arrays.
 */
export function parseTime(text: string): ParsedTime {
  const s = text.trim();
  const n = s.length;
  const signed = n > 1 && (at(s, 0) === PLUS || at(s, 0) === DASH) ? 1 : 0;
  if (n > 0 && n - signed <= 17 && digits(s, signed, n - signed) >= 0) {
    const value = Number(s);
    if (!Number.isSafeInteger(value)) throw new Error(`the integer ${s} is too large for a time index (at most ${Number.MAX_SAFE_INTEGER})`);
    return { format: n === 4 && signed === 0 ? FORMATS.year : FORMATS.integer, value };
  }
  if (n > 17 && digits(s, signed, n - signed) >= 0) throw new Error(`the integer ${s.length > 40 ? s.slice(0, 40) + '…' : s} is too large for a time index (at most ${Number.MAX_SAFE_INTEGER})`);
  const year = digits(s, 0, 4);
  if (year < 0) throw new Error(NOT_A_TIME);
  const dash = at(s, 4) === DASH ? 1 : 0;
  const q = at(s, 4 + dash);
  if ((q === 81 || q === 113) && n === 6 + dash) { // Q or q
    const quarter = digits(s, 5 + dash, 1);
    if (quarter < 1 || quarter > 4) throw new Error(quarter < 0 ? NOT_A_TIME : `quarter ${quarter} does not exist (Q1-Q4)`);
    return { format: FORMATS.quarter, value: year * 12 + (quarter - 1) * 3 };
  }
  if (!dash) throw new Error(NOT_A_TIME);
  const month = digits(s, 5, 2);
  if (month < 0) throw new Error(NOT_A_TIME);
  if (n === 7) {
    checkMonth(month);
    return { format: FORMATS.month, value: year * 12 + month - 1 };
  }
  const day = digits(s, 8, 2);
  if (at(s, 7) !== DASH || day < 0) throw new Error(NOT_A_TIME);
  if (n === 10) {
    checkDay(year, month, day);
    return { format: FORMATS.date, value: daysFromCivil(year, month, day) * DAY };
  }
  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') throw new Error(NOT_A_TIME);
  checkDay(year, month, day);
  return parseClock(s, daysFromCivil(year, month, day));
}

/** True when the two formats can share a column (4-digit integers and other integers can: the column is then an index). */
export function compatibleFormats(a: TimeFormat, b: TimeFormat): boolean {
  const integral = (f: TimeFormat) => f.kind === 'integer' || f.kind === 'year';
  return a === b || (integral(a) && integral(b));
}

/** The format of a column whose times all had compatible formats: any non-4-digit integer makes it an index. */
export function joinFormats(a: TimeFormat, b: TimeFormat): TimeFormat {
  return a.kind === 'year' && b.kind === 'integer' ? b : a;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const pad = (n: number, width = 2) => (n < 0 ? '-' + String(-n).padStart(width, '0') : String(n).padStart(width, '0'));
const pad2 = (n: number) => TWO_DIGITS[n]!;

/** The last date written, kept because consecutive times of sub-daily data share their date. */
let lastDay = NaN, lastDate = '';

function dateText(days: number): string {
  if (days !== lastDay) {
    const [y, mo, d] = civilFromDays(days);
    lastDate = `${y >= 1000 ? String(y) : pad(y, 4)}-${pad2(mo)}-${pad2(d)}`;
    lastDay = days;
  }
  return lastDate;
}

/** 'Thh:mm' or 'Thh:mm:ss' by second of the day, made once each: most rows of sub-daily data then cost one string, not three. */
const CLOCKS = { minute: new Array<string>(86400), second: new Array<string>(86400) };

function formatInstant(format: TimeFormat, ms: number): string {
  const days = Math.floor(ms / DAY);
  const date = dateText(days);
  if (format.kind === 'date') return date;
  const t = ms - days * DAY;
  const sec = Math.floor(t / 1000);
  const precision = format.precision === 'minute' ? 'minute' : 'second';
  let clock = CLOCKS[precision][sec];
  if (clock === undefined) {
    clock = `T${pad2(Math.floor(sec / 3600))}:${pad2(Math.floor(sec / 60) % 60)}`;
    if (precision === 'second') clock += `:${pad2(sec % 60)}`;
    CLOCKS[precision][sec] = clock;
  }
  if (format.precision === 'millisecond') clock += `.${pad(t % 1000, 3)}`;
  return date + (format.utc ? clock + 'Z' : clock);
}

/** The canonical text of a parsed value in its own format (UTC with Z for zoned datetimes), before any axis is known: for messages. */
export function timeText(format: TimeFormat, value: number): string {
  switch (format.kind) {
    case 'integer': return String(value);
    case 'year': return pad(value, 4);
    case 'month': case 'quarter': {
      const y = Math.floor(value / 12), m = value - y * 12 + 1;
      return format.kind === 'month' ? `${pad(y, 4)}-${pad(m)}` : `${pad(y, 4)}-Q${(m + 2) / 3}`;
    }
    default: return formatInstant(format, value);
  }
}

/**
 * A regular time axis: positions are whole numbers in a base unit (the integer itself, months,
 * or milliseconds), `step` of them apart. `position` maps a parsed value onto it, `text` writes
 * the canonical timestamp of a position in the column's own granularity.
 */
export interface TimeGrid {
  readonly format: TimeFormat;
  readonly frequency: Frequency;
  /** Base units between two consecutive steps. */
  readonly step: number;
  position(value: number): number;
  text(position: number): string;
  /** A duration of `units` base units in words: `3 days`, `2 months`, `36 hours`. */
  duration(units: number): string;
}

type Base = 'integer' | 'months' | 'fixed';

function baseOf(format: TimeFormat, unit: TimeUnit): Base {
  if (format.kind === 'integer' || format.kind === 'year') return 'integer';
  if (format.kind === 'month' || format.kind === 'quarter') return 'months';
  return unit === 'month' || unit === 'quarter' || unit === 'year' ? 'months' : 'fixed';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Month anchoring of dates that step by months: a day of the month (1-28) or the month's end, and a time of day. */
interface Anchor { day: number | 'end'; timeOfDay: number }

function dayParts(ms: number): { y: number; m: number; d: number; timeOfDay: number } {
  const days = Math.floor(ms / DAY);
  const [y, m, d] = civilFromDays(days);
  return { y, m, d, timeOfDay: ms - days * DAY };
}

/** The month count (year*12 + month-1) of an instant. */
function monthOf(ms: number): number {
  const p = dayParts(ms);
  return p.y * 12 + p.m - 1;
}

function makeGrid(format: TimeFormat, frequency: Frequency, anchor: Anchor | null): TimeGrid {
  const base = baseOf(format, frequency.unit);
  const { unit, every } = frequency;
  let step: number;
  if (base === 'integer') {
    if (unit !== 'step' && unit !== 'year') throw new Error(`${format.kind === 'year' ? 'years' : 'integer steps'} cannot step by ${unit}s`);
    step = every;
  } else if (base === 'months') {
    if (unit !== 'month' && unit !== 'quarter' && unit !== 'year') throw new Error(`${format.pattern} times cannot step by ${unit}s`);
    step = every * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12);
    if (format.kind === 'quarter' && step % 3 !== 0) throw new Error(`quarters cannot step by ${plural(every, unit)}`);
  } else {
    const unitMs = FIXED_UNITS.find(([u]) => u === unit)?.[1];
    if (unitMs === undefined) throw new Error(`${format.pattern} times cannot step by ${unit}s`);
    step = every * unitMs;
    if (format.kind === 'date' && step % DAY !== 0) throw new Error(`dates (YYYY-MM-DD) cannot step by ${plural(every, unit)}: not a whole number of days`);
  }
  const position = base === 'months' && (format.kind === 'date' || format.kind === 'datetime') ? monthOf : (value: number) => value;
  const text = (pos: number): string => {
    if (base !== 'months') return timeText(format, pos);
    if (format.kind === 'month' || format.kind === 'quarter') return timeText(format, pos);
    const y = Math.floor(pos / 12), m = pos - y * 12 + 1;
    const dim = daysInMonth(y, m);
    const day = anchor!.day === 'end' ? dim : Math.min(anchor!.day, dim);
    return formatInstant(format, daysFromCivil(y, m, day) * DAY + anchor!.timeOfDay);
  };
  const duration = (units: number): string => {
    if (base === 'integer') return plural(units, format.kind === 'year' ? 'year' : 'step');
    if (base === 'months') return units % 12 === 0 ? plural(units / 12, 'year') : units % 3 === 0 && format.kind === 'quarter' ? plural(units / 3, 'quarter') : plural(units, 'month');
    for (const [u, ms] of FIXED_UNITS) if (units % ms === 0) return plural(units / ms, u);
    return plural(units, 'millisecond');
  };
  return { format, frequency, step, position, text, duration };
}

function frequencyOfStep(format: TimeFormat, base: Base, step: number): Frequency {
  if (base === 'integer') return { unit: format.kind === 'year' ? 'year' : 'step', every: step };
  if (base === 'months') {
    return step % 12 === 0 ? { unit: 'year', every: step / 12 } : step % 3 === 0 ? { unit: 'quarter', every: step / 3 } : { unit: 'month', every: step };
  }
  if (step % 1000 !== 0) throw new Error(`the most common step is ${plural(step, 'millisecond')}; steps that are not whole seconds are not supported`);
  for (const [unit, ms] of FIXED_UNITS) if (step % ms === 0) return { unit, every: step / ms };
  throw new Error('unreachable');
}

/**
 * Dates or datetimes that all sit on one day of the month (1-28), or all on month ends, at one
 * time of day, step by calendar months. When both hold (only 28 February of common years),
 * the day of the month wins.
 */
function monthAnchor(series: ArrayLike<number>[]): Anchor | null {
  let first: { d: number; timeOfDay: number } | null = null;
  let sameDay = true, ends = true;
  for (const values of series) {
    for (let i = 0; i < values.length; i++) {
      const p = dayParts(values[i]!);
      first ??= p;
      if (p.timeOfDay !== first.timeOfDay) return null;
      sameDay &&= p.d === first.d && p.d <= 28;
      ends &&= p.d === daysInMonth(p.y, p.m);
      if (!sameDay && !ends) return null;
    }
  }
  if (first === null) return null;
  return { day: sameDay ? first.d : 'end', timeOfDay: first.timeOfDay };
}

/**
 * The most common difference between neighbours within each array (the smallest of equally
 * common ones), or 0 when no array has two values. Counted in runs of equal differences, so a
 * regular series touches the map once.
 */
export function mostCommonDifference(series: ArrayLike<number>[]): number {
  const counts = new Map<number, number>();
  for (const values of series) {
    let run = 0, runDiff = NaN;
    for (let i = 1; i < values.length; i++) {
      const d = values[i]! - values[i - 1]!;
      if (d === runDiff) { run++; continue; }
      if (run > 0) counts.set(runDiff, (counts.get(runDiff) ?? 0) + run);
      runDiff = d;
      run = 1;
    }
    if (run > 0) counts.set(runDiff, (counts.get(runDiff) ?? 0) + run);
  }
  let step = 0, best = 0;
  for (const [d, c] of counts) if (c > best || (c === best && d < step)) { step = d; best = c; }
  return step;
}

/**
 * The axis of a column: `series` holds each series' parsed values, strictly increasing (the
 * caller checks order first). The step is the most common difference between neighbours
 * (the smallest of equally common ones); the caller then checks that it holds everywhere.
 * Dates step by calendar months when they all sit on one day of the month or on month ends.
 */
export function inferTimeGrid(format: TimeFormat, series: ArrayLike<number>[]): TimeGrid {
  let anchor: Anchor | null = null;
  let base: Base = baseOf(format, 'step');
  if (format.kind === 'date' || format.kind === 'datetime') {
    anchor = monthAnchor(series);
    if (anchor !== null) base = 'months';
  }
  const step = mostCommonDifference(anchor !== null ? series.map((values) => Array.from(values, monthOf)) : series);
  if (step <= 0) throw new Error('inferTimeGrid: expected strictly increasing times with at least two in a series');
  const frequency = frequencyOfStep(format, base, step);
  if (anchor?.day === 'end') frequency.monthEnd = true;
  return makeGrid(format, frequency, anchor);
}

/** A frequency in words: `1 month`, `15 minutes`, `1 month (month ends)`. */
export function formatFrequency(frequency: Frequency): string {
  return `${plural(frequency.every, frequency.unit)}${frequency.monthEnd ? ' (month ends)' : ''}`;
}

function checkFrequency(fn: string, frequency: Frequency): void {
  const units: TimeUnit[] = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'step'];
  if (!units.includes(frequency?.unit)) throw new Error(`${fn}: frequency.unit must be one of ${units.join(', ')}, got ${JSON.stringify(frequency?.unit)}`);
  if (!Number.isSafeInteger(frequency.every) || frequency.every < 1) throw new Error(`${fn}: frequency.every must be a whole number >= 1, got ${frequency.every}`);
}

/**
 * The `n` timestamps after `last`, `frequency` apart, in `last`'s format (canonical text, as
 * `TimeSeries.times` holds it). Months add by the calendar: 2021-12 → 2022-01; a date steps by
 * months on its day of the month (clamped to shorter months, as pandas' DateOffset does), or on
 * month ends when `frequency.monthEnd`; days and shorter units add exact durations (UTC, no DST).
 */
export function futureTimes(last: string, frequency: Frequency, n: number): string[] {
  checkFrequency('futureTimes', frequency);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`futureTimes: n must be a whole number >= 0, got ${n}`);
  let parsed: ParsedTime;
  try { parsed = parseTime(last); } catch (e) { throw new Error(`futureTimes: cannot read the last time '${last}': ${(e as Error).message}`); }
  const { format, value } = parsed;
  let anchor: Anchor | null = null;
  if ((format.kind === 'date' || format.kind === 'datetime') && baseOf(format, frequency.unit) === 'months') {
    const p = dayParts(value);
    anchor = { day: frequency.monthEnd ? 'end' : p.d, timeOfDay: p.timeOfDay };
  }
  let grid: TimeGrid;
  try { grid = makeGrid(format, frequency, anchor); } catch (e) { throw new Error(`futureTimes: '${last}' is ${format.pattern}, and ${(e as Error).message}`); }
  const start = grid.position(value);
  const out: string[] = new Array(n);
  for (let k = 0; k < n; k++) out[k] = grid.text(start + (k + 1) * grid.step);
  return out;
}
