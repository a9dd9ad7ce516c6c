// The PyTorch classification peer: what it writes is the documented format, bit for bit (no
// Python needed); and, when a Python with torch is found, it learns a separable toy task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../random/rng.js';
import { tempDir } from '../../testing/temp-dir.js';
import { findTorchPython } from './python.js';
import { type TorchClassifyJob, runTorchPeer, torchSplit, writeTorchJob } from './torch-classify.js';

/** Token sequences of length 2..6 over ids 2..7, holding id 0 (class 0) or id 1 (class 1) once. */
function toy(rng: Rng, n: number) {
  const inputs: number[][] = [], labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % 2, seq = Array.from({ length: 2 + rng.int(5) }, () => 2 + rng.int(6));
    seq[rng.int(seq.length)] = y;
    inputs.push(seq);
    labels.push(y);
  }
  return torchSplit(inputs, labels);
}

const settings = {
  input: { kind: 'embedding', vocabSize: 8, embeddingDim: 8 }, cell: 'gru', hiddenSize: 8, numLayers: 1, bidirectional: false, dropout: 0,
  pooling: 'max', outputSize: 2, lr: 0.05, batchSize: 16, clipNorm: 1, seconds: 0.5, threads: 1, seed: 1,
} as const satisfies Omit<TorchClassifyJob, 'data'>;

test('writeTorchJob writes job.json naming little-endian int32 / float32 files beside it', async () => {
  const dir = tempDir('recur-torch-classify-');
  const tokens = torchSplit([[3, 1], [2]], [1, 0]);
  const dense = torchSplit([[0.5, -1, 2, 0.25]], [1], 2);
  assert.deepEqual(dense, { values: Float32Array.of(0.5, -1, 2, 0.25), features: 2, lengths: Int32Array.of(2), labels: Int32Array.of(1) });
  const path = await writeTorchJob({ ...settings, data: { train: tokens, validation: tokens, test: tokens } }, dir);
  const job = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { data: Record<string, Record<string, unknown>> };
  assert.deepEqual(job.data.train, { ids: 'train-ids.bin', lengths: 'train-lengths.bin', labels: 'train-labels.bin' });
  assert.equal(job.cell, 'gru');
  assert.deepEqual([...readFileSync(join(dir, 'test-ids.bin'))], [3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
  assert.deepEqual([...readFileSync(join(dir, 'validation-lengths.bin'))], [2, 0, 0, 0, 1, 0, 0, 0]);
  await writeTorchJob({ ...settings, input: { kind: 'dense', size: 2 }, data: { train: dense, validation: dense, test: dense } }, dir);
  const values = readFileSync(join(dir, 'train-values.bin'));
  assert.deepEqual([0, 4, 8, 12].map((o) => values.readFloatLE(o)), [0.5, -1, 2, 0.25]);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as typeof job).data.test!.features, 2);
  assert.throws(() => torchSplit([[1, 2, 3]], [0], 2), /torchSplit: sequence 0 has 3 values, not a positive multiple of 2 features/);
});

test('runTorchPeer learns a toy task told by one token in PyTorch, tested once on best-validation weights', async (t) => {
  const torch = await findTorchPython();
  if ('skip' in torch) {
    t.skip(`no PyTorch peer: ${torch.skip}`);
    return;
  }
  const rng = new Rng(4);
  const data = { train: toy(rng, 200), validation: toy(rng, 60), test: toy(rng, 100) };
  const r = await runTorchPeer({ ...settings, data }, { torch });
  if ('skipped' in r) throw new Error(`found ${torch.python}, yet skipped: ${r.skipped}`);
  assert.ok(r.testAccuracy > 0.8, `test accuracy ${r.testAccuracy} (chance 0.5)`);
  assert.ok(r.validationAccuracy > 0.8 && r.steps >= 1 && r.validations >= 1 && r.bestStep >= 1 && r.bestStep <= r.steps, JSON.stringify({ ...r, testPredictions: [] }));
  assert.equal(r.testPredictions.length, 100);
  const right = r.testPredictions.filter((p, i) => p === data.test.labels[i]).length;
  assert.equal(right / 100, r.testAccuracy, 'the accuracy is that of the predictions reported');
  assert.ok(r.seconds >= 0.5 && r.seconds < 5, `trained ${r.seconds} s for a 0.5 s budget`);
  assert.equal(r.torch, torch.version);
  assert.equal(r.threads, 1);
});
