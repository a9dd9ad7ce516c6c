// Linear-chain CRF: logZ, nll and marginals against brute-force enumeration of every tag path
// for every reduction; gradcheck of emissions, transitions, start and end together (garbage in
// padding gets no gradient, a Parameter used twice gets both contributions); Viterbi against
// the brute-force argmax path; large scores stay finite; marginals sum to one; clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { IntTensor, Tensor } from '../../tensor/tensor.js';
import { assertClose, randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Parameter } from '../parameter.js';
import { Tape } from '../tape.js';
import { crfNll, crfViterbi } from './crf.js';
import { add } from './elementwise.js';

const rand = (rng: Rng, shape: number[], lo = -1, hi = 1) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1), lo, hi), shape);

/** A random CRF problem: emissions [T, B, K], tags [T, B] (-1 past each length), transitions, start, end. */
function problem(seed: number, T: number, B: number, K: number, lengths: readonly number[], scale = 1, padding?: number) {
  const rng = new Rng(seed);
  const emissions = rand(rng, [T, B, K], -2 * scale, 2 * scale);
  const transitions = rand(rng, [K, K], -scale, scale);
  const start = rand(rng, [K], -scale, scale);
  const end = rand(rng, [K], -scale, scale);
  const tags = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (t < lengths[b]!) tags[t * B + b] = rng.int(K);
      else {
        tags[t * B + b] = -1;
        if (padding !== undefined) for (let k = 0; k < K; k++) emissions.data[(t * B + b) * K + k] = padding + 37 * k + b;
      }
    }
  }
  return { emissions, tags: new IntTensor(tags, [T, B]), transitions, start, end };
}

type Problem = ReturnType<typeof problem>;

/** score(path) of sequence b in float64, straight from the definition. */
function pathScore(p: Problem, b: number, path: ArrayLike<number>): number {
  const [, B, K] = p.emissions.shape as [number, number, number];
  let s = p.start.data[path[0]!]! + p.end.data[path[path.length - 1]!]!;
  for (let t = 0; t < path.length; t++) s += p.emissions.data[(t * B + b) * K + path[t]!]!;
  for (let t = 1; t < path.length; t++) s += p.transitions.data[path[t - 1]! * K + path[t]!]!;
  return s;
}

/** Every tag path of length L over K tags, in lexicographic order. */
function* allPaths(L: number, K: number): Generator<number[]> {
  const path = new Array<number>(L).fill(0);
  for (;;) {
    yield path.slice();
    let i = L - 1;
    while (i >= 0 && path[i] === K - 1) path[i--] = 0;
    if (i < 0) return;
    path[i]!++;
  }
}

/** Brute force for sequence b: logZ, the unary marginals [L, K], and the first best path. */
function bruteForce(p: Problem, b: number, L: number) {
  const K = p.emissions.shape[2]!;
  const paths = [...allPaths(L, K)];
  const scores = paths.map((y) => pathScore(p, b, y));
  const top = Math.max(...scores);
  const logZ = top + Math.log(scores.reduce((z, s) => z + Math.exp(s - top), 0));
  const marginals = new Float64Array(L * K);
  paths.forEach((y, n) => { for (let t = 0; t < L; t++) marginals[t * K + y[t]!]! += Math.exp(scores[n]! - logZ); });
  let best = 0;
  for (let n = 1; n < paths.length; n++) if (scores[n]! > scores[best]!) best = n;
  return { logZ, marginals, bestPath: paths[best]!, bestScore: scores[best]! };
}

const goldPath = (p: Problem, b: number, L: number) => Array.from({ length: L }, (_, t) => p.tags.data[t * p.tags.shape[1]! + b]!);

