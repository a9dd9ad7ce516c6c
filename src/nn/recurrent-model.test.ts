import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type InputConfig, MAX_NUM_LAYERS, MAX_PARAMETER_TENSORS, RecurrentModel, normalizeModelConfig } from './recurrent-model.js';
import { Rng } from '../random/rng.js';
import { CELL_KINDS } from '../kernels/cell-kinds.js';

test('RecurrentModel.parameterShapes lists exactly the names and shapes of the built model, in order', () => {
  const inputs: InputConfig[] = [{ kind: 'embedding', vocabSize: 7, embeddingDim: 3 }, { kind: 'one-hot', vocabSize: 5 }, { kind: 'dense', size: 2 }];
  let n = 0;
  for (const cell of CELL_KINDS) {
    for (const input of inputs) {
      for (const [numLayers, bidirectional, bias] of [[1, false, true], [2, true, true], [3, false, false], [2, true, false]] as const) {
        const config = { input, cell, hiddenSize: 4, numLayers, bidirectional, bias, outputSize: 3 };
        const model = new RecurrentModel(config, { rng: new Rng(n++) });
        assert.deepEqual(RecurrentModel.parameterShapes(config), [...model.namedParameters()].map(([name, p]) => [name, [...p.shape]]), JSON.stringify(config));
      }
    }
  }
});

test('RecurrentModel.parameterShapes of a huge config allocates nothing and stays within MAX_PARAMETER_TENSORS', () => {
  const config = { input: { kind: 'embedding' as const, vocabSize: 30_000, embeddingDim: 30_000 }, hiddenSize: 2, numLayers: MAX_NUM_LAYERS, bidirectional: true, outputSize: 1, output: 'last' as const, pooling: 'attention' as const };
  const before = process.memoryUsage().rss;
  const shapes = RecurrentModel.parameterShapes(config);
  assert.equal(shapes.length, MAX_PARAMETER_TENSORS);
  assert.deepEqual(shapes[0], ['embedding.weight', [30_000, 30_000]]);
  assert.ok(process.memoryUsage().rss - before < 50 * 2 ** 20);
});

test('normalizeModelConfig bounds sizes, layers and parameter count, and rejects unknown fields, with short messages', () => {
  const base = { input: { kind: 'one-hot' as const, vocabSize: 5 }, outputSize: 5 };
  const cases: [object, RegExp][] = [
    [{ ...base, numLayers: 100_000 }, /numLayers must be at most 256, got 100000/],
    [{ ...base, hiddenSize: 2 ** 31 }, /hiddenSize must be at most 2147483647, got 2147483648/],
    [{ ...base, input: { kind: 'embedding', vocabSize: 2e9, embeddingDim: 8 } }, /would have 1\.60e\+10 parameters, more than the 1073741824 \(4 GiB of float32\)/],
    [{ ...base, hiddenSize: 100_000, numLayers: 100 }, /would have .* parameters, more than the 1073741824/],
    [{ ...base, numLayer: 2 }, /RecurrentModel config: unknown field "numLayer"; the fields are input, cell, hiddenSize/],
    [{ ...base, input: { kind: 'dense', size: 3, vocabSize: 4 } }, /input \(dense\): unknown field "vocabSize"; the fields are kind, size/],
    [{ ...base, input: { kind: 'embedding', vocabSize: 4, embeddingDim: 2, paddingIdx: 4 } }, /input.paddingIdx must be an integer in \[-4, 4\), got 4/],
    [{ ...base, hiddenSize: Array(1e6).fill(1) }, /hiddenSize must be a positive integer, got an array of 1000000$/],
    [{ ...base, cell: 'x'.repeat(1e6) }, /cell must be one of .*, got "x{40}…"$/],
    [{ ...base, hiddenSize: -3 }, /hiddenSize must be a positive integer, got -3/],
    [{ ...base, numLayers: null }, /numLayers must be a positive integer, got null/],
    [{ ...base, bias: null }, /bias must be true or false, got null/],
    [{ ...base, input: 'oops' }, /input must be \{ kind: 'embedding' \| 'one-hot' \| 'dense', \.\.\. \}, got "oops"/],
    [[1, 2], /expected an object, got an array of 2/],
  ];
  for (const [config, want] of cases) {
    assert.throws(() => normalizeModelConfig(config as never), (e: Error) => e.constructor === Error && want.test(e.message) && e.message.length < 300, JSON.stringify(config).slice(0, 80));
  }
  // The input object is copied with its known fields only; paddingIdx kept when given.
  const given = { kind: 'embedding' as const, vocabSize: 4, embeddingDim: 2, paddingIdx: -1 };
  const c = normalizeModelConfig({ ...base, input: given });
  assert.notEqual(c.input, given);
  assert.deepEqual(c.input, given);
  assert.deepEqual(normalizeModelConfig(base).input, { kind: 'one-hot', vocabSize: 5 });
});

test('tieWeights: the head reads the embedding (one [V, E] table, head.bias its own), gradients of both uses reach it; checked configs', async () => {
  const { Tape } = await import('../autograd/tape.js');
  const { IntTensor } = await import('../tensor/tensor.js');
  const { gradcheckModule } = await import('../testing/gradcheck-module.js');
  const config = { input: { kind: 'embedding' as const, vocabSize: 6, embeddingDim: 4 }, cell: 'lstm' as const, hiddenSize: 4, numLayers: 2, outputSize: 6, tieWeights: true };
  const m = new RecurrentModel(config, { rng: new Rng(2) });
  assert.deepEqual([...m.namedParameters()].map(([n]) => n).filter((n) => !n.startsWith('rnn.')), ['embedding.weight', 'head.bias']);
  assert.deepEqual(RecurrentModel.parameterShapes(config), [...m.namedParameters()].map(([n, p]) => [n, [...p.shape]]));
  assert.equal(m.head.weight, m.embedding!.weight);
  const ids = IntTensor.from([1, 2, 3, 4, 5, 0], [3, 2]);
  // logits = h E^T + b: the same numbers as an untied model whose head weight is a copy of E.
  const untied = new RecurrentModel({ ...config, tieWeights: false }, { rng: new Rng(2) });
  untied.loadStateDict(new Map([...m.stateDict(), ['head.weight', m.embedding!.weight.clone()]]));
  const { ReferenceBackend } = await import('../kernels/reference/reference-backend.js');
  const be = new ReferenceBackend();
  assert.deepEqual(m.forward(Tape.inference(be), ids).logits.toArray(), untied.forward(Tape.inference(be), ids).logits.toArray());
  const report = gradcheckModule(m, (tape) => m.forward(tape, ids).logits, [], { maxElements: 30 });
  assert.ok(report.inputs.find((r) => r.name === 'embedding.weight')!.maxAbsGradient > 0);
  assert.throws(() => new RecurrentModel({ ...config, hiddenSize: 5 }), /tieWeights needs input.embeddingDim equal to what the head reads \(5\), got 4/);
  assert.throws(() => new RecurrentModel({ ...config, outputSize: 3 }), /tieWeights needs the head over the embedding's 6 tokens, got outputSize 3/);
  assert.throws(() => new RecurrentModel({ ...config, input: { kind: 'one-hot', vocabSize: 6 } }), /tieWeights shares the embedding with the head, and input is one-hot/);
});
