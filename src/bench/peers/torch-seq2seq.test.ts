// The PyTorch seq2seq peer: what it writes is the documented format, bit for bit, and never the
// test targets (no Python needed); and, when a Python with torch is found, it learns to reverse
// short sequences and decodes the test sources greedily and with a beam.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../random/rng.js';
import { tempDir } from '../../testing/temp-dir.js';
import { findTorchPython } from './python.js';
import { type TorchSeq2seqJob, runTorchSeq2seq, torchPairs, writeTorchSeq2seqJob } from './torch-seq2seq.js';

// A budget in steps (not wall time), so a machine busy with the rest of the suite gives the same result.
const settings = {
  sourceVocabSize: 10, targetVocabSize: 10, embeddingDim: 16, cell: 'gru', encoderHiddenSize: 32, decoderHiddenSize: 64, numLayers: 1, bidirectional: true,
  reverseSource: false, attention: 'general', attentionSize: 64, inputFeeding: true, dropout: 0, labelSmoothing: 0, goId: 2, eosId: 3,
  lr: 0.01, batchSize: 32, clipNorm: 1, seconds: 60, maxSteps: 400, threads: 1, seed: 1, maxLength: 10, beamWidth: 3, lengthPenalty: 1,
} as const satisfies Omit<TorchSeq2seqJob, 'data'>;

/** Sources of 2..5 symbols 4..9, targets their reverse. */
function reversal(rng: Rng, n: number) {
  const sources = Array.from({ length: n }, () => Int32Array.from({ length: 2 + rng.int(4) }, () => 4 + rng.int(6)));
  return { sources, targets: sources.map((s) => s.slice().reverse()) };
}

test('writeTorchSeq2seqJob writes job.json naming little-endian int32 files, without the test targets', async () => {
  const dir = tempDir('recur-torch-seq2seq-');
  const pairs = torchPairs([Int32Array.of(4, 5), Int32Array.of(6)], [Int32Array.of(5, 4), Int32Array.of(6)]);
  assert.deepEqual(pairs, { sourceIds: Int32Array.of(4, 5, 6), sourceLengths: Int32Array.of(2, 1), targetIds: Int32Array.of(5, 4, 6), targetLengths: Int32Array.of(2, 1) });
  const path = await writeTorchSeq2seqJob({ ...settings, data: { train: pairs, validation: pairs, test: pairs } }, dir);
  const job = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { data: Record<string, Record<string, unknown>> };
  assert.deepEqual(job.data.train, { sourceIds: 'train-sourceIds.bin', sourceLengths: 'train-sourceLengths.bin', targetIds: 'train-targetIds.bin', targetLengths: 'train-targetLengths.bin' });
  assert.deepEqual(job.data.test, { sourceIds: 'test-sourceIds.bin', sourceLengths: 'test-sourceLengths.bin' }, 'the test targets never reach the peer');
  assert.deepEqual([...readFileSync(join(dir, 'validation-targetIds.bin'))], [5, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0]);
  assert.equal(job.attention, 'general');
  assert.throws(() => torchPairs([Int32Array.of()], [Int32Array.of(1)]), /torchPairs: source 0 is empty/);
});

test('runTorchSeq2seq learns to reverse short sequences in PyTorch and decodes the test sources', async (t) => {
  const torch = await findTorchPython();
  if ('skip' in torch) {
    t.skip(`no PyTorch peer: ${torch.skip}`);
    return;
  }
  const rng = new Rng(8);
  const train = reversal(rng, 1000), validation = reversal(rng, 100), test = reversal(rng, 100);
  const r = await runTorchSeq2seq({ ...settings, data: { train: torchPairs(train.sources, train.targets), validation: torchPairs(validation.sources, validation.targets), test: torchPairs(test.sources, test.targets) } }, { torch });
  if ('skipped' in r) throw new Error(`found ${torch.python}, yet skipped: ${r.skipped}`);
  for (const outs of [r.greedy, r.beam]) {
    assert.equal(outs.length, 100);
    const exact = outs.filter((o, i) => o.join() === Array.from(test.targets[i]!).join()).length / 100;
    assert.ok(exact > 0.8, `exact match ${exact}`);
  }
  assert.ok(r.steps === settings.maxSteps && r.validations >= 1 && r.bestStep <= r.steps, JSON.stringify({ ...r, greedy: [], beam: [] }));
  assert.equal(r.torch, torch.version);
});
