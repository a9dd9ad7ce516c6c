/**
 * How many threads the wasm backend may use here: validation of the `threads` option, the
 * default (all cores), and the environment check (workers sharing memory need Node's
 * worker_threads, or in a browser a cross-origin isolated page with Web Workers).
 */

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Cores this runtime reports: os.availableParallelism() in Node, hardwareConcurrency in a browser. */
export async function availableThreads(): Promise<number> {
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Number.isInteger(n) ? n! : 1);
}

/**
 * True where a shared WebAssembly.Memory can be created: always in Node; in a browser only on
 * a cross-origin isolated page (COOP same-origin + COEP require-corp), and in its workers.
 */
export function canShareMemory(): boolean {
  if (isNode) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  return g.crossOriginIsolated === true && typeof g.SharedArrayBuffer === 'function';
}

/** True where worker threads can share a WebAssembly.Memory with this thread. */
export function canShareMemoryWithWorkers(): boolean {
  if (isNode) return true;
  return canShareMemory() && typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

/**
 * The thread count to use for a requested `threads` option: throws `${where}: threads must be
 * ...` unless it is undefined or a positive integer; undefined means all cores. Without shared
 * memory between workers the answer is 1.
 */
export async function resolveThreads(where: string, requested: unknown): Promise<number> {
  if (requested !== undefined && !(typeof requested === 'number' && Number.isInteger(requested) && requested >= 1 && requested <= 256)) {
    throw new Error(`${where}: threads must be an integer from 1 to 256 (1 = no worker threads), got ${typeof requested === 'string' ? JSON.stringify(requested) : String(requested)}`);
  }
  const want = (requested as number | undefined) ?? await availableThreads();
  return canShareMemoryWithWorkers() ? want : 1;
}
