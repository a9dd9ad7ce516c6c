import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../kernels/index.js';
import { decodeModelFile } from '../io/model-file.js';
import { lmOf } from '../tasks/char-lm/evaluate.js';
import { HELLO_TARGET, charTrainer, helloTrainer, runTraining } from './playground-train.js';
import {
  CHAR_DEFAULTS, HELLO_DEFAULTS, type ProgressMessage, checkCharSettings, formatLoss, formatProgress, formatRate, playgroundThreads,
} from './playground-protocol.js';

const backend = await createBackend('wasm', { threads: 1 });
const immediate = (): Promise<void> => new Promise((ok) => setImmediate(ok));

test('hello: 150 Adam steps on the wasm backend lower the loss and read "ello"; the file loads as a char LM', async () => {
  const trainer = helloTrainer(backend, HELLO_DEFAULTS);
  const reports: ProgressMessage[] = [];
  const r = await runTraining(trainer, { shouldStop: () => false, onProgress: (p) => reports.push(p), pause: immediate });
  const losses = reports.flatMap((p) => p.losses);
  const steps = reports.flatMap((p) => p.steps);
  assert.equal(r.reason, 'finished');
  assert.equal(r.step, 150);
  assert.deepEqual(steps, Array.from({ length: 150 }, (_, i) => i + 1), 'every step reported once, in order');
  assert.ok(losses[149]! < losses[0]! / 4, `the loss falls: ${losses[0]} -> ${losses[149]}`);
  assert.equal(reports.at(-1)!.step, 150);
  const table = trainer.table();
  assert.equal(table.predicted, HELLO_TARGET);
  assert.equal(table.probs.length, 4);
  for (const row of table.probs) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);

  const lm = lmOf(decodeModelFile(trainer.encode(r.step)), 'hello.safetensors');
  assert.equal(lm.vocab.level, 'char');
  assert.deepEqual([...Array(4).keys()].map((i) => lm.vocab.symbol(i)), ['h', 'e', 'l', 'o']);
  assert.equal(lm.model.config.cell, 'rnn-tanh');
  assert.equal(lm.model.config.hiddenSize, 3);
});

test('cancel: no step starts once the flag is set', async () => {
  const trainer = helloTrainer(backend, { ...HELLO_DEFAULTS, steps: 1000 });
  let cancelled = false;
  let seen = 0;
  // One step per slice (sliceMs 0): the flag is set in the report of step 10, as a message would arrive in the pause.
  const r = await runTraining(trainer, {
    sliceMs: 0, pause: immediate, shouldStop: () => cancelled,
    onProgress: (p) => { seen = p.step; if (p.step === 10) cancelled = true; },
  });
  assert.equal(r.reason, 'cancelled');
  assert.equal(r.step, 10);
  assert.equal(seen, 10);
});

test('character model: the loss falls on a short text, samples come every N steps, the file is a char LM', async () => {
  const settings = { ...CHAR_DEFAULTS, hiddenSize: 32, embeddingDim: 8, seqLen: 16, batchSize: 8, lr: 0.01, steps: 60, sampleEvery: 20, sampleLength: 30 };
  const trainer = charTrainer(backend, settings);
  const losses: number[] = [];
  const samples: { step: number; text: string }[] = [];
  const r = await runTraining(trainer, {
    shouldStop: () => false, pause: immediate, sampleEvery: settings.sampleEvery,
    onProgress: (p) => losses.push(...p.losses), onSample: (step, text) => samples.push({ step, text }),
  });
  assert.equal(r.step, 60);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(losses.slice(-10)) < mean(losses.slice(0, 10)) - 0.5, `the loss falls: ${mean(losses.slice(0, 10))} -> ${mean(losses.slice(-10))}`);
  assert.deepEqual(samples.map((s) => s.step), [20, 40, 60]);
  for (const s of samples) assert.equal([...s.text].length, 30);
  const lm = lmOf(decodeModelFile(trainer.encode(r.step)), 'char-lm.safetensors');
  assert.equal(lm.vocab.size, trainer.vocabulary.length);
  assert.equal(lm.model.config.cell, 'lstm');
});

test('settings are checked with messages that name the field', () => {
  assert.throws(() => checkCharSettings({ ...CHAR_DEFAULTS, text: 'short' }), /the text has 5 characters; one window of seqLen 64 needs at least 65/);
  assert.throws(() => checkCharSettings({ ...CHAR_DEFAULTS, hiddenSize: 0 }), /hiddenSize must be an integer from 1 to 1024, got 0/);
  assert.throws(() => checkCharSettings({ ...CHAR_DEFAULTS, cell: 'tree' as never }), /cell must be one of lstm, gru, rnn-tanh/);
  assert.throws(() => helloTrainer(backend, { ...HELLO_DEFAULTS, lr: -1 }), /hello: lr must be a number in \(0, 10\], got -1/);
});

test('threads and progress formatting', () => {
  assert.equal(playgroundThreads(false, 16, 'auto'), 1);
  assert.equal(playgroundThreads(true, 16, 'auto'), 4);
  assert.equal(playgroundThreads(true, 2, 'auto'), 2);
  assert.equal(playgroundThreads(true, 16, 'one'), 1);
  assert.equal(playgroundThreads(true, 0, 'auto'), 1);
  assert.equal(formatLoss(1.23456), '1.235');
  assert.equal(formatLoss(0.001234), '1.23e-3');
  assert.equal(formatRate(0), '–');
  assert.equal(formatRate(35.24), '35.2 steps/s');
  assert.equal(formatRate(1234.5), '1235 steps/s');
  assert.equal(formatProgress({ step: 120, totalSteps: 500, loss: 2.3456, stepsPerSecond: 35.2, elapsedMs: 3400 }), 'step 120 / 500 · loss 2.346 · 35.2 steps/s · 3.4 s');
});
