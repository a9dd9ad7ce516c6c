import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { DivergenceEvent, TrainEvent } from '../train/events.js';
import { createTrainRenderer, describeDivergence, formatDuration } from './train-progress.js';

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

test('a divergence is four lines: what, the first NaN/Inf, recent gradient norms, and the rollback or the stop with what to try', () => {
  const start = events[0] as Extract<TrainEvent, { type: 'start' }>;
  const base: DivergenceEvent = {
    type: 'divergence', step: 1234, cause: 'loss-growth', loss: 1670, gradNorm: 2.71, smoothedLoss: 46.25, bestSmoothedLoss: 3.66, factor: 4,
    recentGradNorms: [0.242, 17.09, 45.18, 1.5e9], firstNonFinite: null, lr: 1000, action: 'stop', checkpointStep: 1000, rollbacks: 0, maxRollbacks: 3, elapsedMs: 5,
  };
  assert.equal(describeDivergence(base, start), [
    'step 1,234: training diverged: the smoothed loss 46.3 is 12.6× its best 3.66 (this step\'s loss 1,670)',
    '  first NaN/Inf: none in the step\'s forward and backward passes (the loss is finite, but grew)',
    '  gradient norm, last 4 steps: 0.242 17.1 45.2 1.50e+9; this step 2.71',
    '  stopped: the last checkpoint (step 1,000) is kept in run; try a lower --lr (this step\'s was 1,000), or --clip-norm 1, or --on-divergence rollback',
  ].join('\n') + '\n');
  const nan = describeDivergence({ ...base, cause: 'non-finite-gradient', gradNorm: NaN, loss: 3.2, firstNonFinite: "NaN in backward of 'linear': gradient of input 'x' [2] has NaN at flat index 0", clipNorm: 1, recentGradNorms: [], checkpointStep: null, rollbacks: 3 }, start);
  assert.equal(nan.split('\n')[0], 'step 1,234: training diverged: the gradient norm is NaN (loss 3.2)');
  assert.equal(nan.split('\n')[1], "  first NaN/Inf: NaN in backward of 'linear': gradient of input 'x' [2] has NaN at flat index 0");
  assert.equal(nan.split('\n')[2], '  gradient norm: no earlier step in this session; this step NaN');
  assert.equal(nan.split('\n')[3], '  stopped after 3 rollbacks: no checkpoint had been written yet; try a lower --lr (this step\'s was 1,000)');
  const back = describeDivergence({ ...base, action: 'rollback', restoredStep: 900, lrScale: 0.25, rollbacks: 2 }, start);
  assert.equal(back.split('\n')[3], '  rolled back to step 900 (rollback 2 of 3): the learning rate is ×0.25 from now on');
  // The JSON renderer writes the event as it is; the plain one, these lines.
  const plain = capture(false);
  const r = createTrainRenderer({ out: plain.stream });
  r.onEvent(start);
  r.onEvent(base);
  assert.ok(plain.text().endsWith(describeDivergence(base, start)));
});
