import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTimeSeriesCsv, parseTimeSeriesCsv, MAX_INSERTED_ROWS, type TimeSeriesCsvOptions, type TimeSeriesData } from './time-series-csv.js';
import { futureTimes } from './time-axis.js';
import { tempDir } from '../testing/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../../src/data/fixtures/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/data/timeseries/', import.meta.url));

const parse = (text: string, options: Partial<TimeSeriesCsvOptions> = {}): TimeSeriesData =>
  parseTimeSeriesCsv(text, { targets: ['y'], source: 'f.csv', ...options });
/** Asserts that parsing fails with exactly `message`. */
const fails = (text: string, options: Partial<TimeSeriesCsvOptions>, message: string) =>
  assert.throws(() => parse(text, options), { message });
const csv = (...lines: string[]) => lines.join('\n') + '\n';
const values = (a: Float64Array) => Array.from(a);

test('a monthly file: canonical times, values, frequency and no fills', () => {
  const data = parseTimeSeriesCsv(csv('Month,Passengers', '1949-01,112', '1949-02,118', '1949-03,132'), { targets: ['Passengers'], source: 'airline.csv' });
  assert.deepEqual(data.frequency, { unit: 'month', every: 1 });
  assert.equal(data.timeFormat, 'YYYY-MM');
  assert.equal(data.timeColumn, 'Month');
  assert.equal(data.seriesColumn, null);
  assert.deepEqual(data.filled, { cells: 0, rows: 0 });
  assert.equal(data.series.length, 1);
  const [s] = data.series;
  assert.equal(s!.id, '');
  assert.deepEqual(s!.times, ['1949-01', '1949-02', '1949-03']);
  assert.deepEqual(values(s!.targets[0]!), [112, 118, 132]);
  assert.deepEqual(s!.covariates, []);
  assert.equal(s!.filled, 0);
  assert.deepEqual(futureTimes(s!.times.at(-1)!, data.frequency, 2), ['1949-04', '1949-05']);
});

test('columns: time column by name anywhere, several targets, covariates, spaces around numbers, signs and exponents', () => {
  const data = parse(csv('a,when,y,z,c', 'x, 2021-01-01 , 1.5,-2e3,+.5', 'x,2021-01-02,2.,3E-1,0'), { timeColumn: 'when', targets: ['y', 'z'], covariates: ['c'] });
  assert.deepEqual(data.series[0]!.times, ['2021-01-01', '2021-01-02']);
  assert.deepEqual(data.series[0]!.targets.map(values), [[1.5, 2], [-2000, 0.3]]);
  assert.deepEqual(data.series[0]!.covariates.map(values), [[0.5, 0]]);
  assert.deepEqual([data.targets, data.covariates], [['y', 'z'], ['c']]);
  // An all-constant series is the task's concern (scaling), not an error here.
  assert.deepEqual(values(parse(csv('t,y', '1,5', '2,5', '3,5')).series[0]!.targets[0]!), [5, 5, 5]);
});

test('datetimes keep their granularity in canonical ISO form; zoned ones are normalised to UTC and marked Z', () => {
  assert.deepEqual(parse(csv('t,y', '2021-03-04 05:06,1', '2021-03-04 05:07,2')).series[0]!.times, ['2021-03-04T05:06', '2021-03-04T05:07']);
  // A change of offset (summer time) is no gap once in UTC.
  const dst = parse(csv('t,y', '2021-03-28T00:00+01:00,1', '2021-03-28T01:00+01:00,2', '2021-03-28T03:00+02:00,3', '2021-03-28T04:00+02:00,4'));
  assert.deepEqual(dst.series[0]!.times, ['2021-03-27T23:00Z', '2021-03-28T00:00Z', '2021-03-28T01:00Z', '2021-03-28T02:00Z']);
  assert.deepEqual(dst.frequency, { unit: 'hour', every: 1 });
  assert.equal(dst.timeFormat, 'YYYY-MM-DDThh:mm with Z or an offset');
});

