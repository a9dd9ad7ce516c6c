import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter } from '../autograd/parameter.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { assertClose } from '../testing/compare.js';
import type { Optimizer } from './optimizer.js';
import { CosineAnnealingLR, ExponentialLR, LinearWarmup, type Schedule, StepLR } from './schedules.js';
import { Sgd } from './sgd.js';

const optimizer = (lr = 0.1): Optimizer => new Sgd([Parameter.zeros([1])], { lr, backend: new ReferenceBackend() });

/** The optimizer's lr at epochs 0..n (after construction and after each step). */
function lrs(s: Schedule, n: number): number[] {
  const out = [s.optimizer.lr];
  for (let e = 1; e <= n; e++) {
    s.step();
    assert.equal(s.lastLr, s.optimizer.lr);
    out.push(s.optimizer.lr);
  }
  return out;
}

const range = (n: number) => Array.from({ length: n + 1 }, (_, e) => e);

test('StepLR: lr = base * gamma^floor(e / stepSize) (the PyTorch docs example)', () => {
  const got = lrs(new StepLR(optimizer(0.05), { stepSize: 30 }), 95);
  assertClose(got, range(95).map((e) => 0.05 * 0.1 ** Math.floor(e / 30)), { rtol: 1e-12 });
  assert.equal(got[29], 0.05);
  assertClose([got[30]!, got[60]!, got[90]!], [0.005, 0.0005, 0.00005], { rtol: 1e-12 });
});

test('ExponentialLR: lr = base * gamma^e', () => {
  assertClose(lrs(new ExponentialLR(optimizer(), { gamma: 0.9 }), 20), range(20).map((e) => 0.1 * 0.9 ** e), { rtol: 1e-12 });
});

test('CosineAnnealingLR: etaMin + (base - etaMin)(1 + cos(pi e / tMax)) / 2, rising again after tMax', () => {
  const got = lrs(new CosineAnnealingLR(optimizer(), { tMax: 10, etaMin: 0.01 }), 20);
  assertClose(got, range(20).map((e) => 0.01 + 0.09 * (1 + Math.cos(Math.PI * e / 10)) / 2), { rtol: 1e-12 });
  assertClose([got[5]!, got[10]!, got[20]!], [0.055, 0.01, 0.1], { rtol: 1e-12 });
});

test('LinearWarmup: base * (s + (1 - s) * min(e, W) / W), then constant (torch LinearLR)', () => {
  const got = lrs(new LinearWarmup(optimizer(), { warmupSteps: 4, startFactor: 0.2 }), 8);
  assertClose(got, [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1, 0.1, 0.1], { rtol: 1e-12 });
  const def = new LinearWarmup(optimizer(0.3), { warmupSteps: 5 });
  assertClose([def.lastLr], [0.1], { rtol: 1e-12 });
});

test('LinearWarmup then cosine: the follow-up starts at its epoch 0 when warm-up ends (SequentialLR)', () => {
  const opt = optimizer(1);
  const cosine = new CosineAnnealingLR(opt, { tMax: 4 });
  const s = new LinearWarmup(opt, { warmupSteps: 2, startFactor: 0.5, then: cosine });
  assertClose(lrs(s, 7), [0.5, 0.75, 1, (1 + Math.cos(Math.PI / 4)) / 2, 0.5, (1 + Math.cos(3 * Math.PI / 4)) / 2, 0, (1 + Math.cos(Math.PI * 5 / 4)) / 2],
    { rtol: 1e-12, atol: 1e-15 });
  assert.throws(() => new LinearWarmup(opt, { warmupSteps: 2, then: new StepLR(optimizer(), { stepSize: 1 }) }), /LinearWarmup: then must schedule the same optimizer/);
});

test('a second schedule on one optimizer keeps the original base lr (initial_lr)', () => {
  const opt = optimizer(0.1);
  new ExponentialLR(opt, { gamma: 0.5 }).step();
  assert.equal(opt.lr, 0.05);
  assert.equal(new StepLR(opt, { stepSize: 2 }).baseLr, 0.1);
});

test('stateDict / loadStateDict resume the schedule', () => {
  const a = new CosineAnnealingLR(optimizer(), { tMax: 10 });
  for (let i = 0; i < 3; i++) a.step();
  const saved = a.stateDict();
  assert.deepEqual({ ...saved, lastLr: 0 }, { type: 'CosineAnnealingLR', lastEpoch: 3, baseLr: 0.1, lastLr: 0 });
  const b = new CosineAnnealingLR(optimizer(), { tMax: 10 });
  b.loadStateDict(saved);
  assert.equal(b.optimizer.lr, a.optimizer.lr);
  a.step();
  b.step();
  assert.equal(b.lastLr, a.lastLr);
  assert.throws(() => b.loadStateDict({ ...saved, type: 'StepLR' }), /CosineAnnealingLR.loadStateDict: type must be 'CosineAnnealingLR', got 'StepLR'/);
});

test('schedule options are validated', () => {
  assert.throws(() => new StepLR(optimizer(), { stepSize: 0 }), /StepLR: stepSize must be an integer > 0, got 0/);
  assert.throws(() => new CosineAnnealingLR(optimizer(), { tMax: 2.5 }), /CosineAnnealingLR: tMax must be an integer > 0, got 2.5/);
  assert.throws(() => new LinearWarmup(optimizer(), { warmupSteps: 3, startFactor: 0 }), /LinearWarmup: startFactor must be a finite number > 0 and <= 1, got 0/);
  assert.throws(() => new ExponentialLR(optimizer(), {} as never), /ExponentialLR: gamma must be a finite number >= 0, got undefined/);
});
