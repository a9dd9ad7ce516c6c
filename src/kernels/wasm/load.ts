/**
 * Finds, validates and compiles the kernel module: the relaxed-SIMD build when the runtime
 * accepts it (checked with `WebAssembly.validate`; the library sets no engine flag, see
 * relaxed-flag.ts for recur's own programs), else the plain SIMD build;
 * each exists for a shared memory (threads) and for a memory of its own (a browser page that is
 * not cross-origin isolated). All are compiled from `src/kernels/assembly/` by `npm run build:wasm`.
 */

export type WasmFlavour = 'relaxed-simd' | 'simd';

const FILES: Record<WasmFlavour, string> = {
  'relaxed-simd': 'recur-relaxed',
  simd: 'recur-simd',
};
const fileOf = (flavour: WasmFlavour, shared: boolean): string => `${FILES[flavour]}${shared ? '' : '-unshared'}.wasm`;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function readBytes(file: string): Promise<Uint8Array<ArrayBuffer>> {
  const url = new URL(`./${file}`, import.meta.url);
  if (isNode) {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasm backend: could not fetch ${url} (${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

export interface LoadedModule {
  module: WebAssembly.Module;
  flavour: WasmFlavour;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Compiles the best kernel build this runtime supports, or the one asked for, for a shared
 * memory (`shared`, the default) or for an unshared one.
 */
export async function loadKernelModule(prefer?: WasmFlavour, shared = true): Promise<LoadedModule> {
  const order: WasmFlavour[] = prefer ? [prefer] : ['relaxed-simd', 'simd'];
  const problems: string[] = [];
  for (const flavour of order) {
    const file = fileOf(flavour, shared);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await readBytes(file);
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    if (!WebAssembly.validate(bytes)) {
      problems.push(`${file}: not supported by this runtime`);
      continue;
    }
    return { module: await WebAssembly.compile(bytes), flavour, bytes };
  }
  throw new Error(`wasm backend: no usable kernel build (${problems.join('; ')}). Run \`npm run build\` to compile the kernels.`);
}
