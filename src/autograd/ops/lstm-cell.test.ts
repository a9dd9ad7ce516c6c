import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Parameter } from '../parameter.js';
import { Tape } from '../tape.js';
import { add, scale } from './elementwise.js';
import { lstmCell } from './lstm-cell.js';

const sigma = (x: number) => 1 / (1 + Math.exp(-x));

test('lstmCell: forward matches the equations and leaves gates untouched', () => {
  const tape = new Tape(new ReferenceBackend());
  const pre = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8]; // B = 1, H = 2: i i f f g g o o
  const gates = Tensor.from(pre, [1, 8]);
  const cPrev = Tensor.from([0.5, -1], [1, 2]);
  const { h, c } = lstmCell(tape, gates, cPrev);
  const expectC = [0, 1].map((j) => sigma(pre[2 + j]!) * cPrev.data[j]! + sigma(pre[j]!) * Math.tanh(pre[4 + j]!));
  const expectH = [0, 1].map((j) => sigma(pre[6 + j]!) * Math.tanh(expectC[j]!));
  assertClose(c.data, expectC, {}, 'c');
  assertClose(h.data, expectH, {}, 'h');
  assert.deepEqual(gates.toArray(), Array.from(Float32Array.from(pre)), 'gates unchanged');
  assert.throws(() => lstmCell(tape, Tensor.zeros([1, 6]), cPrev), { message: 'lstmCell: gates must be [1, 8], got [1, 6]' });
});

test('lstmCell: gradcheck over two steps, with gradient flowing into h and c', () => {
  const rng = new Rng(19);
  const [b, hidden] = [2, 3];
  const g1 = new Tensor(randomFloats(rng, b * 4 * hidden, -2, 2), [b, 4 * hidden]);
  const g2 = new Tensor(randomFloats(rng, b * 4 * hidden, -2, 2), [b, 4 * hidden]);
  const c0 = new Tensor(randomFloats(rng, b * hidden), [b, hidden]);
  gradcheck((t, [x1, x2, c]) => {
    const s1 = lstmCell(t, x1!, c!);
    const s2 = lstmCell(t, x2!, s1.c); // c1 gets gradient from step 2 only through c
    return add(t, add(t, s2.h, scale(t, s2.c, 0.5)), s1.h);
  }, [g1, g2, c0], { names: ['gates step 1', 'gates step 2', 'c0'] });
  // Parameters always accumulate (the scratch-and-add path of the backward).
  gradcheck((t, [x1, c]) => add(t, lstmCell(t, x1!, c!).h, c!), [new Parameter(g1.data, g1.shape), new Parameter(c0.data, c0.shape)]);
  // Only c used downstream: dh is zero, the kernel still gets a valid buffer.
  gradcheck((t, [x1, c]) => lstmCell(t, x1!, c!).c, [g1, c0]);
});
