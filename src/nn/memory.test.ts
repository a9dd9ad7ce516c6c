/**
 * Flat memory over a long run: the intended training pattern (one Tape, `reset()` each step,
 * parameters packed once, optimizer state allocated once) must not grow the wasm heap or the
 * process. 10,000 steps of a small model on the wasm backend, and on the native one when its
 * addon is built (its arena lives on the JavaScript heap: the tape's reserved bytes must settle).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy } from '../autograd/ops/index.js';
import { Tape } from '../autograd/tape.js';
import type { Backend } from '../kernels/backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { maybeNative, noteNativeSkipped } from '../testing/native-backends.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { Tanh } from './activation.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Sequential } from './sequential.js';

const MB = 1024 * 1024;
const VOCAB = 20;
const BATCH = 8;
const WARMUP = 500;
const STEPS = 10_000;

/** Trains 10,000 steps; returns the figures the tests check (bytesInUse: the wasm heap's, when there is one). */
async function longRun(backend: Backend, t: { diagnostic(message: string): void }) {
  const rng = new Rng(99);
  const model = new Sequential(
    new Embedding(VOCAB, 8, { rng }), new Linear(8, 16, { rng }), new Tanh(),
    new Dropout(0.1, { rng: rng.fork() }), new Linear(16, VOCAB, { rng }),
  ).to(backend);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const tape = new Tape(backend);
  const dataRng = new Rng(7);
  let first = 0;
  let last = 0;
  const step = (): number => {
    tape.reset();
    opt.zeroGrad();
    const ids = tape.ints([BATCH]);
    const targets = tape.ints([BATCH]);
    for (let i = 0; i < BATCH; i++) {
      ids.data[i] = dataRng.int(VOCAB);
      targets.data[i] = (7 * ids.data[i]! + 3) % VOCAB;
    }
    const loss = crossEntropy(tape, model.forward(tape, ids), targets);
    const value = loss.item();
    tape.backward(loss);
    opt.step();
    return value;
  };

  const t0 = performance.now();
  for (let s = 0; s < WARMUP; s++) {
    const v = step();
    if (s === 0) first = v;
  }
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const bytesInUse = () => (backend instanceof WasmBackend ? backend.bytesInUse : 0);
  const bytes0 = bytesInUse();
  const arena0 = tape.reservedBytes;
  for (let s = WARMUP; s < STEPS; s++) last = step();
  const seconds = (performance.now() - t0) / 1000;
  const rss1 = process.memoryUsage().rss;
  const heap1 = process.memoryUsage().heapUsed;
  const bytes1 = bytesInUse();

  const f = (b: number) => `${(b / MB).toFixed(2)} MB`;
  t.diagnostic(`${STEPS} steps in ${seconds.toFixed(2)} s (${(seconds / STEPS * 1e6).toFixed(1)} us/step), loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  t.diagnostic(`rss ${f(rss0)} -> ${f(rss1)} (growth ${f(rss1 - rss0)}); heapUsed ${f(heap0)} -> ${f(heap1)}`);
  t.diagnostic(`${backend.description}: bytesInUse ${bytes0} -> ${bytes1}; tape arena ${arena0} bytes`
    + `${backend instanceof WasmBackend ? `; wasm memory ${f(backend.memory.buffer.byteLength)}` : ''}`);
  assert.equal(bytes1, bytes0, 'wasm heap allocations must not change in steady state');
  assert.equal(tape.reservedBytes, arena0, 'the tape arena must settle after warm-up');
  assert.ok(rss1 - rss0 < 8 * MB, `RSS grew by ${f(rss1 - rss0)}`);
  assert.ok(last < first, `the model should learn: ${first} -> ${last}`);
}

test('10,000 training steps on the wasm backend: RSS growth < 8 MB, wasm bytesInUse unchanged', async (t) => {
  await longRun(await WasmBackend.create(), t);
});

test('10,000 training steps on the native backend: RSS growth < 8 MB, the tape arena settles', async (t) => {
  const native = await maybeNative();
  if (!native) return t.skip('native addon unavailable (see the skipped test below for why)');
  await longRun(native, t);
});
noteNativeSkipped('native backend memory test');
