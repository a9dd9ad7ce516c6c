import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { randomFloats } from '../../testing/compare.js';
import { gradcheck } from '../gradcheck.js';
import { Tape } from '../tape.js';
import { add, scale, sum } from './index.js';
import { recurrentLayer } from './recurrent-layer.js';
import { CELL_KINDS, type CellKind, cellKind } from '../../kernels/cell-kinds.js';
import { concatLast, select, stack } from './sequence-ops.js';

const T = 4, B = 3, I = 2, H = 3;

function tensors(rng: Rng, cell: CellKind) {
  const G = cellKind(cell).gates;
  const r = (shape: number[], s = 0.8) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1), -s, s), shape);
  return { x: r([T, B, I], 1.5), wIh: r([G * H, I]), wHh: r([G * H, H]), bIh: r([G * H]), bHh: r([G * H]), h0: r([B, H]), c0: r([B, H]) };
}

for (const cell of CELL_KINDS) {
  for (const reverse of [false, true]) {
    for (const withLengths of [false, true]) {
      test(`recurrentLayer gradcheck: ${cell}${reverse ? ' reverse' : ''}${withLengths ? ' with lengths' : ''}`, () => {
        // Seeded by the name the kind had before the cell table (the Elman nonlinearity), as before.
        const rng = new Rng((cellKind(cell).nonlinearity ?? cell).length * 7 + (reverse ? 1 : 0) + (withLengths ? 2 : 0));
        const v = tensors(rng, cell);
        const lengths = withLengths ? Int32Array.from([T, 1, 3]) : undefined;
        const inputs = cellKind(cell).cellState ? [v.x, v.wIh, v.wHh, v.bIh, v.bHh, v.h0, v.c0] : [v.x, v.wIh, v.wHh, v.bIh, v.bHh, v.h0];
        const report = gradcheck((tape, [x, wIh, wHh, bIh, bHh, h0, c0]) => {
          const r = recurrentLayer(tape, x!, { weightIh: wIh!, weightHh: wHh!, biasIh: bIh, biasHh: bHh }, { cell, reverse, lengths, h0, c0 });
          // Every output feeds the loss: all steps, the final h and (LSTM) the final c.
          let loss = add(tape, sum(tape, r.output), scale(tape, sum(tape, r.h), 0.7));
          if (r.c) loss = add(tape, loss, scale(tape, sum(tape, r.c), 0.3));
          return loss;
        }, inputs, { names: ['x', 'weightIh', 'weightHh', 'biasIh', 'biasHh', 'h0', 'c0'].slice(0, inputs.length) });
        assert.ok(report.inputs.length === inputs.length);
      });
    }
  }
}

test('recurrentLayer: outputs past each length are zero and the final state is taken at the last valid step', () => {
  const backend = new ReferenceBackend();
  const rng = new Rng(5);
  const v = tensors(rng, 'lstm');
  const tape = Tape.inference(backend);
  const full = recurrentLayer(tape, v.x, { weightIh: v.wIh, weightHh: v.wHh }, { cell: 'lstm' });
  const lengths = Int32Array.from([T, 1, 3]);
  const masked = recurrentLayer(tape, v.x, { weightIh: v.wIh, weightHh: v.wHh }, { cell: 'lstm', lengths });
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    for (let t = 0; t < T; t++) {
      const row = masked.output.data.subarray((t * B + b) * H, (t * B + b + 1) * H);
      const ref = full.output.data.subarray((t * B + b) * H, (t * B + b + 1) * H);
      if (t < L) assert.deepEqual(Array.from(row), Array.from(ref), `b=${b} t=${t} equals the unmasked run`);
      else assert.ok(row.every((z) => z === 0), `b=${b} t=${t} is zero`);
    }
    const hLast = full.output.data.subarray(((L - 1) * B + b) * H, ((L - 1) * B + b + 1) * H);
    assert.deepEqual(Array.from(masked.h.data.subarray(b * H, (b + 1) * H)), Array.from(hLast), `final h of b=${b}`);
  }
});

