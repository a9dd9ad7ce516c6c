/**
 * End to end: training a recurrent model on the wasm backend (and on the native one, when its
 * addon is built) gives bit-identical losses, gradients and weights with 1 and with 2 threads
 * (native: and 3) (every cell kind, 2 layers, Adam),
 * because threads split kernels only along output rows and columns. (A test of the kernel
 * layer that drives the layers above it: nothing in src/kernels imports this file.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELL_KINDS, type CellKind } from '../cell-kinds.js';
import { trainSteps } from '../../testing/train-steps.js';
import { WasmBackend } from './wasm-backend.js';
import { maybeNative, noteNativeSkipped } from '../../testing/native-backends.js';

type Trained = { losses: number[]; grads: Float32Array[]; params: Float32Array[] };
const SETUP = { T: 12, B: 32, vocab: 23, hidden: 96, numLayers: 2, steps: 3, seed: 11 };

async function train(cell: CellKind, threads: number): Promise<Trained> {
  return trainSteps(await WasmBackend.create({ threads, poisonScratch: true }), { cell, ...SETUP });
}

const sameBits = (x: Float32Array, y: Float32Array): boolean => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

for (const cell of CELL_KINDS) {
  test(`${cell}: 2-layer training (forward, backward, Adam) is bit-identical on 1 and 2 threads`, async () => {
    const one = await train(cell, 1);
    const two = await train(cell, 2);
    assert.deepEqual(two.losses, one.losses);
    one.grads.forEach((g, i) => assert.ok(sameBits(two.grads[i]!, g), `gradient of parameter ${i} differs`));
    one.params.forEach((p, i) => assert.ok(sameBits(two.params[i]!, p), `parameter ${i} differs after 3 Adam steps`));
  });
}

// Native splits a recurrent step only from 128 units and 256 gate columns per part (recurrent.cc),
// so its model is wider (H 520: every kind splits, Elman too) and its batches smaller.
const NATIVE_SETUP = { ...SETUP, T: 6, B: 8, hidden: 520 };

noteNativeSkipped();
for (const cell of CELL_KINDS) {
  test(`${cell}: 2-layer training on the native backend is bit-identical on 1, 2 and 3 threads`, async (t) => {
    const backends = await Promise.all([1, 2, 3].map((threads) => maybeNative({ threads })));
    if (!backends[0]) { t.skip('native addon not built'); return; }
    const [one, ...more] = backends.map((be) => trainSteps(be!, { cell, ...NATIVE_SETUP }));
    assert.ok(one!.losses.every(Number.isFinite), 'finite losses');
    more.forEach((got, k) => {
      const what = `${k + 2} threads`;
      assert.deepEqual(got.losses, one!.losses, `${what}: losses`);
      one!.grads.forEach((g, i) => assert.ok(sameBits(got.grads[i]!, g), `${what}: gradient of parameter ${i} differs`));
      one!.params.forEach((p, i) => assert.ok(sameBits(got.params[i]!, p), `${what}: parameter ${i} differs after 3 Adam steps`));
    });
  });
}
