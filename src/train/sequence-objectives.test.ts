// Labelled-sequence objectives: class-weighted cross-entropy against a hand computation with
// PyTorch's weighted mean (per sequence and per step, training and evaluation), multi-label
// training with sigmoid + BCE on a tiny problem, the probabilities and predictions evaluation
// returns, regression loss in the training's unit, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../autograd/tape.js';
import { type SequenceDataset, makeSequenceBatch } from '../data/sequence-batcher.js';
import { createBackend } from '../kernels/index.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';
import { fit } from './fit.js';
import { balancedClassWeights } from './metrics.js';
import { evaluateSequences, sequenceObjective } from './sequence-objectives.js';
import { containsThree } from '../testing/contains-three.js';

const backend = await createBackend('wasm', { threads: 1 });
const close = (a: number, b: number, what: string, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function classifier(outputSize: number, output: 'last' | 'sequence' = 'last', seed = 1): RecurrentModel {
  return new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, cell: 'gru', hiddenSize: 6, outputSize, output, ...(output === 'last' ? { pooling: 'mean' as const } : {}) },
    { rng: new Rng(seed) }).to(backend);
}

/** -log softmax(z)[y] in float64. */
function nll(z: ArrayLike<number>, y: number): number {
  const m = Math.max(...Array.from(z));
  const lse = m + Math.log(Array.from(z).reduce((a, v) => a + Math.exp(v - m), 0));
  return lse - z[y]!;
}

const DATA: SequenceDataset = { inputs: [[0, 1, 2], [3], [1, 1], [2, 0, 3, 1], [0]], labels: [0, 2, 1, 2, 0] };

test('class weights: the loss is sum_i w[y_i] l_i / sum_i w[y_i] (PyTorch CrossEntropyLoss(weight)), in training and evaluation', () => {
  const model = classifier(3);
  const weights = [0.5, 2, 1.25];
  const batch = makeSequenceBatch(DATA, Int32Array.from([0, 1, 2, 3, 4]));
  const tape = new Tape(backend);
  const logits = model.forward(Tape.inference(backend), batch.inputs, { lengths: batch.lengths }).logits.toArray();
  const labels = DATA.labels as number[];
  const l = labels.map((y, i) => nll(logits.slice(i * 3, i * 3 + 3), y));
  const w = labels.map((y) => weights[y]!);
  const expected = l.reduce((a, li, i) => a + w[i]! * li, 0) / w.reduce((a, b) => a + b, 0);
  const { loss, items } = sequenceObjective(model, 'sequence', { classWeights: weights })({ tape, batch, carried: null, step: 0 });
  close(loss.item(), expected, 'weighted mean');
  assert.equal(items, 5, 'items count examples, not weights');
  const unweighted = sequenceObjective(model, 'sequence')({ tape, batch, carried: null, step: 0 }).loss.item();
  close(unweighted, l.reduce((a, b) => a + b) / 5, 'no weights: the plain mean');
  assert.ok(Math.abs(unweighted - expected) > 1e-3, 'the weights change the loss');
  // Scaling every weight leaves the mean unchanged (it divides by the total weight, unlike Keras' sum / N).
  close(sequenceObjective(model, 'sequence', { classWeights: weights.map((v) => v * 7) })({ tape, batch, carried: null, step: 0 }).loss.item(), expected, 'scale-free');
  // Evaluation in batches of 2 gives the same dataset mean; weight 0 drops a class entirely.
  close(evaluateSequences(model, backend, DATA, { batchSize: 2, classWeights: weights }).loss, expected, 'evaluation');
  const onlyTwo = evaluateSequences(model, backend, DATA, { classWeights: [0, 0, 1] }).loss;
  close(onlyTwo, (l[1]! + l[3]!) / 2, 'weight 0 drops classes 0 and 1');
});

test('class weights on per-step labels: weighted mean over the valid steps, padding ignored', () => {
  const model = classifier(2, 'sequence', 2);
  const data: SequenceDataset = { inputs: [[0, 1, 2], [3], [1, 1]], labels: [[0, 1, 1], [1], [0, 0]] };
  const weights = [3, 0.5];
  const batch = makeSequenceBatch(data, Int32Array.from([0, 1, 2]));
  const logits = model.forward(Tape.inference(backend), batch.inputs, { lengths: batch.lengths }).logits.toArray(); // [T, B, 2]
  let num = 0, den = 0;
  (data.labels as number[][]).forEach((ys, b) => ys.forEach((y, t) => {
    const r = (t * 3 + b) * 2;
    num += weights[y]! * nll(logits.slice(r, r + 2), y);
    den += weights[y]!;
  }));
  const { loss, items } = sequenceObjective(model, 'step', { classWeights: weights })({ tape: new Tape(backend), batch, carried: null, step: 0 });
  close(loss.item(), num / den, 'weighted per-step mean');
  assert.equal(items, 6);
  close(evaluateSequences(model, backend, data, { batchSize: 1, classWeights: weights }).loss, num / den, 'evaluation, one sequence per batch');
});