test('crfNll: logZ and nll equal brute-force enumeration of every path, for every reduction (float32 and float64)', () => {
  const lengths = [4, 1, 3];
  const p = problem(1, 4, 3, 3, lengths, 1, 1e4);
  const brute = lengths.map((L, b) => bruteForce(p, b, L));
  const gold = lengths.map((L, b) => pathScore(p, b, goldPath(p, b, L)));
  const want = brute.map((r, b) => r.logZ - gold[b]!);
  const total = want.reduce((a, v) => a + v, 0);
  for (const [backend, tol] of [[new ReferenceBackend(), { rtol: 1e-5, atol: 1e-5 }], [new ReferenceBackend({ precision: 'f64' }), { rtol: 1e-12, atol: 1e-12 }]] as const) {
    const tape = new Tape(backend);
    const none = crfNll(tape, p.emissions, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'none' });
    assert.deepEqual(none.shape, [3]);
    assertClose(none.data, want, tol, 'none');
    assertClose(Array.from(none.data, (v, b) => v + gold[b]!), brute.map((r) => r.logZ), tol, 'logZ = nll + score(gold)');
    const def = crfNll(tape, p.emissions, p.tags, lengths, p.transitions, p.start, p.end);
    assert.deepEqual(def.shape, []);
    assertClose(def.data, [total / 8], tol, 'token-mean is the default: sum / (4 + 1 + 3) tokens');
    assertClose(crfNll(tape, p.emissions, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'token-mean' }).data, [total / 8], tol, 'token-mean');
    assertClose(crfNll(tape, p.emissions, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'sum' }).data, [total], tol, 'sum');
    assertClose(crfNll(tape, p.emissions, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'mean' }).data, [total / 3], tol, 'mean');
    // An inference tape gives the same value (and saves nothing for a backward).
    const probe = Tape.inference(backend);
    assertClose(crfNll(probe, p.emissions, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'none' }).data, want, tol, 'inference tape');
  }
});

test('crfNll: with reduction sum, demissions + onehot(gold) are the brute-force marginals P(y_t = k)', () => {
  const lengths = [4, 1, 3];
  const p = problem(2, 4, 3, 3, lengths);
  const tape = new Tape(new ReferenceBackend({ precision: 'f64' }));
  const e = tape.watch(p.emissions.clone());
  tape.backward(crfNll(tape, e, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'sum' }));
  const de = tape.grad(e).data;
  lengths.forEach((L, b) => {
    const { marginals } = bruteForce(p, b, L);
    const got = new Float64Array(L * 3);
    for (let t = 0; t < L; t++) {
      for (let k = 0; k < 3; k++) got[t * 3 + k] = de[(t * 3 + b) * 3 + k]! + (p.tags.data[t * 3 + b] === k ? 1 : 0);
    }
    assertClose(got, marginals, { rtol: 1e-10, atol: 1e-12 }, `marginals of sequence ${b}`);
  });
});

test('crfNll: gradcheck of emissions, transitions, start and end together for every reduction; padding garbage gets no gradient', () => {
  const lengths = [5, 2, 3, 1];
  const p = problem(3, 5, 4, 4, lengths, 1, 1e4);
  const inputs = [p.emissions, p.transitions, p.start, p.end];
  const names = ['emissions', 'transitions', 'start', 'end'];
  for (const reduction of ['token-mean', 'mean', 'sum', 'none'] as const) {
    const report = gradcheck((t, [e, tr, s, n]) => crfNll(t, e!, p.tags, lengths, tr!, s!, n!, { reduction }), inputs, { names: names.map((n) => `${n} (${reduction})`) });
    for (const r of report.inputs) assert.ok(r.maxAbsGradient > 0, `${r.name}: the check proved something`);
  }
  // Padding steps hold 1e4 + ...: their gradient is exactly 0 and nothing else changes with them.
  const run = (emissions: Tensor) => {
    const tape = new Tape(new ReferenceBackend());
    const e = tape.watch(tape.copy(emissions));
    const loss = crfNll(tape, e, p.tags, lengths, p.transitions, p.start, p.end, { reduction: 'sum' });
    tape.backward(loss);
    return { loss: loss.item(), de: tape.grad(e).toArray() };
  };
  const clean = p.emissions.clone();
  for (let b = 0; b < 4; b++) for (let t = lengths[b]!; t < 5; t++) clean.data.fill(0, (t * 4 + b) * 4, (t * 4 + b + 1) * 4);
  const dirty = run(p.emissions), zeroed = run(clean);
  assert.equal(dirty.loss, zeroed.loss);
  assert.deepEqual(dirty.de, zeroed.de);
  for (let b = 0; b < 4; b++) {
    for (let t = 0; t < 5; t++) {
      const g = dirty.de.slice((t * 4 + b) * 4, (t * 4 + b + 1) * 4);
      assert.ok(t < lengths[b]! ? g.some((v) => v !== 0) : g.every((v) => v === 0), `demissions[${t}, ${b}] = ${g}`);
    }
  }
});

