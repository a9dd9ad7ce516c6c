// The tagger: its parameter table matches the module (characters or not, CRF or not, every
// cell); gradient checks through the whole loss (softmax and CRF, with character features);
// padding never changes a result; a model file round trip tags the same; clear config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tape } from '../../autograd/tape.js';
import { decodeModelFile, encodeModelFile } from '../../io/model-file.js';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { gradcheckModule } from '../../testing/gradcheck-module.js';
import { makeTagBatch, type SentenceSet } from './batches.js';
import { Tagger, type TaggerConfigInput, taggerParameterShapes } from './model.js';

const base = (over: Partial<TaggerConfigInput> = {}): TaggerConfigInput => ({
  wordVocabSize: 7, wordEmbeddingDim: 3, charVocabSize: 6, charEmbeddingDim: 2, charHiddenSize: 2, cell: 'lstm', hiddenSize: 3, tagCount: 4, ...over,
});

/** Three sentences of lengths 3, 1, 2; forms share characters; tags in [0, 4). */
function tinySet(): SentenceSet {
  return {
    words: [Int32Array.of(2, 3, 1), Int32Array.of(4), Int32Array.of(5, 2)],
    chars: [[Int32Array.of(2, 3), Int32Array.of(4), Int32Array.of(5, 2, 3)], [Int32Array.of(3, 3)], [Int32Array.of(2), Int32Array.of(2, 3)]],
    forms: [['ab', 'c', 'dab'], ['bb'], ['a', 'ab']],
    tags: [Int32Array.of(0, 1, 2), Int32Array.of(3), Int32Array.of(1, 0)],
  };
}

test('tagger: parameterShapes lists the module\'s parameters with and without characters and CRF, for every cell', () => {
  for (const cell of ['lstm', 'gru', 'rnn-tanh'] as const) {
    for (const chars of [true, false]) {
      for (const crf of [false, true]) {
        const c = base({ cell, crf, numLayers: 2, ...(chars ? {} : { charVocabSize: 0, charEmbeddingDim: 0, charHiddenSize: 0 }) });
        const m = new Tagger(c, { rng: new Rng(1) });
        assert.deepEqual(taggerParameterShapes(m.config), [...m.namedParameters()].map(([n, p]) => [n, [...p.shape]]), `${cell} ${chars} ${crf}`);
      }
    }
  }
  const names = [...new Tagger(base({ crf: true }), { rng: new Rng(1) }).namedParameters()].map(([n]) => n);
  assert.deepEqual(names.filter((n) => n.startsWith('crf.')), ['crf.transitions', 'crf.start_transitions', 'crf.end_transitions']);
});

for (const crf of [false, true]) {
  test(`tagger gradcheck through the whole loss (${crf ? 'CRF' : 'softmax'}, character BiLSTM, bidirectional encoder)`, () => {
    const m = new Tagger(base({ crf, numLayers: 2 }), { rng: new Rng(2) });
    m.eval();
    const batch = makeTagBatch(tinySet(), [0, 1, 2]);
    const report = gradcheckModule(m, (tape) => m.loss(tape, batch), [], { maxElements: 40 });
    for (const r of report.inputs) if (!r.name.endsWith('embed.weight')) assert.ok(r.maxAbsGradient > 0, `${r.name} got no gradient`);
  });
}

test('tagger: a sentence tags the same alone or padded in a batch, and after a model file round trip', () => {
  const backend = new ReferenceBackend();
  for (const crf of [false, true]) {
    const m = new Tagger(base({ crf }), { rng: new Rng(3) });
    m.eval();
    const set = tinySet();
    const tape = Tape.inference(backend);
    const together = m.predict(tape, makeTagBatch(set, [0, 1, 2]));
    const alone = [0, 1, 2].map((i) => m.predict(tape, makeTagBatch(set, [i])));
    together.tags.forEach((p, i) => assert.deepEqual([...p], [...alone[i]!.tags[0]!]));
    together.confidence.forEach((c, i) => c.forEach((v, t) => assert.ok(Math.abs(v - alone[i]!.confidence[0]![t]!) < 1e-6 && v > 0 && v <= 1)));
    const file = decodeModelFile<Tagger>(encodeModelFile(m, { task: 'tag' }), { kind: 'any' });
    const again = file.model.predict(tape, makeTagBatch(set, [0, 1, 2]));
    assert.deepEqual(again.tags.map((p) => [...p]), together.tags.map((p) => [...p]));
  }
});

test('tagger config: clear errors', () => {
  assert.throws(() => new Tagger(base({ cell: 'gruu' as never })), /tagger config: cell must be one of/);
  assert.throws(() => new Tagger(base({ charVocabSize: 0 })), /charEmbeddingDim and charHiddenSize need character features \(charVocabSize > 0\)/);
  assert.throws(() => new Tagger(base({ tagCount: 0 })), /tagger config: tagCount must be an integer from 1 to 65536, got 0/);
  assert.throws(() => new Tagger(base({ dropout: 1 })), /dropout must be in \[0, 1\)/);
  assert.throws(() => new Tagger({ ...base(), extra: 1 } as never), /unknown field "extra"/);
  const m = new Tagger(base(), { rng: new Rng(1) });
  assert.throws(() => m.loss(new Tape(new ReferenceBackend()), makeTagBatch({ ...tinySet(), tags: undefined }, [0])), /Tagger.loss: the batch has no gold tags/);
});
