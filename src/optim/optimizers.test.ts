/**
 * Each optimizer against PyTorch's documented update rule, written out here in float64 without
 * reference to the kernels, for three steps with a fixed gradient, on the float64 reference
 * backend (tight), the float32 reference backend and the wasm backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mseLoss } from '../autograd/ops/index.js';
import { Parameter, packOf, packParameters } from '../autograd/parameter.js';
import { Tape } from '../autograd/tape.js';
import type { Backend } from '../kernels/backend.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { Linear } from '../nn/linear.js';
import { Sequential } from '../nn/sequential.js';
import { Tanh } from '../nn/activation.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { assertClose } from '../testing/compare.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { Rmsprop } from './rmsprop.js';
import { Sgd } from './sgd.js';

const backends: [Backend, { rtol: number; atol: number }][] = [
  [new ReferenceBackend({ precision: 'f64' }), { rtol: 1e-12, atol: 1e-14 }],
  [new ReferenceBackend(), { rtol: 1e-5, atol: 1e-6 }],
  [await WasmBackend.create(), { rtol: 1e-5, atol: 1e-6 }],
];

const P0 = [0.5, -1, 2, 0, -0.3];
const G = [0.1, -0.4, 0.25, 1, -2];

/** One documented update of every element, in place on `p` (float64); `t` counts from 1. */
type Rule = (p: number[], g: readonly number[], t: number, s: Record<string, number[]>) => void;

function expectedSteps(rule: Rule, steps = 3): number[][] {
  const p = [...P0];
  const s: Record<string, number[]> = {};
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    rule(p, G, t, s);
    out.push([...p]);
  }
  return out;
}

const buf = (s: Record<string, number[]>, name: string, init = 0): number[] => (s[name] ??= P0.map(() => init));

/**
 * Two parameters ([3] and [2]) packed together; each step sets the fixed gradient G and steps.
 * Returns the parameter values after each step.
 */
function run(backend: Backend, make: (ps: Parameter[]) => Optimizer, steps = 3): number[][] {
  const a = new Parameter(Float32Array.from(P0.slice(0, 3)), [3]);
  const b = new Parameter(Float32Array.from(P0.slice(3)), [2]);
  packParameters(backend, [a, b]);
  a.data.set(P0.slice(0, 3)); // again, now at the backend's precision (float64 for the tight check)
  b.data.set(P0.slice(3));
  const opt = make([a, b]);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    opt.zeroGrad();
    a.grad.data.set(G.slice(0, 3));
    b.grad.data.set(G.slice(3));
    opt.step();
    out.push([...a.data, ...b.data]);
  }
  return out;
}

// ---- the documented rules (pytorch.org/docs/stable/generated/torch.optim.*.html) --------------

const sgdRule = (lr: number, mu = 0, tau = 0, wd = 0, nesterov = false): Rule => (p, g0, t, s) => {
  const b = buf(s, 'b');
  for (let i = 0; i < p.length; i++) {
    let g = g0[i]! + wd * p[i]!;
    if (mu !== 0) {
      b[i] = t > 1 ? mu * b[i]! + (1 - tau) * g : g;
      g = nesterov ? g + mu * b[i]! : b[i]!;
    }
    p[i] = p[i]! - lr * g;
  }
};

const adagradRule = (lr: number, eta = 0, wd = 0, init = 0, eps = 1e-10): Rule => (p, g0, t, s) => {
  const sum = buf(s, 'sum', init);
  const clr = lr / (1 + (t - 1) * eta);
  for (let i = 0; i < p.length; i++) {
    const g = g0[i]! + wd * p[i]!;
    sum[i] = sum[i]! + g * g;
    p[i] = p[i]! - clr * g / (Math.sqrt(sum[i]!) + eps);
  }
};