test('crfNll: Parameters accumulate; one used by two losses gets both contributions (gradcheck)', () => {
  const lengths = [3, 2];
  const p = problem(4, 3, 2, 3, lengths);
  const q = problem(5, 3, 2, 3, lengths);
  const transitions = new Parameter(p.transitions.data, [3, 3]);
  const start = new Parameter(p.start.data, [3]);
  const frozenEnd = new Parameter(p.end.data, [3], false);
  gradcheck((t, [e1, e2, tr, s, n]) => add(t,
    crfNll(t, e1!, p.tags, lengths, tr!, s!, n!, { reduction: 'sum' }),
    crfNll(t, e2!, q.tags, lengths, tr!, s!, n!, { reduction: 'mean' })),
  [p.emissions, q.emissions, transitions, start, frozenEnd], { names: ['emissions 1', 'emissions 2', 'transitions', 'start', 'end (frozen)'] });
  // Only transitions needs a gradient: the others are left alone.
  const tape = new Tape(new ReferenceBackend());
  const tr = new Parameter(Float32Array.from(p.transitions.data), [3, 3]);
  tape.backward(crfNll(tape, p.emissions, p.tags, lengths, tr, p.start, p.end));
  assert.ok(tr.grad.toArray().some((v) => v !== 0));
  assert.equal(tape.gradIfAny(p.emissions), undefined);
});

test('crfViterbi: the brute-force argmax path and its score, on random problems (several seeds)', () => {
  for (let seed = 10; seed < 16; seed++) {
    const rng = new Rng(seed);
    const [T, B, K] = [5, 4, 4];
    const lengths = [T, ...Array.from({ length: B - 1 }, () => 1 + rng.int(T))];
    const p = problem(seed, T, B, K, lengths, 1, 1e4);
    const { paths, scores } = crfViterbi(p.emissions.data, T, B, K, lengths, p.transitions.data, p.start.data, p.end.data);
    assert.equal(paths.length, B);
    assert.equal(scores.length, B);
    lengths.forEach((L, b) => {
      const brute = bruteForce(p, b, L);
      assert.deepEqual(Array.from(paths[b]!), brute.bestPath, `seed ${seed}, sequence ${b}`);
      assertClose([scores[b]!], [pathScore(p, b, paths[b]!)], { rtol: 1e-12, atol: 1e-12 }, `score of seed ${seed}, sequence ${b}`);
      assertClose([scores[b]!], [brute.bestScore], { rtol: 1e-12, atol: 1e-12 }, `best score of seed ${seed}, sequence ${b}`);
    });
  }
  // Ties go to the lower tag index: all scores equal gives the all-zero path.
  const flat = crfViterbi(new Float32Array(3 * 2 * 3), 3, 2, 3, [3, 2], new Float32Array(9), new Float32Array(3), new Float32Array(3));
  assert.deepEqual(flat.paths.map((x) => Array.from(x)), [[0, 0, 0], [0, 0]]);
  assert.deepEqual(Array.from(flat.scores), [0, 0]);
});

test('crfNll: large scores (emissions ~ 1e4) give finite values and gradients; nll of the Viterbi path is ~0', () => {
  const [T, B, K] = [6, 3, 5];
  const lengths = [6, 4, 1];
  const p = problem(7, T, B, K, lengths, 5e3); // emissions in [-1e4, 1e4), transitions in [-5e3, 5e3)
  const { paths } = crfViterbi(p.emissions.data, T, B, K, lengths, p.transitions.data, p.start.data, p.end.data);
  const best = new Int32Array(T * B).fill(-1);
  paths.forEach((path, b) => path.forEach((y, t) => { best[t * B + b] = y; }));
  for (const tags of [p.tags, new IntTensor(best, [T, B])]) {
    const tape = new Tape(new ReferenceBackend());
    const e = tape.watch(tape.copy(p.emissions));
    const tr = tape.watch(tape.copy(p.transitions)), s = tape.watch(tape.copy(p.start)), n = tape.watch(tape.copy(p.end));
    const loss = crfNll(tape, e, tags, lengths, tr, s, n, { reduction: 'none' });
    tape.backward(loss);
    for (const [name, v] of [['loss', loss], ['demissions', tape.grad(e)], ['dtransitions', tape.grad(tr)], ['dstart', tape.grad(s)], ['dend', tape.grad(n)]] as const) {
      assert.ok(v.toArray().every(Number.isFinite), `${name}: ${v.toArray()}`);
    }
    assert.ok(loss.toArray().every((v) => v >= 0), `nll >= 0: ${loss.toArray()}`);
    if (tags !== p.tags) {
      assertClose(loss.data, [0, 0, 0], { atol: 1e-6 }, 'nll of the best path');
      assert.ok(tape.grad(e).toArray().every((v) => Math.abs(v) < 1e-6), 'the best path has all the mass');
    }
  }
  // Against brute force in float64 on a problem small enough to enumerate.
  const small = problem(8, 4, 2, 3, [4, 3], 5e3);
  const got = crfNll(new Tape(new ReferenceBackend({ precision: 'f64' })), small.emissions, small.tags, [4, 3], small.transitions, small.start, small.end, { reduction: 'none' });
  const want = [4, 3].map((L, b) => bruteForce(small, b, L).logZ - pathScore(small, b, goldPath(small, b, L)));
  assertClose(got.data, want, { rtol: 1e-12, atol: 1e-9 }, 'large-score nll');
});

