// Time stamps to numbers and the x axis they get: UTC whatever the machine's zone, offsets applied,
// impossible dates refused, and tick intervals that never split the data's own grain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeAxis } from './time-axis.js';

const WHERE = ['f: a', 'f: b'];

test('timeAxis reads months, days and date-times as UTC milliseconds, and steps as themselves', () => {
  const a = timeAxis([['1949-01', '1949-02'], ['1949-03-15']], WHERE, 720);
  assert.deepEqual(a.values, [[Date.UTC(1949, 0, 1), Date.UTC(1949, 1, 1)], [Date.UTC(1949, 2, 15)]]);
  assert.equal(a.grain, 'day', 'the finest grain decides');
  assert.equal(a.encoding.type, 'temporal');
  assert.deepEqual(a.encoding.scale, { type: 'utc', padding: 6 });
  assert.equal(a.encoding.axis.format, '%Y-%m-%d');

  const t = timeAxis([['2021-03-04T05:00:00Z', '2021-03-04T06:00:00+01:00', '2021-03-04T05:00', '2021-03-04 05:00:30.5Z']], WHERE, 720);
  assert.deepEqual(t.values[0], [Date.UTC(2021, 2, 4, 5), Date.UTC(2021, 2, 4, 5), Date.UTC(2021, 2, 4, 5), Date.UTC(2021, 2, 4, 5, 0, 30, 500)]);
  assert.equal(t.grain, 'second');

  const s = timeAxis([[0, 1, 2], ['3', '-4']], WHERE, 720);
  assert.deepEqual(s.values, [[0, 1, 2], [3, -4]]);
  assert.equal(s.grain, 'step');
  assert.equal(s.encoding.type, 'quantitative');
  assert.equal(s.encoding.axis.format, 'd');
});

test('timeAxis picks ticks on the data grain or coarser, fewer than the width holds', () => {
  const months = (n: number) => Array.from({ length: n }, (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  assert.deepEqual(timeAxis([months(6)], WHERE, 720).encoding.axis.tickCount, { interval: 'month', step: 1 }, 'half a year: every month, never weeks');
  assert.deepEqual(timeAxis([months(144)], WHERE, 720).encoding.axis.tickCount, { interval: 'year', step: 2 });
  assert.deepEqual(timeAxis([months(144)], WHERE, 300).encoding.axis.tickCount, { interval: 'year', step: 5 }, 'narrower: sparser');
  const days = Array.from({ length: 10 }, (_, i) => `2021-01-${String(i + 1).padStart(2, '0')}`);
  assert.deepEqual(timeAxis([days], WHERE, 720).encoding.axis.tickCount, { interval: 'day', step: 2 });
  const hours = Array.from({ length: 6 }, (_, i) => `2021-01-01T0${i}:00:00Z`);
  assert.deepEqual(timeAxis([hours], WHERE, 720).encoding.axis.tickCount, { interval: 'hour', step: 1 });
});

test('timeAxis refuses what is not a time, impossible dates and a mix of steps and dates', () => {
  for (const bad of ['1949-02-30', '1949-13', '2021-03-04T24:00Z', '2021-3-4', 'March 1949', '1.5', '']) {
    assert.throws(() => timeAxis([[bad]], WHERE, 720), new RegExp(`f: a\\[0\\] must be an integer step or a date like .*, got ${JSON.stringify(JSON.stringify(bad)).slice(1, -1)}`), bad);
  }
  assert.throws(() => timeAxis([[1.5]], WHERE, 720), /f: a\[0\] must be an integer step/);
  assert.throws(() => timeAxis([['1949-01'], [3]], WHERE, 720), /f: b\[0\] is an integer step but f: a\[0\] is a date: one chart has one kind of time/);
  assert.throws(() => timeAxis([[]], WHERE, 720), /no time stamps/);
});
