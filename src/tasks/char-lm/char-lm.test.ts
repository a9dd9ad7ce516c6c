import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../io/model-file.js';
import { createBackend } from '../../kernels/index.js';
import { readCheckpointFile } from '../../train/checkpoint.js';
import type { TrainEvent } from '../../train/events.js';
import { charLmOf, evaluateCharLm } from './evaluate.js';
import { explainText } from './explain.js';
import { type CharLmConfig, trainCharLm } from './index.js';
import * as recur from '../../index.js';
import { tempDir } from '../../testing/temp-dir.js';

export const RHYMES = fileURLToPath(new URL('../../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const backend = await createBackend('wasm', { threads: 1 });
const tmp = () => tempDir('recur-char-lm-');
const small: Partial<CharLmConfig> = { hiddenSize: 32, numLayers: 2, dropout: 0.1, embeddingDim: 16, batchSize: 4, seqLen: 16, warmupSteps: 5, lr: 1e-2 };

test('a small LSTM learns the rhymes fixture: training loss < 0.6 and validation loss < 1.0 nats/char', async () => {
  const events: TrainEvent[] = [];
  const r = await trainCharLm({
    textPath: RHYMES, backend, config: { hiddenSize: 64, numLayers: 1, dropout: 0, batchSize: 8, seqLen: 32, lr: 1e-2, warmupSteps: 10, maxSteps: 250, evalEvery: 125, sampleLength: 40 },
    onEvent: (e) => events.push(e),
  });
  const last = r.losses.slice(-20).reduce((a, b) => a + b, 0) / 20;
  assert.ok(r.losses[0]! > 3, `first loss ${r.losses[0]} is about ln(38)`);
  assert.ok(last < 0.6, `final training loss ${last}`);
  assert.ok(r.lastValLoss! < 1.0, `validation loss ${r.lastValLoss}`);
  assert.deepEqual(events.filter((e) => e.type !== 'step').map((e) => e.type), ['start', 'eval', 'sample', 'eval', 'sample', 'end']);
  assert.equal((events.find((e) => e.type === 'sample') as { text: string }).text.length, 40);
  // Evaluating the held-out end of the text again gives the reported validation loss.
  const text = readFileSync(RHYMES, 'utf8');
  const val = text.slice(Math.floor(text.length * 0.9));
  const e = evaluateCharLm(r.model, r.tokenizer, backend, val, { batchSize: 8, seqLen: 32 });
  assert.ok(Math.abs(e.nats - r.lastValLoss!) < 1e-9);
  assert.ok(Math.abs(e.bits - e.nats / Math.LN2) < 1e-12 && Math.abs(e.perplexity - Math.exp(e.nats)) < 1e-12);
  const steps = explainText(r.model, r.tokenizer, backend, 'Jack and');
  assert.equal(steps.length, 8);
  assert.equal(steps[3]!.char, 'k');
  assert.equal(steps[3]!.next[0]!.char, ' ', "after 'Jack' comes a space");
  assert.equal(steps[0]!.hidden.sparkline.length, 24);
});

test('resume is bit-exact: 40 steps straight = interrupted at 17 + resumed (weights, Adam, schedule, data, dropout RNG, carried state)', async () => {
  const config = { ...small, maxSteps: 40, evalEvery: 15, checkpointEvery: 10 };
  const a = await trainCharLm({ textPath: RHYMES, out: tmp(), backend, config });
  const dir = tmp();
  const ctl = new AbortController();
  const first = await trainCharLm({
    textPath: RHYMES, out: dir, backend, config, signal: ctl.signal,
    onEvent: (e) => { if (e.type === 'step' && e.step === 17) ctl.abort(); },
  });
  assert.equal(first.reason, 'interrupted');
  assert.equal((await readCheckpointFile(dir)).training.step, 17, 'the interrupt wrote a checkpoint');
  const second = await trainCharLm({ out: dir, resume: true, backend });
  assert.equal(second.reason, 'max-steps');
  assert.deepEqual([...first.losses, ...second.losses], a.losses);
  assert.deepEqual(second.model.stateDict(), a.model.stateDict());
  assert.equal(second.bestValLoss, a.bestValLoss);
  // The run directory holds a model that the model loader reads as a char LM.
  const loaded = charLmOf(await loadModel(join(dir, 'model.safetensors')), dir);
  assert.equal(loaded.tokenizer.size, a.tokenizer.size);
  // Going on: a resumed run may change run-control settings, not the model.
  await assert.rejects(trainCharLm({ out: dir, resume: true, backend, config: { hiddenSize: 64 } }),
    { message: 'cannot change hiddenSize when resuming: the checkpoint was trained with 32, got 64' });
  await assert.rejects(trainCharLm({ out: dir, resume: true, backend, text: 'another text entirely, long enough? no.' }), /is not the one this run was trained on/);
});

test('checkpoints are atomic: a write killed before its rename leaves the previous checkpoint loadable', async () => {
  const dir = tmp();
  await trainCharLm({ textPath: RHYMES, out: dir, backend, config: { ...small, maxSteps: 10, evalEvery: 0 } });
  const before = { ckpt: readFileSync(join(dir, 'checkpoint.safetensors')), model: readFileSync(join(dir, 'model.safetensors')) };
  // A writer that dies half-way through the temp file (as a kill -9 would), never renaming it.
  const dying = async (path: string, data: Uint8Array) => {
    const fh = await open(join(dirname(path), `.${basename(path)}.12345.tmp`), 'w');
    await fh.write(data.subarray(0, data.length >> 1));
    await fh.close();
    throw new Error('simulated crash during the checkpoint write');
  };
  await assert.rejects(trainCharLm({ out: dir, resume: true, backend, config: { maxSteps: 20 }, writeFile: dying }), /simulated crash/);
  assert.ok(readdirSync(dir).some((f) => f.endsWith('.tmp')), 'a stray temp file was left behind');
  assert.deepEqual(readFileSync(join(dir, 'checkpoint.safetensors')), before.ckpt);
  assert.deepEqual(readFileSync(join(dir, 'model.safetensors')), before.model);
  assert.equal((await readCheckpointFile(dir)).training.step, 10);
  // ... and the run resumes from it, past the stray file.
  const r = await trainCharLm({ out: dir, resume: true, backend, config: { maxSteps: 20 } });
  assert.equal(r.step, 20);
  assert.equal((await readCheckpointFile(dir)).training.step, 20);
});

test('a new model learns the unknown symbol U+FFFD: its vocabulary comes from the training part, rarer characters than minCount read as U+FFFD', async () => {
  const rhymes = readFileSync(RHYMES, 'utf8');
  const counts = new Map<string, number>();
  for (const ch of rhymes.slice(0, Math.floor(rhymes.length * 0.9))) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const once = [...counts].filter(([, n]) => n < 6).map(([ch]) => ch);
  assert.ok(once.length > 0, 'the fixture has characters seen fewer than 6 times');
  // '§' only in the validation part (its last 10%).
  const text = `${rhymes}${'§'.repeat(3)}`;
  const events: TrainEvent[] = [];
  const r = await trainCharLm({ text, backend, config: { ...small, minCount: 6, maxSteps: 2, evalEvery: 0, sampleLength: 0 }, onEvent: (e) => events.push(e) });
  const vocab = r.tokenizer.vocabulary;
  assert.ok(vocab.includes('\uFFFD') && !vocab.includes('§') && once.every((ch) => !vocab.includes(ch)), vocab.join(''));
  assert.equal(vocab.length, counts.size - once.length + 1);
  const start = events.find((e) => e.type === 'start') as { details: { facts: [string, string][] } };
  const unknown = start.details.facts.find(([k]) => k === 'unknown')![1];
  const m = /^([\d.]+)% of training and ([\d.]+)% of validation characters$/.exec(unknown);
  assert.ok(m && Number(m[1]) > 0 && Number(m[2]) > 0, unknown);
  assert.ok(Number.isFinite(r.lastValLoss!));
});

test('bad input is rejected before anything is written', async () => {
  const dir = tmp();
  await trainCharLm({ textPath: RHYMES, out: dir, backend, config: { ...small, maxSteps: 3, evalEvery: 0 } });
  const before = readFileSync(join(dir, 'checkpoint.safetensors'));
  await assert.rejects(trainCharLm({ textPath: RHYMES, out: dir, backend, config: { ...small, maxSteps: 3 } }), /already holds a training run \(checkpoint\.safetensors\)/);
  await assert.rejects(trainCharLm({ text: 'abcabc', out: dir, backend, config: { ...small, maxSteps: 3 }, overwrite: true }),
    /the text is too short for one training window: its training split \(90% = 5 characters\) needs at least batch size × sequence length \+ 1 = 4 × 16 \+ 1 = 65/);
  await assert.rejects(trainCharLm({ textPath: RHYMES, out: dir, backend, config: { seqLen: 0 }, overwrite: true }), /seqLen must be an integer >= 1, got 0/);
  await assert.rejects(trainCharLm({ textPath: RHYMES, out: dir, backend, config: { lr: -1 }, overwrite: true }), /lr must be a number in \(0, ∞\), got -1/);
  const corrupt = tmp();
  writeFileSync(join(corrupt, 'checkpoint.safetensors'), before.subarray(0, 100));
  await assert.rejects(trainCharLm({ out: corrupt, resume: true, backend }), /checkpoint\.safetensors is corrupted or not a recur checkpoint/);
  await assert.rejects(trainCharLm({ out: tmp(), resume: true, backend }), /no checkpoint to resume: .*checkpoint\.safetensors does not exist/);
  assert.deepEqual(readFileSync(join(dir, 'checkpoint.safetensors')), before);
  assert.ok(!existsSync(join(corrupt, 'model.safetensors')));
});

test('the README library snippet names come from the package door', () => {
  for (const name of ['trainCharLm', 'generateText', 'generateChars', 'evaluateCharLm', 'explainText', 'loadModel', 'charLmOf', 'createBackend', 'Rng',
    'CharTokenizer', 'StreamBatcher', 'loadTextFile', 'trainLoop', 'evaluateStream', 'WarmupCosineLR', 'samplingDistribution'] as const) {
    assert.equal(typeof (recur as Record<string, unknown>)[name], 'function', name);
  }
});
