import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { WasmBackend } from '../../kernels/wasm/wasm-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Parameter } from '../parameter.js';
import { Tape } from '../tape.js';
import { linear } from './linear.js';
import { sum } from './sum-mean.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('linear: forward matches hand-computed x W^T + b', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const w = Tensor.from([1, 0, -1, 0.5, 0.5, 0.5], [2, 3]); // [O=2, I=3]
  const b = Tensor.from([10, -1], [2]);
  const y = linear(tape, x, w, b);
  assert.deepEqual(y.shape, [2, 2]);
  // row 0: [1-3, 0.5*(1+2+3)] + b = [-2+10, 3-1]; row 1: [4-6, 7.5] + b
  assert.deepEqual(y.toArray(), [8, 2, 8, 6.5]);
});

test('linear: gradcheck with and without bias', () => {
  const rng = new Rng(1);
  const x = rand(rng, [3, 4]);
  const w = rand(rng, [5, 4]);
  const b = rand(rng, [5]);
  gradcheck((t, [xi, wi, bi]) => linear(t, xi!, wi!, bi!), [x, w, b], { names: ['x', 'weight', 'bias'] });
  gradcheck((t, [xi, wi]) => linear(t, xi!, wi!), [x, w]);
});

test('linear: shape errors name the function, the expectation and the actual shape', () => {
  const tape = new Tape(new ReferenceBackend());
  assert.throws(() => linear(tape, Tensor.zeros([4, 32]), Tensor.zeros([16, 31])), { message: 'linear: weight must be [*, 32], got [16, 31]' });
  assert.throws(() => linear(tape, Tensor.zeros([4, 3]), Tensor.zeros([2, 3]), Tensor.zeros([3])), { message: 'linear: bias must be [2], got [3]' });
  assert.throws(() => linear(tape, Tensor.zeros([3]), Tensor.zeros([2, 3])), { message: 'linear: x must be [*, *], got [3]' });
});

test('linear: wasm backend forward and backward match reference', async () => {
  const wasm = await WasmBackend.create();
  const rng = new Rng(2);
  const [n, i, o] = [5, 17, 9];
  const xv = randomFloats(rng, n * i);
  const wv = randomFloats(rng, o * i);
  const bv = randomFloats(rng, o);
  const run = (backend: ReferenceBackend | WasmBackend) => {
    const tape = new Tape(backend);
    const w = new Parameter(Float32Array.from(wv), [o, i]);
    const b = new Parameter(Float32Array.from(bv), [o]);
    const x = tape.watch(tape.copy(new Tensor(Float32Array.from(xv), [n, i])));
    const y = linear(tape, x, w, b);
    const yv = y.clone().data;
    tape.backward(sum(tape, linear(tape, y, new Tensor(randomFloats(new Rng(3), o * o), [o, o]))));
    return { y: yv, dx: tape.grad(x).clone().data, dw: w.grad.clone().data, db: b.grad.clone().data };
  };
  const ref = run(new ReferenceBackend());
  const got = run(wasm);
  const tol = { rtol: 1e-4, atol: 1e-5 };
  assertClose(got.y, ref.y, tol, 'y');
  assertClose(got.dx, ref.dx, tol, 'dx');
  assertClose(got.dw, ref.dw, tol, 'dW');
  assertClose(got.db, ref.db, tol, 'db');
});
