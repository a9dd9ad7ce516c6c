import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { TrainEvent } from '../train/events.js';
import { createTrainRenderer, formatDuration } from './train-progress.js';

const events: TrainEvent[] = [
  {
    type: 'start', task: 'char-lm', unit: 'tokens', step: 0, resumed: false, maxSteps: 10, accumulate: 1, parameters: 1234,
    metrics: [{ name: 'bitsPerChar', label: 'bits', format: 'decimal', digits: 3, better: 'min' }], monitor: { metric: 'loss', mode: 'min' },
    details: { model: '1×8 lstm', data: 'x.txt', trainItems: 900, validationItems: 100, batch: '4 × 16', lr: 0.01, backend: 'wasm', out: 'run', lossUnit: 'nats/char', facts: [['vocabulary', 9]] },
  },
  ...Array.from({ length: 10 }, (_, i): TrainEvent => ({ type: 'step', step: i + 1, loss: 2 - i / 10, lr: 0.01, gradNorm: 1, epoch: 0.1, items: 64 * (i + 1), itemsPerSecond: 5000, elapsedMs: 100 * (i + 1), totalSteps: 10, etaMs: 100 * (9 - i) })),
  { type: 'eval', step: 10, valLoss: 1.5, metrics: { bitsPerChar: 1.5 / Math.LN2 }, value: 1.5, best: 1.5, bestStep: 10, improved: true, staleEvals: 0, evalMs: 5, elapsedMs: 1005 },
  { type: 'sample', step: 10, text: 'hello\nworld' },
  { type: 'checkpoint', step: 10, reason: 'final', path: 'run', ms: 3 },
  { type: 'end', step: 10, reason: 'max-steps', elapsedMs: 1010, items: 640, loss: 1.1, valLoss: 1.5, best: 1.5, bestStep: 10 },
];

function capture(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (d) => { out += d; });
  Object.assign(s, { isTTY: tty, columns: 160, rows: 40, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

test('train renderer: JSON lines, plain lines without a TTY, a progress bar with log lines above it on a TTY', () => {
  const json = capture(false);
  const r1 = createTrainRenderer({ json: true, out: json.stream });
  events.forEach((e) => r1.onEvent(e));
  assert.deepEqual(json.text().trim().split('\n').map((l) => JSON.parse(l)), events);

  const plain = capture(false);
  const r2 = createTrainRenderer({ out: plain.stream });
  events.forEach((e) => r2.onEvent(e));
  const lines = plain.text().split('\n');
  assert.match(lines[0]!, /^training: 1×8 lstm \(1,234 parameters\) on x\.txt$/);
  assert.equal(lines.filter((l) => l.startsWith('step ') && l.includes('tokens/s')).length, 2, 'first and last step only (10 s apart at most)');
  assert.ok(lines.includes('step 10: validation loss 1.5000 nats/char (2.164 bits) [1s]'));
  assert.ok(lines.includes('    hello') && lines.includes('    world'));
  assert.ok(lines.includes('done at step 10 after 1s, training loss 1.1000, validation loss 1.5000 (best 1.5000)'));

  const tty = capture(true);
  const r3 = createTrainRenderer({ out: tty.stream });
  events.forEach((e) => r3.onEvent(e));
  r3.stop();
  const t = tty.text();
  assert.match(t, /step 10\/10 \| loss 1\.100 \| val 1\.500 \| 5,000 tok\/s \| 1s elapsed, ETA 0s/);
  assert.ok(t.indexOf('validation loss 1.5000') < t.lastIndexOf('done at step 10'));
});

test('formatDuration', () => {
  assert.equal(formatDuration(12_400), '12s');
  assert.equal(formatDuration(245_000), '4m 05s');
  assert.equal(formatDuration(3_720_000), '1h 02m');
});
