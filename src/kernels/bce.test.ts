import { test } from 'node:test';
import { ReferenceBackend } from './reference/reference-backend.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import { Rng } from '../random/rng.js';
import { assertClose, randomFloats } from '../testing/compare.js';

const SIZES = [1, 3, 17, 65, 257];
const TOL = { rtol: 1e-4, atol: 1e-6 };

test('bceWithLogits kernels: wasm matches reference on odd sizes, soft labels and posWeight', async () => {
  const wasm = await WasmBackend.create();
  const ref = new ReferenceBackend();
  const rng = new Rng(1);
  for (const n of SIZES) {
    for (const posWeight of [1, 3.5, 0.25]) {
      const logits = randomFloats(rng, n, -20, 20);
      if (n > 2) logits[0] = 0; // the kink of |x| and the branch of sigma(-x)
      const targets = randomFloats(rng, n, 0, 1);
      for (let i = 0; i < n; i += 3) targets[i] = i % 2; // hard labels too
      const scale = randomFloats(rng, n, -2, 2);
      const label = `n=${n} posWeight=${posWeight}`;

      const lossRef = new Float32Array(n);
      const lossWasm = wasm.allocFloats(n);
      ref.bceWithLogitsForward(n, logits, targets, posWeight, lossRef);
      wasm.bceWithLogitsForward(n, logits, targets, posWeight, lossWasm); // inputs staged from the JS heap
      assertClose(lossWasm, lossRef, TOL, `forward ${label}`);

      const dRef = new Float32Array(n);
      const dWasm = new Float32Array(n); // an output outside wasm memory is copied back
      ref.bceWithLogitsBackward(n, logits, targets, posWeight, scale, dRef);
      wasm.bceWithLogitsBackward(n, logits, targets, posWeight, scale, dWasm);
      assertClose(dWasm, dRef, TOL, `backward ${label}`);

      // dLogits may alias scale.
      const aliased = wasm.allocFloats(n);
      aliased.set(scale);
      wasm.bceWithLogitsBackward(n, logits, targets, posWeight, aliased, aliased);
      assertClose(aliased, dRef, TOL, `backward aliased ${label}`);
    }
  }
});

test('bceWithLogits kernels: reference is exact on float64 memory', () => {
  const ref = new ReferenceBackend({ precision: 'f64' });
  const x = ref.allocFloats(2);
  const y = ref.allocFloats(2);
  const out = ref.allocFloats(2);
  x.set([Math.log(3), 0]);
  y.set([1, 0]);
  ref.bceWithLogitsForward(2, x, y, 1, out);
  assertClose(out, [-Math.log(0.75), Math.log(2)], { rtol: 1e-15, atol: 0 }, 'float64 losses');
});
