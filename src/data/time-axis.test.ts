import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  civilFromDays, daysFromCivil, daysInMonth, formatFrequency, futureTimes, inferTimeGrid, parseTime, timeText,
  type Frequency,
} from './time-axis.js';

test('daysFromCivil and civilFromDays agree with Date.UTC from year 0 to 9999, leap days included', () => {
  // Date is the oracle here only: the library never uses it.
  for (let days = daysFromCivil(0, 1, 1); days <= daysFromCivil(9999, 12, 31); days += 97) {
    const d = new Date(days * 86_400_000);
    assert.deepEqual(civilFromDays(days), [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()], String(days));
    assert.equal(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()), days);
  }
  assert.equal(daysFromCivil(1970, 1, 1), 0);
  assert.deepEqual([daysInMonth(2000, 2), daysInMonth(1900, 2), daysInMonth(2024, 2), daysInMonth(2023, 2), daysInMonth(2023, 4)], [29, 28, 29, 28, 30]);
});

test('parseTime reads each ISO form, keeps its granularity and normalises offsets to UTC', () => {
  const text = (s: string) => { const p = parseTime(s); return [p.format.pattern, timeText(p.format, p.value)]; };
  assert.deepEqual(text('2021-03-04'), ['YYYY-MM-DD', '2021-03-04']);
  assert.deepEqual(text(' 2021-03-04 '), ['YYYY-MM-DD', '2021-03-04']);
  assert.deepEqual(text('2021-03-04T05:06:07'), ['YYYY-MM-DDThh:mm:ss', '2021-03-04T05:06:07']);
  assert.deepEqual(text('2021-03-04 05:06'), ['YYYY-MM-DDThh:mm', '2021-03-04T05:06']);
  assert.deepEqual(text('2021-03-04T05:06:07.25'), ['YYYY-MM-DDThh:mm:ss.sss', '2021-03-04T05:06:07.250']);
  assert.deepEqual(text('2021-03-04T05:06:07.000000Z'), ['YYYY-MM-DDThh:mm:ss.sss with Z or an offset', '2021-03-04T05:06:07.000Z']);
  assert.deepEqual(text('2021-03-04T05:06:07Z'), ['YYYY-MM-DDThh:mm:ss with Z or an offset', '2021-03-04T05:06:07Z']);
  assert.deepEqual(text('2021-03-04T00:30+01:00'), ['YYYY-MM-DDThh:mm with Z or an offset', '2021-03-03T23:30Z']);
  assert.deepEqual(text('2021-03-04T23:30-0230'), ['YYYY-MM-DDThh:mm with Z or an offset', '2021-03-05T02:00Z']);
  assert.deepEqual(text('2021-03-04T23:30-02'), ['YYYY-MM-DDThh:mm with Z or an offset', '2021-03-05T01:30Z']);
  assert.deepEqual(text('1949-01'), ['YYYY-MM', '1949-01']);
  assert.deepEqual(text('2021-Q3'), ['YYYY-Qn', '2021-Q3']);
  assert.deepEqual(text('2021q4'), ['YYYY-Qn', '2021-Q4']);
  assert.deepEqual(text('2021'), ['YYYY', '2021']);
  assert.deepEqual(text('0999'), ['YYYY', '0999']);
  assert.deepEqual(text('42'), ['an integer', '42']);
  assert.deepEqual(text('-7'), ['an integer', '-7']);
  assert.deepEqual(text('-123'), ['an integer', '-123']);
  // Offsets of the same instant are one time.
  assert.equal(parseTime('2021-03-04T05:00+02:00').value, parseTime('2021-03-04T03:00Z').value);
  assert.equal(parseTime('2021-03-04T05:00:00Z').value, Date.UTC(2021, 2, 4, 5));
});

test('parseTime says why a time cannot be read', () => {
  const cases: [string, RegExp][] = [
    ['1949-13', /^month 13 does not exist$/], ['1949-00', /^month 0 does not exist$/],
    ['2021-02-29', /^February 2021 has 28 days$/], ['2100-02-29', /^February 2100 has 28 days$/],
    ['2021-04-31', /^April 2021 has 30 days$/], ['2021-Q5', /^quarter 5 does not exist \(Q1-Q4\)$/],
    ['2021-01-01T24:00', /^hour 24 does not exist/], ['2021-01-01T10:60', /^minute 60 does not exist/],
    ['2021-12-31T23:59:60Z', /leap seconds are not supported/], ['2021-01-01T10:00:00.0001', /finer than a millisecond/],
    ['2021-01-01T10:00+25:00', /^offset \+25:00 does not exist$/], ['yesterday', /^expected ISO 8601 such as 2021-03-04/],
    ['03/04/2021', /^expected ISO 8601/], ['2021-1-4', /^expected ISO 8601/], ['2021-01-01T10', /^expected ISO 8601/],
    ['2021-01-01T10:00 UTC', /^expected ISO 8601/], ['99999999999999999', /too large for a time index/],
  ];
  for (const [s, want] of cases) assert.throws(() => parseTime(s), { message: want }, s);
  assert.equal(parseTime('2024-02-29').value, Date.UTC(2024, 1, 29));
  assert.equal(parseTime('2000-02-29').value, Date.UTC(2000, 1, 29));
});

