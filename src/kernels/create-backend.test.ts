/**
 * `createBackend` is typed by the backend's name: the wasm backend's `threads` and
 * `threadStats` and the reference backend's `precision` need no cast (this file would not
 * compile otherwise), and the options reach the backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Backend, type BackendName, NativeBackend, ReferenceBackend, WasmBackend, createBackend } from './index.js';

test('createBackend: the wasm and reference overloads return their own class, options included', async () => {
  const wasm = await createBackend('wasm', { threads: 2 });
  assert.ok(wasm instanceof WasmBackend);
  const threads: number = wasm.threads;
  const posted: number = wasm.threadStats.posted;
  assert.equal(threads, 2);
  assert.equal(posted, 0);
  // No name: native where its addon is built here, wasm otherwise.
  assert.equal((await createBackend()).name, NativeBackend.available().ok ? 'native' : 'wasm');
  assert.equal((await createBackend('auto', { threads: 1 })).threads, 1);
  const ref = await createBackend('reference', { precision: 'f64' });
  assert.ok(ref instanceof ReferenceBackend);
  const precision: 'f32' | 'f64' = ref.precision;
  assert.equal(precision, 'f64');
  assert.ok(ref.allocFloats(1) instanceof Float64Array, 'the reference options reach the backend');
  const name = 'reference' as BackendName;
  const any: Backend = await createBackend(name);
  assert.equal(any.name, 'reference');
  await assert.rejects(createBackend('gpu' as BackendName), /^Error: createBackend: unknown backend 'gpu' \(expected 'auto', 'reference', 'wasm' or 'native'\)$/);
});
