import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedClassWeights, classificationReport, confusionMatrix, multiLabelReport, pickMetrics } from './metrics.js';

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

test('multiLabelReport: subset accuracy, Hamming loss, micro and macro scores by hand (sklearn multi-label semantics)', () => {
  // 4 examples, 4 classes; class 3 never occurs nor is predicted (it still counts in the macro mean, as sklearn's indicator columns do).
  const truth = [[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]];
  const pred = [[1, 0, 0, 0], [0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]];
  const r = multiLabelReport(truth, pred, 4);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
  close(r.subsetAccuracy, 2 / 4, 'rows 2 and 3 exactly right');
  close(r.hammingLoss, 2 / 16, 'two wrong entries of 16');
  // Per class: 0 and 1 perfect (support 2 each); class 2: tp 0, one false positive, one false negative.
  assert.deepEqual(r.perClass, [
    { precision: 1, recall: 1, f1: 1, support: 2 }, { precision: 1, recall: 1, f1: 1, support: 2 },
    { precision: 0, recall: 0, f1: 0, support: 1 }, { precision: 0, recall: 0, f1: 0, support: 0 }]);
  // Micro: tp 4, predicted 5, true 5.
  close(r.microPrecision, 0.8, 'micro precision'); close(r.microRecall, 0.8, 'micro recall'); close(r.microF1, 0.8, 'micro F1');
  close(r.macroPrecision, 0.5, 'macro precision'); close(r.macroRecall, 0.5, 'macro recall'); close(r.macroF1, 0.5, 'macro F1');
  // Micro F1 differs from the mean of F1s when precision and recall differ: one class, tp 1, fp 1, fn 0.
  const one = multiLabelReport([[1], [0]], [[1], [1]], 1);
  close(one.microPrecision, 0.5, 'precision'); close(one.microRecall, 1, 'recall'); close(one.microF1, 2 / 3, 'F1');
  assert.deepEqual(pickMetrics(r, ['accuracy', 'micro-f1', 'macro-f1', 'hamming-loss']), { accuracy: 0.5, 'micro-f1': r.microF1, 'macro-f1': 0.5, 'hamming-loss': 0.125 });
  assert.throws(() => multiLabelReport([[1, 0]], [[1, 0.5]], 2), { message: 'multiLabelReport: predicted[0][1] = 0.5 must be 0 or 1' });
  assert.throws(() => multiLabelReport([[1, 0]], [[1]], 2), { message: 'multiLabelReport: predicted[0] must hold 2 entries (0 or 1), got 1' });
  assert.throws(() => multiLabelReport([[1, 0]], [], 2), { message: 'multiLabelReport: 1 true rows but 0 predicted rows' });
});

test('pickMetrics on one class per example: micro-F1 is the accuracy and Hamming loss its complement (as sklearn)', () => {
  const r = classificationReport([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 1], 4);
  assert.deepEqual(pickMetrics(r, ['accuracy', 'micro-f1', 'hamming-loss']), { accuracy: 4 / 7, 'micro-f1': 4 / 7, 'hamming-loss': 1 - 4 / 7 });
});

test('balancedClassWeights is sklearn\'s compute_class_weight("balanced"): n / (classes * count)', () => {
  // sklearn: compute_class_weight('balanced', classes=[0, 1, 2], y=[0, 0, 0, 1, 2, 2]) -> [2/3, 2, 1]
  const w = balancedClassWeights([0, 0, 0, 1, 2, 2], 3);
  assert.ok(w instanceof Float32Array);
  assert.deepEqual([...w], [2 / 3, 2, 1].map(Math.fround));
  // Every class carries the same total weight n / classes.
  assert.deepEqual([3 * w[0]!, 1 * w[1]!, 2 * w[2]!].map((v) => Math.round(v * 1e6) / 1e6), [2, 2, 2]);
  assert.deepEqual([...balancedClassWeights(Int32Array.from([1, 0, 1, 0]), 2)], [1, 1]);
  assert.throws(() => balancedClassWeights([0, 0, 2], 3), { message: 'balancedClassWeights: class 1 has no examples among the 3 labels, so it has no balanced weight' });
  assert.throws(() => balancedClassWeights([0, 3], 3), { message: 'balancedClassWeights: labels[1] = 3 is not a class id in [0, 3)' });
  assert.throws(() => balancedClassWeights([0], 0), { message: 'balancedClassWeights: classes must be a positive integer, got 0' });
});
