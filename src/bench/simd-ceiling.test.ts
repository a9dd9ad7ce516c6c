import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureSimdCeiling } from './simd-ceiling.js';

test('measureSimdCeiling: the multiply-add chains reach their fixed point on every thread, and a rate comes out for 1 and 2 threads', async () => {
  // Few iterations: this checks the kernel's arithmetic (the measurement throws on a wrong sum)
  // and the plumbing, not the speed (npm run bench prints that).
  const c = await measureSimdCeiling(2, 2, 20_000);
  assert.match(c.flavour, /^(simd|relaxed-simd)$/);
  assert.deepEqual(c.perThread.map((p) => p.threads), [1, 2]);
  for (const p of c.perThread) assert.ok(Number.isFinite(p.gflops) && p.gflops > 0, `${p.threads}: ${p.gflops}`);
});
