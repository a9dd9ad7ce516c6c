import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gru, Lstm, Rnn, deserializeState, detachState, resetStateRow, serializeState } from './recurrent.js';
import { Tape } from '../autograd/tape.js';
import { sum } from '../autograd/ops/index.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { randomFloats } from '../testing/compare.js';

test('parameters carry PyTorch names, shapes and default init bounds', () => {
  const lstm = new Lstm({ inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, rng: new Rng(1) });
  const names = [...lstm.namedParameters()].map(([n, p]) => `${n} [${p.shape.join(',')}]`);
  assert.deepEqual(names, [
    'weight_ih_l0 [16,5]', 'weight_hh_l0 [16,4]', 'bias_ih_l0 [16]', 'bias_hh_l0 [16]',
    'weight_ih_l0_reverse [16,5]', 'weight_hh_l0_reverse [16,4]', 'bias_ih_l0_reverse [16]', 'bias_hh_l0_reverse [16]',
    'weight_ih_l1 [16,8]', 'weight_hh_l1 [16,4]', 'bias_ih_l1 [16]', 'bias_hh_l1 [16]',
    'weight_ih_l1_reverse [16,8]', 'weight_hh_l1_reverse [16,4]', 'bias_ih_l1_reverse [16]', 'bias_hh_l1_reverse [16]',
  ]);
  const gru = new Gru({ inputSize: 3, hiddenSize: 7, bias: false, rng: new Rng(1) });
  assert.deepEqual([...gru.namedParameters()].map(([n, p]) => `${n} [${p.shape.join(',')}]`), ['weight_ih_l0 [21,3]', 'weight_hh_l0 [21,7]']);
  for (const p of lstm.parameters()) for (const v of p.data) assert.ok(Math.abs(v) <= 0.5, 'U(±1/sqrt(4))');
  const all = lstm.parameters().flatMap((p) => Array.from(p.data));
  assert.ok(Math.max(...all) > 0.45 && Math.min(...all) < -0.45, 'init spans the bound');
});

