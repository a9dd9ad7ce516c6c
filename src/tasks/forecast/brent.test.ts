import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brentMinimize } from './brent.js';

test('brentMinimize finds the minimum of smooth functions to its tolerance, and a minimum at a bound', () => {
  assert.ok(Math.abs(brentMinimize((x) => (x - 0.3) ** 2, -1, 2) - 0.3) < 1e-4);
  assert.ok(Math.abs(brentMinimize((x) => Math.cos(x), 0, 5, 1e-10) - Math.PI) < 1e-7); // sqrt(eps)·|x|: a minimum is flat to that
  assert.ok(brentMinimize((x) => x, 0, 1) < 1e-4); // increasing: the lower end
  let calls = 0;
  brentMinimize((x) => { calls++; return Math.abs(x - 1); }, 0, 3);
  assert.ok(calls < 60, `${calls} evaluations`);
  assert.throws(() => brentMinimize((x) => x, 1, 1), /brentMinimize: needs finite lower < upper, got \[1, 1\]/);
});