const rmspropRule = (lr: number, alpha = 0.99, eps = 1e-8, wd = 0, mu = 0, centered = false): Rule => (p, g0, _t, s) => {
  const v = buf(s, 'v');
  const gAve = buf(s, 'gAve');
  const b = buf(s, 'b');
  for (let i = 0; i < p.length; i++) {
    const g = g0[i]! + wd * p[i]!;
    v[i] = alpha * v[i]! + (1 - alpha) * g * g;
    let vt = v[i]!;
    if (centered) {
      gAve[i] = alpha * gAve[i]! + (1 - alpha) * g;
      vt -= gAve[i]! ** 2;
    }
    if (mu > 0) {
      b[i] = mu * b[i]! + g / (Math.sqrt(vt) + eps);
      p[i] = p[i]! - lr * b[i]!;
    } else {
      p[i] = p[i]! - lr * g / (Math.sqrt(vt) + eps);
    }
  }
};

const adamRule = (lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, decoupled = false): Rule => (p, g0, t, s) => {
  const m = buf(s, 'm');
  const v = buf(s, 'v');
  for (let i = 0; i < p.length; i++) {
    let g = g0[i]!;
    if (decoupled) p[i] = p[i]! - lr * wd * p[i]!;
    else g += wd * p[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * g;
    v[i] = b2 * v[i]! + (1 - b2) * g * g;
    const mHat = m[i]! / (1 - b1 ** t);
    const vHat = v[i]! / (1 - b2 ** t);
    p[i] = p[i]! - lr * mHat / (Math.sqrt(vHat) + eps);
  }
};

const cases: [string, (ps: Parameter[]) => Optimizer, Rule][] = [
  ['Sgd plain', (ps) => new Sgd(ps, { lr: 0.1 }), sgdRule(0.1)],
  ['Sgd momentum + dampening', (ps) => new Sgd(ps, { lr: 0.1, momentum: 0.9, dampening: 0.5 }), sgdRule(0.1, 0.9, 0.5)],
  ['Sgd nesterov + weight decay', (ps) => new Sgd(ps, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 }), sgdRule(0.05, 0.8, 0, 0.1, true)],
  ['Adagrad defaults', (ps) => new Adagrad(ps), adagradRule(0.01)],
  ['Adagrad lrDecay + weight decay + initial accumulator', (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.5, weightDecay: 0.2, initialAccumulatorValue: 0.3 }),
    adagradRule(0.1, 0.5, 0.2, 0.3)],
  ['Rmsprop defaults', (ps) => new Rmsprop(ps), rmspropRule(0.01)],
  ['Rmsprop centered + momentum + weight decay', (ps) => new Rmsprop(ps, { lr: 0.02, alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 0.1 }),
    rmspropRule(0.02, 0.9, 1e-8, 0.1, 0.5, true)],
  ['Adam defaults', (ps) => new Adam(ps), adamRule(1e-3)],
  ['Adam betas + L2 weight decay', (ps) => new Adam(ps, { lr: 0.1, betas: [0.8, 0.9], weightDecay: 0.5 }), adamRule(0.1, 0.8, 0.9, 1e-8, 0.5)],
  ['AdamW decoupled weight decay', (ps) => new AdamW(ps, { lr: 0.1, weightDecay: 0.5 }), adamRule(0.1, 0.9, 0.999, 1e-8, 0.5, true)],
];

for (const [backend, tol] of backends) {
  test(`optimizers match the documented PyTorch rules for 3 steps (${backend.description})`, () => {
    for (const [name, make, rule] of cases) {
      const got = run(backend, make);
      expectedSteps(rule).forEach((want, t) => assertClose(got[t]!, want, tol, `${name}, step ${t + 1}`));
    }
  });
}

test('hand-computed anchors: SGD momentum 0.9 and Adam with a constant gradient', () => {
  const p = new Parameter(Float32Array.of(1), [1]);
  const backend = new ReferenceBackend({ precision: 'f64' });
  const sgd = new Sgd([p], { lr: 0.1, momentum: 0.9, backend });
  const seen: number[] = [];
  for (let t = 0; t < 3; t++) { p.grad.data[0] = 0.5; sgd.step(); seen.push(p.data[0]!); }
  // b = 0.5, 0.95, 1.355; p = 1 - 0.05, - 0.095, - 0.1355
  assertClose(seen, [0.95, 0.855, 0.7195], { rtol: 1e-12, atol: 1e-15 });
  const q = new Parameter(Float32Array.of(1), [1]);
  const adam = new Adam([q], { lr: 0.1, backend });
  const seenQ: number[] = [];
  for (let t = 0; t < 3; t++) { q.grad.data[0] = 0.5; adam.step(); seenQ.push(q.data[0]!); }
  // With a constant g the bias-corrected moments are exactly g and g^2: each step moves lr * g / (|g| + eps).
  const d = 0.1 * 0.5 / (0.5 + 1e-8);
  assertClose(seenQ, [1 - d, 1 - 2 * d, 1 - 3 * d], { rtol: 1e-12, atol: 1e-15 });
});

