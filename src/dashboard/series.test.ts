import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  align, configRows, endLine, foldEvent, formatBest, formatDivergence, formatEvalMetrics, formatMetric, latestSample, lossUnit, newRunState, parseBatch, runHeadline, runStatus,
  startNotes, text, throughputUnit,
} from './series.js';

const start = (step = 0) => ({
  type: 'start', task: 'classify', unit: 'sequences', step, resumed: step > 0, accumulate: 1, parameters: 10,
  metrics: [{ name: 'accuracy', label: 'accuracy', format: 'percent', digits: 2, better: 'max' }], monitor: { metric: 'accuracy', mode: 'max' },
  details: { model: 'm', data: 'd', trainItems: 1, validationItems: 1, batch: '1', lr: 0.1, backend: 'b', out: null, lossUnit: 'nats', facts: [] },
});
const step = (s: number, extra: Record<string, unknown> = {}) => ({ type: 'step', step: s, loss: 1 / s, lr: 0.1, gradNorm: 1, epoch: 0, items: s, itemsPerSecond: 5, elapsedMs: s * 60_000, ...extra });
const evalAt = (s: number, acc: number, best: number, bestStep: number) => ({ type: 'eval', step: s, valLoss: 2 / s, metrics: { accuracy: acc }, value: acc, best, bestStep, improved: best === acc, staleEvals: 0, evalMs: 1, elapsedMs: s * 60_000 });

test('foldEvent: steps and evaluations become columns; a resumed run drops the steps it redoes; unknown events are counted, not folded', () => {
  const r = newRunState();
  assert.equal(runStatus(r), 'no events yet');
  for (const e of [start(), step(1), step(2), step(3), evalAt(2, 0.5, 0.5, 2), step(4)]) assert.ok(foldEvent(r, e));
  assert.equal(runStatus(r), 'training');
  assert.deepEqual([...r.steps.cols.step.view()], [1, 2, 3, 4]);
  assert.deepEqual([...r.steps.cols.time.view()], [1, 2, 3, 4], 'elapsedMs in minutes');
  assert.ok(Number.isNaN(r.steps.cols.memoryMiB.get(0)) && !r.hasMemory, 'no memory reported: NaN, and no memory chart');
  // Killed after step 4, resumed from the checkpoint of step 2: steps 3 and 4 are redone.
  assert.ok(foldEvent(r, start(2)));
  assert.deepEqual([...r.steps.cols.step.view()], [1, 2]);
  assert.deepEqual([...r.evals.cols.step.view()], [2]);
  foldEvent(r, step(3, { memoryBytes: 2 * 1024 * 1024 }));
  assert.equal(r.steps.cols.memoryMiB.get(2), 2);
  assert.ok(r.hasMemory);
  assert.equal(foldEvent(r, { type: 'future-kind' }), false);
  assert.equal(foldEvent(r, 'not an object'), false);
  assert.ok(foldEvent(r, { type: 'end', step: 3, reason: 'max-steps' }));
  assert.equal(runStatus(r), 'finished');
});

test('formatting follows the start event: percent metrics, the monitored best and its step', () => {
  const r = newRunState();
  foldEvent(r, start());
  foldEvent(r, evalAt(10, 0.91234, 0.91234, 10));
  assert.equal(formatBest(r), '91.23% accuracy at step 10');
  assert.deepEqual(formatEvalMetrics(r), [['validation loss', '0.2000 nats'], ['accuracy', '91.23%']]);
  assert.equal(formatMetric(0.5, { format: 'decimal', digits: 3 }), '0.500');
  assert.equal(formatMetric(Number.NaN, { format: 'decimal', digits: 3 }), '–');
});

test('align puts several runs on one sorted x axis with gaps; parseBatch refuses what is not the server\'s JSON', () => {
  const a = align([Float64Array.of(1, 2, 4), Float64Array.of(2, 3)], [Float64Array.of(10, 20, 40), Float64Array.of(200, Number.NaN)]);
  assert.deepEqual(a, [[1, 2, 3, 4], [10, 20, null, 40], [null, 200, null, null]]);
  assert.equal(parseBatch('{"events": ['), null);
  assert.equal(parseBatch('[1, 2]'), null);
  const b = parseBatch('{"events": [{"type": "step"}], "errors": [{"line": 7, "message": "not valid JSON"}], "next": 120, "nextLine": 9}')!;
  assert.deepEqual([b.events.length, b.errors, b.next, b.nextLine, b.missing], [1, [{ line: 7, message: 'not valid JSON' }], 120, 9, false]);
});

