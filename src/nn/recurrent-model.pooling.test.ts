// RecurrentModel's pooling over valid steps: the config field (defaults, checks, old configs),
// parameter names and shapes, logits by hand for mean and max from the layer's own outputs, a
// padded batch giving each sequence's logits alone for every pooling (time-major and
// batch-first, stacked and bidirectional, garbage in the padding), attention weights, a float64
// gradient check through the whole model, and the summary line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../autograd/tape.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { assertClose, randomFloats } from '../testing/compare.js';
import { gradcheckModule } from '../testing/gradcheck-module.js';
import { POOLINGS, type Pooling, RecurrentModel, type RecurrentModelConfigInput, normalizeModelConfig } from './recurrent-model.js';

const backend = await WasmBackend.create({ threads: 1, poisonScratch: true });
const I = 3, H = 4, O = 3;

function model(pooling: Pooling, extra: Partial<RecurrentModelConfigInput> = {}, seed = 1): RecurrentModel {
  return new RecurrentModel({ input: { kind: 'dense', size: I }, cell: 'gru', hiddenSize: H, outputSize: O, output: 'last', pooling, ...extra }, { rng: new Rng(seed) }).to(backend);
}

/** Sequences of the given lengths, padded time-major [T, B, I] (or batch-first) with `pad` past each length. */
function batch(seqs: Float32Array[], batchFirst: boolean, pad: number): Tensor {
  const B = seqs.length, T = Math.max(...seqs.map((s) => s.length / I));
  const x = new Float32Array(T * B * I).fill(pad);
  seqs.forEach((s, b) => {
    for (let t = 0; t < s.length / I; t++) x.set(s.subarray(t * I, (t + 1) * I), (batchFirst ? b * T + t : t * B + b) * I);
  });
  return new Tensor(x, batchFirst ? [B, T, I] : [T, B, I]);
}

test('normalizeModelConfig: pooling defaults to last for output last, is left out for sequence, and is checked', () => {
  const base = { input: { kind: 'one-hot' as const, vocabSize: 3 }, outputSize: 2 };
  assert.equal(normalizeModelConfig({ ...base, output: 'last' }).pooling, 'last');
  assert.equal(normalizeModelConfig({ ...base, output: 'last', pooling: 'attention' }).pooling, 'attention');
  assert.ok(!('pooling' in normalizeModelConfig(base)), 'output sequence: no pooling field');
  assert.ok(!('pooling' in normalizeModelConfig({ ...base, pooling: 'last' })));
  assert.throws(() => normalizeModelConfig({ ...base, pooling: 'mean' }),
    { message: "RecurrentModel config: pooling 'mean' needs output 'last' (output 'sequence' applies the head at every step, pooling nothing)" });
  assert.throws(() => normalizeModelConfig({ ...base, output: 'last', pooling: 'sum' as never }),
    { message: "RecurrentModel config: pooling must be 'last', 'mean', 'max', 'attention', got \"sum\"" });
  assert.throws(() => normalizeModelConfig({ ...base, output: 'last', pooling: null as never }), /pooling must be .*, got null$/);
  assert.throws(() => normalizeModelConfig({ ...base, poolng: 'max' } as never), /unknown field "poolng"; the fields are .*output, pooling, headDropout, inputDropout, batchFirst, tieWeights/);
  // A config saved before the field existed loads as pooling 'last'.
  const old = JSON.parse(JSON.stringify({ ...base, kind: 'recurrent', cell: 'lstm', hiddenSize: 2, numLayers: 1, bidirectional: false, dropout: 0, bias: true, output: 'last', batchFirst: false }));
  assert.deepEqual(normalizeModelConfig(old), { ...old, pooling: 'last', headDropout: 0 });
});

test('parameterShapes lists the attention parameters (PyTorch names) exactly as the built model', () => {
  for (const pooling of POOLINGS) {
    for (const bidirectional of [false, true]) {
      const m = model(pooling, { bidirectional, numLayers: 2 });
      const shapes = RecurrentModel.parameterShapes(m.config);
      assert.deepEqual(shapes, [...m.namedParameters()].map(([n, p]) => [n, [...p.shape]]));
      const F = (bidirectional ? 2 : 1) * H;
      const attention = shapes.filter(([n]) => n.startsWith('attention.'));
      assert.deepEqual(attention, pooling === 'attention'
        ? [['attention.proj.weight', [F, F]], ['attention.proj.bias', [F]], ['attention.score.weight', [1, F]]] : []);
    }
  }
});

