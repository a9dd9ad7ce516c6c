import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATE_FORMATS, formatDate, generateDatePairs, writeDatePairsTsv, type DatePair } from './dates.js';

// An independent reader: one hand-written pattern per format, calendar facts from `Date.UTC`.
type Field = 'd' | 'dd' | 'dth' | 'm' | 'mm' | 'month' | 'mon' | 'yyyy' | 'yy' | 'weekday' | 'wkd';
const ORD = '(\\d{1,2}(?:st|nd|rd|th))';
const D = '([1-9]\\d?)';
const WORD = '([a-z]+)';
const ABBR = '([a-z]{3})';
const Y4 = '(\\d{4})';
const N2 = '(\\d\\d)';
const READERS: Record<string, { pattern: string; fields: Field[] }> = {
  'Dth of Month YYYY': { pattern: `${ORD} of ${WORD} ${Y4}`, fields: ['dth', 'month', 'yyyy'] },
  'Month D, YYYY': { pattern: `${WORD} ${D}, ${Y4}`, fields: ['month', 'd', 'yyyy'] },
  'D Month YYYY': { pattern: `${D} ${WORD} ${Y4}`, fields: ['d', 'month', 'yyyy'] },
  'Mon D YYYY': { pattern: `${ABBR} ${D} ${Y4}`, fields: ['mon', 'd', 'yyyy'] },
  'MM/DD/YY': { pattern: `${N2}/${N2}/${N2}`, fields: ['mm', 'dd', 'yy'] },
  'M/D/YYYY': { pattern: `${D}/${D}/${Y4}`, fields: ['m', 'd', 'yyyy'] },
  'YYYY.M.D': { pattern: `${Y4}\\.${D}\\.${D}`, fields: ['yyyy', 'm', 'd'] },
  'YYYY-MM-DD': { pattern: `${Y4}-${N2}-${N2}`, fields: ['yyyy', 'mm', 'dd'] },
  'DD.MM.YYYY': { pattern: `${N2}\\.${N2}\\.${Y4}`, fields: ['dd', 'mm', 'yyyy'] },
  'Weekday, Month D, YYYY': { pattern: `${WORD}, ${WORD} ${D}, ${Y4}`, fields: ['weekday', 'month', 'd', 'yyyy'] },
  'wkd D mon YYYY': { pattern: `${ABBR} ${D} ${ABBR} ${Y4}`, fields: ['wkd', 'd', 'mon', 'yyyy'] },
  'D mon YY': { pattern: `${D} ${ABBR} ${N2}`, fields: ['d', 'mon', 'yy'] },
  'the Dth of month, YYYY': { pattern: `the ${ORD} of ${WORD}, ${Y4}`, fields: ['dth', 'month', 'yyyy'] },
  'MONTH DTH YYYY': { pattern: `${WORD} ${ORD} ${Y4}`, fields: ['month', 'dth', 'yyyy'] },
  'YYYYMMDD': { pattern: `${Y4}${N2}${N2}`, fields: ['yyyy', 'mm', 'dd'] },
  'DD-Mon-YYYY': { pattern: `${N2}-${ABBR}-${Y4}`, fields: ['dd', 'mon', 'yyyy'] },
  'YYYY/MM/DD': { pattern: `${Y4}/${N2}/${N2}`, fields: ['yyyy', 'mm', 'dd'] },
  'Month Dth, YYYY': { pattern: `${WORD} ${ORD}, ${Y4}`, fields: ['month', 'dth', 'yyyy'] },
  'Dth Month YYYY': { pattern: `${ORD} ${WORD} ${Y4}`, fields: ['dth', 'month', 'yyyy'] },
  'Wkd, D Mon YYYY': { pattern: `${ABBR}, ${D} ${ABBR} ${Y4}`, fields: ['wkd', 'd', 'mon', 'yyyy'] },
  "Month D 'YY": { pattern: `${WORD} ${D} '${N2}`, fields: ['month', 'd', 'yy'] },
  'Weekday the Dth of Month YYYY': { pattern: `${WORD} the ${ORD} of ${WORD} ${Y4}`, fields: ['weekday', 'dth', 'month', 'yyyy'] },
};
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
// Written out, not computed: the suffix of 1..31.
const SUFFIXES = [
  'st', 'nd', 'rd', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'th',
  'th', 'th', 'th', 'th', 'st', 'nd', 'rd', 'th', 'th', 'th', 'th', 'th', 'th', 'th', 'st',
];

