import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';

test('same seed gives the same stream; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const sa = Array.from({ length: 8 }, () => a.nextU32());
  const sb = Array.from({ length: 8 }, () => b.nextU32());
  const sc = Array.from({ length: 8 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('state round-trips and resumes the same stream', () => {
  const a = new Rng(7);
  a.next(); a.normal();
  const b = Rng.fromState(a.state());
  for (let i = 0; i < 100; i++) assert.equal(a.normal(), b.normal());
});

test('fork gives an independent stream and advances the parent', () => {
  const a = new Rng(1);
  const before = new Rng(1);
  const f = a.fork();
  assert.notEqual(a.nextU32(), before.nextU32());
  const xs = Array.from({ length: 1000 }, () => f.next());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('uniform, int and normal have the right ranges and moments', () => {
  const r = new Rng(3);
  let s = 0, s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    const k = r.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
    const z = r.normal();
    s += z; s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test('bad arguments get clear errors', () => {
  assert.throws(() => new Rng(NaN), /Rng: seed must be a finite number/);
  assert.throws(() => new Rng(1).int(0), /Rng.int: n must be a positive integer/);
  assert.throws(() => Rng.fromState([0, 0, 0, 0]), /all-zero/);
});
