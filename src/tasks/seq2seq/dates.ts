/**
 * A bundled data set for sequence-to-sequence training with an exact answer: dates written in
 * ~20 human formats ("3rd of March 2021", "03/03/21", "wed 3 mar 2021" ...) paired with their
 * ISO form ("2021-03-03"). Pure and seeded: no files, no model, no training.
 *
 * Reading conventions, chosen so that no source reads as two different dates:
 * - Slashes put the month before the day (US): `MM/DD/YY`, `M/D/YYYY`, `YYYY/MM/DD`.
 * - Dots keep the month in the middle with the year at either end: `DD.MM.YYYY` (European
 *   day.month.year) and `YYYY.M.D`. A year at the front always has four digits.
 * - Dashes are ISO `YYYY-MM-DD`, or `DD-Mon-YYYY` with the month named.
 * - Two-digit years (century rule): `YY` stands for the only year in `[from, to]` whose last two
 *   digits are `YY`. With the default range 1950..2049, `50`..`99` are 1950..1999 and `00`..`49`
 *   are 2000..2049. A two-digit-year format is drawn only for dates whose year is the only one in
 *   the range ending in those digits: always when the range spans at most 100 years, and for
 *   part of the years (or none) when it spans more.
 */
import { Rng } from '../../random/rng.js';
import { civilFromDays as civilFromDaysTuple, daysFromCivil } from '../../data/time-axis.js';

/** One example: a date in some human format, its ISO `YYYY-MM-DD` form, and the format's name. */
export interface DatePair {
  source: string;
  target: string;
  /** One of `DATE_FORMATS`. */
  format: string;
}

/** A day of the proleptic Gregorian calendar; `month` is 1..12. */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface DatePairOptions {
  /** First year drawn (inclusive, 1000..9999). Default 1950. */
  from?: number;
  /** Last year drawn (inclusive, 1000..9999). Default 2049. */
  to?: number;
}

/**
 * How a format's letters are cased: `title` as written ("March", "Wed", "3rd"), `lower`,
 * `upper`, or `mixed`: drawn per example (title 60 %, lower 25 %, upper 15 %).
 */
type Casing = 'title' | 'lower' | 'upper' | 'mixed';

/**
 * The formats. Each name is its own template: `YYYY` `YY` `MM` `M` `DD` `D` are digits (two-letter
 * tokens zero-padded), `Dth` the day with its ordinal suffix, `Month`/`Mon` the month's name or
 * three-letter abbreviation, `Weekday`/`Wkd` the weekday likewise; everything else is literal.
 * Tokens spelled in lower or upper case (`mon`, `MONTH`) only mirror the format's casing.
 */
const FORMAT_TABLE: readonly { name: string; casing: Casing }[] = [
  { name: 'Dth of Month YYYY', casing: 'mixed' }, //            3rd of March 2021
  { name: 'Month D, YYYY', casing: 'mixed' }, //                March 3, 2021
  { name: 'D Month YYYY', casing: 'mixed' }, //                 3 March 2021
  { name: 'Mon D YYYY', casing: 'mixed' }, //                   Mar 3 2021
  { name: 'MM/DD/YY', casing: 'title' }, //                     03/03/21
  { name: 'M/D/YYYY', casing: 'title' }, //                     3/3/2021
  { name: 'YYYY.M.D', casing: 'title' }, //                     2021.3.3
  { name: 'YYYY-MM-DD', casing: 'title' }, //                   2021-03-03
  { name: 'DD.MM.YYYY', casing: 'title' }, //                   03.03.2021
  { name: 'Weekday, Month D, YYYY', casing: 'title' }, //       Wednesday, March 3, 2021
  { name: 'wkd D mon YYYY', casing: 'lower' }, //               wed 3 mar 2021
  { name: 'D mon YY', casing: 'lower' }, //                     3 mar 21
  { name: 'the Dth of month, YYYY', casing: 'lower' }, //       the 3rd of march, 2021
  { name: 'MONTH DTH YYYY', casing: 'upper' }, //               MARCH 3RD 2021
  { name: 'YYYYMMDD', casing: 'title' }, //                     20210303
  { name: 'DD-Mon-YYYY', casing: 'mixed' }, //                  03-Mar-2021
  { name: 'YYYY/MM/DD', casing: 'title' }, //                   2021/03/03
  { name: 'Month Dth, YYYY', casing: 'mixed' }, //              March 3rd, 2021
  { name: 'Dth Month YYYY', casing: 'mixed' }, //               3rd March 2021
  { name: 'Wkd, D Mon YYYY', casing: 'title' }, //              Wed, 3 Mar 2021
  { name: "Month D 'YY", casing: 'mixed' }, //                  March 3 '21
  { name: 'Weekday the Dth of Month YYYY', casing: 'mixed' }, // Wednesday the 3rd of March 2021
];

