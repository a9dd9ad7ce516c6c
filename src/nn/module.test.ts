import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter, packOf } from '../autograd/parameter.js';
import { Tape } from '../autograd/tape.js';
import { crossEntropy } from '../autograd/ops/index.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Adam } from '../optim/adam.js';
import { Rng } from '../random/rng.js';
import { IntTensor, Tensor } from '../tensor/tensor.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { Sequential } from './sequential.js';
import { Tanh } from './activation.js';

function nested(seed = 0): Sequential {
  const rng = new Rng(seed);
  return new Sequential(new Linear(3, 4, { rng }), new Tanh(), new Sequential(new Linear(4, 5, { rng }), new Linear(5, 2, { rng, bias: false })));
}

class Custom extends Module {
  readonly encoder: Linear;
  readonly scale: Parameter;
  constructor(rng: Rng) {
    super();
    this.encoder = this.registerModule('encoder', new Linear(2, 2, { rng }));
    this.scale = this.registerParameter('scale', Parameter.zeros([1]));
  }
}

test('namedParameters: dotted names in PyTorch order for nested Sequential', () => {
  const m = nested();
  assert.deepEqual([...m.namedParameters()].map(([n, p]) => `${n}${JSON.stringify(p.shape)}`),
    ['0.weight[4,3]', '0.bias[4]', '2.0.weight[5,4]', '2.0.bias[5]', '2.1.weight[2,5]']);
  assert.equal(m.parameters().length, 5);
  assert.equal(m.numParameters(), 12 + 4 + 20 + 5 + 10);
  assert.deepEqual([...m.namedModules()].map(([n]) => n), ['', '0', '1', '2', '2.0', '2.1']);
  assert.equal(String(m), [
    'Sequential(',
    '  (0): Linear(inFeatures=3, outFeatures=4, bias=true)',
    '  (1): Tanh()',
    '  (2): Sequential(',
    '    (0): Linear(inFeatures=4, outFeatures=5, bias=true)',
    '    (1): Linear(inFeatures=5, outFeatures=2, bias=false)',
    '  )',
    ')',
  ].join('\n'));
});

test("namedParameters: a module's own parameters come before its children's (as PyTorch)", () => {
  const c = new Custom(new Rng(0));
  assert.deepEqual([...c.namedParameters()].map(([n]) => n), ['scale', 'encoder.weight', 'encoder.bias']);
});