test('evaluateSequences returns softmax probabilities in dataset order, rows summing to 1, arg-max predictions', () => {
  const model = classifier(3, 'last', 3);
  const r = evaluateSequences(model, backend, DATA, { batchSize: 2, metrics: ['accuracy'] });
  assert.equal(r.probabilities.length, 5 * 3);
  for (let i = 0; i < 5; i++) {
    const alone = model.forward(Tape.inference(backend), makeSequenceBatch(DATA, Int32Array.from([i])).inputs).logits.toArray();
    const p = r.probabilities.slice(i * 3, i * 3 + 3);
    close(p.reduce((a, b) => a + b), 1, `row ${i} sums to 1`);
    alone.forEach((z, c) => close(p[c]!, Math.exp(-nll(alone, c)), `p[${i}][${c}] from logits ${z}`));
    assert.equal(r.predictions[i], p.indexOf(Math.max(...p)));
  }
  close(r.metrics.accuracy!, [...r.predictions].filter((p, i) => p === (DATA.labels as number[])[i]).length / 5, 'accuracy of the predictions');
  // Per-step labels: one probability row per valid step.
  const steps = evaluateSequences(classifier(2, 'sequence'), backend, { inputs: [[0, 1, 2], [3]], labels: [[0, 1, 1], [1]] });
  assert.equal(steps.predictions.length, 4);
  assert.equal(steps.probabilities.length, 4 * 2);
});

/** Sequences of 2..7 tokens of 4; class 0: token 1 occurs, class 1: token 2 occurs (both, one or neither). */
function twoLabels(n: number, seed: number): SequenceDataset {
  const rng = new Rng(seed);
  const inputs: number[][] = [], targets: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x: number[] = Array.from({ length: 2 + rng.int(6) }, () => (rng.next() < 0.5 ? 0 : 3));
    if (rng.next() < 0.5) x[rng.int(x.length)] = 1;
    if (rng.next() < 0.5) x[rng.int(x.length)] = 2;
    inputs.push(x);
    targets.push([x.includes(1) ? 1 : 0, x.includes(2) ? 1 : 0]);
  }
  return { inputs, targets };
}

test('multiLabel: sigmoid + BCE trains a two-label problem; predictions find both labels; threshold moves them', async () => {
  const train = twoLabels(256, 1), validation = twoLabels(64, 2);
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, cell: 'gru', hiddenSize: 12, outputSize: 2, output: 'last', pooling: 'max' }, { rng: new Rng(5) }).to(backend);
  const before = evaluateSequences(model, backend, validation, { multiLabel: true });
  const r = await fit(model, { data: train, validation, multiLabel: true, epochs: 6, batchSize: 16, lr: 3e-2, metrics: ['accuracy', 'micro-f1', 'hamming-loss'] });
  const last = r.history.validation.at(-1)!;
  assert.ok(last.loss < before.loss / 3, `validation BCE ${before.loss} -> ${last.loss}`);
  assert.ok(last.metrics.accuracy! > 0.9 && last.metrics['micro-f1']! > 0.9 && last.metrics['hamming-loss']! < 0.06, JSON.stringify(last.metrics));
  // The loss is the mean BCE over examples and classes, computed by hand from the probabilities.
  const e = evaluateSequences(model, backend, validation, { multiLabel: true });
  const t = validation.targets!.flatMap((row) => Array.from(row));
  const bce = t.reduce((a, y, i) => a - (y ? Math.log(e.probabilities[i]!) : Math.log(1 - e.probabilities[i]!)), 0) / t.length;
  close(e.loss, bce, 'BCE from the probabilities', 1e-4);
  close(e.loss, last.loss, 'same as the last validation');
  // An example with both tokens gets both labels, one with neither gets none.
  const probe = evaluateSequences(model, backend, { inputs: [[0, 1, 3, 2], [3, 0, 0]], targets: [[1, 1], [0, 0]] }, { multiLabel: true });
  assert.deepEqual([...probe.predictions], [1, 1, 0, 0], `probabilities ${probe.probabilities}`);
  const strict = evaluateSequences(model, backend, validation, { multiLabel: true, threshold: 0.999 });
  const loose = evaluateSequences(model, backend, validation, { multiLabel: true, threshold: 0.001 });
  const ones = (p: Int32Array) => p.reduce((a, b) => a + b, 0);
  assert.ok(ones(strict.predictions) < ones(e.predictions) && ones(e.predictions) < ones(loose.predictions), 'a higher threshold predicts fewer labels');
});