test('one kernel call per contiguous run; frozen parameters split runs and are never touched', () => {
  const base = new ReferenceBackend();
  let calls = 0;
  const counting = Object.create(base) as ReferenceBackend;
  counting.adamStep = (...args) => { calls++; base.adamStep(...args); };
  const ps = [0, 1, 2, 3].map((i) => new Parameter(Float32Array.of(i, i), [2]));
  packParameters(counting, ps);
  const opt = new Adam(ps, { lr: 0.1 });
  opt.step();
  assert.equal(calls, 1);
  ps[1]!.requiresGrad = false;
  const opt2 = new Adam(ps, { lr: 0.1 });
  assert.equal(opt2.params.length, 3);
  ps.forEach((p) => p.grad.data.fill(1));
  const frozen = ps[1]!.toArray();
  calls = 0;
  opt2.step();
  assert.equal(calls, 2, 'runs [p0] and [p2, p3]');
  assert.deepEqual(ps[1]!.toArray(), frozen);
  opt2.zeroGrad();
  assert.ok([ps[0]!, ps[2]!, ps[3]!].every((p) => p.grad.data.every((g) => g === 0)));
  assert.deepEqual(ps[1]!.grad.toArray(), [1, 1], 'zeroGrad leaves parameters it does not own alone');
});

test('unpacked parameters: packed on options.backend, else a clear error', () => {
  const p = Parameter.zeros([3]);
  assert.throws(() => new Sgd([p], { lr: 0.1 }), /Sgd: 1 of 1 parameters are not packed \(first: \[3\]\); call model.to\(backend\) before creating the optimizer, or pass \{ backend \}/);
  const backend = new ReferenceBackend();
  new Sgd([p], { lr: 0.1, backend });
  assert.equal(packOf(p)?.backend, backend);
});

test('re-packing after construction is detected', () => {
  const backend = new ReferenceBackend();
  const m = new Linear(2, 2, { rng: new Rng(0) }).to(backend);
  const opt = new Sgd(m.parameters(), { lr: 0.1 });
  m.to(backend);
  assert.throws(() => opt.step(), /Sgd.step: the parameters were re-packed \(e.g. by Module.to\) after this optimizer was created/);
});

test('hyperparameter validation names the optimizer, the option and the value', () => {
  const p = () => [Parameter.zeros([1])];
  const backend = new ReferenceBackend();
  assert.throws(() => new Sgd(p(), { lr: -1, backend }), /Sgd: lr must be a finite number >= 0, got -1/);
  assert.throws(() => new Sgd(p(), { lr: 0.1, nesterov: true, backend }), /Sgd: nesterov momentum requires momentum > 0 and dampening = 0, got momentum = 0, dampening = 0/);
  assert.throws(() => new Sgd(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true, backend }), /dampening = 0.1/);
  assert.throws(() => new Adam(p(), { betas: [0.9, 1], backend }), /Adam: betas\[1\] must be a finite number in \[0, 1\), got 1/);
  assert.throws(() => new AdamW(p(), { eps: -1, backend }), /AdamW: eps must be a finite number >= 0, got -1/);
  assert.throws(() => new Rmsprop(p(), { alpha: -0.1, backend }), /Rmsprop: alpha must be a finite number >= 0, got -0.1/);
  assert.throws(() => new Adagrad(p(), { lrDecay: -1, backend }), /Adagrad: lrDecay must be a finite number >= 0, got -1/);
  assert.throws(() => new Adam([], {}), /Adam: got an empty parameter list/);
  const frozen = Parameter.zeros([1], false);
  assert.throws(() => new Adam([frozen], { backend }), /Adam: none of the 1 parameters requires a gradient/);
  const opt = new Adam(p(), { backend });
  assert.throws(() => { opt.lr = Number.NaN; }, /Adam.lr: lr must be a finite number >= 0, got NaN/);
  assert.equal(new AdamW(p(), { backend }).weightDecay, 1e-2);
  assert.equal(new Adam(p(), { backend }).weightDecay, 0);
});