test('foldEvent: a rollback drops the steps it undoes; a divergence that stopped the run is its status', () => {
  const r = newRunState();
  const divergence = (action: string, extra: Record<string, unknown> = {}) => ({
    type: 'divergence', step: 5, cause: 'loss-growth', loss: 1670, recentGradNorms: [], firstNonFinite: null, lr: 1, action, checkpointStep: 2, rollbacks: 1, maxRollbacks: 3, elapsedMs: 1, ...extra,
  });
  for (const e of [start(), step(1), step(2), step(3), step(4), evalAt(3, 0.5, 0.5, 3)]) foldEvent(r, e);
  assert.ok(foldEvent(r, divergence('rollback', { restoredStep: 2, lrScale: 0.5 })));
  assert.deepEqual([...r.steps.cols.step.view()], [1, 2]);
  assert.equal(r.evals.length, 0);
  assert.equal(runStatus(r), 'training');
  assert.equal(formatDivergence(r), 'diverged at step 5 (loss-growth, loss 1,670): rolled back to step 2, learning rate ×0.5 (rollback 1 of 3)');
  foldEvent(r, step(3));
  assert.ok(foldEvent(r, divergence('stop', { step: 4, loss: null, cause: 'non-finite-loss', firstNonFinite: "NaN in forward of 'linear'", rollbacks: 3 })));
  assert.equal(runStatus(r), 'diverged');
  assert.equal(formatDivergence(r), "diverged at step 4 (non-finite-loss, loss –): stopped, checkpoint of step 2 kept; first NaN/Inf: NaN in forward of 'linear'");
  // Resumed afterwards: training again.
  foldEvent(r, start(2));
  assert.equal(runStatus(r), 'training');
  assert.equal(formatDivergence(r), null);
});

test('a hand-edited events.jsonl: values of any JSON type become text, never a throw (found by the events fuzzer)', () => {
  const r = newRunState();
  const notText = { toString: 1 }; // String() and template strings throw on this
  foldEvent(r, { ...start(), task: notText, unit: [notText], metrics: 'accuracy', monitor: 7,
    details: { model: notText, lossUnit: { valueOf: {}, toString: [] }, notes: [notText, null, 'n'], facts: [[notText, notText], ['x', 1]] } });
  foldEvent(r, { type: 'eval', step: notText, valLoss: 1, metrics: [1, 2], best: 0.5, bestStep: notText });
  foldEvent(r, { type: 'end', step: 3, reason: notText });
  foldEvent(r, { type: 'sample', step: 2, text: notText });
  foldEvent(r, { type: 'divergence', step: 4, cause: notText, loss: 1, action: 'stop', checkpointStep: null, firstNonFinite: notText });
  assert.deepEqual(configRows(r.start!).slice(0, 2), [['task', '{"toString":1}'], ['model', '{"toString":1}']]);
  assert.deepEqual(configRows(r.start!).slice(-2), [['{"toString":1}', '{"toString":1}'], ['x', '1']]);
  assert.equal(runHeadline(r), '{"toString":1} · {"toString":1} ');
  assert.equal(throughputUnit(r), '[{"toString":1}]/s');
  assert.equal(lossUnit(r), '{"valueOf":{},"toString":[]}');
  assert.deepEqual(startNotes(r), ['{"toString":1}', '–', 'n']);
  assert.equal(formatBest(r), '0.5000 {"valueOf":{},"toString":[]} at step –');
  assert.deepEqual(formatEvalMetrics(r), [['validation loss', '1.0000 {"valueOf":{},"toString":[]}']], 'metrics that are a list are not named figures');
  assert.equal(endLine(r), 'finished at step 3 ({"toString":1})');
  assert.deepEqual(latestSample(r), { title: 'sample at step 2', text: '{"toString":1}' });
  assert.equal(formatDivergence(r), 'diverged at step 4 ({"toString":1}, loss 1): stopped, no checkpoint written; first NaN/Inf: {"toString":1}');
  assert.equal(text(Symbol.iterator), 'Symbol(Symbol.iterator)');
});