test('crfNll: with seed 1 and reduction sum, the emission gradient sums to 0 over tags at every valid step', () => {
  const [T, B, K] = [7, 4, 6];
  const lengths = [7, 3, 1, 5];
  const p = problem(9, T, B, K, lengths, 2, 1e4);
  const tape = new Tape(new ReferenceBackend());
  const e = tape.watch(tape.copy(p.emissions));
  const tr = tape.watch(tape.copy(p.transitions)), s = tape.watch(tape.copy(p.start)), n = tape.watch(tape.copy(p.end));
  const tags = new IntTensor(Int32Array.from(p.tags.data), [T, B]);
  const loss = crfNll(tape, e, tags, lengths, tr, s, n, { reduction: 'sum' });
  tags.data.fill(0); // copied at call time: the backward still sees the gold tags
  tape.backward(loss);
  const de = tape.grad(e).data;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      let total = 0, mass = 0;
      for (let k = 0; k < K; k++) {
        const g = de[(t * B + b) * K + k]!;
        total += g;
        mass += g + (p.tags.data[t * B + b] === k ? 1 : 0);
        if (t < lengths[b]!) assert.ok(g >= -1 - 1e-6 && g <= 1 + 1e-6, `demissions[${t}, ${b}, ${k}] = ${g}`);
      }
      if (t < lengths[b]!) {
        assert.ok(Math.abs(total) < 1e-6, `sum_k demissions[${t}, ${b}, k] = ${total}`);
        assert.ok(Math.abs(mass - 1) < 1e-6, `the marginals at [${t}, ${b}] sum to ${mass}`);
      } else {
        assert.equal(total, 0, `padding [${t}, ${b}]`);
      }
    }
  }
  // Likewise start and end (one step each per sequence) and transitions (L - 1 steps each).
  for (const [name, t] of [['dstart', s], ['dend', n], ['dtransitions', tr]] as const) {
    const total = tape.grad(t).toArray().reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(total) < 1e-5, `sum of ${name} = ${total}`);
  }
});

