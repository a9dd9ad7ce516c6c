import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Tensor } from '../tensor/tensor.js';
import { linear } from './ops/linear.js';
import { mul, scale } from './ops/elementwise.js';
import { sum } from './ops/sum-mean.js';
import { tanh } from './ops/activation.js';
import { Parameter } from './parameter.js';
import { Tape } from './tape.js';

const backend = new ReferenceBackend();
const weight = () => new Parameter(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
const x = () => Tensor.from([1, 0, -1, 2, 1, 0], [2, 3]);

test('Tape.inference: records nothing, computes the same values, and backward throws', () => {
  const w = weight();
  const inference = Tape.inference(backend);
  const y = linear(inference, x(), w);
  const loss = sum(inference, tanh(inference, y));
  assert.equal(inference.size, 0);
  assert.equal(inference.needsGrad(y), false);
  const training = new Tape(backend);
  assert.deepEqual(loss.toArray(), sum(training, tanh(training, linear(training, x(), w))).toArray());
  assert.equal(training.size, 3);
  assert.throws(() => inference.backward(loss), { message: 'Tape.backward: this tape does not record (created for inference)' });
});

test('Tape: gradients accumulate into a Parameter across two backward calls', () => {
  const w = weight();
  const tape = new Tape(backend);
  tape.backward(sum(tape, linear(tape, x(), w)));
  const once = Array.from(w.grad.data);
  assert.deepEqual(once, [3, 1, -1, 3, 1, -1]); // column sums of x, per output row
  tape.reset();
  tape.backward(sum(tape, linear(tape, x(), w)));
  assert.deepEqual(Array.from(w.grad.data), once.map((v) => 2 * v));
});

test('Tape: two backward calls on the same recorded graph add the same Parameter gradient twice', () => {
  const w = weight();
  const tape = new Tape(backend);
  const loss = sum(tape, tanh(tape, linear(tape, x(), w)));
  tape.backward(loss);
  const once = Array.from(w.grad.data);
  tape.backward(loss);
  assert.deepEqual(Array.from(w.grad.data), once.map((v) => 2 * v));
});

test('Tape.reset: releases recorded ops, gradients and arena memory', () => {
  const tape = new Tape(backend);
  const input = tape.watch(x());
  const y = linear(tape, input, weight());
  tape.backward(sum(tape, y));
  assert.equal(tape.size, 2);
  assert.ok(tape.reservedBytes > 0);
  assert.ok(tape.gradIfAny(input));
  tape.reset();
  assert.equal(tape.size, 0);
  assert.equal(tape.reservedBytes, 0);
  assert.equal(tape.gradIfAny(input), undefined);
  assert.equal(tape.needsGrad(input), false);
});

test('Tape.backward: a loss that depends on nothing trainable is an error', () => {
  const tape = new Tape(backend);
  const loss = sum(tape, linear(tape, x(), new Parameter(new Float32Array(6), [2, 3], false)));
  assert.throws(() => tape.backward(loss), /Tape.backward: Tensor\[\] does not depend on any parameter or watched tensor/);
});

test('checkFinite: a NaN produced by a forward names the op and the output', () => {
  const w = weight();
  w.data[4] = Number.NaN;
  const tape = new Tape(backend, { checkFinite: true });
  assert.throws(() => linear(tape, x(), w), /NaN in forward of 'linear': output 'y' \[2, 2\] has NaN at flat index 1/);
  // Off by default (unless RECUR_DEBUG_NAN=1): the NaN just propagates.
  if (process.env.RECUR_DEBUG_NAN !== '1') assert.ok(Number.isNaN(linear(new Tape(backend), x(), w).data[1]));
});

test('checkFinite: a NaN or Inf produced by a backward names the op and the input', () => {
  // Inf: forward 1e30 * 1e-30 * 1e10 is finite, but d/db = 1e10 * 1e30 overflows float32.
  const tape = new Tape(backend, { checkFinite: true });
  const a = new Parameter(Float32Array.from([1e30]), [1]);
  const b = new Parameter(Float32Array.from([1e-30]), [1]);
  const loss = sum(tape, scale(tape, mul(tape, a, b), 1e10));
  assert.throws(() => tape.backward(loss), /Inf in backward of 'mul': gradient of input 'b' \[1\] has Infinity at flat index 0/);

  // NaN: a NaN seed reaches the first op replayed.
  const tape2 = new Tape(backend, { checkFinite: true });
  const y = linear(tape2, x(), weight());
  assert.throws(() => tape2.backward(y, Tensor.full([2, 2], Number.NaN)), /NaN in backward of 'linear': gradient of input 'weight'/);
});

/**
 * Runs, in a fresh Node process with `env`, a forward whose weight holds a NaN and a backward
 * from a NaN seed, each on a Tape made without options; returns what each did.
 */
function runWithEnv(env: Record<string, string | undefined>): { forward: string; backward: string } {
  const url = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);
  const script = `
    const { Tape } = await import(${url('./tape.js')});
    const { ReferenceBackend } = await import(${url('../kernels/reference/reference-backend.js')});
    const { Tensor } = await import(${url('../tensor/tensor.js')});
    const { Parameter } = await import(${url('./parameter.js')});
    const { linear } = await import(${url('./ops/linear.js')});
    const backend = new ReferenceBackend();
    const x = Tensor.from([1, 0, -1, 2, 1, 0], [2, 3]);
    const attempt = (f) => { try { return 'value ' + f(); } catch (e) { return 'error ' + e.message; } };
    const forward = attempt(() => linear(new Tape(backend), x, new Parameter(Float32Array.from([1, 2, 3, 4, NaN, 6]), [2, 3])).data[1]);
    const backward = attempt(() => {
      const w = new Parameter(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
      const tape = new Tape(backend);
      tape.backward(linear(tape, x, w), Tensor.full([2, 2], NaN));
      return w.grad.data[0];
    });
    process.stdout.write(JSON.stringify({ forward, backward }));`;
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: childEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { forward: string; backward: string };
}

test('RECUR_DEBUG_NAN=1 turns the finite check on for every Tape; unset (or 0) it is off', () => {
  const on = runWithEnv({ RECUR_DEBUG_NAN: '1' });
  assert.match(on.forward, /^error NaN in forward of 'linear': output 'y' \[2, 2\] has NaN at flat index 1$/);
  assert.match(on.backward, /^error NaN in backward of 'linear': gradient of input 'weight' \[2, 3\] has NaN at flat index 0$/);
  for (const value of [undefined, '0']) {
    const off = runWithEnv({ RECUR_DEBUG_NAN: value });
    assert.deepEqual(off, { forward: 'value NaN', backward: 'value NaN' }, `RECUR_DEBUG_NAN=${value}: the NaN just propagates`);
  }
});
