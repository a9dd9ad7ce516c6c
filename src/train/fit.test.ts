import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SequenceDataset } from '../data/sequence-batcher.js';
import { createBackend } from '../kernels/index.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';
import type { EvalEvent } from './events.js';
import { fit } from './fit.js';
import { evaluateSequences } from './sequence-objectives.js';
import { containsThree } from '../testing/contains-three.js';

const backend = await createBackend('wasm', { threads: 1 });


test('fit trains a sequence classifier from labelled sequences in one call: history, metrics, and padding that changes nothing', async () => {
  const train = containsThree(512, 1), validation = containsThree(128, 2);
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 4, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 16, outputSize: 2, output: 'last' }, { rng: new Rng(7) }).to(backend);
  const evals: EvalEvent[] = [];
  const r = await fit(model, { data: train, validation, epochs: 8, batchSize: 32, lr: 2e-2, metrics: ['accuracy', 'macro-f1'], callbacks: { onEvaluation: (e) => evals.push(e) } });
  assert.equal(r.reason, 'max-epochs');
  assert.equal(r.step, 8 * 16);
  assert.equal(r.history.loss.length, r.step);
  assert.equal(r.history.validation.length, 8, 'one validation per epoch by default');
  assert.deepEqual(r.history.validation.map((v) => v.epoch), [1, 2, 3, 4, 5, 6, 7, 8]);
  const last = r.history.validation.at(-1)!;
  assert.ok(last.metrics.accuracy! > 0.95, `accuracy ${last.metrics.accuracy}`);
  assert.ok(last.metrics['macro-f1']! > 0.95);
  assert.equal(evals.length, 8);
  // The validation figures are those of evaluating the data again, alone or padded into bigger batches.
  const again = evaluateSequences(model, backend, validation, { batchSize: 1, metrics: ['accuracy'] });
  assert.ok(Math.abs(again.loss - last.loss) < 1e-5, `${again.loss} vs ${last.loss}`);
  assert.equal(again.metrics!.accuracy, last.metrics.accuracy);
});

test('fit with attention pooling learns a many-to-one task: the loss drops clearly and validation is accurate', async () => {
  const train = containsThree(128, 3), validation = containsThree(64, 4);
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: 4, embeddingDim: 4 }, cell: 'gru', hiddenSize: 12, outputSize: 2, output: 'last', pooling: 'attention' }, { rng: new Rng(2) }).to(backend);
  const r = await fit(model, { data: train, validation, epochs: 8, batchSize: 16, lr: 2e-2, metrics: ['accuracy'] });
  const epochMean = (e: number) => r.history.loss.slice(e * 8, (e + 1) * 8).reduce((a, b) => a + b) / 8;
  assert.ok(epochMean(7) < epochMean(0) / 4, `mean training loss: first epoch ${epochMean(0)}, last ${epochMean(7)}`);
  assert.ok(r.history.validation.at(-1)!.metrics.accuracy! > 0.95, JSON.stringify(r.history.validation.at(-1)));
  // The attention parameters were trained (they receive gradients through the pooled head).
  const fresh = new RecurrentModel(model.config, { rng: new Rng(2) });
  assert.notDeepEqual([...model.attention!.score.weight.data], [...fresh.attention!.score.weight.data]);
});

test('fit: a label per step trains a tagger; early stopping watches the named metric; the same seed gives the same run', async () => {
  // Tag each token with whether it equals the previous one.
  const rng = new Rng(3);
  const make = (n: number): SequenceDataset => {
    const inputs: Int32Array[] = [], labels: Int32Array[] = [];
    for (let i = 0; i < n; i++) {
      const x = Int32Array.from({ length: 2 + rng.int(8) }, () => rng.int(3));
      inputs.push(x);
      labels.push(Int32Array.from(x, (v, t) => (t > 0 && x[t - 1] === v ? 1 : 0)));
    }
    return { inputs, labels };
  };
  const train = make(256), validation = make(64);
  const run = async () => {
    const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, cell: 'gru', hiddenSize: 12, outputSize: 2 }, { rng: new Rng(1) }).to(backend);
    return fit(model, { data: train, validation, epochs: 30, batchSize: 16, lr: 3e-2, seed: 4, metrics: ['accuracy'], earlyStopping: { patience: 2, monitor: 'accuracy' } });
  };
  const a = await run();
  assert.ok(a.history.validation.at(-1)!.metrics.accuracy! > 0.9, JSON.stringify(a.history.validation.at(-1)));
  assert.equal(a.reason, 'early-stopping', 'perfect accuracy cannot improve, so patience runs out before 30 epochs');
  assert.ok(a.best!.value >= a.history.validation.at(-1)!.metrics.accuracy!);
  const b = await run();
  assert.deepEqual(b.history.loss, a.history.loss, 'deterministic');
});

test('fit: clear errors for data that does not fit the model or the call', async () => {
  const model = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, hiddenSize: 4, outputSize: 2 }, { rng: new Rng(1) }).to(backend);
  const data = { inputs: [[0, 1], [2]], labels: [0, 1] };
  await assert.rejects(fit(model, { data, epochs: 1 }), /fit: one label per sequence needs a model with output 'last', got 'sequence'/);
  await assert.rejects(fit(model, { data: { inputs: [[0, 1]], labels: [0, 1] }, epochs: 1 }), /fit: data: 1 inputs but 2 labels/);
  await assert.rejects(fit(model, { data: { inputs: [[0, 1.5]], labels: [0] }, epochs: 1 }), /fit: data: inputs\[0\]\[1\] = 1.5 is not a token id/);
  await assert.rejects(fit(model, { data: { inputs: [[]], labels: [0] }, epochs: 1 }), /fit: data: inputs\[0\] must hold at least one step, got 0 values/);
  await assert.rejects(fit(model, { data, epochs: 1, metrics: ['recall' as never] }), /fit: unknown metric 'recall'/);
  const unmoved = new RecurrentModel({ input: { kind: 'one-hot', vocabSize: 3 }, hiddenSize: 4, outputSize: 2, output: 'last' }, { rng: new Rng(1) });
  await assert.rejects(fit(unmoved, { data, epochs: 1 }), /fit: move the model to a backend first/);
});
