// The encoder-decoder: its parameter table matches the module for every attention, cell and
// direction; gradient checks through the whole teacher-forced loss (every parameter, with
// attention, input feeding, a bridge, scheduled sampling off); a model file round trip decodes
// the same; beam search as wide as every hypothesis finds the brute-force best; beam width 1 is
// greedy; a tiny reversal task is learned; clear config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, reshape } from '../../autograd/ops/index.js';
import { Tape } from '../../autograd/tape.js';
import { decodeModelFile, encodeModelFile } from '../../io/model-file.js';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { createBackend } from '../../kernels/index.js';
import { Adam } from '../../optim/index.js';
import { Rng } from '../../random/rng.js';
import { IntTensor } from '../../tensor/tensor.js';
import { gradcheckModule } from '../../testing/gradcheck-module.js';
import { makePairBatch } from './batches.js';
import { decode } from './decode.js';
import { ATTENTION_KINDS, EncoderDecoder, type EncoderDecoderConfigInput, encoderDecoderParameterShapes } from './model.js';

const base = (over: Partial<EncoderDecoderConfigInput> = {}): EncoderDecoderConfigInput => ({
  kind: 'encoder-decoder', sourceVocabSize: 7, targetVocabSize: 6, embeddingDim: 3, cell: 'gru', encoderHiddenSize: 4, decoderHiddenSize: 4,
  goId: 2, eosId: 3, maxSourceLength: 5, maxTargetLength: 5, ...over,
});

test('encoder-decoder: parameterShapes lists the module\'s parameters for every attention, cell, direction and bridge', () => {
  for (const attention of ATTENTION_KINDS) {
    for (const cell of ['gru', 'lstm', 'rnn-tanh'] as const) {
      for (const bidirectional of [false, true]) {
        const dec = attention === 'dot' ? (bidirectional ? 8 : 4) : 5;
        const c = base({ attention, cell, bidirectional, decoderHiddenSize: dec, numLayers: 2, inputFeeding: attention !== 'none' });
        const m = new EncoderDecoder(c, { rng: new Rng(1) });
        assert.deepEqual(encoderDecoderParameterShapes(m.config), [...m.namedParameters()].map(([n, p]) => [n, [...p.shape]]), `${attention} ${cell} ${bidirectional}`);
      }
    }
  }
});

/** Pairs of ids (sources 4..6, targets 4..5), teacher-forced batch. */
function tinyBatch() {
  const set = { sources: [Int32Array.of(4, 5, 6), Int32Array.of(6), Int32Array.of(5, 4)], targets: [Int32Array.of(4, 5), Int32Array.of(5, 5, 4), Int32Array.of(4)] };
  return makePairBatch(set, [0, 1, 2], 2, 3);
}

test('encoder-decoder: without input feeding, teacher forcing runs all steps at once and gives the step-by-step numbers', async () => {
  const b = tinyBatch();
  for (const backend of [new ReferenceBackend(), await createBackend('wasm', { threads: 2 })]) {
    for (const attention of ATTENTION_KINDS) {
      for (const cell of ['gru', 'lstm'] as const) {
        const m = new EncoderDecoder(base({ attention, cell, bidirectional: true, inputFeeding: false, numLayers: 2, decoderHiddenSize: attention === 'dot' ? 8 : 5, dropout: 0.2 }), { rng: new Rng(7) }).to(backend);
        m.eval();
        const tape = new Tape(backend);
        const enc = m.encode(tape, b.sources);
        const all = m.forwardTeacher(tape, enc, b.decoderInputs).toArray();
        const [Td, B] = b.decoderInputs.shape as [number, number];
        let state = enc.state;
        const steps: number[] = [];
        for (let t = 0; t < Td; t++) {
          const r = m.decodeStep(tape, enc, IntTensor.from(b.decoderInputs.data.subarray(t * B, (t + 1) * B)), state);
          state = r.state;
          steps.push(...m.output.forward(tape, r.vector).toArray());
        }
        assert.equal(all.length, steps.length);
        all.forEach((v, k) => assert.ok(Math.abs(v - steps[k]!) < 1e-5, `${attention} ${cell} logit ${k}: ${v} vs ${steps[k]}`));
      }
    }
  }
});