test('mean and max pooling: the head reads the mean / maximum of the layer outputs over the valid steps', () => {
  const rng = new Rng(2);
  const lengths = [4, 2, 1];
  const x = new Tensor(randomFloats(rng, 4 * 3 * I), [4, 3, I]);
  for (const pooling of ['mean', 'max'] as const) {
    const m = model(pooling, { bidirectional: true });
    const tape = Tape.inference(backend);
    const { output } = m.rnn.forward(tape, x, { lengths });
    const { logits } = m.forward(tape, x, { lengths });
    const F = 2 * H, W = m.head.weight.data, bias = m.head.bias!.data;
    const expected: number[] = [];
    for (let b = 0; b < 3; b++) {
      const steps = Array.from({ length: lengths[b]! }, (_, t) => output.data.subarray((t * 3 + b) * F, (t * 3 + b + 1) * F));
      const v = Array.from({ length: F }, (_, f) => (pooling === 'mean'
        ? steps.reduce((a, s) => a + s[f]!, 0) / steps.length
        : Math.max(...steps.map((s) => s[f]!))));
      for (let o = 0; o < O; o++) expected.push(bias[o]! + v.reduce((a, vf, f) => a + W[o * F + f]! * vf, 0));
    }
    assertClose(logits.data, expected, { rtol: 1e-5, atol: 1e-6 }, pooling);
  }
});

test('every pooling: a padded batch (garbage in the padding) gives each sequence\'s logits alone, time-major and batch-first', () => {
  const rng = new Rng(3);
  const seqs = [5, 2, 4, 1].map((T) => randomFloats(rng, T * I));
  const lengths = seqs.map((s) => s.length / I);
  for (const pooling of POOLINGS) {
    for (const batchFirst of [false, true]) {
      const m = model(pooling, { bidirectional: true, numLayers: 2, batchFirst, cell: 'lstm' }, 4);
      const tape = Tape.inference(backend);
      const together = m.forward(tape, batch(seqs, batchFirst, 1e3), { lengths });
      seqs.forEach((s, b) => {
        const alone = m.forward(tape, batch([s], batchFirst, 0));
        assertClose(together.logits.data.subarray(b * O, (b + 1) * O), alone.logits.data, { rtol: 1e-5, atol: 1e-6 }, `${pooling} batchFirst=${batchFirst} sequence ${b}`);
      });
      // Attention weights come back in the input's layout, 0 on padding, summing to 1.
      assert.equal(together.attention === undefined, pooling !== 'attention');
      if (together.attention) {
        const a = together.attention;
        assert.deepEqual(a.shape, batchFirst ? [4, 5] : [5, 4]);
        lengths.forEach((L, b) => {
          const w = Array.from({ length: 5 }, (_, t) => a.data[batchFirst ? b * 5 + t : t * 4 + b]!);
          assert.ok(w.slice(L).every((v) => v === 0) && w.slice(0, L).every((v) => v > 0), `weights of sequence ${b}: ${w}`);
          assert.ok(Math.abs(w.reduce((p, q) => p + q) - 1) < 1e-6);
        });
      }
    }
  }
  // Pooling changes the logits: the same weights under 'last' and 'mean' disagree.
  const x = batch(seqs, false, 0);
  const last = model('last').forward(Tape.inference(backend), x, { lengths }).logits.toArray();
  const mean = model('mean').forward(Tape.inference(backend), x, { lengths }).logits.toArray();
  assert.notDeepEqual(mean, last);
});

