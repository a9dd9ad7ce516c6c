// Divergence through runTask (here the char LM's): a rollback restores what --resume restores
// (weights, Adam, schedule, data position, carried state, every RNG), so the run after it equals
// a resume from that checkpoint with the rate halved; the divergence state (smoothed loss, rate
// scale, rollbacks) is saved in checkpoints, so an interrupted run resumes as it would have gone
// on; and 20 deliberately diverging runs are measured (src/bench/divergence-recovery.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_CHECKSUMS_KEY, metadataChecksums } from '../io/checksums.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { createBackend } from '../kernels/index.js';
import { measureDivergenceRecovery, recoveryReport } from '../bench/divergence-recovery.js';
import { readCheckpointFile } from '../train/checkpoint.js';
import type { DivergenceEvent, TrainEvent } from '../train/events.js';
import { tempDir } from '../testing/temp-dir.js';
import { type CharLmConfig, trainCharLm } from './char-lm/index.js';

const RHYMES = new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url).pathname;
const backend = await createBackend('wasm', { threads: 1 });
const tmp = () => tempDir('recur-divergence-');
// Learning rate 20 (10,000 times the default): the loss climbs from the first steps, and the rule
// sees it at step 45. Two layers, so that dropout draws from the model's RNG.
const config: Partial<CharLmConfig> = {
  hiddenSize: 24, numLayers: 2, embeddingDim: 8, dropout: 0.1, batchSize: 4, seqLen: 16, lr: 20, seed: 2,
  maxSteps: 120, evalEvery: 30, checkpointEvery: 10, sampleLength: 0, onDivergence: 'rollback',
};
const steps = (events: TrainEvent[]) => events.filter((e) => e.type === 'step') as { step: number; loss: number; lr: number }[];

test('a rollback restores what --resume does: the run after it equals a resume from that checkpoint at half the rate', async () => {
  const dir = tmp();
  const events: TrainEvent[] = [];
  const written = new Map<number, Uint8Array>();
  const a = await trainCharLm({
    textPath: RHYMES, out: dir, backend, config,
    onEvent: (e) => { events.push(e); if (e.type === 'checkpoint') written.set(e.step, readFileSync(join(dir, 'checkpoint.safetensors'))); },
  });
  assert.equal(a.step, 120);
  const ds = events.filter((e): e is DivergenceEvent => e.type === 'divergence');
  assert.equal(ds.length, 1, 'one rollback, then it trains to the end');
  const d = ds[0]!;
  assert.deepEqual([d.action, d.cause, d.rollbacks, d.lrScale], ['rollback', 'loss-growth', 1, 0.5]);
  // The newest checkpoints were already diverging: the rollback goes back to the last healthy one.
  assert.deepEqual([d.step, d.checkpointStep, d.restoredStep], [45, 40, 10]);
  const after = steps(events.slice(events.indexOf(d) + 1));
  assert.equal(after[0]!.step, d.restoredStep! + 1);
  const before = steps(events.slice(0, events.indexOf(d)));
  assert.ok(Math.abs(after[0]!.lr - before[d.restoredStep!]!.lr / 2) < 1e-12, 'half the rate from the step after it');
  assert.deepEqual(a.losses, [...before.slice(0, d.restoredStep!), ...after].map((e) => e.loss), 'the result leaves the undone steps out');
  const final = await readCheckpointFile(dir);
  assert.deepEqual([final.training.step, final.training.lrScale, final.training.rollbacks], [120, 0.5, 1]);

  // The checkpoint of the restored step, its training state saying "rate halved, one rollback": resumed, it runs as the rollback did.
  const file = decodeSafetensors(written.get(d.restoredStep!)!);
  const training = JSON.parse(file.metadata['recur.training']!) as Record<string, unknown>;
  const other = join(tmp(), 'run');
  mkdirSync(other);
  const metadata: Record<string, string> = { ...file.metadata, 'recur.training': JSON.stringify({ ...training, lrScale: 0.5, rollbacks: 1 }) };
  metadata[METADATA_CHECKSUMS_KEY] = metadataChecksums(metadata); // the edit, signed as recur would
  writeFileSync(join(other, 'checkpoint.safetensors'), encodeSafetensors(file.tensors, metadata));
  const resumedEvents: TrainEvent[] = [];
  const b = await trainCharLm({ out: other, resume: true, backend, onEvent: (e) => resumedEvents.push(e) });
  assert.deepEqual(steps(resumedEvents).map((e) => [e.step, e.loss, e.lr]), after.map((e) => [e.step, e.loss, e.lr]));
  assert.deepEqual(b.model.stateDict(), a.model.stateDict());
  assert.equal(b.bestValLoss, a.bestValLoss);
});

test('an interrupted run that had rolled back resumes with its smoothed loss, rate and rollbacks: the losses of an uninterrupted run', async () => {
  const straight = await trainCharLm({ textPath: RHYMES, backend, config, out: tmp() });
  const dir = tmp();
  const ctl = new AbortController();
  let rolledBack = false;
  const first = await trainCharLm({
    textPath: RHYMES, out: dir, backend, config, signal: ctl.signal,
    onEvent: (e) => { if (e.type === 'divergence') rolledBack = true; if (rolledBack && e.type === 'step' && e.step === 75) ctl.abort(); },
  });
  assert.equal(first.reason, 'interrupted');
  const saved = await readCheckpointFile(dir);
  assert.deepEqual([saved.training.step, saved.training.lrScale, saved.training.rollbacks], [75, 0.5, 1]);
  const watch = saved.training.lossWatch as { ema: number; best: number; first: number };
  assert.ok(watch.ema > 0 && watch.best <= watch.ema && watch.first > 3, JSON.stringify(watch));
  const second = await trainCharLm({ out: dir, resume: true, backend });
  assert.deepEqual([...first.losses, ...second.losses], straight.losses);
  assert.deepEqual(second.lossWatch, straight.lossWatch);
  assert.deepEqual([second.rollbacks, second.lrScale], [1, 0.5]);
  assert.deepEqual(second.model.stateDict(), straight.model.stateDict());
});

test('20 deliberately diverging runs (learning rate 10, rollback): how many recover', async (t) => {
  const r = await measureDivergenceRecovery({ runs: 20, backend });
  t.diagnostic(recoveryReport(r).split('\n').at(-1)!);
  assert.equal(r.diverged, 20, 'every run diverged at least once (the learning rate does what it should)');
  // Measured: all 20 reach their last step, 12 of them below the loss they started from.
  assert.equal(r.finished, 20, recoveryReport(r));
  assert.ok(r.recovered >= 12, recoveryReport(r));
});

test('a task config refuses a bad divergence factor or action, naming the field', async () => {
  await assert.rejects(trainCharLm({ textPath: RHYMES, backend, config: { ...config, divergenceFactor: 0.5 } }), { message: 'char-lm config: divergenceFactor must be 0 (off) or a number > 1, got 0.5' });
  await assert.rejects(trainCharLm({ textPath: RHYMES, backend, config: { ...config, onDivergence: 'maybe' as never } }), { message: 'char-lm config: onDivergence must be one of stop, rollback, got "maybe"' });
});
