import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { activation, relu, sigmoid, tanh } from './activation.js';

const rand = (rng: Rng, shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1)), shape);

test('activations: forward values and gradcheck', () => {
  const tape = new Tape(new ReferenceBackend());
  const x = Tensor.from([-2, 0.5, 3]);
  assert.deepEqual(relu(tape, x).toArray(), [0, 0.5, 3]);
  assert.ok(Math.abs(tanh(tape, x).data[1]! - Math.tanh(0.5)) < 1e-7);
  assert.ok(Math.abs(sigmoid(tape, x).data[0]! - 1 / (1 + Math.exp(2))) < 1e-7);
  assert.throws(() => activation(tape, 'gelu' as never, x), /activation: kind must be one of tanh, relu, sigmoid, got 'gelu'/);

  const rng = new Rng(6);
  const a = rand(rng, [3, 4]);
  for (const kind of ['tanh', 'relu', 'sigmoid'] as const) gradcheck((t, [xi]) => activation(t, kind, xi!), [a]);
});