test('fit with class weights: balanced weights lift the rare class\'s recall over the plain loss', async () => {
  // 1 in 8 sequences holds token 3 (class 1): rare, and short training leaves plain cross-entropy favouring class 0.
  const train = containsThree(256, 9, 0.125), validation = containsThree(256, 10, 0.125);
  const recallOfRare = async (classWeights?: Float32Array) => {
    const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, cell: 'gru', hiddenSize: 8, outputSize: 2, output: 'last' }, { rng: new Rng(5) }).to(backend);
    await fit(model, { data: train, epochs: 4, batchSize: 32, lr: 1e-2, classWeights });
    const e = evaluateSequences(model, backend, validation);
    const labels = validation.labels as number[];
    const rare = labels.map((y, i) => [y, e.predictions[i]!]).filter(([y]) => y === 1);
    return rare.filter(([, p]) => p === 1).length / rare.length;
  };
  const weights = balancedClassWeights(train.labels as number[], 2);
  assert.ok(weights[1]! > 3 * weights[0]!, `weights ${weights}`);
  const plain = await recallOfRare(), balanced = await recallOfRare(weights);
  assert.ok(balanced > plain + 0.3, `recall of the rare class: plain ${plain}, balanced ${balanced}`);
});

test('regression targets: the evaluation loss is the mean over examples and target values, as training\'s', () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 4 }, hiddenSize: 5, outputSize: 3, output: 'last' }, { rng: new Rng(6) }).to(backend);
  const data: SequenceDataset = { inputs: [[0, 1], [2, 3, 1], [1]], targets: [[1, 2, 3], [0, -1, 0.5], [2, 2, 2]] };
  const batch = makeSequenceBatch(data, Int32Array.from([0, 1, 2]));
  const train = sequenceObjective(model, 'targets')({ tape: new Tape(backend), batch, carried: null, step: 0 }).loss.item();
  const e = evaluateSequences(model, backend, data, { batchSize: 2 });
  close(e.loss, train, 'evaluation in batches of 2 vs one training batch');
  assert.equal(e.probabilities.length, 0);
  assert.equal(e.predictions.length, 0);
});

test('sequence objectives: clear errors for weights, multi-label targets and thresholds', () => {
  const model = classifier(3);
  const targets = { inputs: [[0, 1], [2]], targets: [[1, 0, 1], [0, 0.5, 1]] };
  const cases: [() => unknown, RegExp][] = [
    [() => sequenceObjective(model, 'sequence', { classWeights: [1, 2] }), /^Error: sequenceObjective: classWeights must hold one weight per class \(3\), got 2$/],
    [() => sequenceObjective(model, 'sequence', { classWeights: [1, -2, 1] }), /^Error: sequenceObjective: classWeights\[1\] = -2 must be a finite number >= 0$/],
    [() => sequenceObjective(model, 'sequence', { classWeights: [1, NaN, 1] }), /^Error: sequenceObjective: classWeights\[1\] = NaN must be a finite number >= 0$/],
    [() => sequenceObjective(model, 'targets', { classWeights: [1, 1, 1] }), /^Error: sequenceObjective: classWeights weight class labels; this data has regression targets$/],
    [() => sequenceObjective(model, 'targets', { classWeights: [1, 1, 1], multiLabel: true }), /this data has multi-label targets$/],
    [() => sequenceObjective(model, 'sequence', { multiLabel: true }), /^Error: sequenceObjective: multiLabel needs float targets \(0 or 1 per class\), got class labels$/],
    [() => evaluateSequences(model, backend, targets, { multiLabel: true }), /^Error: fit: multi-label targets must be 0 or 1, got 0.5 in targets\[1\]\[1\]$/],
    [() => evaluateSequences(model, backend, DATA, { threshold: 0.3 }), /^Error: evaluateSequences: threshold applies to multiLabel predictions only$/],
    [() => evaluateSequences(model, backend, { ...targets, targets: [[1, 0, 1], [0, 0, 1]] }, { multiLabel: true, threshold: 1 }), /^Error: evaluateSequences: threshold must be a number in \(0, 1\), got 1$/],
    [() => evaluateSequences(model, backend, targets, { metrics: ['accuracy'] }), /^Error: evaluateSequences: metrics accuracy need class labels or multiLabel targets$/],
  ];
  for (const [run, want] of cases) assert.throws(run, want);
});

test('fit: classWeights and multiLabel are refused where they would be ignored', async () => {
  const model = classifier(2);
  const data = { inputs: [[0, 1], [2]], labels: [0, 1] };
  await assert.rejects(fit(model, { data, epochs: 1, classWeights: [1, 1], objective: sequenceObjective(model, 'sequence') }), /^Error: fit: classWeights weight the loss fit derives; with your own objective, weight it there$/);
  await assert.rejects(fit(model, { data, epochs: 1, multiLabel: true }), /^Error: sequenceObjective: multiLabel needs float targets/);
  await assert.rejects(fit(model, { data, epochs: 1, classWeights: [1, 1, 1] }), /classWeights must hold one weight per class \(2\), got 3/);
});