test('stateDict round-trips and same-seed models are identical', () => {
  const a = new Rnn({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', rng: new Rng(1) });
  const b = new Rnn({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', rng: new Rng(2) });
  assert.notDeepEqual(a.param('weight_hh_l0').toArray(), b.param('weight_hh_l0').toArray());
  b.loadStateDict(a.stateDict());
  const x = new Tensor(randomFloats(new Rng(3), 5 * 2 * 3), [5, 2, 3]);
  const tape = Tape.inference(new ReferenceBackend());
  assert.deepEqual(a.forward(tape, x).output.toArray(), b.forward(tape, x).output.toArray());
  const c = new Rnn({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu', rng: new Rng(1) });
  assert.deepEqual(c.stateDict(), a.stateDict());
});

test('a state dict with missing, extra and mis-shaped tensors is rejected listing them all', () => {
  const gru = new Gru({ inputSize: 3, hiddenSize: 4, rng: new Rng(1) });
  const dict = gru.stateDict();
  dict.delete('bias_hh_l0');
  dict.set('weight_ih_l1', Tensor.zeros([12, 4]));
  dict.set('weight_hh_l0', Tensor.zeros([12, 3]));
  const before = gru.param('weight_ih_l0').toArray();
  assert.throws(() => gru.loadStateDict(dict), (e: Error) =>
    /missing keys: 'bias_hh_l0'/.test(e.message) && /unexpected keys: 'weight_ih_l1'/.test(e.message)
    && /size mismatch for 'weight_hh_l0': expected \[12, 4\], got \[12, 3\]/.test(e.message));
  assert.deepEqual(gru.param('weight_ih_l0').toArray(), before, 'nothing was written');
});

test('loadStateDict counts problems by tensor: 2 missing + 2 unexpected + 2 mis-shaped is 6', () => {
  const H = 4;
  const opts = { inputSize: 3, hiddenSize: H, bidirectional: true, rng: new Rng(1) };
  for (const [model, G] of [[new Rnn(opts), 1], [new Lstm(opts), 4], [new Gru(opts), 3]] as const) {
    const name = model.constructor.name;
    const dict = model.stateDict();
    dict.delete('bias_hh_l0');
    dict.delete('weight_ih_l0_reverse');
    dict.set('weight_ih_l1', Tensor.zeros([G * H, 2 * H]));
    dict.set('bias_ih_l1', Tensor.zeros([G * H]));
    dict.set('weight_hh_l0', Tensor.zeros([G * H, H + 1]));
    dict.set('bias_ih_l0_reverse', Tensor.zeros([G * H + 1]));
    assert.throws(() => model.loadStateDict(dict), (e: Error) => {
      const [head, ...lines] = e.message.split('\n');
      assert.equal(head, `${name}.loadStateDict: 6 problems:`);
      assert.deepEqual(lines.map((l) => l.trim()), [
        "missing keys: 'bias_hh_l0', 'weight_ih_l0_reverse'",
        "unexpected keys: 'weight_ih_l1', 'bias_ih_l1'",
        `size mismatch for 'weight_hh_l0': expected [${G * H}, ${H}], got [${G * H}, ${H + 1}]`,
        `size mismatch for 'bias_ih_l0_reverse': expected [${G * H}], got [${G * H + 1}]`,
      ]);
      // Every problem names one tensor: the count in the head is the number of names listed.
      assert.equal(e.message.match(/'[a-z_0-9]+'/g)!.length, 6);
      return true;
    });
    // Not strict: missing and unexpected keys are returned, the two shapes still count.
    assert.throws(() => model.loadStateDict(dict, { strict: false }), { message: new RegExp(`^${name}\\.loadStateDict: 2 problems:\n`) });
    dict.set('weight_hh_l0', Tensor.zeros([G * H, H]));
    assert.throws(() => model.loadStateDict(dict, { strict: false }), { message: new RegExp(`^${name}\\.loadStateDict: 1 problem:\n  size mismatch for 'bias_ih_l0_reverse'`) });
  }
});

test('bad input gets clear errors', () => {
  const lstm = new Lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng: new Rng(1) });
  const tape = Tape.inference(new ReferenceBackend());
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 3])), /Lstm.forward: x must be \[T, B, 3\] \(time-major\), got \[5, 3\]/);
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 2, 4])), /Lstm.forward: x must be \[\*, \*, 3\], got \[5, 2, 4\]/);
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 2, 3]), { lengths: [5, 6] }), /lengths\[1\] = 6 must be an integer between 1 and T = 5/);
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 2, 3]), { lengths: [0, 5] }), /lengths\[0\] = 0/);
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 2, 3]), { lengths: [5] }), /one entry per sequence \(B = 2\), got 1/);
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 2, 3]), { initialState: { h: Tensor.zeros([2, 2, 4]) } }), /initialState.c must be a Tensor \[2, 2, 4\] for an LSTM/);
  assert.throws(() => lstm.forward(tape, Tensor.zeros([5, 2, 3]), { initialState: { h: Tensor.zeros([1, 2, 4]), c: Tensor.zeros([2, 2, 4]) } }), /initialState.h must be \[2, 2, 4\], got \[1, 2, 4\]/);
  assert.throws(() => new Lstm({ inputSize: 0, hiddenSize: 4, rng: new Rng(1) }), /Lstm: inputSize must be a positive integer, got 0/);
  assert.throws(() => new Lstm({ inputSize: 2, hiddenSize: 4, rng: 42 as never }), /Lstm: options.rng must be an Rng, got number 42/);
  assert.throws(() => new Gru({ inputSize: 2, hiddenSize: 4, dropout: 1, rng: new Rng(1) }), /Gru: dropout must be in \[0, 1\), got 1/);
  assert.throws(() => new Rnn({ inputSize: 2, hiddenSize: 4, nonlinearity: 'gelu' as never, rng: new Rng(1) }), /nonlinearity must be 'tanh', 'relu' or 'sigmoid'/);
  assert.throws(() => new Lstm({ inputSize: 2, hiddenSize: 4, bidirectional: true, rng: new Rng(1) }).step(tape, Tensor.zeros([1, 2])), /bidirectional layer cannot run step by step/);
});