test('encoder-decoder: teacherLoss (logits only where a target is) equals the loss over every row with padding ignored, value and gradients', () => {
  const backend = new ReferenceBackend();
  const b = tinyBatch();
  for (const [reduction, labelSmoothing, teacherForcing] of [['mean', 0, 1], ['sum', 0.1, 1], ['mean', 0.1, 0.5]] as const) {
    const grads = (full: boolean): { loss: number; grads: Float32Array[] } => {
      const m = new EncoderDecoder(base({ attention: 'general', bidirectional: true, inputFeeding: true, dropout: 0.3 }), { rng: new Rng(4) });
      const tape = new Tape(backend);
      const rng = new Rng(9); // the same scheduled-sampling draws both ways
      const enc = m.encode(tape, b.sources);
      let loss;
      if (full) {
        const logits = m.forwardTeacher(tape, enc, b.decoderInputs, teacherForcing, rng);
        const [Td, B, V] = logits.shape as [number, number, number];
        loss = crossEntropy(tape, reshape(tape, logits, [Td * B, V]), b.decoderTargets.reshape([Td * B]), { ignoreIndex: 0, labelSmoothing, reduction });
      } else {
        loss = m.teacherLoss(tape, enc, b.decoderInputs, b.decoderTargets, { labelSmoothing, reduction, teacherForcing, rng });
      }
      tape.backward(loss);
      return { loss: loss.item(), grads: m.parameters().map((p) => Float32Array.from(p.grad.data)) };
    };
    const a = grads(true), g = grads(false);
    assert.ok(Math.abs(a.loss - g.loss) < 1e-6 * Math.max(1, Math.abs(a.loss)), `${reduction}: ${a.loss} vs ${g.loss}`);
    a.grads.forEach((x, i) => x.forEach((v, k) => assert.ok(Math.abs(v - g.grads[i]![k]!) < 1e-6, `${reduction} parameter ${i}[${k}]: ${v} vs ${g.grads[i]![k]}`)));
  }
  const m = new EncoderDecoder(base(), { rng: new Rng(1) });
  assert.throws(() => m.teacherLoss(new Tape(backend), m.encode(new Tape(backend), b.sources), b.decoderInputs, IntTensor.zeros(b.decoderInputs.shape)), /no target token/);
});

for (const [attention, cell, bidirectional, inputFeeding] of [
  ['none', 'gru', false, false], ['additive', 'lstm', true, true], ['general', 'gru', true, true], ['dot', 'lstm', false, false], ['dot', 'gru', true, true],
  ['general', 'gru', true, false], ['additive', 'gru', false, false], // without input feeding: all steps at once
] as const) {
  test(`encoder-decoder gradcheck: ${attention} attention, ${cell}, ${bidirectional ? 'bidirectional (bridge)' : 'forwards'}${inputFeeding ? ', input feeding' : ''}`, () => {
    const dec = attention === 'dot' ? (bidirectional ? 8 : 4) : 5;
    const m = new EncoderDecoder(base({ attention, cell, bidirectional, inputFeeding, decoderHiddenSize: dec, numLayers: 2 }), { rng: new Rng(3) });
    m.eval(); // no dropout; the loss is a function of the parameters only
    const b = tinyBatch();
    const report = gradcheckModule(m, (tape) => m.teacherLoss(tape, m.encode(tape, b.sources), b.decoderInputs, b.decoderTargets, { labelSmoothing: 0.1 }), [], { maxElements: 40 });
    // Every parameter but the padding rows' embeddings gets a gradient that the check proved.
    for (const r of report.inputs) assert.ok(r.maxAbsGradient > 0, `${r.name} got no gradient`);
  });
}

test('encoder-decoder: a model file round trip decodes the same, and the kind is known to loaders', async () => {
  const m = new EncoderDecoder(base({ attention: 'additive', cell: 'lstm', bidirectional: true, inputFeeding: true, decoderHiddenSize: 6 }), { rng: new Rng(9) });
  const bytes = encodeModelFile(m, { task: 'seq2seq' });
  const back = decodeModelFile(bytes, { kind: 'any' }).model as unknown as EncoderDecoder;
  assert.ok(back instanceof EncoderDecoder);
  const backend = await createBackend('wasm', { threads: 1 });
  const sources = [Int32Array.of(4, 5, 6), Int32Array.of(6, 6)];
  assert.deepEqual(decode(back, backend, sources, { method: 'beam', beamWidth: 3, nBest: 2 }), decode(m, backend, sources, { method: 'beam', beamWidth: 3, nBest: 2 }));
});