test('frequencies: daily, weekly, 2-day, 15-minute, monthly across leap years, month ends, quarterly, yearly, integer steps', () => {
  const freq = (...times: string[]) => parse(csv('t,y', ...times.map((t, i) => `${t},${i}`))).frequency;
  assert.deepEqual(freq('2021-02-27', '2021-02-28', '2021-03-01'), { unit: 'day', every: 1 });
  assert.deepEqual(freq('2021-01-04', '2021-01-11', '2021-01-18'), { unit: 'week', every: 1 });
  assert.deepEqual(freq('2021-01-01', '2021-01-03', '2021-01-05'), { unit: 'day', every: 2 });
  assert.deepEqual(freq('2021-01-01 23:30', '2021-01-01 23:45', '2021-01-02 00:00'), { unit: 'minute', every: 15 });
  assert.deepEqual(freq('2023-12-01', '2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01'), { unit: 'month', every: 1 });
  assert.deepEqual(freq('2023-11', '2023-12', '2024-01', '2024-02'), { unit: 'month', every: 1 });
  assert.deepEqual(freq('2023-12-31', '2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30'), { unit: 'month', every: 1, monthEnd: true });
  assert.deepEqual(freq('2024-11-30', '2024-12-31', '2025-01-31', '2025-02-28', '2025-03-31'), { unit: 'month', every: 1, monthEnd: true });
  assert.deepEqual(freq('2020-Q3', '2020-Q4', '2021-Q1'), { unit: 'quarter', every: 1 });
  assert.deepEqual(freq('1999', '2000', '2001'), { unit: 'year', every: 1 });
  assert.deepEqual(freq('0', '1', '2'), { unit: 'step', every: 1 });
  assert.deepEqual(freq('998', '999', '1000'), { unit: 'step', every: 1 }, 'integers of other lengths make the column an index');
  const monthEnds = parse(csv('t,y', '2024-01-31,1', '2024-02-29,2', '2024-04-30,4'), { fill: 'linear' });
  assert.deepEqual(monthEnds.frequency, { unit: 'month', every: 1, monthEnd: true });
  assert.deepEqual(monthEnds.series[0]!.times, ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30']);
  assert.deepEqual(futureTimes('2024-04-30', monthEnds.frequency, 1), ['2024-05-31']);
});

test('errors: empty file, header only, missing and doubled columns, bad options', () => {
  fails('', {}, 'f.csv is empty');
  fails('\uFEFF\n  \n', {}, 'f.csv is empty');
  fails('Month,Passengers\n', { targets: ['Passengers'] }, 'f.csv has a header but no rows');
  fails('Month,Passengers\r\n\r\n', { targets: ['Passengers'] }, 'f.csv has a header but no rows');
  assert.throws(() => parseTimeSeriesCsv('Month,Passengers\n1949-01,112\n', { targets: ['Passenger'], source: 'airline.csv' }),
    { message: 'column \'Passenger\' not found in airline.csv; the columns are Month, Passengers' });
  fails('Month,Passengers\n', { targets: ['passengers'] }, "column 'passengers' not found in f.csv; the columns are Month, Passengers (names are matched exactly: did you mean 'Passengers'?)");
  fails('Month, Passengers\n', { targets: ['Passengers'] }, "column 'Passengers' not found in f.csv; the columns are Month, ' Passengers' (names are matched exactly: did you mean ' Passengers'?)");
  fails('Month,y\n', { timeColumn: 'Date' }, "column 'Date' not found in f.csv; the columns are Month, y");
  fails('Month,y\n', { seriesColumn: 'id' }, "column 'id' not found in f.csv; the columns are Month, y");
  fails('Month,y\n', { covariates: ['x'] }, "column 'x' not found in f.csv; the columns are Month, y");
  fails('Month,y,y\n1949-01,1,2\n', {}, "f.csv line 1: column 'y' is named twice (columns 2 and 3); rename one");
  assert.equal(parse('Month,y,x,x\n1949-01,1,a,b\n1949-02,2,c,d\n').series[0]!.times.length, 2, 'a doubled name that is not asked for is no problem');
  fails('t,y,x\n', { covariates: ['y'] }, "column 'y' of f.csv is both a target and a covariate");
  fails('t,y,x\n', { targets: ['y', 'y'] }, "column 'y' of f.csv is given twice as a target");
  fails('t,y,x\n', { seriesColumn: 'y' }, "column 'y' of f.csv is both the series column and a target");
  fails('y\n1\n2\n', {}, "column 'y' of f.csv is both the time column (by default the first column) and a target");
  fails('t,y\n', { targets: [] }, 'parseTimeSeriesCsv: options.targets must list at least one column, got []');
  fails('t,y\n', { fill: 'zero' as never }, 'parseTimeSeriesCsv: options.fill must be \'none\', \'linear\' or \'previous\', got "zero"');
  fails('t,y\n', { covariates: 'x' as never }, 'parseTimeSeriesCsv: options.covariates must be a list of column names, got "x"');
});

test('errors: rows of the wrong length, non-numeric, infinite and missing cells, each naming line and column', () => {
  fails(csv('t,y', '1,2', '2,3,4'), {}, 'f.csv line 3: 3 cells, expected 2 as in the header (t, y); a cell with \',\' in it needs "quotes"');
  fails(csv('t,y', '1,2', '2'), {}, 'f.csv line 3: 1 cell, expected 2 as in the header (t, y)');
  fails(csv('t,y', '1,2', '2,abc'), {}, "f.csv line 3, column 'y': 'abc' is not a number");
  fails(csv('t,y', '1,0x10'), {}, "f.csv line 2, column 'y': '0x10' is not a number");
  fails(csv('t;y', '1;1,5'), {}, "f.csv line 2, column 'y': '1,5' is not a number (write decimals with a point: 1.5)");
  fails(csv('t,y', '1,2', '2,NaN'), {}, "f.csv line 3, column 'y': 'NaN' is not a number a model can use (a missing value); --fill linear|previous fills it");
  fails(csv('t,y', '1,inf'), {}, "f.csv line 2, column 'y': 'inf' is infinite, not a number a model can use");
  fails(csv('t,y', '1,-Infinity'), {}, "f.csv line 2, column 'y': '-Infinity' is infinite, not a number a model can use");
  fails(csv('t,y', '1,1e999'), {}, "f.csv line 2, column 'y': '1e999' is too large for a 64-bit float (it would be infinite), not a number a model can use");
  fails(csv('t,y', '1,2', '2,'), {}, "f.csv line 3, column 'y': missing value (empty cell); --fill linear|previous fills it");
  fails(csv('t,y', '1,2', '2,""'), {}, "f.csv line 3, column 'y': missing value (empty cell); --fill linear|previous fills it");
  for (const na of ['NA', 'null', 'None', 'N/A']) {
    fails(csv('t,y', '1,2', `2,${na}`), {}, `f.csv line 3, column 'y': missing value ('${na}'); --fill linear|previous fills it`);
  }
  fails(csv('t,y,c', '1,2,3', '2,3,x'), { covariates: ['c'] }, "f.csv line 3, column 'c': 'x' is not a number");
  fails(csv('t,y', '1,"4\n2"'), {}, "f.csv line 2, column 'y': '4\\n2' is not a number");
  // Infinity is not missing: --fill does not touch it.
  fails(csv('t,y', '1,2', '2,inf', '3,4'), { fill: 'linear' }, "f.csv line 3, column 'y': 'inf' is infinite, not a number a model can use");
  // A megabyte of junk in a cell is quoted in 40 characters.
  const err = assert.throws(() => parse(csv('t,y', `1,${'z'.repeat(1 << 20)}`)), { message: `f.csv line 2, column 'y': '${'z'.repeat(40)}…' is not a number` });
  void err;
});

test('errors: unreadable, missing and mixed times', () => {
  fails(csv('Month,y', '1949-01,1', '1949-13,1'), {}, "f.csv line 3, column 'Month': cannot read '1949-13' as a time: month 13 does not exist");
  fails(csv('t,y', '2021-02-28,1', '2021-02-29,1'), {}, "f.csv line 3, column 't': cannot read '2021-02-29' as a time: February 2021 has 28 days");
  fails(csv('t,y', 'yesterday,1'), {}, "f.csv line 2, column 't': cannot read 'yesterday' as a time: expected ISO 8601 such as 2021-03-04, 2021-03-04T05:06:07, 2021-03-04 05:06+01:00, 1949-01, 2021-Q1, 2021, or an integer step");
  fails(csv('t,y', '2021-01-01,1', ',2'), {}, "f.csv line 3, column 't': missing time; every row needs one");
  fails(csv('t,y', '2021-01-01,1', 'NA,2'), { fill: 'linear' }, "f.csv line 3, column 't': missing time ('NA'); every row needs one");
  fails(csv('t,y', '2021-01-01,1', '2021-01-02 00:00,2'), {}, "f.csv line 3, column 't': '2021-01-02 00:00' is YYYY-MM-DDThh:mm, but line 2 has YYYY-MM-DD ('2021-01-01'); all times must have one format");
  fails(csv('t,y', '2021-01-01 00:00,1', '2021-01-01 01:00Z,2'), {}, "f.csv line 3, column 't': '2021-01-01 01:00Z' is YYYY-MM-DDThh:mm with Z or an offset, but line 2 has YYYY-MM-DDThh:mm ('2021-01-01 00:00'); all times must have one format");
  fails(csv('t,y', '2021-01,1', '2021-02-01,2'), {}, "f.csv line 3, column 't': '2021-02-01' is YYYY-MM-DD, but line 2 has YYYY-MM ('2021-01'); all times must have one format");
  fails(csv('t,y', '2021-01-01 00:00,1', '2021-01-01 00:01:00,2'), {}, "f.csv line 3, column 't': '2021-01-01 00:01:00' is YYYY-MM-DDThh:mm:ss, but line 2 has YYYY-MM-DDThh:mm ('2021-01-01 00:00'); all times must have one format");
  fails(csv('t,y', '2021,1', '2021-Q2,2'), {}, "f.csv line 3, column 't': '2021-Q2' is YYYY-Qn, but line 2 has YYYY ('2021'); all times must have one format");
});

test('errors: too short, duplicate, unsorted, gaps and irregular steps name both lines and the times', () => {
  fails(csv('t,y', '2021-01-01,1'), {}, 'f.csv has only 1 row (line 2); at least 2 are needed to infer the frequency');
  fails(csv('t,y', '2021-01-01,1', '2021-01-02,1', '2021-01-02,1'), {}, "f.csv lines 3 and 4, column 't': duplicate time 2021-01-02; each time may appear once");
  fails(csv('t,y', '2021-01-01T01:00+01:00,1', '2021-01-01T00:00Z,1'), {}, "f.csv lines 2 and 3, column 't': duplicate time 2021-01-01T00:00Z; each time may appear once");
  fails(csv('t,y', '2021-01-01,1', '2021-01-03,1', '2021-01-02,1'), {}, "f.csv lines 3 and 4, column 't': time 2021-01-02 comes after 2021-01-03; rows must be sorted by time, oldest first");
  fails(csv('t,y', '2021-01-03,1', '2021-01-02,1', '2021-01-01,1'), {}, "f.csv lines 2 and 3, column 't': time 2021-01-02 comes after 2021-01-03; rows must be sorted by time, oldest first; the rows look sorted newest first");
  fails(csv('t,y', '2021-01-01,1', '2021-01-02,1', '2021-01-04,1', '2021-01-05,1'), {}, "f.csv lines 3 and 4, column 't': a gap from 2021-01-02 to 2021-01-04, 1 step missing (2021-01-03); --fill linear|previous inserts the missing rows");
  fails(csv('Month,y', '1949-01,1', '1949-02,1', '1949-06,1', '1949-07,1'), {}, "f.csv lines 3 and 4, column 'Month': a gap from 1949-02 to 1949-06, 3 steps missing (1949-03 … 1949-05); --fill linear|previous inserts the missing rows");
  fails(csv('t,y', '2021-01-01,1', '2021-01-03,1', '2021-01-05,1', '2021-01-06,1'), {}, "f.csv lines 4 and 5, column 't': a step of 1 day from 2021-01-05 to 2021-01-06 is not a whole number of steps of 2 days (the most common step)");
  fails(csv('t,y', '0,1', '15,1', '30,1', '50,1'), { fill: 'linear' }, "f.csv lines 4 and 5, column 't': a step of 20 steps from 30 to 50 is not a whole number of steps of 15 steps (the most common step)");
  fails(csv('t,y', '20210130,1', '20210131,1', '20210201,1'), {}, "f.csv lines 3 and 4, column 't': a gap from 20210131 to 20210201, 69 steps missing (20210132 … 20210200); --fill linear|previous inserts the missing rows (dates written YYYYMMDD are read as integers: write them YYYY-MM-DD)");
  fails(csv('t,y', '2021-01-01T00:00:00.000,1', '2021-01-01T00:00:00.500,1'), {}, "f.csv, column 't': the most common step is 500 milliseconds; steps that are not whole seconds are not supported");
  // Never guessed, even with --fill.
  fails(csv('t,y', '2021-01-01,1', '2021-01-01,2'), { fill: 'linear' }, "f.csv lines 2 and 3, column 't': duplicate time 2021-01-01; each time may appear once");
  fails(csv('t,y', '2021-01-02,1', '2021-01-01,2'), { fill: 'previous' }, "f.csv lines 2 and 3, column 't': time 2021-01-01 comes after 2021-01-02; rows must be sorted by time, oldest first; the rows look sorted newest first");
  fails(csv('t,y', '0,1', '1,2', '2,3', `${MAX_INSERTED_ROWS + 10},4`), { fill: 'linear' }, `f.csv, column 't': filling the gaps would insert ${MAX_INSERTED_ROWS + 7} rows, more than ${MAX_INSERTED_ROWS}; is a step of 1 step right for this file?`);
});

test('fill linear: missing cells interpolated in time, gap rows inserted, both counted', () => {
  const data = parse(csv('t,y,c', '2021-01-01,1,10', '2021-01-02,,20', '2021-01-03,3,NA', '2021-01-06,9,60', '2021-01-07,NaN,70', '2021-01-08,10,80'), { fill: 'linear', covariates: ['c'] });
  const [s] = data.series;
  assert.deepEqual(s!.times, ['2021-01-01', '2021-01-02', '2021-01-03', '2021-01-04', '2021-01-05', '2021-01-06', '2021-01-07', '2021-01-08']);
  assert.deepEqual(values(s!.targets[0]!), [1, 2, 3, 5, 7, 9, 9.5, 10]);
  assert.deepEqual(values(s!.covariates[0]!), [10, 20, 30, 40, 50, 60, 70, 80]);
  assert.deepEqual(data.filled, { cells: 3, rows: 2 });
  assert.equal(s!.filled, 3 + 2 * 2);
});

test('fill previous: the last value carried forward over missing cells and gaps, counted', () => {
  const data = parse(csv('Month,y', '2021-11,1', '2021-12,NA', '2022-03,4', '2022-04,'), { fill: 'previous' });
  const [s] = data.series;
  assert.deepEqual(s!.times, ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04']);
  assert.deepEqual(values(s!.targets[0]!), [1, 1, 1, 1, 4, 4]);
  assert.deepEqual(data.filled, { cells: 2, rows: 2 });
  assert.equal(s!.filled, 4);
});

test('fill errors: nothing before the first value, nothing after the last for linear, nothing at all', () => {
  fails(csv('t,y', '2021-01-01,', '2021-01-02,1'), { fill: 'previous' }, "f.csv line 2, column 'y': missing value in the first row of the series, with no earlier value to fill it from; give it a value or remove the row");
  fails(csv('t,y', '2021-01-01,NA', '2021-01-02,1'), { fill: 'linear' }, "f.csv line 2, column 'y': missing value in the first row of the series, with no earlier value to fill it from; give it a value or remove the row");
  fails(csv('t,y', '2021-01-01,1', '2021-01-02,2', '2021-01-03,NA', '2021-01-04,'), { fill: 'linear' }, "f.csv line 4, column 'y': missing value at the end of the series; --fill linear needs a known value on each side (use --fill previous, or remove the row)");
  assert.deepEqual(values(parse(csv('t,y', '2021-01-01,1', '2021-01-02,2', '2021-01-03,NA'), { fill: 'previous' }).series[0]!.targets[0]!), [1, 2, 2]);
  fails(csv('t,y', '2021-01-01,', '2021-01-02,'), { fill: 'linear' }, "f.csv line 2, column 'y': every value of this column is missing; there is nothing to fill from");
});

test('several series in one file (long format, interleaved rows): grouped in order of first appearance, each checked and filled on its own', async () => {
  const path = join(FIXTURES, 'retail-sales-long.csv');
  const options = { targets: ['sales'], covariates: ['promo'], seriesColumn: 'store', timeColumn: 'week' };
  await assert.rejects(loadTimeSeriesCsv(path, options), { message: `${path} line 5, series 'B', column 'sales': missing value ('NA'); --fill linear|previous fills it` });
  const data = await loadTimeSeriesCsv(path, { ...options, fill: 'linear' });
  assert.deepEqual(data.frequency, { unit: 'week', every: 1 });
  assert.equal(data.seriesColumn, 'store');
  assert.deepEqual(data.series.map((s) => s.id), ['A', 'B']);
  const [a, b] = data.series;
  assert.deepEqual(a!.times, ['2021-01-04', '2021-01-11', '2021-01-18', '2021-01-25', '2021-02-01']);
  assert.deepEqual(values(a!.targets[0]!), [100, 110, 120, 130, 140]);
  assert.deepEqual(values(a!.covariates[0]!), [0, 1, 0, 0.5, 1]);
  assert.deepEqual(b!.times, a!.times);
  assert.deepEqual(values(b!.targets[0]!), [80, 85, 90, 95, 100]);
  assert.deepEqual([a!.filled, b!.filled], [2, 1]);
  assert.deepEqual(data.filled, { cells: 1, rows: 1 });
  const prev = await loadTimeSeriesCsv(path, { ...options, fill: 'previous' });
  assert.deepEqual(values(prev.series[0]!.targets[0]!), [100, 110, 120, 120, 140]);
  assert.deepEqual(values(prev.series[1]!.targets[0]!), [80, 80, 90, 95, 100]);
});

test('several series: errors name the series; a time may repeat across series; all series share one frequency', () => {
  const opts = { seriesColumn: 'id' };
  const ok = parse(csv('t,id,y', '2021-01-01,x,1', '2021-01-01,y,2', '2021-01-02,x,3', '2021-01-02,y,4'), opts);
  assert.deepEqual(ok.series.map((s) => [s.id, values(s.targets[0]!)]), [['x', [1, 3]], ['y', [2, 4]]]);
  // Series may start and end at different times.
  const ragged = parse(csv('t,id,y', '2021-01-01,x,1', '2021-01-02,x,2', '2021-01-03,x,3', '2021-01-02,y,5', '2021-01-03,y,6'), opts);
  assert.deepEqual(ragged.series.map((s) => s.times), [['2021-01-01', '2021-01-02', '2021-01-03'], ['2021-01-02', '2021-01-03']]);
  fails(csv('t,id,y', '2021-01-01,a,1', '2021-01-02,a,1', '2021-01-01,b,1'), opts, "f.csv series 'b' has only 1 row (line 4); at least 2 are needed to infer the frequency");
  fails(csv('t,id,y', '2021-01-01,a,1', '2021-01-01,b,1', '2021-01-01,a,1'), opts, "f.csv lines 2 and 4, series 'a', column 't': duplicate time 2021-01-01; each time may appear once per series");
  fails(csv('t,id,y', '2021-01-01,a,1', '2021-01-01,b,'), opts, "f.csv line 3, series 'b', column 'y': missing value (empty cell); --fill linear|previous fills it");
  fails(csv('t,id,y', '2021-01-01,a,1', '2021-01-01,,1'), opts, "f.csv line 3, column 'id': missing series id");
  // A weekly series among daily ones is an error, not gaps to fill.
  const weekly = csv('t,id,y', '2021-01-01,a,1', '2021-01-02,a,1', '2021-01-03,a,1', '2021-01-04,a,1', '2021-01-01,b,1', '2021-01-08,b,1', '2021-01-15,b,1');
  for (const fill of ['none', 'linear'] as const) {
    fails(weekly, { ...opts, fill }, "f.csv lines 6 and 7, series 'b', column 't': this series mostly steps 1 week (2021-01-01 to 2021-01-08), but the file's most common step is 1 day; all series in one file must share one frequency");
  }
  // A gap within a series that shares the frequency is filled.
  const gappy = parse(csv('t,id,y', '2021-01-01,a,1', '2021-01-02,a,2', '2021-01-03,a,3', '2021-01-01,b,1', '2021-01-02,b,2', '2021-01-04,b,4', '2021-01-05,b,5'), { ...opts, fill: 'linear' });
  assert.deepEqual(values(gappy.series[1]!.targets[0]!), [1, 2, 3, 4, 5]);
  fails(csv('t,id,y', '2021-01-01,a,1', '2021-01-02,a,2', '2021-01-03,a,3', '2021-01-01,b,1', '2021-01-02,b,2', '2021-01-04,b,4', '2021-01-05,b,5'), opts,
    "f.csv lines 6 and 7, series 'b', column 't': a gap from 2021-01-02 to 2021-01-04, 1 step missing (2021-01-03); --fill linear|previous inserts the missing rows");
});

test('a semicolon file with a BOM, CRLF line ends, quoted names and cells with separators, quotes and line breaks', async () => {
  const path = join(tempDir('recur-tscsv-'), 'gdp.csv');
  writeFileSync(path, '\uFEFF"Quarter";"GDP, real";"Note"\r\n2020-Q1;100.5;"first; ""provisional"""\r\n2020-Q2;98.25;\r\n2020-Q3;101;"revised\r\nin March"\r\n2020-Q4;102.75;\r\n\r\n');
  const data = await loadTimeSeriesCsv(path, { targets: ['GDP, real'] });
  assert.deepEqual(data.frequency, { unit: 'quarter', every: 1 });
  assert.deepEqual(data.series[0]!.times, ['2020-Q1', '2020-Q2', '2020-Q3', '2020-Q4']);
  assert.deepEqual(values(data.series[0]!.targets[0]!), [100.5, 98.25, 101, 102.75]);
  writeFileSync(path, '\uFEFFQuarter;GDP\r\n2020-Q1;1\r\n2020-Q2;x\r\n');
  await assert.rejects(loadTimeSeriesCsv(path, { targets: ['GDP'] }), { message: `${path} line 3, column 'GDP': 'x' is not a number` });
  // A tab-separated file, and line numbers that count the lines inside a quoted cell.
  writeFileSync(path, 't\tnote\ty\n1\t"a\nb"\t1\n2\t\t2\n3\t\tbad\n');
  await assert.rejects(loadTimeSeriesCsv(path, { targets: ['y'] }), { message: `${path} line 5, column 'y': 'bad' is not a number` });
  await assert.rejects(loadTimeSeriesCsv(join(path, '..', 'nope.csv'), { targets: ['y'] }), { message: `text file not found: ${join(path, '..', 'nope.csv')}` });
  writeFileSync(path, '');
  await assert.rejects(loadTimeSeriesCsv(path, { targets: ['y'] }), { message: `${path} is empty` });
});

test('bounded work: a million rows, a megabyte line', () => {
  const rows: string[] = ['t,y'];
  for (let i = 0; i < 1_000_000; i++) rows.push(`${i},${i % 97}`);
  const text = rows.join('\n');
  let t0 = performance.now();
  const data = parse(text);
  const million = performance.now() - t0;
  assert.equal(data.series[0]!.times.length, 1_000_000);
  assert.equal(data.series[0]!.targets[0]![999_999], 999_999 % 97);
  t0 = performance.now();
  assert.throws(() => parse(`t,y\n1,2\n2,${'9'.repeat(1 << 20)}x\n`), /line 3, column 'y': '9{40}…' is not a number/);
  const line = performance.now() - t0;
  // Well under a second each on an idle machine; the bounds leave room for a loaded CI runner, and catch anything quadratic.
  console.log(`# 10^6 rows: ${million.toFixed(0)} ms; a 1 MB line: ${line.toFixed(0)} ms`);
  assert.ok(million < 6000, `10^6 rows took ${million.toFixed(0)} ms`);
  assert.ok(line < 1000, `a 1 MB line took ${line.toFixed(0)} ms`);
});

const realFiles = existsSync(join(SHARED, 'airline-passengers.csv'));
const skipReal = realFiles ? false : `the shared data set is absent (${SHARED}); CI has it`;

test('real file: airline passengers, monthly, 1949-01 … 1960-12', { skip: skipReal }, async () => {
  const data = await loadTimeSeriesCsv(join(SHARED, 'airline-passengers.csv'), { targets: ['Passengers'] });
  assert.deepEqual(data.frequency, { unit: 'month', every: 1 });
  const [s] = data.series;
  assert.equal(s!.times.length, 144);
  assert.deepEqual([s!.times[0], s!.times[143]], ['1949-01', '1960-12']);
  assert.deepEqual([s!.targets[0]![0], s!.targets[0]![143]], [112, 432]);
  assert.deepEqual(futureTimes(s!.times[143]!, data.frequency, 2), ['1961-01', '1961-02']);
  await assert.rejects(loadTimeSeriesCsv(join(SHARED, 'airline-passengers.csv'), { targets: ['Passenger'] }),
    { message: `column 'Passenger' not found in ${join(SHARED, 'airline-passengers.csv')}; the columns are Month, Passengers` });
});

test('real file: Melbourne daily minimum temperatures, two absent days found, then filled', { skip: skipReal }, async () => {
  const path = join(SHARED, 'daily-min-temperatures.csv');
  await assert.rejects(loadTimeSeriesCsv(path, { targets: ['Temp'] }),
    { message: `${path} lines 1461 and 1462, column 'Date': a gap from 1984-12-30 to 1985-01-01, 1 step missing (1984-12-31); --fill linear|previous inserts the missing rows` });
  const data = await loadTimeSeriesCsv(path, { targets: ['Temp'], fill: 'linear' });
  assert.deepEqual(data.frequency, { unit: 'day', every: 1 });
  assert.deepEqual(data.filled, { cells: 0, rows: 2 });
  const [s] = data.series;
  assert.equal(s!.times.length, 3652);
  assert.deepEqual([s!.times[0], s!.times[3651]], ['1981-01-01', '1990-12-31']);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = (date: string) => Number(lines.find((l) => l.startsWith(date))!.split(',')[1]);
  for (const missing of ['1984-12-31', '1988-12-31']) {
    const k = s!.times.indexOf(missing);
    assert.ok(k > 0, missing);
    assert.equal(s!.targets[0]![k], (at(s!.times[k - 1]!) + at(s!.times[k + 1]!)) / 2);
  }
});

test('real file: Seattle weather, several targets and covariates; a text column is refused', { skip: skipReal }, async () => {
  const path = join(SHARED, 'seattle-weather.csv');
  const data = await loadTimeSeriesCsv(path, { targets: ['temp_max', 'temp_min'], covariates: ['precipitation', 'wind'] });
  assert.deepEqual(data.frequency, { unit: 'day', every: 1 });
  assert.equal(data.timeColumn, 'date');
  const [s] = data.series;
  assert.equal(s!.times.length, 1461);
  assert.deepEqual([s!.times[0], s!.times[1460]], ['2012-01-01', '2015-12-31']);
  assert.deepEqual(s!.targets.map((t) => t[0]), [12.8, 5]);
  assert.deepEqual(s!.covariates.map((c) => c[0]), [0, 4.7]);
  await assert.rejects(loadTimeSeriesCsv(path, { targets: ['weather'] }), { message: `${path} line 2, column 'weather': 'drizzle' is not a number` });
});