test('step by step equals the whole-sequence forward; state copies, serialises and resets per element', () => {
  const backend = new ReferenceBackend();
  for (const model of [new Lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2, rng: new Rng(4) }), new Gru({ inputSize: 3, hiddenSize: 4, rng: new Rng(5) })]) {
    const T = 6, B = 2;
    const x = new Tensor(randomFloats(new Rng(6), T * B * 3), [T, B, 3]);
    const tape = Tape.inference(backend);
    const whole = model.forward(tape, x);
    let state = model.zeroState(B);
    for (let t = 0; t < T; t++) {
      const r = model.step(tape, x.at(t), state);
      assert.deepEqual(r.y.toArray(), whole.output.at(t).toArray(), `${model.constructor.name} step ${t}`);
      state = detachState(r.state);
    }
    assert.deepEqual(state.h.toArray(), whole.state.h.toArray());
    const copy = deserializeState(JSON.parse(JSON.stringify(serializeState(state))));
    assert.deepEqual(copy.h.toArray(), state.h.toArray());
    resetStateRow(copy, 1);
    const H = 4;
    for (let l = 0; l < copy.h.shape[0]!; l++) {
      assert.ok(copy.h.data.subarray((l * B + 1) * H, (l * B + 2) * H).every((v) => v === 0));
      assert.deepEqual(Array.from(copy.h.data.subarray(l * B * H, (l * B + 1) * H)), Array.from(state.h.data.subarray(l * B * H, (l * B + 1) * H)));
    }
  }
});

test('truncated BPTT: detaching the carried state stops gradients at the window boundary', () => {
  const backend = new ReferenceBackend();
  const lstm = new Lstm({ inputSize: 2, hiddenSize: 3, rng: new Rng(8) }).to(backend);
  const rng = new Rng(9);
  const x1 = new Tensor(randomFloats(rng, 4 * 2 * 2), [4, 2, 2]);
  const x2 = new Tensor(randomFloats(rng, 4 * 2 * 2), [4, 2, 2]);
  for (const detach of [true, false]) {
    const tape = new Tape(backend);
    tape.watch(x1);
    tape.watch(x2);
    const w1 = lstm.forward(tape, x1);
    const carried = detach ? detachState(w1.state) : w1.state;
    const w2 = lstm.forward(tape, x2, { initialState: carried });
    tape.backward(sum(tape, w2.output));
    const g1 = tape.gradIfAny(x1);
    const n1 = g1 ? Math.hypot(...g1.data) : 0;
    const n2 = Math.hypot(...tape.grad(x2).data);
    assert.ok(n2 > 0, 'gradient reaches the current window');
    if (detach) assert.equal(n1, 0, 'no gradient crosses the boundary');
    else assert.ok(n1 > 1e-4, `full BPTT reaches the previous window (${n1})`);
  }
});

test('dropout between stacked layers acts only in training mode and is seeded', () => {
  const backend = new ReferenceBackend();
  const make = () => new Gru({ inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0.5, rng: new Rng(10) });
  const x = new Tensor(randomFloats(new Rng(11), 4 * 2 * 3), [4, 2, 3]);
  const tape = Tape.inference(backend);
  const a = make(), b = make();
  const ta = a.forward(tape, x).output.toArray();
  assert.deepEqual(b.forward(tape, x).output.toArray(), ta, 'same seed, same dropout masks');
  const train2 = a.forward(tape, x).output.toArray();
  assert.notDeepEqual(train2, ta, 'a new mask each call');
  a.eval();
  const e1 = a.forward(tape, x).output.toArray();
  assert.deepEqual(a.forward(tape, x).output.toArray(), e1, 'eval is deterministic');
  const noDrop = new Gru({ inputSize: 3, hiddenSize: 8, numLayers: 2, rng: new Rng(10) });
  assert.deepEqual(noDrop.forward(tape, x).output.toArray(), e1, 'eval equals no dropout');
});
