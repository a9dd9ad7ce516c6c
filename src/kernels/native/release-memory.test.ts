/**
 * releaseFreedMemory (load.ts): the pages a burst of freed allocations leaves with the C
 * allocator go back to the system. 100 MB of 64 KiB buffers (below glibc's mmap threshold, so
 * from its heap) are written, dropped and collected: resident memory stays up until the call,
 * then falls by most of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

import { nativeAvailability, releaseFreedMemory } from './load.js';

const glibc = !!(process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;
const native = nativeAvailability();
const skip = !native.ok ? `the native addon is not loaded here: ${native.reason}` : !glibc ? 'the C library is not glibc (no malloc_trim)' : false;

test('releaseFreedMemory hands freed heap pages back: 100 MB freed and collected leave resident memory until the call', { skip }, async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const MB = 2 ** 20;
  let buffers: Buffer[] | null = [];
  for (let i = 0; i < 1600; i++) buffers.push(Buffer.allocUnsafeSlow(64 * 1024).fill(i & 255));
  buffers = null;
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const before = process.memoryUsage.rss();
  assert.equal(releaseFreedMemory(), true);
  const after = process.memoryUsage.rss();
  assert.ok(before - after > 60 * MB, `resident memory ${(before / MB).toFixed(1)} -> ${(after / MB).toFixed(1)} MB: expected a fall of most of the 100 MB freed`);
});
