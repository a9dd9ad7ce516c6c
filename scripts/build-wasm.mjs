// Compiles the AssemblyScript kernels four times: a plain SIMD build (runs everywhere with
// wasm SIMD) and a relaxed-SIMD build (fused multiply-add; picked at run time when the engine
// validates it), each for shared and for unshared memory. Output goes to dist/kernels/wasm/, beside the backend that loads it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'kernels', 'wasm');
mkdirSync(outDir, { recursive: true });
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

// Shared-memory builds (threads: workers instantiate them on the same memory) and builds on a
// memory of their own (a browser page that is not cross-origin isolated cannot share memory:
// one thread, on a fixed-size memory, since growing an unshared memory detaches its views).
const common = [
  join(root, 'src', 'kernels', 'assembly', 'index.ts'),
  '-O3', '--runtime', 'stub', '--noAssert', '--importMemory',
  '--initialMemory', '256', '--maximumMemory', '65536', '--enable', 'simd,threads,relaxed-simd',
];
for (const [name, relaxed, shared] of [
  ['recur-simd.wasm', 0, true], ['recur-relaxed.wasm', 1, true],
  ['recur-simd-unshared.wasm', 0, false], ['recur-relaxed-unshared.wasm', 1, false],
]) {
  const out = join(outDir, name);
  execFileSync(process.execPath, [asc, ...common, ...(shared ? ['--sharedMemory'] : []), '--use', `RELAXED=${relaxed}`, '-o', out], { stdio: 'inherit' });
  const bytes = readFileSync(out);
  console.log(`built ${name} (${bytes.length} bytes)`);
}