/** The ISO date `source` denotes when read as `format`, or null if it does not read as one. */
function readDate(source: string, format: string, from = 1950, to = 2049): string | null {
  const reader = READERS[format];
  assert.ok(reader, `no test reader for format ${format}`);
  const match = new RegExp(`^${reader.pattern}$`, 'i').exec(source);
  if (!match) return null;
  let year = NaN; let month = NaN; let day = NaN; let weekday: string | undefined;
  for (const [i, field] of reader.fields.entries()) {
    const text = match[i + 1]!.toLowerCase();
    switch (field) {
      case 'd': case 'dd': day = Number(text); break;
      case 'm': case 'mm': month = Number(text); break;
      case 'yyyy': year = Number(text); break;
      case 'dth': {
        day = Number(text.slice(0, -2));
        if (text.slice(-2) !== SUFFIXES[day - 1]) return null;
        break;
      }
      case 'month': month = MONTH_NAMES.indexOf(text) + 1; break;
      case 'mon': month = MONTH_NAMES.findIndex((name) => name.slice(0, 3) === text) + 1; break;
      case 'yy': {
        const years: number[] = [];
        for (let y = from; y <= to; y++) if (y % 100 === Number(text)) years.push(y);
        if (years.length !== 1) return null; // not readable in this range
        year = years[0]!;
        break;
      }
      case 'weekday': weekday = text; break;
      case 'wkd': weekday = DAY_NAMES.find((name) => name.slice(0, 3) === text) ?? '?'; break;
    }
  }
  if (!(month >= 1)) return null;
  const time = Date.UTC(year, month - 1, day);
  const back = new Date(time);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  if (weekday !== undefined && weekday !== DAY_NAMES[back.getUTCDay()]) return null;
  return back.toISOString().slice(0, 10);
}

function isValidIso(target: string): boolean {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(target);
  if (!m) return false;
  const back = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return back.toISOString().slice(0, 10) === target;
}

test('DATE_FORMATS: 22 distinct formats, each with a test reader', () => {
  assert.equal(DATE_FORMATS.length, 22);
  assert.equal(new Set(DATE_FORMATS).size, DATE_FORMATS.length);
  assert.deepEqual([...DATE_FORMATS].sort(), Object.keys(READERS).sort());
});

test('formatDate writes 2021-03-03 (a Wednesday) in each format as its canonical example', () => {
  const expected: Record<string, string> = {
    'Dth of Month YYYY': '3rd of March 2021',
    'Month D, YYYY': 'March 3, 2021',
    'D Month YYYY': '3 March 2021',
    'Mon D YYYY': 'Mar 3 2021',
    'MM/DD/YY': '03/03/21',
    'M/D/YYYY': '3/3/2021',
    'YYYY.M.D': '2021.3.3',
    'YYYY-MM-DD': '2021-03-03',
    'DD.MM.YYYY': '03.03.2021',
    'Weekday, Month D, YYYY': 'Wednesday, March 3, 2021',
    'wkd D mon YYYY': 'wed 3 mar 2021',
    'D mon YY': '3 mar 21',
    'the Dth of month, YYYY': 'the 3rd of march, 2021',
    'MONTH DTH YYYY': 'MARCH 3RD 2021',
    'YYYYMMDD': '20210303',
    'DD-Mon-YYYY': '03-Mar-2021',
    'YYYY/MM/DD': '2021/03/03',
    'Month Dth, YYYY': 'March 3rd, 2021',
    'Dth Month YYYY': '3rd March 2021',
    'Wkd, D Mon YYYY': 'Wed, 3 Mar 2021',
    "Month D 'YY": "March 3 '21",
    'Weekday the Dth of Month YYYY': 'Wednesday the 3rd of March 2021',
  };
  for (const format of DATE_FORMATS) assert.equal(formatDate({ year: 2021, month: 3, day: 3 }, format), expected[format], format);
  // Day before month, month in the middle, padding: 2009-11-07 tells the fields apart.
  const date = { year: 2009, month: 11, day: 7 };
  assert.equal(formatDate(date, 'MM/DD/YY'), '11/07/09');
  assert.equal(formatDate(date, 'DD.MM.YYYY'), '07.11.2009');
  assert.equal(formatDate(date, 'YYYY.M.D'), '2009.11.7');
  assert.equal(formatDate(date, 'Weekday, Month D, YYYY'), 'Saturday, November 7, 2009');
});

