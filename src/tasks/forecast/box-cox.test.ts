import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedSeries } from '../../testing/timeseries.js';
import { boxCox, guerreroLambda, invBoxCox } from './box-cox.js';

test('boxCox: log at lambda 0, (x^lambda - 1) / lambda otherwise; invBoxCox inverts it to 1e-12', () => {
  const x = [0.5, 1, 2, 10, 123.456];
  assert.deepEqual([...boxCox(x, 0)], x.map(Math.log));
  assert.deepEqual([...boxCox([4, 9], 0.5)], [2, 4]); // (sqrt(x) - 1) / 0.5
  assert.deepEqual([...boxCox([2], -1)], [0.5]); // (1/2 - 1) / -1
  for (const lambda of [-1, -0.29, 0, 0.5, 1, 2]) {
    const back = invBoxCox(boxCox(x, lambda), lambda);
    x.forEach((v, i) => assert.ok(Math.abs(back[i]! - v) <= 1e-12 * v, `lambda ${lambda}: ${back[i]} vs ${v}`));
  }
});

test('boxCox needs x > 0 and names the first bad value; invBoxCox names a value outside its range', () => {
  assert.throws(() => boxCox([1, 2, -3, 0], 0.5), /boxCox: needs finite values > 0, but x\[2\] = -3/);
  assert.throws(() => invBoxCox([0, 1.5], -1), /invBoxCox: y\[1\] = 1.5 is outside the range of Box-Cox with lambda -1 \(lambda y \+ 1 = -0.5 must be > 0\)/);
});

// Blocks whose sd is proportional to mean^(1 - lambda0) make sd / mean^(1 - lambda) constant at
// lambda0, where the coefficient of variation Guerrero minimises is exactly 0.
function blocks(means: number[], lambda0: number, pattern: number[]): number[] {
  return means.flatMap((m) => pattern.map((p) => m + Math.pow(m, 1 - lambda0) * p));
}

test("guerreroLambda recovers lambda where sd ∝ mean^(1 - lambda) exactly (0, 0.5, 1)", () => {
  const means = [10, 20, 35, 50, 80, 120, 200];
  const pattern = [-0.3, 0.1, 0.25, -0.05]; // period 4
  for (const lambda0 of [0, 0.5, 1]) {
    const lambda = guerreroLambda(blocks(means, lambda0, pattern), { period: 4 });
    assert.ok(Math.abs(lambda - lambda0) < 1e-3, `lambda ${lambda} vs ${lambda0}`);
  }
  assert.throws(() => guerreroLambda([1, 2, 3, 4, 5, 6, 7, 8], { period: 4 }), /guerreroLambda: needs more than 8 values \(two blocks of 4\), got 8/);
});

test('guerreroLambda on the airline passengers (monthly) gives R forecast::BoxCox.lambda(AirPassengers) = -0.2947156', (t) => {
  const airline = sharedSeries('airline-passengers.csv');
  if (typeof airline === 'string') { t.skip(airline); return; }
  assert.equal(airline.values.length, 144);
  assert.ok(Math.abs(guerreroLambda(airline.values, { period: 12 }) - -0.2947156) < 5e-7);
});