test('shared parameters are listed once, but stored under every name in the state dict', () => {
  const rng = new Rng(0);
  const a = new Linear(3, 3, { rng });
  const m = new Sequential(a, new Tanh(), a);
  assert.deepEqual([...m.namedParameters()].map(([n]) => n), ['0.weight', '0.bias']);
  assert.deepEqual([...m.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  assert.equal(m.numParameters(), 12);
});

test('registration rejects bad names and duplicates', () => {
  class Bad extends Module {
    constructor(name: string, twice = false) {
      super();
      this.registerParameter(name, Parameter.zeros([1]));
      if (twice) this.registerModule(name, new Tanh());
    }
  }
  assert.throws(() => new Bad('a.b'), /Bad.registerParameter: name must be a non-empty string without '.', got 'a.b'/);
  assert.throws(() => new Bad(''), /Bad.registerParameter: name must be a non-empty string/);
  assert.throws(() => new Bad('w', true), /Bad.registerModule: 'w' is already registered/);
});

test('stateDict / loadStateDict round-trip; the dict holds copies', () => {
  const a = nested(1);
  const b = nested(2);
  const sd = a.stateDict();
  assert.notDeepEqual(b.parameters()[0]!.toArray(), a.parameters()[0]!.toArray());
  assert.deepEqual(b.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
  for (const [pa, pb] of a.parameters().map((p, i) => [p, b.parameters()[i]!] as const)) assert.deepEqual(pb.toArray(), pa.toArray());
  a.parameters()[0]!.data[0] = 123;
  assert.notEqual(sd.get('0.weight')!.data[0], 123);
  // A plain object works too.
  b.loadStateDict(Object.fromEntries(nested(3).stateDict()));
  assert.deepEqual(b.parameters()[0]!.toArray(), nested(3).parameters()[0]!.toArray());
});

test('loadStateDict: missing, unexpected and mis-shaped keys in ONE error, nothing changed', () => {
  const m = nested(1);
  const before = m.parameters().map((p) => p.toArray());
  const sd = nested(2).stateDict();
  sd.delete('2.0.bias');
  sd.set('3.weight', Tensor.zeros([2]));
  sd.set('0.weight', Tensor.zeros([3, 4]));
  assert.throws(() => m.loadStateDict(sd), (e: Error) => {
    assert.match(e.message, /^Sequential\.loadStateDict: 3 problems:/);
    assert.match(e.message, /missing keys: '2\.0\.bias'/);
    assert.match(e.message, /unexpected keys: '3\.weight'/);
    assert.match(e.message, /size mismatch for '0\.weight': expected \[4, 3\], got \[3, 4\]/);
    return true;
  });
  assert.deepEqual(m.parameters().map((p) => p.toArray()), before, 'valid entries must not be copied when the load fails');
});

test('loadStateDict strict: false returns the unmatched keys but still rejects shape mismatches', () => {
  const m = nested(1);
  const sd = nested(2).stateDict();
  sd.delete('2.0.bias');
  sd.set('extra', Tensor.zeros([1]));
  const r = m.loadStateDict(sd, { strict: false });
  assert.deepEqual(r, { missingKeys: ['2.0.bias'], unexpectedKeys: ['extra'] });
  assert.deepEqual(m.parameters()[0]!.toArray(), nested(2).parameters()[0]!.toArray());
  sd.set('0.bias', Tensor.zeros([5]));
  assert.throws(() => m.loadStateDict(sd, { strict: false }), /size mismatch for '0.bias': expected \[4\], got \[5\]/);
});

test('to(backend) keeps values and grads, packs contiguously with trainable parameters first', () => {
  const rng = new Rng(0);
  const emb = new Embedding(5, 3, { rng, freeze: true });
  const m = new Sequential(emb, new Linear(3, 4, { rng }));
  const values = m.parameters().map((p) => p.toArray());
  m.parameters()[1]!.grad.data[0] = 0.5;
  const backend = new ReferenceBackend();
  assert.equal(m.to(backend), m);
  assert.deepEqual(m.parameters().map((p) => p.toArray()), values);
  assert.equal(m.parameters()[1]!.grad.data[0], 0.5);
  const pack = packOf(m.parameters()[0]!)!;
  assert.ok(pack && pack.backend === backend);
  for (const p of m.parameters()) assert.equal(packOf(p), pack);
  // Trainable first (linear weight, bias), then the frozen table, back to back.
  assert.deepEqual(pack.params.map((p) => p.shape.join('x')), ['4x3', '4', '5x3']);
  assert.deepEqual([...pack.offsets], [0, 12, 16]);
  assert.equal(pack.values.length, 31);
  assert.equal(m.parameters()[1]!.data.buffer, pack.values.buffer);
});

test('train() / eval() propagate to all descendants', () => {
  const rng = new Rng(0);
  const d = new Dropout(0.5, { rng });
  const m = new Sequential(new Linear(2, 2, { rng }), new Sequential(d));
  assert.equal(d.training, true);
  m.eval();
  assert.equal(m.training, false);
  assert.equal(d.training, false);
  m.train();
  assert.equal(d.training, true);
});

test('numParameters({ trainableOnly }) skips frozen parameters', () => {
  const rng = new Rng(0);
  const m = new Sequential(new Embedding(10, 4, { rng, freeze: true }), new Linear(4, 2, { rng }));
  assert.equal(m.numParameters(), 40 + 10);
  assert.equal(m.numParameters({ trainableOnly: true }), 10);
});

test('a frozen embedding gets no gradient and no update from an optimizer step', () => {
  const backend = new ReferenceBackend();
  const rng = new Rng(0);
  const emb = Embedding.fromPretrained(new Tensor(Float32Array.from({ length: 24 }, (_, i) => i / 10), [6, 4]));
  assert.equal(emb.weight.requiresGrad, false);
  const lin = new Linear(4, 6, { rng });
  const m = new Sequential(emb, lin).to(backend);
  const opt = new Adam(m.parameters(), { lr: 0.1 });
  assert.equal(opt.params.length, 2);
  const table = emb.weight.toArray();
  const w = lin.weight.toArray();
  const tape = new Tape(backend);
  const loss = crossEntropy(tape, m.forward(tape, IntTensor.from([0, 3, 5])), IntTensor.from([1, 2, 3]));
  tape.backward(loss);
  opt.step();
  assert.deepEqual(emb.weight.toArray(), table);
  assert.ok(emb.weight.grad.data.every((g) => g === 0));
  assert.notDeepEqual(lin.weight.toArray(), w);
});