test('crfNll / crfViterbi: argument errors', () => {
  const lengths = [3, 2];
  const p = problem(11, 3, 2, 3, lengths);
  const tape = new Tape(new ReferenceBackend());
  const call = (over: Partial<{ emissions: unknown; tags: unknown; lengths: unknown; transitions: unknown; start: unknown; end: unknown; reduction: unknown }>) =>
    () => crfNll(tape, (over.emissions ?? p.emissions) as Tensor, (over.tags ?? p.tags) as IntTensor, (over.lengths ?? lengths) as number[],
      (over.transitions ?? p.transitions) as Tensor, (over.start ?? p.start) as Tensor, (over.end ?? p.end) as Tensor, { reduction: (over.reduction ?? 'sum') as 'sum' });
  assert.throws(call({ emissions: Tensor.zeros([3, 6]) }), { message: 'crfNll: emissions must be [T, B, K] with T, B, K >= 1, got [3, 6]' });
  assert.throws(call({ emissions: IntTensor.zeros([3, 2, 3]) }), { message: 'crfNll: emissions must be a float Tensor, got an IntTensor [3, 2, 3]' });
  assert.throws(call({ tags: Tensor.zeros([3, 2]) }), /^Error: crfNll: tags must be an IntTensor \[T, B\] = \[3, 2\] of tag ids, got a float Tensor \[3, 2\]/);
  assert.throws(call({ tags: IntTensor.zeros([2, 3]) }), { message: 'crfNll: tags must be [T, B] = [3, 2] like emissions [3, 2, 3], got [2, 3]' });
  assert.throws(call({ lengths: [3] }), { message: 'crfNll: lengths must have one entry per sequence (B = 2), got 1' });
  assert.throws(call({ lengths: [3, 0] }), { message: 'crfNll: lengths[1] = 0 must be between 1 and T = 3' });
  assert.throws(call({ lengths: [4, 2] }), { message: 'crfNll: lengths[0] = 4 must be between 1 and T = 3' });
  assert.throws(call({ lengths: [3, 1.5] }), { message: 'crfNll: lengths[1] = 1.5 is not an integer' });
  assert.throws(call({ lengths: IntTensor.from([3, 2]) }), /crfNll: lengths must be an array of 2 integers, got an IntTensor \[2\] \(pass lengths.data\)/);
  assert.throws(call({ lengths: 3 }), { message: 'crfNll: lengths must be an array of 2 integers, got number' });
  assert.throws(call({ tags: IntTensor.from([0, 1, 2, 3, 0, -1], [3, 2]) }), { message: 'crfNll: tags[1, 1] = 3 is outside [0, K = 3) within lengths[1] = 2' });
  assert.throws(call({ tags: IntTensor.from([0, 1, -1, 2, 0, 0], [3, 2]) }), { message: 'crfNll: tags[1, 0] = -1 is outside [0, K = 3) within lengths[0] = 3' });
  assert.doesNotThrow(call({ tags: IntTensor.from([0, 1, 2, 2, 0, 99], [3, 2]) }), 'tags past a length are ignored');
  assert.throws(call({ transitions: Tensor.zeros([3, 4]) }), { message: 'crfNll: transitions must be [K, K] = [3, 3], got [3, 4]' });
  assert.throws(call({ start: Tensor.zeros([4]) }), { message: 'crfNll: start must be [K] = [3], got [4]' });
  assert.throws(call({ end: Tensor.zeros([3, 1]) }), { message: 'crfNll: end must be [K] = [3], got [3, 1]' });
  assert.throws(call({ end: [0, 0, 0] }), { message: 'crfNll: end must be a float Tensor, got an array of 3' });
  assert.throws(call({ reduction: 'avg' }), { message: "crfNll: reduction must be 'token-mean', 'mean', 'sum' or 'none', got 'avg'" });

  const [e, tr, s, n] = [p.emissions.data, p.transitions.data, p.start.data, p.end.data];
  assert.throws(() => crfViterbi(e, 3, 2, 4, lengths, tr, s, n), { message: 'crfViterbi: emissions must hold [T, B, K] = 24 values (T = 3, B = 2, K = 4), got 18' });
  assert.throws(() => crfViterbi(e, 3, 2, 3, lengths, tr.subarray(1), s, n), { message: 'crfViterbi: transitions must hold [K, K] = 9 values (T = 3, B = 2, K = 3), got 8' });
  assert.throws(() => crfViterbi(e, 3, 2, 3, lengths, tr, s, new Float32Array(2)), { message: 'crfViterbi: end must hold [K] = 3 values (T = 3, B = 2, K = 3), got 2' });
  assert.throws(() => crfViterbi(e, 3, 2, 0, lengths, tr, s, n), { message: 'crfViterbi: K must be an integer >= 1, got 0' });
  assert.throws(() => crfViterbi(e, 3, 2, 3, [3, 2.5], tr, s, n), { message: 'crfViterbi: lengths[1] = 2.5 is not an integer' });
  assert.throws(() => crfViterbi(e, 3, 2, 3, [3, 4], tr, s, n), { message: 'crfViterbi: lengths[1] = 4 must be between 1 and T = 3' });
  assert.throws(() => crfViterbi(Array.from(e) as unknown as Float32Array, 3, 2, 3, lengths, tr, s, n), { message: 'crfViterbi: emissions must be a Float32Array of [T, B, K] = 18 values, got an array of 18' });
});
