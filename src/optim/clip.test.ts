import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter, packParameters } from '../autograd/parameter.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { assertClose } from '../testing/compare.js';
import { clipGradNorm, clipGradValue } from './clip.js';

const backends = [new ReferenceBackend(), await WasmBackend.create()];

/** Parameters with gradients [3, 4] and [12] (global norm 13), packed on `backend` if given. */
function params(backend?: ReferenceBackend | WasmBackend): Parameter[] {
  const a = Parameter.zeros([2]);
  const b = Parameter.zeros([1]);
  if (backend) packParameters(backend, [a, b]);
  a.grad.data.set([3, 4]);
  b.grad.data.set([12]);
  return [a, b];
}

const grads = (ps: Parameter[]) => ps.flatMap((p) => p.grad.toArray());

for (const backend of [...backends, undefined]) {
  const label = backend?.description ?? 'unpacked';
  test(`clipGradNorm returns the pre-clip norm and scales to maxNorm (${label})`, () => {
    const ps = params(backend);
    assert.equal(clipGradNorm(ps, 6.5), 13);
    const coef = 6.5 / (13 + 1e-6);
    assertClose(grads(ps), [3 * coef, 4 * coef, 12 * coef]);
    assertClose([Math.hypot(...grads(ps))], [6.5], { rtol: 1e-6 });
  });

  test(`clipGradNorm below the threshold leaves gradients unchanged (${label})`, () => {
    const ps = params(backend);
    assert.equal(clipGradNorm(ps, 13.5), 13);
    assert.deepEqual(grads(ps), [3, 4, 12]);
  });

  test(`clipGradValue clamps every element (${label})`, () => {
    const ps = params(backend);
    ps[0]!.grad.data[0] = -7;
    clipGradValue(ps, 3.5);
    assert.deepEqual(grads(ps), [-3.5, 3.5, 3.5]);
  });
}

test('clipGradNorm ignores frozen parameters', () => {
  const ps = params(new ReferenceBackend());
  ps[1]!.requiresGrad = false;
  assert.equal(clipGradNorm(ps, 1), 5);
  assert.deepEqual(ps[1]!.grad.toArray(), [12]);
});

test('clipGradNorm: a non-finite norm throws with errorIfNonfinite, else propagates as in PyTorch', () => {
  const ps = params(new ReferenceBackend());
  ps[0]!.grad.data[0] = Number.NaN;
  assert.throws(() => clipGradNorm(ps, 1, { errorIfNonfinite: true }), /clipGradNorm: the total norm of the gradients is NaN/);
  assert.equal(grads(ps)[2], 12, 'nothing is scaled when it throws');
  assert.ok(Number.isNaN(clipGradNorm(ps, 1)));
  assert.ok(grads(ps).every(Number.isNaN));
  const inf = params(new ReferenceBackend());
  inf[1]!.grad.data[0] = Infinity;
  assert.throws(() => clipGradNorm(inf, 1, { errorIfNonfinite: true }), /is Infinity/);
});

test('clip arguments are validated', () => {
  assert.throws(() => clipGradNorm(params(), -1), /clipGradNorm: maxNorm must be a number >= 0, got -1/);
  assert.throws(() => clipGradValue(params(), Number.NaN), /clipGradValue: clipValue must be a number >= 0, got NaN/);
  assert.throws(() => clipGradNorm(5 as never, 1), /clipGradNorm: params must be an iterable of Parameters, got 5/);
});
