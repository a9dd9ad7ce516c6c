// Gradient checks through the Rnn/Lstm/Gru modules themselves (not only the one-direction op):
// two stacked bidirectional layers with mixed lengths and an initial state, so every weight of
// both layers and directions, h0 (and c0) and x is checked in float64, with and without bias.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type RecurrentBase, createRecurrent } from './recurrent.js';
import { CELL_KINDS, type CellKind, cellKind } from '../kernels/cell-kinds.js';
import { concatLast, reshape } from '../autograd/ops/index.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { randomFloats } from '../testing/compare.js';
import { gradcheckModule } from '../testing/gradcheck-module.js';

const T = 4, B = 3, I = 3, H = 4, L = 2, D = 2;

function build(kind: CellKind, bias: boolean, seed: number): RecurrentBase {
  return createRecurrent(kind, { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, bias, rng: new Rng(seed) });
}

for (const kind of CELL_KINDS) {
  for (const bias of [true, false]) {
    test(`${kind} module gradcheck: 2 layers, bidirectional, lengths, initial state${bias ? '' : ', bias: false'}`, (t) => {
      const seed = 10 * (cellKind(kind).nonlinearity ?? kind).length + (bias ? 0 : 1); // the seeds from before the cell table
      const model = build(kind, bias, seed);
      const rng = new Rng(1000 + seed);
      const r = (shape: number[], s: number) => new Tensor(randomFloats(rng, shape.reduce((a, b) => a * b, 1), -s, s), shape);
      const x = r([T, B, I], 1.5);
      const h0 = r([L * D, B, H], 0.8);
      const c0 = r([L * D, B, H], 0.8);
      const others = cellKind(kind).cellState ? [x, h0, c0] : [x, h0];
      // Mixed lengths: a full sequence, a single step and one in between.
      const lengths = Int32Array.from([T, 1, 3]);
      const report = gradcheckModule(model, (tape, [xi, h, c]) => {
        const { output, state } = model.forward(tape, xi!, { lengths, initialState: c ? { h: h!, c } : { h: h! } });
        // Every output element feeds the checked scalar: all steps, every final h (and c).
        const flat = [output, state.h, ...(state.c ? [state.c] : [])].map((v) => reshape(tape, v, [1, v.size]));
        return concatLast(tape, flat);
      }, others, { otherNames: ['x', 'h0', 'c0'].slice(0, others.length) });

      const expected = [...model.namedParameters()].map(([n]) => n).concat(['x', 'h0', 'c0'].slice(0, others.length));
      assert.deepEqual(report.inputs.map((e) => e.name), expected);
      assert.equal(expected.length, L * D * (bias ? 4 : 2) + others.length);
      for (const e of report.inputs) {
        assert.equal(e.checked, e.shape.reduce((a, b) => a * b, 1), `${e.name}: every element is checked`);
        // An input whose gradient is zero everywhere would pass while proving nothing.
        assert.ok(e.maxAbsGradient > 1e-3, `${e.name}: largest |gradient| ${e.maxAbsGradient}`);
      }
      const worst = report.inputs.reduce((a, b) => (b.worstRatio > a.worstRatio ? b : a));
      t.diagnostic(`${report.inputs.reduce((n, e) => n + e.checked, 0)} elements; worst relative error ` +
        `${report.maxRelError.toExponential(2)}; worst error/tolerance ${worst.worstRatio.toFixed(3)} (${worst.name})`);
    });
  }
}

test('step carries gradients: two steps of a 2-layer stack, gradcheck through y and the state', () => {
  for (const kind of ['gru', 'lstm'] as const) {
    const model = createRecurrent(kind, { inputSize: I, hiddenSize: H, numLayers: 2, rng: new Rng(77) });
    const rng = new Rng(78);
    const x1 = new Tensor(randomFloats(rng, B * I, -1, 1), [B, I]);
    const x2 = new Tensor(randomFloats(rng, B * I, -1, 1), [B, I]);
    const report = gradcheckModule(model, (tape, [a, b]) => {
      const s1 = model.step(tape, a!);
      const s2 = model.step(tape, b!, s1.state);
      return concatLast(tape, [s1.y, s2.y]);
    }, [x1, x2], { otherNames: ['x1', 'x2'] });
    for (const r of report.inputs) assert.ok(r.maxAbsGradient > 0, `${kind}: ${r.name} got no gradient`);
  }
});
