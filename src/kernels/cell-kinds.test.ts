/**
 * The cell table is consistent with itself (gates, saved values, ONNX gate orders, Elman rows)
 * and its lookups fail clearly. That the kernels agree with its codes: wasm/kernel-abi.test.ts;
 * that every kind computes what it should: the conformance and parity tests, which iterate it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELL_KINDS, cellKind, cellKindAliases, cellKindsHelp, isCellKind } from './cell-kinds.js';

test('cell table: each row is consistent', () => {
  assert.deepEqual(CELL_KINDS, ['lstm', 'gru', 'rnn-tanh', 'rnn-relu', 'rnn-sigmoid'], 'the names model files store, in table order');
  for (const name of CELL_KINDS) {
    const row = cellKind(name);
    assert.equal(row.name, name);
    assert.deepEqual([...row.onnx.gateOrder].sort(), Array.from({ length: row.gates }, (_, i) => i), `${name}: ONNX gate order is a permutation of the gates`);
    assert.ok(row.savedGates >= row.gates || row.nonlinearity !== undefined, `${name}: saves at least its gates`);
    if (row.nonlinearity) {
      assert.equal(row.gates, 1, `${name}: an Elman cell has one gate`);
      assert.equal(row.onnx.operator, 'RNN');
      assert.equal(row.onnx.activations?.length, 1, `${name}: one ONNX activation per direction`);
    }
    assert.ok(!(row.cellState && row.nonlinearity), `${name}: an Elman cell has no cell state`);
    assert.ok(row.description.length > 0);
  }
  assert.equal(new Set(CELL_KINDS.map((k) => cellKind(k).kernelCode)).size, CELL_KINDS.length, 'kernel codes are distinct');
  const aliases = CELL_KINDS.flatMap((k) => cellKind(k).aliases);
  assert.ok(aliases.every((a) => !isCellKind(a)) && new Set(aliases).size === aliases.length, 'aliases are distinct and not kind names');
});

test('cell table: lookups', () => {
  assert.equal(cellKind('gru').gates, 3);
  assert.ok(isCellKind('rnn-relu') && !isCellKind('rnn') && !isCellKind(3) && !isCellKind('toString'));
  assert.throws(() => cellKind('rnn' as never), /^Error: cellKind: cell must be one of lstm, gru, rnn-tanh, rnn-relu, rnn-sigmoid, got 'rnn'$/);
  assert.throws(() => cellKind('x'.repeat(100) as never, 'Lstm.forward', 'kind'), /^Error: Lstm.forward: kind must be one of .*, got 'x{40}…'$/);
  assert.throws(() => cellKind(undefined as never), /got undefined$/);
  assert.deepEqual(cellKindAliases(), { rnn: 'rnn-tanh' });
  assert.deepEqual(cellKindAliases(['lstm', 'rnn-relu']), {});
  assert.equal(cellKindsHelp(['lstm', 'rnn-tanh']), 'lstm (LSTM), rnn-tanh or rnn (Elman RNN, tanh)');
});
