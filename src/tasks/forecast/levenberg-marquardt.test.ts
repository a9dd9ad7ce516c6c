import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levenbergMarquardt } from './levenberg-marquardt.js';

// Rosenbrock as least squares: r = (10 (x2 - x1²), 1 - x1), minimum 0 at (1, 1).
const rosenbrock = (x: Float64Array, out: Float64Array) => { out[0] = 10 * (x[1]! - x[0]! ** 2); out[1] = 1 - x[0]!; };

test('levenbergMarquardt solves Rosenbrock from (-1.2, 1) and a linear fit exactly', () => {
  const r = levenbergMarquardt(rosenbrock, 2, [-1.2, 1]);
  assert.ok(r.converged && r.value < 1e-20, `value ${r.value}`);
  assert.ok(Math.abs(r.x[0]! - 1) < 1e-9 && Math.abs(r.x[1]! - 1) < 1e-9, `${r.x}`);
  // y = 2 + 3t observed exactly at t = 0..4: residuals a + b t - y.
  const line = levenbergMarquardt((x, out) => { for (let t = 0; t < 5; t++) out[t] = x[0]! + x[1]! * t - (2 + 3 * t); }, 5, [0, 0]);
  assert.ok(Math.abs(line.x[0]! - 2) < 1e-8 && Math.abs(line.x[1]! - 3) < 1e-8, `${line.x}`);
});

test('levenbergMarquardt keeps to its box: the bounded Rosenbrock minimum sits on x1 = 0.5', () => {
  const r = levenbergMarquardt(rosenbrock, 2, [-1.2, 1], { upper: [0.5, Infinity] });
  assert.ok(Math.abs(r.x[0]! - 0.5) < 1e-12 && Math.abs(r.x[1]! - 0.25) < 1e-6, `${r.x}`);
  assert.ok(Math.abs(r.value - 0.25) < 1e-9, `value ${r.value}`);
  const clamped = levenbergMarquardt(rosenbrock, 2, [3, 3], { lower: [-2, -2], upper: [2, 2] });
  assert.ok(clamped.x[0]! <= 2 && Math.abs(clamped.value) < 1e-16);
});

test('levenbergMarquardt refuses a start with non-finite residuals or unusable bounds', () => {
  assert.throws(() => levenbergMarquardt((x, out) => { out[0] = Math.log(x[0]!); }, 1, [-1]), /levenbergMarquardt: the residuals at the start are not finite/);
  assert.throws(() => levenbergMarquardt(rosenbrock, 2, [0, 0], { lower: [1, 0], upper: [0, 1] }), /levenbergMarquardt: coordinate 0: x0 0 or bounds \[1, 0\] are not usable/);
});