/** The frequency inferred from one series of times. */
function inferred(...times: string[]): [string, Frequency] {
  const parsed = times.map(parseTime);
  const grid = inferTimeGrid(parsed[0]!.format, [parsed.map((p) => p.value)]);
  return [formatFrequency(grid.frequency), grid.frequency];
}

test('inferTimeGrid: daily, weekly, 2-day, hourly, 15-minute, second and step frequencies', () => {
  assert.deepEqual(inferred('2021-01-01', '2021-01-02', '2021-01-03')[1], { unit: 'day', every: 1 });
  assert.equal(inferred('2021-01-04', '2021-01-11', '2021-01-18')[0], '1 week');
  assert.equal(inferred('2021-01-04', '2021-01-18', '2021-02-01')[0], '2 weeks');
  assert.equal(inferred('2021-01-01', '2021-01-03', '2021-01-05', '2021-01-09')[0], '2 days');
  assert.equal(inferred('2021-01-01 22:00', '2021-01-01 23:00', '2021-01-02 00:00')[0], '1 hour');
  assert.equal(inferred('2021-01-01T00:00', '2021-01-01T00:15', '2021-01-01T00:30')[0], '15 minutes');
  assert.equal(inferred('2021-01-01T00:00:00Z', '2021-01-01T00:00:10Z')[0], '10 seconds');
  assert.equal(inferred('2021-01-01 00:00', '2021-01-02 00:00')[0], '1 day');
  assert.deepEqual(inferred('0', '1', '2', '3')[1], { unit: 'step', every: 1 });
  assert.deepEqual(inferred('10', '15', '20')[1], { unit: 'step', every: 5 });
  assert.deepEqual(inferred('1990', '1991', '1992')[1], { unit: 'year', every: 1 });
  // The most common step wins; ties go to the smaller one.
  assert.equal(inferred('2021-01-01', '2021-01-02', '2021-01-03', '2021-01-05')[0], '1 day');
  assert.equal(inferred('2021-01-01', '2021-01-03', '2021-01-04')[0], '1 day');
});

test('inferTimeGrid: months of different lengths, across leap years, as months, month starts, month ends, quarters and years', () => {
  assert.deepEqual(inferred('2023-12', '2024-01', '2024-02', '2024-03')[1], { unit: 'month', every: 1 });
  assert.deepEqual(inferred('2023-12-01', '2024-01-01', '2024-02-01', '2024-03-01')[1], { unit: 'month', every: 1 });
  assert.deepEqual(inferred('2023-12-15', '2024-01-15', '2024-02-15', '2024-03-15')[1], { unit: 'month', every: 1 });
  assert.deepEqual(inferred('2023-12-31', '2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30')[1], { unit: 'month', every: 1, monthEnd: true });
  assert.equal(inferred('2023-12-31', '2024-01-31', '2024-02-29')[0], '1 month (month ends)');
  assert.deepEqual(inferred('2023-01-01 06:00', '2023-02-01 06:00', '2023-03-01 06:00')[1], { unit: 'month', every: 1 });
  assert.deepEqual(inferred('2021-Q1', '2021-Q2', '2021-Q3')[1], { unit: 'quarter', every: 1 });
  assert.deepEqual(inferred('2021-01', '2021-04', '2021-07')[1], { unit: 'quarter', every: 1 });
  assert.deepEqual(inferred('2021-01-01', '2021-04-01', '2021-07-01')[1], { unit: 'quarter', every: 1 });
  assert.deepEqual(inferred('2020-01', '2020-03', '2020-05')[1], { unit: 'month', every: 2 });
  assert.deepEqual(inferred('2019-01-01', '2020-01-01', '2021-01-01')[1], { unit: 'year', every: 1 });
  assert.deepEqual(inferred('2019-12-31', '2020-12-31', '2021-12-31')[1], { unit: 'year', every: 1, monthEnd: true });
  assert.deepEqual(inferred('2021-Q1', '2022-Q1')[1], { unit: 'year', every: 1 });
  // 28 February of common years is both a day of the month and a month end: the day wins.
  assert.deepEqual(inferred('2021-02-28', '2022-02-28', '2023-02-28')[1], { unit: 'year', every: 1 });
  // Daily data that is not on one day of the month steps by days, even across month ends.
  assert.deepEqual(inferred('2021-01-30', '2021-01-31', '2021-02-01')[1], { unit: 'day', every: 1 });
});

test('inferTimeGrid: positions and text on the grid; sub-second steps are refused', () => {
  const parsed = ['2024-01-31', '2024-02-29', '2024-03-31'].map(parseTime);
  const grid = inferTimeGrid(parsed[0]!.format, [parsed.map((p) => p.value)]);
  const p0 = grid.position(parsed[0]!.value);
  assert.deepEqual([1, 2, 3, 13].map((k) => grid.text(p0 + k * grid.step)), ['2024-02-29', '2024-03-31', '2024-04-30', '2025-02-28']);
  assert.equal(grid.duration(3), '3 months');
  const ms = ['2021-01-01T00:00:00.000', '2021-01-01T00:00:00.500'].map(parseTime);
  assert.throws(() => inferTimeGrid(ms[0]!.format, [ms.map((p) => p.value)]), { message: /^the most common step is 500 milliseconds; steps that are not whole seconds are not supported$/ });
});