test('ordinal suffixes for days 1..31', () => {
  const days = Array.from({ length: 31 }, (_, i) => formatDate({ year: 2021, month: 1, day: i + 1 }, 'Dth Month YYYY').split(' ')[0]);
  assert.deepEqual(days, [
    '1st', '2nd', '3rd', '4th', '5th', '6th', '7th', '8th', '9th', '10th', '11th', '12th', '13th', '14th', '15th', '16th',
    '17th', '18th', '19th', '20th', '21st', '22nd', '23rd', '24th', '25th', '26th', '27th', '28th', '29th', '30th', '31st',
  ]);
  assert.equal(formatDate({ year: 2021, month: 1, day: 22 }, 'MONTH DTH YYYY'), 'JANUARY 22ND 2021');
});

test('generateDatePairs is deterministic for a seed, a prefix of a longer draw, and differs across seeds', () => {
  const a = generateDatePairs(500, 7);
  assert.deepEqual(generateDatePairs(500, 7), a);
  assert.deepEqual(generateDatePairs(100, 7), a.slice(0, 100));
  assert.notDeepEqual(generateDatePairs(500, 8), a);
  assert.deepEqual(generateDatePairs(0, 7), []);
  assert.deepEqual(generateDatePairs(300, 7, { from: 1990, to: 1999 }), generateDatePairs(300, 7, { from: 1990, to: 1999 }));
});

const DRAWS = generateDatePairs(2000, 2021);

test('every target is a valid ISO date in the year range, and every source reads back to it', () => {
  for (const { source, target, format } of DRAWS) {
    assert.ok(isValidIso(target), `invalid target ${target}`);
    const year = Number(target.slice(0, 4));
    assert.ok(year >= 1950 && year <= 2049, `year out of range: ${target}`);
    assert.equal(readDate(source, format), target, `${JSON.stringify(source)} (${format})`);
  }
  const wide = generateDatePairs(2000, 5, { from: 1600, to: 2400 });
  for (const { source, target, format } of wide) assert.equal(readDate(source, format, 1600, 2400), target, `${source} (${format})`);
});

test('no source reads as a different date under any other format (the set is unambiguous)', () => {
  for (const { source, target } of [...DRAWS, ...generateDatePairs(3000, 99)]) {
    for (const other of DATE_FORMATS) {
      const reading = readDate(source, other);
      assert.ok(reading === null || reading === target, `${JSON.stringify(source)} reads as ${reading} under ${other}, not ${target}`);
    }
  }
});

test('weekdays are right (checked with Date.UTC)', () => {
  let checked = 0;
  for (const { source, target, format } of DRAWS) {
    if (!/weekday|wkd/i.test(format)) continue;
    const day = DAY_NAMES[new Date(`${target}T00:00:00Z`).getUTCDay()]!;
    const word = source.split(/[ ,]/)[0]!.toLowerCase();
    assert.ok(format.startsWith('Weekday') ? word === day : word === day.slice(0, 3), `${source} is a ${day}`);
    checked++;
  }
  assert.ok(checked > 200, `only ${checked} weekday sources`);
});

test('all formats appear in 2,000 draws; mixed-case formats vary, fixed ones do not', () => {
  assert.deepEqual(new Set(DRAWS.map((p) => p.format)), new Set(DATE_FORMATS));
  const LOWER = ['wkd D mon YYYY', 'D mon YY', 'the Dth of month, YYYY'];
  const casings = new Set<string>();
  for (const { source, format } of DRAWS) {
    if (LOWER.includes(format)) assert.equal(source, source.toLowerCase(), format);
    if (format === 'MONTH DTH YYYY') assert.equal(source, source.toUpperCase());
    if (format === 'Weekday, Month D, YYYY' || format === 'Wkd, D Mon YYYY') assert.match(source, /^[A-Z][a-z]+, /);
    if (format === 'Month D, YYYY') {
      casings.add(source === source.toLowerCase() ? 'lower' : source === source.toUpperCase() ? 'upper' : 'title');
    }
  }
  assert.deepEqual(casings, new Set(['title', 'lower', 'upper']));
});

