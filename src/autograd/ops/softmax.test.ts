// The softmax op: rows sum to 1 and match exp(x) / sum exp(x), large logits stay finite, the
// backward passes the finite-difference check, and the wasm backend agrees with the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats, worstRatio } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { mul } from './elementwise.js';
import { softmax } from './softmax.js';
import { sum } from './sum-mean.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('softmax: forward values over the last axis, stable for large logits', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.from([1, 2, 3, -1, 0, 1], [2, 3]);
  const y = softmax(tape, x);
  assert.deepEqual(y.shape, [2, 3]);
  const e = [1, 2, 3].map(Math.exp);
  const z = e.reduce((a, b) => a + b);
  for (let j = 0; j < 3; j++) {
    assert.ok(Math.abs(y.data[j]! - e[j]! / z) < 1e-7, `row 0, column ${j}`);
    assert.ok(Math.abs(y.data[3 + j]! - e[j]! / z) < 1e-7, 'softmax is shift-invariant: row 1 = row 0');
  }
  const big = softmax(tape, Tensor.from([1000, 1001, 0], [1, 3]));
  assert.ok(big.toArray().every(Number.isFinite), `finite for large logits, got ${big.toArray()}`);
  assert.ok(Math.abs(big.toArray().reduce((a, b) => a + b) - 1) < 1e-6);
  assert.throws(() => softmax(tape, Tensor.zeros([])), { message: 'softmax: x must be [..., C] with C >= 1, got []' });
});

test('softmax: gradcheck on 2-D and 3-D inputs, and through a product', () => {
  const rng = new Rng(11);
  const a = rand(rng, [3, 4]);
  const b = rand(rng, [2, 3, 5]);
  gradcheck((t, [x]) => softmax(t, x!), [a]);
  gradcheck((t, [x]) => softmax(t, x!), [b]);
  gradcheck((t, [x, w]) => mul(t, softmax(t, x!), w!), [a, rand(rng, [3, 4])]);
  gradcheck((t, [x]) => softmax(t, x!), [rand(rng, [4, 1])]); // one class: y = 1, dx = 0
});

test('softmax: the wasm backend matches the reference forward and backward', async () => {
  const rng = new Rng(12);
  const x = rand(rng, [17, 65]);
  const w = rand(rng, [17, 65]);
  const run = (tape: Tape) => {
    const xi = tape.watch(tape.copy(x));
    const y = softmax(tape, xi);
    tape.backward(sum(tape, mul(tape, y, tape.copy(w))));
    return { y: Float32Array.from(y.data), dx: Float32Array.from(tape.grad(xi).data) };
  };
  const ref = run(new Tape(new ReferenceBackend()));
  const got = run(new Tape(await WasmBackend.create({ poisonScratch: true })));
  for (const k of ['y', 'dx'] as const) {
    const { ratio, index } = worstRatio(got[k], ref[k], { rtol: 1e-4, atol: 1e-6 });
    assert.ok(ratio <= 1, `${k}[${index}]: wasm ${got[k][index]}, reference ${ref[k][index]}`);
  }
});