test('futureTimes continues each granularity by exact calendar arithmetic', () => {
  assert.deepEqual(futureTimes('2021-12', { unit: 'month', every: 1 }, 2), ['2022-01', '2022-02']);
  assert.deepEqual(futureTimes('1960-12', { unit: 'month', every: 1 }, 0), []);
  // In a daily series, 2021-01-31 is followed by the next day, not a month later.
  assert.deepEqual(futureTimes('2021-01-31', { unit: 'day', every: 1 }, 2), ['2021-02-01', '2021-02-02']);
  assert.deepEqual(futureTimes('2024-02-28', { unit: 'day', every: 1 }, 2), ['2024-02-29', '2024-03-01']);
  assert.deepEqual(futureTimes('2021-01-31', { unit: 'month', every: 1, monthEnd: true }, 3), ['2021-02-28', '2021-03-31', '2021-04-30']);
  assert.deepEqual(futureTimes('2023-11-30', { unit: 'quarter', every: 1, monthEnd: true }, 2), ['2024-02-29', '2024-05-31']);
  assert.deepEqual(futureTimes('2021-01-15', { unit: 'month', every: 1 }, 2), ['2021-02-15', '2021-03-15']);
  // Without monthEnd a day past the 28th is clamped in shorter months (pandas' DateOffset).
  assert.deepEqual(futureTimes('2021-01-30', { unit: 'month', every: 1 }, 2), ['2021-02-28', '2021-03-30']);
  assert.deepEqual(futureTimes('2021-Q4', { unit: 'quarter', every: 1 }, 2), ['2022-Q1', '2022-Q2']);
  assert.deepEqual(futureTimes('2021-11', { unit: 'quarter', every: 1 }, 1), ['2022-02']);
  assert.deepEqual(futureTimes('2021', { unit: 'year', every: 1 }, 2), ['2022', '2023']);
  assert.deepEqual(futureTimes('2020-02-29', { unit: 'year', every: 1 }, 1), ['2021-02-28']);
  assert.deepEqual(futureTimes('143', { unit: 'step', every: 1 }, 2), ['144', '145']);
  assert.deepEqual(futureTimes('-1', { unit: 'step', every: 2 }, 2), ['1', '3']);
  assert.deepEqual(futureTimes('2021-12-31T23:45', { unit: 'minute', every: 15 }, 2), ['2022-01-01T00:00', '2022-01-01T00:15']);
  assert.deepEqual(futureTimes('2021-12-31 23:00:00', { unit: 'hour', every: 1 }, 1), ['2022-01-01T00:00:00']);
  assert.deepEqual(futureTimes('2021-03-27T23:00:00Z', { unit: 'hour', every: 1 }, 2), ['2021-03-28T00:00:00Z', '2021-03-28T01:00:00Z']);
  assert.deepEqual(futureTimes('2021-03-27T23:00+01:00', { unit: 'hour', every: 1 }, 1), ['2021-03-27T23:00Z']);
  assert.deepEqual(futureTimes('2021-01-04', { unit: 'week', every: 1 }, 2), ['2021-01-11', '2021-01-18']);
  assert.deepEqual(futureTimes('2021-01-01', { unit: 'day', every: 2 }, 2), ['2021-01-03', '2021-01-05']);
});

test('futureTimes refuses steps that do not fit the time and bad arguments, naming itself', () => {
  assert.throws(() => futureTimes('1949-01', { unit: 'day', every: 1 }, 1), { message: /^futureTimes: '1949-01' is YYYY-MM, and YYYY-MM times cannot step by days$/ });
  assert.throws(() => futureTimes('2021-01-01', { unit: 'hour', every: 1 }, 1), { message: /^futureTimes: '2021-01-01' is YYYY-MM-DD, and dates \(YYYY-MM-DD\) cannot step by 1 hour: not a whole number of days$/ });
  assert.throws(() => futureTimes('2021-Q1', { unit: 'month', every: 1 }, 1), { message: /quarters cannot step by 1 month/ });
  assert.throws(() => futureTimes('12', { unit: 'day', every: 1 }, 1), { message: /integer steps cannot step by days/ });
  assert.throws(() => futureTimes('soon', { unit: 'day', every: 1 }, 1), { message: /^futureTimes: cannot read the last time 'soon': expected ISO 8601/ });
  assert.throws(() => futureTimes('2021-01-01', { unit: 'day', every: 1 }, -1), { message: /^futureTimes: n must be a whole number >= 0, got -1$/ });
  assert.throws(() => futureTimes('2021-01-01', { unit: 'day', every: 0 }, 1), { message: /^futureTimes: frequency.every must be a whole number >= 1, got 0$/ });
  assert.throws(() => futureTimes('2021-01-01', { unit: 'fortnight' as never, every: 1 }, 1), { message: /^futureTimes: frequency.unit must be one of second, minute/ });
});
