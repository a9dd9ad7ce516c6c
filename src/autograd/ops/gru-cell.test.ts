import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { gruCell } from './gru-cell.js';
import { linear } from './linear.js';

const sigma = (x: number) => 1 / (1 + Math.exp(-x));

test('gruCell: forward matches PyTorch equations (reset gate on W_hn h + b_hn)', () => {
  const tape = new Tape(new ReferenceBackend());
  const xp = [0.1, -0.3, 0.2]; // B = 1, H = 1: r z n
  const hp = [0.4, 0.5, -0.7];
  const hPrev = 0.9;
  const h = gruCell(tape, Tensor.from(xp, [1, 3]), Tensor.from(hp, [1, 3]), Tensor.from([hPrev], [1, 1]));
  const r = sigma(xp[0]! + hp[0]!);
  const z = sigma(xp[1]! + hp[1]!);
  const n = Math.tanh(xp[2]! + r * hp[2]!);
  assertClose(h.data, [(1 - z) * n + z * hPrev]);
  assert.throws(() => gruCell(tape, Tensor.zeros([1, 3]), Tensor.zeros([1, 4]), Tensor.zeros([1, 1])), { message: 'gruCell: hProj must be [1, 3], got [1, 4]' });
});

test('gruCell: gradcheck on projections and hPrev as independent inputs', () => {
  const rng = new Rng(20);
  const [b, hidden] = [2, 3];
  const xp = new Tensor(randomFloats(rng, b * 3 * hidden, -2, 2), [b, 3 * hidden]);
  const hp = new Tensor(randomFloats(rng, b * 3 * hidden, -2, 2), [b, 3 * hidden]);
  const h0 = new Tensor(randomFloats(rng, b * hidden), [b, hidden]);
  gradcheck((t, [x, hh, h]) => gruCell(t, x!, hh!, h!), [xp, hp, h0], { names: ['xProj', 'hProj', 'hPrev'] });
  // One tensor as both projections: the second gradient must be added to the first.
  gradcheck((t, [x, h]) => gruCell(t, x!, x!, h!), [xp, h0]);
});

test('gruCell: gradcheck of a full step, hPrev reached directly and through W_hh', () => {
  const rng = new Rng(21);
  const [b, input, hidden] = [2, 3, 2];
  const r = (shape: number[]) => new Tensor(randomFloats(rng, shape.reduce((p, q) => p * q, 1)), shape);
  const inputs = [r([b, input]), r([b, hidden]), r([3 * hidden, input]), r([3 * hidden, hidden]), r([3 * hidden]), r([3 * hidden])];
  gradcheck((t, [x, h, wih, whh, bih, bhh]) => gruCell(t, linear(t, x!, wih!, bih!), linear(t, h!, whh!, bhh!), h!),
    inputs, { names: ['x', 'hPrev', 'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] });
});
