import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmBackend } from './wasm-backend.js';

test('allocations that grow wasm memory return valid views, and older views stay valid', async () => {
  const backend = await WasmBackend.create();
  const first = backend.allocFloats(1000);
  first.fill(7);
  const arena = backend.createArena();
  // 64 MiB: larger than the initial memory, so the allocation must grow it.
  const big = arena.floats(16 * 1024 * 1024);
  assert.equal(big.length, 16 * 1024 * 1024);
  big[big.length - 1] = 3;
  const persistent = backend.allocFloats(8 * 1024 * 1024);
  assert.equal(persistent.length, 8 * 1024 * 1024);
  assert.ok(first.every((v) => v === 7), 'a view made before the growth still reads the same memory');
  // Kernels accept views made before and after growth.
  backend.axpy(1000, 2, first, persistent);
  assert.equal(persistent[999], 14);
  arena.reset();
  const again = arena.floats(16 * 1024 * 1024);
  assert.equal(again[again.length - 1], 0, 'arena memory is zeroed on reuse');
});

test('arrays outside wasm memory are copied in and results copied back', async () => {
  const backend = await WasmBackend.create();
  const x = Float32Array.from([1, 2, 3]);
  const y = Float32Array.from([10, 20, 30]);
  backend.axpy(3, 2, x, y);
  assert.deepEqual(Array.from(y), [12, 24, 36]);
  assert.deepEqual(Array.from(x), [1, 2, 3]);
  const before = backend.bytesInUse;
  backend.axpy(3, 1, x, y);
  assert.equal(backend.bytesInUse, before, 'staging copies are freed after the call');
});

test('a call that throws while staging frees its copies and writes nothing back, then or later', async () => {
  const backend = await WasmBackend.create({ threads: 1 });
  const before = backend.bytesInUse;
  const gates = Float32Array.from({ length: 8 }, (_, i) => i);
  // gates (in place, staged first) and then a cPrev that is no float buffer: the call throws.
  assert.throws(() => backend.lstmCellForward(1, 2, gates, [0, 0] as never, new Float32Array(2), new Float32Array(2)),
    /wasm backend: kernels take Float32Array or Int32Array buffers, got Array/);
  assert.equal(backend.bytesInUse, before, 'the staged copy of gates is freed');
  const y = Float32Array.from([1, 2]);
  backend.scale(2, 2, y);
  assert.deepEqual(Array.from(y), [2, 4]);
  assert.deepEqual(Array.from(gates), [0, 1, 2, 3, 4, 5, 6, 7], 'the failed call wrote nothing back, not even with the next call');
});

test('buffers of another element type are rejected, not reinterpreted', async () => {
  const backend = await WasmBackend.create();
  const f64 = new Float64Array(4) as unknown as Float32Array;
  assert.throws(() => backend.axpy(4, 1, f64, new Float32Array(4)), /wasm backend: kernels take Float32Array or Int32Array buffers, got Float64Array/);
});

test('Node shares memory (threads); memoryMiB, the size of an unshared memory, is validated', async () => {
  const backend = await WasmBackend.create({ threads: 1, memoryMiB: 64 });
  assert.equal(backend.sharedMemory, true);
  assert.equal(backend.description, `wasm (${backend.flavour}, 1 thread)`);
  for (const bad of [8, 4096, 1.5, '64']) {
    await assert.rejects(WasmBackend.create({ memoryMiB: bad as number }), /WasmBackend\.create: memoryMiB must be an integer from 16 to 4095, got /);
  }
});
