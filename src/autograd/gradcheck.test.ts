import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { randomFloats } from '../testing/compare.js';
import { gradcheck } from './gradcheck.js';
import { add, mul, scale } from './ops/elementwise.js';
import { linear } from './ops/linear.js';
import { sum } from './ops/sum-mean.js';
import { Parameter } from './parameter.js';
import type { Tape } from './tape.js';

/** y = x^2 with a deliberately wrong backward (forgets the factor 2). */
function wrongSquare(tape: Tape, x: Tensor): Tensor {
  const y = tape.tensor(x.shape);
  tape.backend.mul(x.size, x.data, x.data, y.data);
  tape.record('wrongSquare', { x }, { y }, () => {
    const dy = tape.grad(y);
    const tmp = tape.tensor(x.shape);
    tape.backend.mul(x.size, dy.data, x.data, tmp.data);
    tape.backend.axpy(x.size, 1, tmp.data, tape.grad(x).data);
  });
  return y;
}

/** out = a + b whose backward overwrites instead of accumulating: wrong when an input is used twice. */
function overwritingAdd(tape: Tape, a: Tensor, b: Tensor): Tensor {
  const out = tape.tensor(a.shape);
  tape.backend.add(a.size, a.data, b.data, out.data);
  tape.record('overwritingAdd', { a, b }, { out }, () => {
    const dout = tape.grad(out);
    for (const t of [a, b]) if (tape.needsGrad(t)) tape.grad(t).data.set(dout.data);
  });
  return out;
}

const rand = (seed: number, shape: number[]) => new Tensor(randomFloats(new Rng(seed), shape.reduce((p, q) => p * q, 1)), shape);

test('gradcheck: a correct op passes, with a per-input report', () => {
  const report = gradcheck((t, [x, w]) => linear(t, x!, w!), [rand(1, [2, 3]), rand(2, [4, 3])], { names: ['x', 'weight'] });
  assert.deepEqual(report.inputs.map((r) => [r.name, r.checked]), [['x', 6], ['weight', 12]]);
  assert.ok(report.maxRelError < 1e-7, `max relative error ${report.maxRelError}`);
});

test('gradcheck: reports the largest gradient, so an input the output ignores shows as 0', () => {
  // d(sum(2 x * r))/dx = 2 r with r uniform in (-1, 1): the largest |gradient| is in (0, 2).
  const report = gradcheck((t, [x]) => scale(t, x!, 2), [rand(11, [50]), rand(12, [3])], { names: ['used', 'ignored'] });
  const [used, ignored] = report.inputs;
  assert.ok(used!.maxAbsGradient > 1.5 && used!.maxAbsGradient < 2, `used: ${used!.maxAbsGradient}`);
  assert.equal(ignored!.maxAbsGradient, 0);
  assert.equal(ignored!.checked, 3, 'checked, and passing: only maxAbsGradient tells the check proved nothing');
});

test('gradcheck: catches a wrong backward, naming the input, element and both values', () => {
  const x = Tensor.from([0.5, -1, 2]);
  assert.throws(() => gradcheck((t, [xi]) => wrongSquare(t, xi!), [x]),
    /gradcheck: gradient of input 0 \[3\] is wrong at flat index \d: analytic -?[\d.e-]+ vs numeric -?[\d.e-]+ .*3 of 3 checked elements fail/);
  // The same wrong op behind a correct one, on the second input only.
  assert.throws(() => gradcheck((t, [a, b]) => add(t, a!, wrongSquare(t, b!)), [x, rand(3, [3])], { names: ['a', 'b'] }),
    /gradcheck: gradient of b \[3\] is wrong/);
});

test('gradcheck: catches a backward off by 0.01%, yet allows the rounding noise of a large sum', () => {
  const slightlyWrong = (tape: Tape, x: Tensor): Tensor => {
    const y = tape.tensor(x.shape);
    tape.backend.axpy(x.size, 2, x.data, y.data);
    tape.record('slightlyWrong', { x }, { y }, () => tape.backend.axpy(x.size, 2.0002, tape.grad(y).data, tape.grad(x).data));
    return y;
  };
  assert.throws(() => gradcheck((t, [xi]) => slightlyWrong(t, xi!), [rand(9, [10])]), /gradcheck: gradient of input 0 \[10\] is wrong/);
  // sum over 2000 products of magnitude ~100: |S| ~ 1e5, so differences carry ~1e-5 of float64 noise.
  const big = new Tensor(randomFloats(new Rng(10), 2000, -10, 10), [2000]);
  const report = gradcheck((t, [a, b]) => sum(t, mul(t, a!, b!)), [big, big], { maxElements: 20 });
  assert.ok(report.inputs.every((r) => r.worstRatio < 0.2), `worst ratio ${report.inputs.map((r) => r.worstRatio)}`);
});

test('gradcheck: catches a backward that overwrites instead of accumulating', () => {
  const x = rand(4, [4]);
  assert.doesNotThrow(() => gradcheck((t, [a, b]) => overwritingAdd(t, a!, b!), [x, rand(5, [4])]));
  // mul's backward runs first and adds into da; the overwriting backward then discards it.
  assert.throws(() => gradcheck((t, [a, b]) => mul(t, a!, overwritingAdd(t, a!, b!)), [x, rand(5, [4])]), /gradcheck: gradient of input 0 \[4\] is wrong/);
});

test('gradcheck: runs in float64, checks a seeded subset of big inputs, skips frozen parameters', () => {
  let seen: string | undefined;
  const frozen = new Parameter(randomFloats(new Rng(6), 3), [3], false);
  const report = gradcheck((t, [x, f]) => {
    seen = x!.data.constructor.name;
    return sum(t, mul(t, x!, add(t, x!, x!)));
  }, [rand(7, [1000]), frozen], { maxElements: 50 });
  assert.equal(seen, 'Float64Array');
  assert.equal(report.inputs[0]!.checked, 50);
  assert.deepEqual([report.inputs[1]!.requiresGrad, report.inputs[1]!.checked], [false, 0]);
  assert.equal(frozen.grad.data.every((v) => v === 0), true, 'the caller\'s tensors are not touched');
});

test('gradcheck: rejects a function that is not deterministic', () => {
  const rng = new Rng(8);
  assert.throws(() => gradcheck((t, [x]) => mul(t, x!, Tensor.from([rng.next()])), [Tensor.from([1])]), /gradcheck: fn is not deterministic/);
});

test('ReferenceBackend: precision f64 allocates Float64Array memory', () => {
  const be = new ReferenceBackend({ precision: 'f64' });
  assert.equal(be.allocFloats(3).constructor.name, 'Float64Array');
  assert.equal(be.createArena().floats(3).constructor.name, 'Float64Array');
  assert.equal(new ReferenceBackend().allocFloats(3).constructor.name, 'Float32Array');
  assert.throws(() => new ReferenceBackend({ precision: 'f16' as never }), /precision must be 'f32' or 'f64'/);
});