test('the lr setter changes the next step', () => {
  const backend = new ReferenceBackend({ precision: 'f64' });
  const p = new Parameter(Float32Array.of(1), [1]);
  const opt = new Sgd([p], { lr: 0.1, backend });
  p.grad.data[0] = 1;
  opt.step();
  opt.lr = 0.5;
  opt.step();
  assertClose([p.data[0]!], [1 - 0.1 - 0.5], { rtol: 1e-12 });
});

test('stateDict / loadStateDict resume exactly, and bad dicts are rejected with every problem listed', () => {
  const backend = new ReferenceBackend();
  const make = (ps: Parameter[]) => new Rmsprop(ps, { lr: 0.05, momentum: 0.9, centered: true, backend });
  const params = () => [new Parameter(Float32Array.from(P0.slice(0, 3)), [3]), new Parameter(Float32Array.from(P0.slice(3)), [2])];
  const stepWith = (opt: Optimizer, ps: Parameter[]) => { ps[0]!.grad.data.set(G.slice(0, 3)); ps[1]!.grad.data.set(G.slice(3)); opt.step(); };
  const a = params();
  const optA = make(a);
  stepWith(optA, a);
  stepWith(optA, a);
  const saved = optA.stateDict();
  assert.equal(saved.step, 2);
  assert.deepEqual(Object.keys(saved.state).sort(), ['gradAvg', 'momentumBuffer', 'squareAvg']);
  assert.deepEqual(saved.state.squareAvg!.map((x) => x.length), [3, 2]);
  const b = params();
  b.forEach((p, i) => p.data.set(a[i]!.data));
  const optB = make(b);
  optB.loadStateDict(saved);
  stepWith(optA, a);
  stepWith(optB, b);
  assert.deepEqual(b.map((p) => p.toArray()), a.map((p) => p.toArray()));
  assert.equal(optB.steps, 3);

  const bad = { ...saved, type: 'Adam', sizes: [3, 3], state: { squareAvg: [new Float32Array(3), new Float32Array(1)], bogus: [] } };
  const before = optB.stateDict();
  assert.throws(() => optB.loadStateDict(bad), (e: Error) => {
    for (const part of ["type must be 'Rmsprop', got 'Adam'", 'parameter sizes must be [3, 2], got [3, 3]', "missing state buffer 'gradAvg'",
      "state buffer 'squareAvg'[1] must be a Float32Array of 2 elements, got 1", "unexpected state buffer 'bogus'"]) {
      assert.ok(e.message.includes(part), `missing '${part}' in: ${e.message}`);
    }
    return true;
  });
  assert.deepEqual(optB.stateDict(), before);
});

test('it learns: Sequential(Linear, Tanh, Linear) with Adam cuts the MSE of a small regression by 10x', () => {
  const backend = new ReferenceBackend();
  const rng = new Rng(7);
  const n = 64;
  const x = Tensor.zeros([n, 2]);
  const y = Tensor.zeros([n, 1]);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-2, 2);
    const b = rng.uniform(-2, 2);
    x.data.set([a, b], 2 * i);
    y.data[i] = Math.sin(a) + 0.5 * b;
  }
  const model = new Sequential(new Linear(2, 16, { rng }), new Tanh(), new Linear(16, 1, { rng })).to(backend);
  const opt = new Adam(model.parameters(), { lr: 0.02 });
  const tape = new Tape(backend);
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    tape.reset();
    opt.zeroGrad();
    const loss = mseLoss(tape, model.forward(tape, x), y);
    losses.push(loss.item());
    tape.backward(loss);
    opt.step();
  }
  const first = losses[0]!;
  const last = losses[losses.length - 1]!;
  assert.ok(last < first / 10, `MSE ${first} -> ${last}`);
});
