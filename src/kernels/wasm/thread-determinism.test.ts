/**
 * End to end: training a recurrent model on the wasm backend gives bit-identical losses,
 * gradients and weights with 1 and with 2 threads (every cell kind, 2 layers, Adam),
 * because threads split kernels only along output rows and columns. (A test of the kernel
 * layer that drives the layers above it: nothing in src/kernels imports this file.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELL_KINDS, type CellKind } from '../cell-kinds.js';
import { trainSteps } from '../../testing/train-steps.js';
import { WasmBackend } from './wasm-backend.js';

async function train(cell: CellKind, threads: number): Promise<{ losses: number[]; grads: Float32Array[]; params: Float32Array[] }> {
  return trainSteps(await WasmBackend.create({ threads, poisonScratch: true }), { cell, T: 12, B: 32, vocab: 23, hidden: 96, numLayers: 2, steps: 3, seed: 11 });
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
