/**
 * `createRecurrent` builds the layer of every cell kind in the table, and `Rnn`'s PyTorch-style
 * `nonlinearity` maps to the Elman kind of the table: a layer's `cell` is what a model config
 * stores. What the layers compute: recurrent.onnx.test.ts and recurrent.gradcheck.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gru, Lstm, Rnn, createRecurrent } from './recurrent.js';
import { CELL_KINDS, cellKind } from '../kernels/cell-kinds.js';
import { Rng } from '../random/rng.js';

test('createRecurrent: every cell kind, with the table\'s gates and state', () => {
  for (const kind of CELL_KINDS) {
    const layer = createRecurrent(kind, { inputSize: 2, hiddenSize: 3, rng: new Rng(1) });
    const row = cellKind(kind);
    assert.equal(layer.cell, kind);
    assert.deepEqual([...layer.param('weight_hh_l0').shape], [row.gates * 3, 3], `${kind}: W_hh has G * H rows`);
    assert.equal(layer.zeroState(2).c !== undefined, row.cellState, `${kind}: a cell state iff the table says so`);
    if (row.nonlinearity) assert.ok(layer instanceof Rnn && layer.nonlinearity === row.nonlinearity, `${kind}: an Rnn with ${row.nonlinearity}`);
  }
  assert.ok(createRecurrent('lstm', { inputSize: 1, hiddenSize: 1, rng: new Rng(1) }) instanceof Lstm);
  assert.ok(createRecurrent('gru', { inputSize: 1, hiddenSize: 1, rng: new Rng(1) }) instanceof Gru);
  assert.throws(() => createRecurrent('rnn' as never, { inputSize: 1, hiddenSize: 1, rng: new Rng(1) }),
    /^Error: createRecurrent: cell must be one of lstm, gru, rnn-tanh, rnn-relu, rnn-sigmoid, got 'rnn'$/);
});

test('Rnn: nonlinearity maps through the cell table', () => {
  assert.equal(new Rnn({ inputSize: 1, hiddenSize: 1, rng: new Rng(1) }).cell, 'rnn-tanh');
  assert.equal(new Rnn({ inputSize: 1, hiddenSize: 1, nonlinearity: 'sigmoid', rng: new Rng(1) }).cell, 'rnn-sigmoid');
  assert.throws(() => new Rnn({ inputSize: 1, hiddenSize: 1, nonlinearity: 'gelu' as never, rng: new Rng(1) }),
    /^Error: Rnn: nonlinearity must be 'tanh', 'relu' or 'sigmoid', got 'gelu'$/);
});