test('gradcheck through the whole model for every pooling (float64, stacked, bidirectional, padded)', () => {
  const rng = new Rng(5);
  const x = new Tensor(randomFloats(rng, 3 * 2 * I, -1.5, 1.5), [3, 2, I]);
  for (const pooling of ['mean', 'max', 'attention'] as const) {
    const m = new RecurrentModel({ input: { kind: 'dense', size: I }, cell: 'rnn-tanh', hiddenSize: 2, numLayers: 2, bidirectional: true, outputSize: 2, output: 'last', pooling }, { rng: new Rng(6) });
    const report = gradcheckModule(m, (tape, [xi]) => m.forward(tape, xi!, { lengths: [3, 2] }).logits, [x], { otherNames: ['x'] });
    for (const e of report.inputs) assert.ok(e.maxAbsGradient > 1e-4, `${pooling} ${e.name}: largest |gradient| ${e.maxAbsGradient}`);
  }
});

test('the model summary names the pooling', () => {
  assert.match(String(model('attention')), /^RecurrentModel\(\n {2}cell=gru, output=last, pooling=attention\n/);
  assert.match(String(model('attention')), /\(attention\): AttentionPooling\(\n {4}features=4\n {4}\(proj\): Linear\(inFeatures=4, outFeatures=4, bias=true\)/);
  assert.match(String(model('last')), /pooling=last/);
  assert.doesNotMatch(String(new RecurrentModel({ input: { kind: 'dense', size: 2 }, outputSize: 2, hiddenSize: 2 })), /pooling/);
});

test('headDropout: checked; zeroes the head\'s features in training, is the identity in eval mode', () => {
  const base = { input: { kind: 'dense' as const, size: I }, outputSize: O };
  assert.equal(normalizeModelConfig({ ...base, output: 'last' }).headDropout, 0);
  assert.ok(!('headDropout' in normalizeModelConfig(base)), 'output sequence without it: no headDropout field (configs stay as they were)');
  assert.equal(normalizeModelConfig({ ...base, headDropout: 0.5 }).headDropout, 0.5);
  assert.ok(!('inputDropout' in normalizeModelConfig(base)));
  assert.throws(() => normalizeModelConfig({ ...base, inputDropout: -0.1 }), { message: 'RecurrentModel config: inputDropout must be in [0, 1), got -0.1' });
  assert.throws(() => normalizeModelConfig({ ...base, output: 'last', headDropout: 1 }), { message: 'RecurrentModel config: headDropout must be in [0, 1), got 1' });
  const x = new Tensor(randomFloats(new Rng(3), 5 * 6 * I), [5, 6, I]);
  const withDrop = model('max', { headDropout: 0.5 }, 7), plain = model('max', {}, 7);
  const logits = (m: RecurrentModel) => Array.from(m.forward(new Tape(backend), x).logits.data);
  withDrop.eval(); plain.eval();
  assert.deepEqual(logits(withDrop), logits(plain), 'eval mode: the same logits as without head dropout');
  withDrop.train(); plain.train();
  const a = logits(withDrop), b = logits(withDrop);
  assert.notDeepEqual(a, logits(plain), 'training mode: dropped features change the logits');
  assert.notDeepEqual(a, b, 'a new mask each forward');
  const unseeded = new RecurrentModel(withDrop.config);
  unseeded.loadStateDict(withDrop.stateDict());
  unseeded.to(backend);
  assert.throws(() => unseeded.forward(new Tape(backend), x), /headDropout 0.5 in training mode draws masks from an Rng/);
  unseeded.eval();
  assert.deepEqual(Array.from(unseeded.forward(new Tape(backend), x).logits.data), logits(plain));
  // Output 'sequence' with input and head dropout: identity in eval mode, masks in training.
  for (const over of [{ headDropout: 0.5 }, { inputDropout: 0.5 }]) {
    const seqDrop = new RecurrentModel({ ...base, hiddenSize: 4, ...over }, { rng: new Rng(8) }).to(backend);
    const seqPlain = new RecurrentModel({ ...base, hiddenSize: 4 }, { rng: new Rng(8) }).to(backend);
    seqDrop.eval(); seqPlain.eval();
    assert.deepEqual(logits(seqDrop), logits(seqPlain), `${JSON.stringify(over)}: eval mode`);
    seqDrop.train();
    assert.notDeepEqual(logits(seqDrop), logits(seqPlain), `${JSON.stringify(over)}: training mode`);
  }
});
