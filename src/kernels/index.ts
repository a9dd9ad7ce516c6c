/** Public door of the kernel layer: the Backend contract, its two implementations and the cell table. */
import type { Backend } from './backend.js';
import { ReferenceBackend, type ReferenceBackendOptions } from './reference/reference-backend.js';
import { WasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';

export type {
  Activation, Arena, Backend, F32, I32, SgdOptions as SgdKernelOptions, AdagradOptions as AdagradKernelOptions,
  RmspropOptions as RmspropKernelOptions, AdamOptions as AdamKernelOptions,
} from './backend.js';
export { CELL_KINDS, type CellKind, type CellKindInfo, type OnnxCell, cellKind, cellKindAliases, cellKindsHelp, isCellKind } from './cell-kinds.js';
export { ReferenceBackend, type ReferenceBackendOptions } from './reference/reference-backend.js';
export { WasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';
export type { WasmFlavour } from './wasm/load.js';

export type BackendName = 'reference' | 'wasm';

/**
 * Creates a backend by name: `wasm` (the default: WebAssembly SIMD kernels, on all cores unless
 * `options.threads` says otherwise; compiling the module makes this async) or `reference`
 * (plain TypeScript loops, the oracle). Modules move their parameters there with `.to(backend)`.
 * The result is typed by the name: `(await createBackend('wasm')).threadStats` needs no cast.
 */
export function createBackend(name: 'reference', options?: ReferenceBackendOptions): Promise<ReferenceBackend>;
export function createBackend(name?: 'wasm', options?: WasmBackendOptions): Promise<WasmBackend>;
export function createBackend(name: BackendName, options?: WasmBackendOptions & ReferenceBackendOptions): Promise<Backend>;
export async function createBackend(name: BackendName = 'wasm', options: WasmBackendOptions & ReferenceBackendOptions = {}): Promise<Backend> {
  if (name === 'reference') return new ReferenceBackend(options);
  if (name === 'wasm') return WasmBackend.create(options);
  throw new Error(`createBackend: unknown backend '${String(name)}' (expected 'reference' or 'wasm')`);
}