/** The names of the formats `generateDatePairs` draws from (each name is its template). */
export const DATE_FORMATS: readonly string[] = Object.freeze(FORMAT_TABLE.map((f) => f.name));

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const TOKEN = /YYYY|YY|MM|DD|Dth|DTH|Month|month|MONTH|Mon|mon|Weekday|Wkd|wkd|M|D/g;
const TWO_DIGIT_YEAR = /\bYY\b/;
const DEFAULT_FROM = 1950;
const DEFAULT_TO = 2049;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The calendar date `days` after 1970-01-01 (time-axis.ts: Hinnant's civil_from_days, plain arithmetic). */
function civilFromDays(days: number): CalendarDate {
  const [year, month, day] = civilFromDaysTuple(days);
  return { year, month, day };
}

/** 0 = Sunday; 1970-01-01 was a Thursday. */
function weekdayOf(date: CalendarDate): number {
  const days = daysFromCivil(date.year, date.month, date.day);
  return (((days + 4) % 7) + 7) % 7;
}

/** 1st 2nd 3rd 4th ... 11th 12th 13th ... 21st 22nd 23rd ... 31st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const last = n % 10;
  const suffix = teen ? 'th' : last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function renderToken(token: string, date: CalendarDate): string {
  const { year, month, day } = date;
  switch (token) {
    case 'YYYY': return String(year);
    case 'YY': return pad2(year % 100);
    case 'MM': return pad2(month);
    case 'M': return String(month);
    case 'DD': return pad2(day);
    case 'D': return String(day);
    case 'Dth': case 'DTH': return ordinal(day);
    case 'Month': case 'month': case 'MONTH': return MONTHS[month - 1]!;
    case 'Mon': case 'mon': return MONTHS[month - 1]!.slice(0, 3);
    case 'Weekday': return WEEKDAYS[weekdayOf(date)]!;
    case 'Wkd': case 'wkd': return WEEKDAYS[weekdayOf(date)]!.slice(0, 3);
    default: throw new Error(`formatDate: unknown token ${token}`); // unreachable: TOKEN lists them
  }
}

function applyCasing(text: string, casing: Casing, rng: Rng | undefined): string {
  let style = casing;
  if (style === 'mixed') {
    const u = rng ? rng.int(20) : 0;
    style = u < 12 ? 'title' : u < 17 ? 'lower' : 'upper';
  }
  return style === 'lower' ? text.toLowerCase() : style === 'upper' ? text.toUpperCase() : text;
}

function checkDate(fn: string, date: CalendarDate): void {
  const { year, month, day } = date ?? ({} as CalendarDate);
  if (!Number.isInteger(year) || year < 1000 || year > 9999) {
    throw new Error(`${fn}: date.year must be an integer in 1000..9999, got ${year}`);
  }
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new Error(`${fn}: date.month must be an integer in 1..12, got ${month}`);
  }
  const last = daysInMonth(year, month);
  if (!Number.isInteger(day) || day < 1 || day > last) {
    throw new Error(`${fn}: date.day must be an integer in 1..${last} for ${year}-${pad2(month)}, got ${day}`);
  }
}

/**
 * One date written in one of `DATE_FORMATS`. Casing follows the format; a `mixed` format is
 * written in title case unless `rng` is given, which then draws the casing. Two-digit years are
 * written as the year's last two digits; whether they can be read back depends on the range
 * (see the century rule at the top of this file).
 */
export function formatDate(date: CalendarDate, format: string, rng?: Rng): string {
  checkDate('formatDate', date);
  const spec = FORMAT_TABLE.find((f) => f.name === format);
  if (!spec) throw new Error(`formatDate: format must be one of ${DATE_FORMATS.map((f) => JSON.stringify(f)).join(', ')}; got ${JSON.stringify(format)}`);
  const text = spec.name.replace(TOKEN, (token) => renderToken(token, date));
  return applyCasing(text, spec.casing, rng);
}

function checkYear(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1000 || value > 9999) {
    throw new Error(`generateDatePairs: ${name} must be an integer year in 1000..9999, got ${String(value)}`);
  }
  return value;
}

/**
 * `count` dates drawn uniformly over the days of years `from..to` (default 1950..2049), each
 * written in a format drawn uniformly among those that read unambiguously for that date, with
 * its ISO `YYYY-MM-DD` target. The same seed gives the same list.
 */
export function generateDatePairs(count: number, seed: number, options: DatePairOptions = {}): DatePair[] {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new Error(`generateDatePairs: count must be a non-negative integer, got ${String(count)}`);
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new Error(`generateDatePairs: seed must be a finite number, got ${String(seed)}`);
  }
  const from = checkYear('options.from', options.from ?? DEFAULT_FROM);
  const to = checkYear('options.to', options.to ?? DEFAULT_TO);
  if (from > to) throw new Error(`generateDatePairs: options.from (${from}) must not be after options.to (${to})`);

  const first = daysFromCivil(from, 1, 1);
  const span = daysFromCivil(to, 12, 31) - first + 1;
  // A two-digit year is readable only if no other year in the range ends in the same digits.
  const readableTwoDigit = (year: number) => (year - 100 < from) && (year + 100 > to);
  const all = FORMAT_TABLE;
  const fourDigitOnly = FORMAT_TABLE.filter((f) => !TWO_DIGIT_YEAR.test(f.name));

  const rng = new Rng(seed);
  const pairs: DatePair[] = [];
  for (let i = 0; i < count; i++) {
    const date = civilFromDays(first + rng.int(span));
    const formats = readableTwoDigit(date.year) ? all : fourDigitOnly;
    const spec = formats[rng.int(formats.length)]!;
    const source = formatDate(date, spec.name, rng);
    const target = `${date.year}-${pad2(date.month)}-${pad2(date.day)}`;
    pairs.push({ source, target, format: spec.name });
  }
  return pairs;
}

/**
 * Pairs as `source\ttarget\n` lines, the layout `recur seq2seq train --data` reads (like the
 * eng-fra TSV). Throws if a field holds a tab or line break, which the layout cannot carry.
 */
export function writeDatePairsTsv(pairs: readonly Pick<DatePair, 'source' | 'target'>[]): string {
  let out = '';
  pairs.forEach(({ source, target }, i) => {
    for (const [name, value] of [['source', source], ['target', target]] as const) {
      if (typeof value !== 'string') throw new Error(`writeDatePairsTsv: pairs[${i}].${name} must be a string, got ${typeof value}`);
      if (/[\t\r\n]/.test(value)) throw new Error(`writeDatePairsTsv: pairs[${i}].${name} holds a tab or line break: ${JSON.stringify(value)}`);
    }
    out += `${source}\t${target}\n`;
  });
  return out;
}