test('beam search: as wide as every hypothesis it finds the brute-force best; width 1 is greedy', async () => {
  const backend = new ReferenceBackend();
  const m = new EncoderDecoder(base({ attention: 'general', targetVocabSize: 5, maxTargetLength: 2 }), { rng: new Rng(4) });
  m.eval();
  const src = Int32Array.of(4, 6, 5);
  // Brute force: every sequence of up to 3 tokens from ids {1, 2, 4} then [EOS] (3); [PAD] (0) is never output.
  const tokens = [1, 2, 4];
  const logProbOf = (seq: number[]): number => {
    const tape = Tape.inference(backend);
    const enc = m.encode(tape, [src]);
    let state = enc.state, feed = m.initialFeed(1), lp = 0;
    let prev = m.config.goId;
    for (const id of [...seq, m.config.eosId]) {
      const r = m.decodeStep(tape, enc, IntTensor.from([prev]), state, feed);
      const logits = Array.from(m.output.forward(tape, r.vector).data); // softmax over all ids, [PAD] included, as decode does
      const top = Math.max(...logits);
      const z = logits.reduce((s, v) => s + Math.exp(v - top), 0);
      lp += logits[id]! - top - Math.log(z);
      state = r.state; feed = r.vector; prev = id;
    }
    return lp;
  };
  let best = { seq: [] as number[], lp: -Infinity };
  const all: number[][] = [[]];
  for (let len = 1; len <= 3; len++) for (const s of all.filter((x) => x.length === len - 1)) for (const t of tokens) all.push([...s, t]);
  for (const seq of all) {
    const lp = logProbOf(seq);
    if (lp > best.lp) best = { seq, lp };
  }
  // Beam wide enough to keep every live prefix (3 + 9 + 27 < 64), total log-probability ranking, the same length limit.
  const h = decode(m, backend, [src], { method: 'beam', beamWidth: 64, lengthPenalty: 0, maxLength: 3 })[0]![0]!;
  assert.deepEqual(h.tokens, best.seq);
  // Decoding normalises with the backend's float32 softmax; the brute force in float64.
  assert.ok(Math.abs(h.logProb - best.lp) < 1e-6, `${h.logProb} vs ${best.lp}`);
  const greedy = decode(m, backend, [src, Int32Array.of(5)], { method: 'greedy' }).map((l) => l[0]!.tokens);
  const beam1 = decode(m, backend, [src, Int32Array.of(5)], { method: 'beam', beamWidth: 1 }).map((l) => l[0]!.tokens);
  assert.deepEqual(beam1, greedy);
});

test('encoder-decoder: learns to reverse short sequences with attention (held-out exact match, greedy and beam search)', async () => {
  const backend = await createBackend('wasm', { threads: 1 });
  const rng = new Rng(5);
  // Symbols 4..9; source of 4..8 symbols, target its reverse.
  const draw = (n: number) => Array.from({ length: n }, () => {
    const s = Int32Array.from({ length: 4 + rng.int(5) }, () => 4 + rng.int(6));
    return { s, t: s.slice().reverse() };
  });
  const train = draw(2000), test = draw(100);
  const m = new EncoderDecoder(base({ sourceVocabSize: 10, targetVocabSize: 10, embeddingDim: 16, encoderHiddenSize: 32, decoderHiddenSize: 64, bidirectional: true, attention: 'general', inputFeeding: true }), { rng: new Rng(6) }).to(backend);
  const opt = new Adam(m.parameters(), { lr: 1e-2 });
  const tape = new Tape(backend);
  const set = { sources: train.map((p) => p.s), targets: train.map((p) => p.t) };
  for (let step = 0; step < 500; step++) {
    const idx = Array.from({ length: 32 }, () => rng.int(train.length));
    const b = makePairBatch(set, idx, 2, 3);
    tape.reset();
    opt.zeroGrad();
    // Label smoothing leaves [EOS] a few per cent at every step: beam search must not stop on those early ends.
    tape.backward(m.teacherLoss(tape, m.encode(tape, b.sources), b.decoderInputs, b.decoderTargets, { labelSmoothing: 0.1 }));
    opt.step();
  }
  for (const method of ['greedy', 'beam'] as const) {
    const out = decode(m, backend, test.map((p) => p.s), { method, beamWidth: 5 });
    const exact = out.filter((l, i) => l[0]!.tokens.join() === Array.from(test[i]!.t).join()).length / test.length;
    assert.ok(exact >= 0.95, `${method}: held-out exact match ${exact}`);
  }
});

test('encoder-decoder config: clear errors', () => {
  const bad: [Partial<EncoderDecoderConfigInput>, RegExp][] = [
    [{ attention: 'dot', decoderHiddenSize: 5 }, /'dot' attention needs the encoder's outputs \(4\) as wide as the decoder's state \(5\); use 'general'/],
    [{ attention: 'none', inputFeeding: true }, /inputFeeding feeds the attentional vector back, and attention is 'none'/],
    [{ attention: 'luong' as never }, /attention must be 'none', 'additive', 'general', 'dot'/],
    [{ goId: 3 }, /goId and eosId must differ/],
    [{ eosId: 6 }, /eosId must be a target id in \[0, 6\)/],
    [{ numLayers: 65 }, /numLayers must be an integer from 1 to 64/],
  ];
  for (const [over, msg] of bad) assert.throws(() => new EncoderDecoder(base(over), { rng: new Rng(1) }), msg);
  assert.throws(() => new EncoderDecoder({ ...base(), colour: 1 } as never), /unknown field "colour"/);
});
