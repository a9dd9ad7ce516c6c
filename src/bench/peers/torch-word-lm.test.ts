// The PyTorch word-level LM peer: what it writes is the documented format, bit for bit, and bad
// ids never reach it (no Python needed); and, when a Python with torch is found, it learns a
// sequence whose next word the previous two tell, and rejects bad settings naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../testing/temp-dir.js';
import { findTorchPython, runProcess } from './python.js';
import { type TorchWordLmJob, WORD_LM_TORCH_SCRIPT, runTorchWordLm, writeTorchWordLmJob } from './torch-word-lm.js';

// A budget in steps (not wall time), so a machine busy with the rest of the suite gives the same result.
const settings = {
  vocabSize: 12, embeddingDim: 16, hiddenSize: 16, numLayers: 1, cell: 'lstm', dropout: 0, tieWeights: true,
  lr: 0.01, warmupSteps: 10, minLrRatio: 0.1, clipNorm: 5, batchSize: 8, seqLen: 10, seconds: 60, maxSteps: 300,
  threads: 1, seed: 1, evalBatchSize: 4, evalSeqLen: 50,
} as const satisfies Omit<TorchWordLmJob, 'data'>;

/**
 * 24 words over ids 0..11 in which every pair of neighbours occurs once, so the previous two
 * words tell the next one (the previous one alone does not: 11 is followed by 1 and by 0).
 */
const PATTERN = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 3, 5, 7, 9, 11, 0, 2, 4, 6, 8, 10];
const cycle = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => PATTERN[(from + i) % PATTERN.length]!);

test('writeTorchWordLmJob writes job.json naming little-endian int32 id files beside it, and bad ids are rejected', async () => {
  const dir = tempDir('recur-torch-word-lm-');
  const data = { train: Int32Array.of(3, 258, 0), validation: [1, 2], test: Int32Array.of(299, 7) };
  const path = await writeTorchWordLmJob({ ...settings, vocabSize: 300, data }, dir);
  assert.equal(path, join(dir, 'job.json'));
  const job = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(job.data, { train: 'train-ids.bin', validation: 'validation-ids.bin', test: 'test-ids.bin' });
  assert.deepEqual({ ...job, data: undefined }, { ...settings, vocabSize: 300, data: undefined });
  assert.deepEqual([...readFileSync(join(dir, 'train-ids.bin'))], [3, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...readFileSync(join(dir, 'validation-ids.bin'))], [1, 0, 0, 0, 2, 0, 0, 0]);
  assert.deepEqual([...readFileSync(join(dir, 'test-ids.bin'))], [43, 1, 0, 0, 7, 0, 0, 0]);
  const bad = (split: 'train' | 'validation' | 'test', ids: number[]) => ({ ...settings, data: { train: [0, 1], validation: [0, 1], test: [0, 1], [split]: ids } });
  await assert.rejects(writeTorchWordLmJob(bad('test', [0, 12]), dir), /^Error: writeTorchWordLmJob: data\.test\[1\] is 12, not an integer in \[0, vocabSize\) = \[0, 12\)$/);
  await assert.rejects(writeTorchWordLmJob(bad('validation', [1.5]), dir), /writeTorchWordLmJob: data\.validation\[0\] is 1\.5, not an integer/);
  await assert.rejects(writeTorchWordLmJob({ ...bad('train', [0]), vocabSize: 0 }, dir), /writeTorchWordLmJob: vocabSize must be a positive integer, got 0/);
  // Checked before any Python is looked for: rejected the same with or without torch.
  await assert.rejects(runTorchWordLm(bad('train', [-1, 0])), /^Error: runTorchWordLm: data\.train\[0\] is -1, not an integer in \[0, vocabSize\)/);
});

test('runTorchWordLm learns in PyTorch a sequence the previous two words tell, tested once on best-validation weights', async (t) => {
  const torch = await findTorchPython();
  if ('skip' in torch) {
    t.skip(`no PyTorch peer: ${torch.skip}`);
    return;
  }
  // Validation: 8 streams of 49 predictions and a rest of 7; test: 4 streams of 150 and a rest of 2.
  const data = { train: cycle(0, 3000), validation: cycle(5, 400), test: cycle(13, 603) };
  const r = await runTorchWordLm({ ...settings, data }, { torch });
  if ('skipped' in r) throw new Error(`found ${torch.python}, yet skipped: ${r.skipped}`);
  const shown = JSON.stringify(r);
  assert.ok(r.testPerplexity < 1.5, `test perplexity ${r.testPerplexity} (uniform: 12): ${shown}`);
  assert.ok(Math.abs(r.testPerplexity - Math.exp(r.testNats)) < 1e-9 * r.testPerplexity, shown);
  assert.ok(r.validationPerplexity < 1.5 && r.validations >= 1 && r.bestStep >= 1 && r.bestStep <= r.steps, shown);
  assert.equal(r.steps, 300);
  // 3000 ids in 8 streams: 374 predictions each, 37 windows of 10 per epoch.
  assert.ok(Math.abs(r.epochs - 300 / 37) < 1e-9, shown);
  assert.equal(r.validations, 9, 'after each of 8 epochs and at the end');
  assert.equal(r.testPredictions, data.test.length - 1);
  assert.equal(r.torch, torch.version);
  assert.equal(r.threads, 1);
});

test('word_lm_torch.py rejects bad settings with one line naming the field and exit code 2', async (t) => {
  const torch = await findTorchPython();
  if ('skip' in torch) {
    t.skip(`no PyTorch peer: ${torch.skip}`);
    return;
  }
  const data = { train: cycle(0, 200), validation: cycle(0, 20), test: cycle(0, 20) };
  await assert.rejects(runTorchWordLm({ ...settings, embeddingDim: 8, data }, { torch }),
    /^Error: runTorchWordLm: .*word_lm_torch\.py failed: word_lm_torch: tieWeights needs embeddingDim equal to hiddenSize .*got embeddingDim 8$/);
  const path = await writeTorchWordLmJob({ ...settings, data: { ...data, train: cycle(0, 80) } }, tempDir('recur-torch-word-lm-'));
  const r = await runProcess(torch.python, [WORD_LM_TORCH_SCRIPT, path], 60_000);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim(), 'word_lm_torch: data.train has 80 ids, and one window needs batchSize * seqLen + 1 = 8 * 10 + 1 = 81');
});
