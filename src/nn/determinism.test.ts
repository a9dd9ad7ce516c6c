/**
 * Same seed, same numbers: a small model trained twice with the same seed gives bit-identical
 * loss sequences on each backend (init, dropout masks, batches and kernels are all
 * deterministic); another seed gives other losses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy } from '../autograd/ops/index.js';
import { Tape } from '../autograd/tape.js';
import type { Backend } from '../kernels/backend.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { NativeBackend } from '../kernels/native/native-backend.js';
import { nativeStatus } from '../testing/native-backends.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { Tanh } from './activation.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Sequential } from './sequential.js';

const VOCAB = 20;
const BATCH = 16;

/** Trains Embedding 20x8 -> Linear 8->16 -> Tanh -> Dropout 0.1 -> Linear 16->20 for `steps` steps. */
function train(backend: Backend, seed: number, steps = 50): number[] {
  const root = new Rng(seed);
  const initRng = root.fork();
  const dropoutRng = root.fork();
  const dataRng = root.fork();
  const model = new Sequential(
    new Embedding(VOCAB, 8, { rng: initRng }), new Linear(8, 16, { rng: initRng }), new Tanh(),
    new Dropout(0.1, { rng: dropoutRng }), new Linear(16, VOCAB, { rng: initRng }),
  ).to(backend);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const tape = new Tape(backend);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    tape.reset();
    opt.zeroGrad();
    const ids = tape.ints([BATCH]);
    const targets = tape.ints([BATCH]);
    for (let i = 0; i < BATCH; i++) {
      ids.data[i] = dataRng.int(VOCAB);
      targets.data[i] = (3 * ids.data[i]! + dataRng.int(2)) % VOCAB;
    }
    const loss = crossEntropy(tape, model.forward(tape, ids), targets);
    losses.push(loss.item());
    tape.backward(loss);
    opt.step();
  }
  return losses;
}

for (const [name, make] of [
  ['reference', async () => new ReferenceBackend()], ['wasm', () => WasmBackend.create()],
  ...(nativeStatus.ok ? [['native', () => NativeBackend.create()] as const] : []),
] as const) {
  test(`same seed, bit-identical losses; other seed, other losses (${name})`, async (t) => {
    const backend: Backend = await make();
    const a = train(backend, 1234);
    const b = train(backend, 1234);
    const c = train(await make(), 1234); // a fresh backend instance too
    assert.equal(a.length, 50);
    for (let i = 0; i < a.length; i++) {
      assert.ok(a[i] === b[i] && a[i] === c[i], `step ${i}: ${a[i]} vs ${b[i]} vs ${c[i]}`);
    }
    assert.ok(a[49]! < a[0]!, `the model should learn: ${a[0]} -> ${a[49]}`);
    const d = train(backend, 1235);
    assert.ok(d.some((v, i) => v !== a[i]), 'another seed must give other losses');
    t.diagnostic(`${backend.description}: loss ${a[0]!.toFixed(4)} -> ${a[49]!.toFixed(4)} in 50 steps`);
  });
}
