import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter } from '../autograd/parameter.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Adam } from './adam.js';
import { WarmupCosineLR } from './warmup-cosine.js';

const optimizer = () => new Adam([Parameter.zeros([2])], { lr: 1, backend: new ReferenceBackend() });

test('WarmupCosineLR: linear warm-up, cosine to minLr at totalSteps, flat after (never rises again)', () => {
  const s = new WarmupCosineLR(optimizer(), { warmupSteps: 4, totalSteps: 14, minLr: 0.1 });
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(s.lrAt(0), 0.25); close(s.lrAt(3), 1); close(s.lrAt(4), 1);
  close(s.lrAt(9), 0.1 + 0.9 * 0.5); close(s.lrAt(14), 0.1); close(s.lrAt(100), 0.1);
  assert.equal(s.optimizer.lr, 0.25);
  s.step();
  assert.equal(s.optimizer.lr, 0.5);
});

test('WarmupCosineLR: the horizon can come later and is part of the state dict', () => {
  const a = new WarmupCosineLR(optimizer(), { warmupSteps: 0 });
  assert.equal(a.lrAt(50), 1); // unknown horizon: hold the base lr
  a.setTotalSteps(100);
  assert.ok(Math.abs(a.lrAt(50) - 0.55) < 1e-12);
  for (let i = 0; i < 30; i++) a.step();
  const b = new WarmupCosineLR(optimizer(), { warmupSteps: 0 });
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  assert.equal(b.totalSteps, 100);
  assert.equal(b.optimizer.lr, a.optimizer.lr);
  a.step(); b.step();
  assert.equal(b.optimizer.lr, a.optimizer.lr);
  assert.throws(() => a.setTotalSteps(0), /totalSteps must be a positive integer, got 0/);
  assert.throws(() => new WarmupCosineLR(optimizer(), { warmupSteps: -1 }), /warmupSteps must be an integer >= 0, got -1/);
});
