import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../autograd/tape.js';
import { sum } from '../autograd/ops/index.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { assertClose, randomFloats } from '../testing/compare.js';
import { Relu, Sigmoid, Tanh } from './activation.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Sequential } from './sequential.js';
import { TimeDistributed } from './time-distributed.js';

const backend = new ReferenceBackend();

/** y = x W^T + b in float64, x [N, I]. */
function affine(x: ArrayLike<number>, n: number, lin: Linear): number[] {
  const { inFeatures: I, outFeatures: O } = lin;
  const y: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < O; o++) {
      let s = lin.bias ? lin.bias.data[o]! : 0;
      for (let i = 0; i < I; i++) s += x[r * I + i]! * lin.weight.data[o * I + i]!;
      y.push(s);
    }
  }
  return y;
}

test('Linear: PyTorch layout and init U(±1/sqrt(in)) for weight and bias', () => {
  const lin = new Linear(16, 300, { rng: new Rng(1) });
  assert.deepEqual(lin.weight.shape, [300, 16]);
  assert.deepEqual(lin.bias!.shape, [300]);
  for (const p of [lin.weight, lin.bias!]) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of p.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    assert.ok(lo >= -0.25 && hi <= 0.25 && lo < -0.24 && hi > 0.24, `range [${lo}, ${hi}]`);
  }
  assert.deepEqual([...new Linear(2, 3, { rng: new Rng(0), bias: false }).namedParameters()].map(([n]) => n), ['weight']);
  assert.throws(() => new Linear(0, 3, { rng: new Rng(0) }), /Linear: inFeatures must be a positive integer, got 0/);
  assert.throws(() => new Linear(2, 3, { rng: { next: Math.random } as never }), /Linear: options.rng must be an Rng, got Object/);
});

test('Linear.forward: [N, I], [..., I] (zero-copy) and [I]; gradients flow through the reshape', () => {
  const rng = new Rng(2);
  const lin = new Linear(4, 3, { rng });
  const x = new Tensor(randomFloats(rng, 24), [2, 3, 4]);
  const tape = new Tape(backend);
  tape.watch(x);
  const y = lin.forward(tape, x);
  assert.deepEqual(y.shape, [2, 3, 3]);
  assertClose(y.data, affine(x.data, 6, lin), { rtol: 1e-5, atol: 1e-6 });
  tape.backward(sum(tape, y));
  // d sum(y) / d b = number of rows; d / dx[r, i] = sum over o of W[o, i].
  assertClose(lin.bias!.grad.data, [6, 6, 6]);
  const colSums = [0, 1, 2, 3].map((i) => [0, 1, 2].reduce((s, o) => s + lin.weight.data[o * 4 + i]!, 0));
  assertClose(tape.grad(x).data, Array.from({ length: 24 }, (_, k) => colSums[k % 4]!), { rtol: 1e-5, atol: 1e-6 });
  const v = lin.forward(Tape.inference(backend), x.reshape([24]).slice(0, 4));
  assert.deepEqual(v.shape, [3]);
  assertClose(v.data, affine(x.data, 1, lin), { rtol: 1e-5, atol: 1e-6 });
});

test('Linear.forward names the expected and actual shapes', () => {
  const lin = new Linear(32, 8, { rng: new Rng(0) });
  assert.throws(() => lin.forward(Tape.inference(backend), Tensor.zeros([4, 31])), { message: 'Linear.forward: x must be [*, 32], got [4, 31]' });
});

test('Embedding: N(0, 1) init, padding row zeroed and without gradient, negative paddingIdx', () => {
  const e = new Embedding(50, 200, { rng: new Rng(3), paddingIdx: -2 });
  assert.equal(e.paddingIdx, 48);
  const row = e.weight.data.subarray(48 * 200, 49 * 200);
  assert.ok(row.every((v) => v === 0));
  let s = 0;
  let q = 0;
  for (const v of e.weight.data.subarray(0, 48 * 200)) { s += v; q += v * v; }
  const n = 48 * 200;
  assert.ok(Math.abs(s / n) < 0.05 && Math.abs(q / n - 1) < 0.05, `mean ${s / n}, var ${q / n}`);
  const tape = new Tape(backend);
  const out = e.forward(tape, IntTensor.from([48, 1, 48, 1], [2, 2]));
  assert.deepEqual(out.shape, [2, 2, 200]);
  tape.backward(sum(tape, out));
  assert.ok(e.weight.grad.data.subarray(48 * 200, 49 * 200).every((g) => g === 0));
  assert.ok(e.weight.grad.data.subarray(200, 400).every((g) => g === 2));
  assert.throws(() => new Embedding(5, 2, { rng: new Rng(0), paddingIdx: 5 }), /Embedding: paddingIdx must be an integer in \[-5, 5\), got 5/);
  assert.throws(() => e.forward(tape, Tensor.zeros([2]) as never), /Embedding.forward: ids must be an IntTensor, got Tensor/);
});

