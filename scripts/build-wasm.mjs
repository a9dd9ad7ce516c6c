// Compiles the AssemblyScript kernels twice: a plain SIMD build (runs everywhere with wasm
// SIMD) and a relaxed-SIMD build (fused multiply-add; picked at run time when the engine
// validates it). Output goes to dist/kernels/wasm/, beside the backend that loads it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist', 'kernels', 'wasm');
mkdirSync(outDir, { recursive: true });
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

const common = [
  join(root, 'src', 'kernels', 'assembly', 'index.ts'),
  '-O3', '--runtime', 'stub', '--noAssert', '--importMemory', '--sharedMemory',
  '--initialMemory', '256', '--maximumMemory', '65536', '--enable', 'simd,threads,relaxed-simd',
];
for (const [name, relaxed] of [['recur-simd.wasm', 0], ['recur-relaxed.wasm', 1]]) {
  const out = join(outDir, name);
  execFileSync(process.execPath, [asc, ...common, '--use', `RELAXED=${relaxed}`, '-o', out], { stdio: 'inherit' });
  const bytes = readFileSync(out);
  console.log(`built ${name} (${bytes.length} bytes)`);
}