test('recurrentLayer: reverse direction starts at each sequence\'s own last element', () => {
  const backend = new ReferenceBackend();
  const rng = new Rng(6);
  const v = tensors(rng, 'gru');
  const tape = Tape.inference(backend);
  const lengths = Int32Array.from([T, 2, 3]);
  const r = recurrentLayer(tape, v.x, { weightIh: v.wIh, weightHh: v.wHh, biasIh: v.bIh, biasHh: v.bHh }, { cell: 'gru', reverse: true, lengths });
  // Sequence 1 alone, truncated to its length and run in reverse, must give the same outputs.
  const L = 2;
  const x1 = tape.tensor([L, 1, I]);
  for (let t = 0; t < L; t++) x1.data.set(v.x.data.subarray((t * B + 1) * I, (t * B + 2) * I), t * I);
  const alone = recurrentLayer(tape, x1, { weightIh: v.wIh, weightHh: v.wHh, biasIh: v.bIh, biasHh: v.bHh }, { cell: 'gru', reverse: true });
  for (let t = 0; t < L; t++) {
    assert.deepEqual(Array.from(r.output.data.subarray((t * B + 1) * H, (t * B + 2) * H)), Array.from(alone.output.data.subarray(t * H, (t + 1) * H)));
  }
  assert.deepEqual(Array.from(r.h.data.subarray(H, 2 * H)), Array.from(alone.h.data));
});

test('recurrentLayer: bad input gets clear errors', () => {
  const tape = Tape.inference(new ReferenceBackend());
  const v = tensors(new Rng(1), 'lstm');
  const w = { weightIh: v.wIh, weightHh: v.wHh };
  assert.throws(() => recurrentLayer(tape, v.x.reshape([T * B, I]), w, { cell: 'lstm' }), /recurrentLayer: x must be \[T, B, I\], got rank 2/);
  assert.throws(() => recurrentLayer(tape, v.x, w, { cell: 'gru' }), /recurrentLayer: weightHh must be \[12, 4\], got \[12, 3\]/);
  assert.throws(() => recurrentLayer(tape, v.x, { weightIh: Tensor.zeros([10, I]), weightHh: v.wHh }, { cell: 'lstm' }),
    /recurrentLayer: weightIh must have 4 \* hiddenSize rows \(lstm\), got \[10, 2\]/);
  assert.throws(() => recurrentLayer(tape, v.x, w, { cell: 'lstm', lengths: Int32Array.from([1, 5, 2]) }), /lengths\[1\] = 5 must be between 1 and the sequence length T = 4/);
  assert.throws(() => recurrentLayer(tape, v.x, w, { cell: 'lstm', lengths: Int32Array.from([1, 0, 2]) }), /lengths\[1\] = 0/);
  assert.throws(() => recurrentLayer(tape, v.x, w, { cell: 'lstm', lengths: Int32Array.from([1, 2]) }), /one entry per batch element \(3\), got 2/);
});

test('select, stack and concatLast: gradcheck', () => {
  const rng = new Rng(9);
  const a = new Tensor(randomFloats(rng, 2 * 3 * 4), [2, 3, 4]);
  const b = new Tensor(randomFloats(rng, 2 * 3 * 2), [2, 3, 2]);
  gradcheck((tape, [x, y]) => concatLast(tape, [x!, y!]), [a, b]);
  gradcheck((tape, [x]) => stack(tape, [select(tape, x!, 1), select(tape, x!, 0), select(tape, x!, 1)]), [a]);
  const tape = Tape.inference(new ReferenceBackend());
  assert.throws(() => concatLast(tape, [a, b.reshape([3, 2, 2])]), /concatLast: tensor 1 must be \[2, 3, \*\], got \[3, 2, 2\]/);
  assert.throws(() => stack(tape, [a, b]), /stack: tensor 1 must be \[2, 3, 4\], got \[2, 3, 2\]/);
});
