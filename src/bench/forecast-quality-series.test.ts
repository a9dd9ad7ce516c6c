import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeSeriesCsv } from '../data/time-series-csv.js';
import { QUALITY_SERIES, noiseFloor, noisySine, qualityLimit, trainingPart } from './forecast-quality-series.js';

test('the noisy sine: seeded, integer time column, the lead\'s first values and noise floor', () => {
  const a = noisySine(), b = noisySine();
  assert.equal(a.text, b.text);
  assert.notEqual(noisySine({ seed: 8 }).text, a.text);
  const lines = a.text.trim().split('\n');
  assert.equal(lines.length, 1001);
  assert.deepEqual(lines.slice(0, 4), ['t,value', '0,-0.161773', '1,-0.006546', '2,0.145332']);
  assert.equal(lines[1000], `999,${a.noisy[999]!.toFixed(6)}`);
  assert.equal(a.clean[10], Math.sin(1));
  const csv = parseTimeSeriesCsv(a.text, { targets: ['value'] });
  assert.equal(csv.frequency.unit, 'step');
  assert.deepEqual(Array.from(csv.series[0]!.targets[0]!), Array.from(a.noisy));
  assert.equal(noiseFloor(a, 200).toFixed(4), '0.0961');
});

test('the noise floor is the RMSE of the clean signal on the last steps only', () => {
  const sine = { clean: Float64Array.of(0, 0, 1, 1), noisy: Float64Array.of(5, -5, 1.3, 0.6) };
  assert.ok(Math.abs(noiseFloor(sine, 2) - Math.sqrt((0.09 + 0.16) / 2)) < 1e-15);
  assert.throws(() => noiseFloor(sine, 5), /noiseFloor: last must be an integer in \[1, 4\], got 5/);
  const sineRow = QUALITY_SERIES.find((s) => s.key === 'sine')!;
  assert.ok(Math.abs(qualityLimit(sineRow, 0.1) - 0.11) < 1e-15);
  assert.throws(() => qualityLimit(sineRow), /needs its noise floor/);
});

const days = (from: number, n: number, skip: number[] = []) => Array.from({ length: n }, (_, i) => from + i).filter((d) => !skip.includes(d))
  .map((d) => `2020-01-${String(d).padStart(2, '0')},${d}.5`);

test('the training part is the file\'s own lines before the hold-out, a filled gap counting as a step', () => {
  // 2020-01-01 .. 2020-01-20 without the 4th: 20 steps once filled; hold out the last 5 (16th on).
  const text = `Date,Temp\r\n${days(1, 20, [4]).join('\r\n')}\r\n`;
  const part = trainingPart(text, { targets: ['Temp'], fill: 'linear' }, 5);
  assert.equal(part.steps, 15);
  assert.equal(part.firstHeldOut, '2020-01-16');
  assert.equal(part.text, `Date,Temp\n${days(1, 15, [4]).join('\n')}\n`);
  assert.ok(!part.text.includes('2020-01-16'));
  const read = parseTimeSeriesCsv(part.text, { targets: ['Temp'], fill: 'linear' }).series[0]!;
  assert.equal(read.times.length, 15);
  assert.equal(read.targets[0]![3], 4.5);
});

test('the training part: a named time column, and the errors', () => {
  const text = `Temp,Date\n${days(1, 10).map((l) => l.split(',').reverse().join(',')).join('\n')}\n`;
  assert.equal(trainingPart(text, { targets: ['Temp'], timeColumn: 'Date' }, 3).steps, 7);
  // The rows just before the hold-out are missing: the part would end early.
  const gap = `Date,Temp\n${days(1, 10, [7]).join('\n')}\n`;
  assert.throws(() => trainingPart(gap, { targets: ['Temp'], fill: 'linear', source: 'gap.csv' }, 3),
    /trainingPart: the training part of gap.csv reads as 6 steps ending 2020-01-06, expected 7 ending 2020-01-07/);
  assert.throws(() => trainingPart(`Date,Temp\n${days(1, 4).join('\n')}\n`, { targets: ['Temp'] }, 4), /the hold-out must be 1 to 3 steps of CSV text, got 4/);
});
