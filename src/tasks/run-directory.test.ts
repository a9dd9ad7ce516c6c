import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EVENTS_FILE_NAME, EventsLog, removeStaleTempFiles } from './run-directory.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'recur-events-'));
const read = (dir: string) => readFileSync(join(dir, EVENTS_FILE_NAME), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; step?: number });
const stepEvent = (step: number) => ({ type: 'step', step, loss: 1 / step, lr: 1e-3, gradNorm: 0.5, epoch: step / 100, items: step * 32, itemsPerSecond: 1000, elapsedMs: step * 3 });

/** A session of `steps` step events from `from`, an eval and a checkpoint every 100, between a start and an end event. */
function session(log: EventsLog, from: number, steps: number): void {
  log.write({ type: 'start', task: 'test', step: from - 1, resumed: from > 1 });
  for (let s = from; s < from + steps; s++) {
    log.write(stepEvent(s));
    if (s % 100 === 0) {
      log.write({ type: 'eval', step: s, loss: 1 / s });
      log.write({ type: 'checkpoint', step: s, reason: 'periodic', path: '/x', ms: 1 });
    }
  }
  log.write({ type: 'end', step: from + steps - 1, reason: 'max-steps' });
}

test('events log: 20,000 steps stay under the limit, spanning the whole run at an even power-of-two stride, start and end kept', () => {
  const dir = tmp();
  const log = new EventsLog(dir, false, 64 * 1024);
  let largest = 0;
  const start = 1;
  log.write({ type: 'start', task: 'test', step: 0, resumed: false });
  for (let s = start; s <= 20_000; s++) {
    log.write(stepEvent(s));
    if (s % 100 === 0) log.write({ type: 'eval', step: s, loss: 1 / s });
    largest = Math.max(largest, statSync(join(dir, EVENTS_FILE_NAME)).size);
  }
  log.write({ type: 'end', step: 20_000, reason: 'max-steps' });
  log.close();
  assert.ok(largest <= 64 * 1024 + 300, `the file reached ${largest} bytes`);
  const events = read(dir);
  assert.equal(events[0]!.type, 'start');
  assert.equal(events.at(-1)!.type, 'end');
  const steps = events.filter((e) => e.type === 'step').map((e) => e.step!);
  const stride = steps[1]! - steps[0]!;
  assert.ok(stride >= 8 && Number.isInteger(Math.log2(stride)), `stride ${stride}`);
  assert.equal(steps[0], stride);
  assert.ok(steps.every((s, i) => s === (i + 1) * stride), 'step events evenly spaced');
  assert.ok(steps.at(-1)! > 20_000 - stride, `the last step event is at ${steps.at(-1)}`);
  assert.ok(steps.length > 300, `${steps.length} step events kept`);
  // Evals are thinned by the same rule (every 100th step is a multiple of 4, not of 8).
  const evals = events.filter((e) => e.type === 'eval').map((e) => e.step!);
  assert.ok(evals.length > 0 && evals.every((s) => s % stride === 0));
  assert.deepEqual(readdirSync(dir), [EVENTS_FILE_NAME], 'no temporary file left');
});

test('events log: below the limit nothing is dropped', () => {
  const dir = tmp();
  const log = new EventsLog(dir, false);
  session(log, 1, 1000);
  log.close();
  assert.equal(read(dir).filter((e) => e.type === 'step').length, 1000);
});

test('events log: a resumed session goes on at the stride the log was thinned to, after a line a kill cut short', () => {
  const dir = tmp();
  let log = new EventsLog(dir, false, 32 * 1024);
  session(log, 1, 5000);
  log.close();
  const first = read(dir).filter((e) => e.type === 'step').map((e) => e.step!);
  const stride = first[1]! - first[0]!;
  assert.ok(stride >= 4, `stride ${stride}`);
  appendFileSync(join(dir, EVENTS_FILE_NAME), '{"type":"step","step":5001,"lo'); // killed mid-write
  log = new EventsLog(dir, true, 32 * 1024);
  session(log, 5001, 3000);
  log.close();
  const text = readFileSync(join(dir, EVENTS_FILE_NAME), 'utf8');
  assert.ok(text.length <= 32 * 1024 + 300);
  const lines = text.split('\n').filter((l) => l !== '');
  const bad = lines.filter((l) => { try { JSON.parse(l); return false; } catch { return true; } });
  assert.ok(bad.length <= 1, `lines that are not JSON: ${bad.join(' | ')}`);
  const events = lines.flatMap((l) => { try { return [JSON.parse(l) as { type: string; step?: number }]; } catch { return []; } });
  assert.deepEqual(events.filter((e) => e.type === 'start').map((e) => e.step), [0, 5000], 'both sessions\' start events');
  assert.equal(events.filter((e) => e.type === 'end').length, 2);
  const steps = events.filter((e) => e.type === 'step').map((e) => e.step!);
  const last = steps[1]! - steps[0]!;
  assert.ok(last >= stride, `stride ${last} after the resume, ${stride} before`);
  assert.ok(steps.every((s, i) => s === (i + 1) * last), 'one even stride over both sessions');
  assert.ok(steps.at(-1)! > 8000 - last);
});

test('events log: a log over the limit is thinned when it is opened, and a new run starts it afresh', () => {
  const dir = tmp();
  let log = new EventsLog(dir, false);
  session(log, 1, 2000);
  log.close();
  const size = statSync(join(dir, EVENTS_FILE_NAME)).size;
  log = new EventsLog(dir, true, Math.floor(size / 3));
  log.close();
  assert.ok(statSync(join(dir, EVENTS_FILE_NAME)).size <= size / 6);
  log = new EventsLog(dir, false);
  log.close();
  assert.equal(statSync(join(dir, EVENTS_FILE_NAME)).size, 0);
  assert.throws(() => new EventsLog(dir, true, 100), /needs at least 1 KB, got 100 bytes/);
});

test('a temporary events file left by a killed writer is removed', async () => {
  const dir = tmp();
  writeFileSync(join(dir, `.${EVENTS_FILE_NAME}.999999999.1.tmp`), 'x');
  assert.deepEqual(await removeStaleTempFiles(dir), [`.${EVENTS_FILE_NAME}.999999999.1.tmp`]);
});