test('leap day appears only in leap years', () => {
  const feb29 = (pairs: DatePair[]) => pairs.filter((p) => p.target.endsWith('-02-29')).map((p) => Number(p.target.slice(0, 4)));
  const years = feb29(generateDatePairs(20000, 3));
  assert.ok(years.length > 0, 'no 29 February in 20,000 draws over 1950..2049');
  for (const y of years) assert.ok(y % 4 === 0 && y !== 1900 && y !== 2100, `29 February ${y}`);
  assert.deepEqual(feb29(generateDatePairs(2000, 3, { from: 1900, to: 1900 })), []);
  assert.deepEqual(feb29(generateDatePairs(2000, 3, { from: 2100, to: 2100 })), []);
  assert.ok(feb29(generateDatePairs(2000, 3, { from: 2000, to: 2000 })).length > 0, 'no 29 February 2000');
  assert.throws(() => formatDate({ year: 2023, month: 2, day: 29 }, 'YYYY-MM-DD'), /formatDate: date\.day must be an integer in 1\.\.28 for 2023-02, got 29/);
  assert.equal(formatDate({ year: 2024, month: 2, day: 29 }, 'YYYY-MM-DD'), '2024-02-29');
});

test('century rule: a two-digit year is the only year of the range with those digits', () => {
  assert.equal(formatDate({ year: 1950, month: 1, day: 1 }, 'MM/DD/YY'), '01/01/50');
  assert.equal(formatDate({ year: 2049, month: 12, day: 31 }, 'D mon YY'), '31 dec 49');
  assert.equal(readDate('01/01/50', 'MM/DD/YY'), '1950-01-01');
  assert.equal(readDate('12/31/49', 'MM/DD/YY'), '2049-12-31');
  // Over 1900..2049 only 1950..1999 have unique last digits: only they get two-digit years.
  const twoDigit = generateDatePairs(4000, 11, { from: 1900, to: 2049 }).filter((p) => /\bYY\b/.test(p.format));
  assert.ok(twoDigit.length > 100);
  for (const { source, target, format } of twoDigit) {
    const year = Number(target.slice(0, 4));
    assert.ok(year >= 1950 && year <= 1999, `${source} (${format}) for ${target}`);
    assert.equal(readDate(source, format, 1900, 2049), target);
  }
  assert.ok(generateDatePairs(2000, 11, { from: 1000, to: 9999 }).every((p) => !/\bYY\b/.test(p.format)));
});

test('writeDatePairsTsv writes source<TAB>target lines', () => {
  assert.equal(writeDatePairsTsv([{ source: '3 mar 21', target: '2021-03-03' }]), '3 mar 21\t2021-03-03\n');
  assert.equal(writeDatePairsTsv([]), '');
  const pairs = generateDatePairs(50, 1);
  const lines = writeDatePairsTsv(pairs).split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(lines.map((l) => l.split('\t')), pairs.map((p) => [p.source, p.target]));
  assert.throws(() => writeDatePairsTsv([{ source: 'a\tb', target: 'c' }]), /writeDatePairsTsv: pairs\[0\]\.source holds a tab or line break/);
  assert.throws(() => writeDatePairsTsv([pairs[0]!, { source: 'a', target: 'c\n' }]), /pairs\[1\]\.target/);
});

test('bad arguments give errors naming the argument', () => {
  assert.throws(() => generateDatePairs(-1, 0), /generateDatePairs: count must be a non-negative integer, got -1/);
  assert.throws(() => generateDatePairs(2.5, 0), /count must be a non-negative integer, got 2\.5/);
  assert.throws(() => generateDatePairs(NaN, 0), /count must be a non-negative integer, got NaN/);
  assert.throws(() => generateDatePairs(10, NaN), /generateDatePairs: seed must be a finite number, got NaN/);
  assert.throws(() => generateDatePairs(10, 0, { from: 2050 }), /generateDatePairs: options\.from \(2050\) must not be after options\.to \(2049\)/);
  assert.throws(() => generateDatePairs(10, 0, { from: 2001, to: 2000 }), /options\.from \(2001\) must not be after options\.to \(2000\)/);
  assert.throws(() => generateDatePairs(10, 0, { from: 999 }), /generateDatePairs: options\.from must be an integer year in 1000\.\.9999, got 999/);
  assert.throws(() => generateDatePairs(10, 0, { to: 2000.5 }), /generateDatePairs: options\.to must be an integer year in 1000\.\.9999, got 2000\.5/);
  assert.throws(() => formatDate({ year: 2021, month: 13, day: 1 }, 'YYYY-MM-DD'), /formatDate: date\.month must be an integer in 1\.\.12, got 13/);
  assert.throws(() => formatDate({ year: 2021, month: 3, day: 3 }, 'DD/MM/YYYY'), /formatDate: format must be one of .*got "DD\/MM\/YYYY"/);
});