test('Embedding.fromPretrained copies the table, frozen by default, padding row kept as given', () => {
  const vectors = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]);
  const e = Embedding.fromPretrained(vectors, { paddingIdx: 0 });
  assert.deepEqual(e.weight.toArray(), [1, 2, 3, 4, 5, 6]);
  assert.notEqual(e.weight.data, vectors.data);
  assert.equal(e.weight.requiresGrad, false);
  assert.equal(e.paddingIdx, 0);
  assert.equal(Embedding.fromPretrained(vectors, { freeze: false }).weight.requiresGrad, true);
  const out = e.forward(Tape.inference(backend), IntTensor.from([2, 0]));
  assert.deepEqual(out.toArray(), [5, 6, 1, 2]);
  assert.throws(() => Embedding.fromPretrained(Tensor.zeros([4])), /Embedding.fromPretrained: vectors must be a 2-D Tensor \[V, D\], got \[4\]/);
});

test('Dropout: identity in eval mode, seeded masks in training mode, p validated, p = 1 gives zeros', () => {
  const x = Tensor.full([1000], 1);
  const tape = new Tape(backend);
  const d = new Dropout(0.25, { rng: new Rng(4) });
  const y = d.forward(tape, x);
  const kept = y.toArray().filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6));
  assert.ok(Math.abs(kept.length / 1000 - 0.75) < 0.05, `kept ${kept.length}`);
  const again = new Dropout(0.25, { rng: new Rng(4) }).forward(tape, x);
  assert.deepEqual(again.toArray(), y.toArray());
  d.eval();
  assert.equal(d.forward(tape, x), x);
  assert.throws(() => new Dropout(1.5, { rng: new Rng(0) }), /Dropout: p must be a probability in \[0, 1\], got 1.5/);
  assert.throws(() => new Dropout(0.5, { rng: 1 as never }), /Dropout: options.rng must be an Rng, got number 1/);
  const all = new Dropout(1, { rng: new Rng(0) }).forward(tape, x);
  assert.ok(all.data.every((v) => v === 0));
});

test('activation modules apply their function', () => {
  const tape = Tape.inference(backend);
  const x = Tensor.from([-1, 0, 2]);
  assertClose(new Tanh().forward(tape, x).data, [Math.tanh(-1), 0, Math.tanh(2)]);
  assertClose(new Relu().forward(tape, x).data, [0, 0, 2]);
  assertClose(new Sigmoid().forward(tape, x).data, [1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))]);
});

test('TimeDistributed applies the layer to every time step as one call', () => {
  const rng = new Rng(5);
  const lin = new Linear(3, 2, { rng });
  const td = new TimeDistributed(lin);
  assert.deepEqual([...td.namedParameters()].map(([n]) => n), ['layer.weight', 'layer.bias']);
  const x = new Tensor(randomFloats(rng, 4 * 5 * 3), [4, 5, 3]);
  const tape = new Tape(backend);
  const y = td.forward(tape, x);
  assert.deepEqual(y.shape, [4, 5, 2]);
  for (let t = 0; t < 4; t++) {
    assertClose(y.at(t).data, lin.forward(Tape.inference(backend), x.at(t)).data, { rtol: 1e-6, atol: 1e-7 }, `step ${t}`);
  }
  tape.backward(sum(tape, y));
  assertClose(lin.bias!.grad.data, [20, 20]);
  // Token ids work too (an Embedding per step).
  const te = new TimeDistributed(new Embedding(7, 2, { rng }));
  assert.deepEqual(te.forward(Tape.inference(backend), IntTensor.from([1, 2, 3, 4, 5, 6], [3, 2])).shape, [3, 2, 2]);
  assert.throws(() => td.forward(tape, Tensor.zeros([3])), /TimeDistributed.forward: x must be \[T, B, \*\], got \[3\]/);
});

test('Sequential chains layers, indexes them, and checks its members', () => {
  const rng = new Rng(6);
  const a = new Linear(2, 3, { rng });
  const b = new Linear(3, 1, { rng });
  const s = new Sequential(a, new Relu(), b);
  assert.equal(s.length, 3);
  assert.equal(s.at(-1), b);
  const x = Tensor.from([0.5, -1, 2, 0.25], [2, 2]);
  const tape = Tape.inference(backend);
  const manual = b.forward(tape, new Relu().forward(tape, a.forward(tape, x)));
  assert.deepEqual(s.forward(tape, x).toArray(), manual.toArray());
  assert.equal(new Sequential().forward(tape, x), x);
  assert.throws(() => new Sequential(a, {} as never), /Sequential: layer 1 must be a Module with forward\(tape, x\), got Object/);
  assert.throws(() => s.at(3), /Sequential.at: index 3 is outside \[-3, 3\)/);
});
