import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationReport, confusionMatrix } from './metrics.js';

test('classificationReport agrees with scikit-learn on a worked example (zero_division=0, macro over present labels)', () => {
  // sklearn: y_true = [0,0,1,1,2,2,2], y_pred = [0,1,1,1,2,0,1], labels 0..3 (class 3 absent from both).
  const truth = [0, 0, 1, 1, 2, 2, 2], pred = [0, 1, 1, 1, 2, 0, 1];
  assert.deepEqual(confusionMatrix(truth, pred, 4), [[1, 1, 0, 0], [0, 2, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]]);
  const r = classificationReport(truth, pred, 4);
  assert.equal(r.accuracy, 4 / 7);
  // precision: 1/2, 2/4, 1/1; recall: 1/2, 2/2, 1/3; f1: 0.5, 2/3, 0.5
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(r.perClass[0]!.precision, 0.5); close(r.perClass[1]!.precision, 0.5); close(r.perClass[2]!.precision, 1);
  close(r.perClass[2]!.recall, 1 / 3); close(r.perClass[1]!.f1, 2 / 3);
  close(r.macroPrecision, (0.5 + 0.5 + 1) / 3);
  close(r.macroRecall, (0.5 + 1 + 1 / 3) / 3);
  close(r.macroF1, (0.5 + 2 / 3 + 0.5) / 3);
  assert.deepEqual(r.perClass[3], { precision: 0, recall: 0, f1: 0, support: 0 });
  assert.throws(() => confusionMatrix([0, 4], [0, 0], 4), /entry 1 \(true 4, predicted 0\) is outside the classes \[0, 4\)/);
});
