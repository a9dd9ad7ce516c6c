/** Public door of the kernel layer: the Backend contract, its implementations and the cell table. */
import type { Backend } from './backend.js';
import { ReferenceBackend, type ReferenceBackendOptions } from './reference/reference-backend.js';
import { WasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';
import { NativeBackend, type NativeBackendOptions } from './native/native-backend.js';

export type {
  Activation, Arena, Backend, F32, I32, SgdOptions as SgdKernelOptions, AdagradOptions as AdagradKernelOptions,
  RmspropOptions as RmspropKernelOptions, AdamOptions as AdamKernelOptions,
} from './backend.js';
export { CELL_KINDS, type CellKind, type CellKindInfo, type OnnxCell, cellKind, cellKindAliases, cellKindsHelp, isCellKind } from './cell-kinds.js';
export { ReferenceBackend, type ReferenceBackendOptions } from './reference/reference-backend.js';
export { WasmBackend, type WasmBackendOptions } from './wasm/wasm-backend.js';
export type { WasmFlavour } from './wasm/load.js';
export { NativeBackend, type NativeBackendOptions } from './native/native-backend.js';
export type { NativeAvailability, NativeInfo, NativeIsa } from './native/load.js';

export type BackendName = 'reference' | 'wasm' | 'native';

/**
 * Creates a backend by name. With no name (or `'auto'`): `native` in Node where its addon was
 * built at install time, `wasm` otherwise (a browser, no compiler, `RECUR_NATIVE=0`); the
 * result's `name` says which. `wasm`: WebAssembly SIMD kernels, on all cores unless
 * `options.threads` says otherwise (compiling the module makes this async). `native` (Node
 * only): C++ kernels for the CPU's best instruction set; throws, saying why, where they were not
 * built (`NativeBackend.available()` asks first). `reference`: plain TypeScript loops, the
 * oracle. Modules move their parameters there with `.to(backend)`.
 * The result is typed by the name: `(await createBackend('wasm')).threadStats` needs no cast.
 */
export function createBackend(name: 'reference', options?: ReferenceBackendOptions): Promise<ReferenceBackend>;
export function createBackend(name: 'wasm', options?: WasmBackendOptions): Promise<WasmBackend>;
export function createBackend(name: 'native', options?: NativeBackendOptions): Promise<NativeBackend>;
export function createBackend(name?: 'auto', options?: { threads?: number }): Promise<NativeBackend | WasmBackend>;
export function createBackend(name: BackendName | 'auto', options?: WasmBackendOptions & ReferenceBackendOptions & NativeBackendOptions): Promise<Backend>;
export async function createBackend(name: BackendName | 'auto' = 'auto',
  options: WasmBackendOptions & ReferenceBackendOptions & NativeBackendOptions = {}): Promise<Backend> {
  if (name === 'auto') return NativeBackend.available().ok ? NativeBackend.create({ threads: options.threads }) : WasmBackend.create({ threads: options.threads });
  if (name === 'reference') return new ReferenceBackend(options);
  if (name === 'wasm') return WasmBackend.create(options);
  if (name === 'native') return NativeBackend.create(options);
  throw new Error(`createBackend: unknown backend '${String(name)}' (expected 'auto', 'reference', 'wasm' or 'native')`);
}
