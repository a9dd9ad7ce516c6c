/**
 * The main-thread side of the wasm backend's worker threads: starts `threads - 1` workers on
 * the backend's shared memory and hands each of them one kernel call per job through the
 * control block (control-block.ts). The main thread always runs part 0 itself, takes back any
 * part a worker has not started yet, and then spins until the workers are done, so a job costs
 * well under a microsecond while the workers are awake; a worker that has waited for about `spinMs` goes to sleep in Atomics.wait and is woken
 * by Atomics.notify (tens of microseconds). Workers never keep a Node process alive (unref) and
 * are terminated when their backend is garbage-collected.
 */
import { ARGS_OFFSET, DONE, FAILED, MAX_ARGS, OP, SEQ, SLEEPERS, SLOT_BYTES, STATE, STOP, WAITING, type WorkerInit, controlBlockBytes } from './control-block.js';

/** The part of a Worker (Node or browser) the pool uses. */
interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

/** Milliseconds a stuck worker may take before a job fails instead of hanging. */
const STUCK_MS = 30_000;
/** Milliseconds the main thread spins on a late worker before it sleeps (where it may block: see canBlock). */
const SPIN_WAIT_MS = 0.2;
/**
 * Whether this thread may block in Atomics.wait: Node's main thread and a browser's Web Workers
 * may, a browser's main thread may not (there Atomics.wait throws). Asked once, on a value that
 * differs, so the probe returns at once.
 */
const canBlock = isNode || (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

export class ThreadPool {
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array[];
  private readonly workers: AnyWorker[];
  private seq = 0;
  private readonly taken: Uint8Array;
  /** Parts posted to workers, and how many of them this thread took back and ran itself. */
  readonly stats = { posted: 0, takenBack: 0 };

  private constructor(threads: number, ctl: Int32Array, args: Float64Array[], workers: AnyWorker[]) {
    this.threads = threads;
    this.ctl = ctl;
    this.args = args;
    this.workers = workers;
    this.taken = new Uint8Array(threads);
    poolFinalizer.register(this, { ctl, workers });
  }

  /**
   * Starts `threads - 1` workers. `control` is the byte offset of `controlBlockBytes(threads)`
   * bytes of the shared memory, zeroed, that stay allocated for the pool's lifetime.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, threads: number,
    ops: string[], spinMs: number): Promise<ThreadPool> {
    const buffer = memory.buffer;
    const ctl = new Int32Array(buffer, control, controlBlockBytes(threads) / 4);
    ctl.fill(0);
    const args: Float64Array[] = [];
    for (let w = 0; w < threads; w++) args.push(new Float64Array(buffer, control + SLOT_BYTES * w + ARGS_OFFSET, MAX_ARGS));
    const url = new URL('./thread-worker.js', import.meta.url);
    const workers: AnyWorker[] = [];
    const ready: Promise<void>[] = [];
    try {
      for (let w = 1; w < threads; w++) {
        const init: WorkerInit = { module, memory, control, index: w, ops, spinMs };
        if (isNode) {
          const { Worker } = await import('node:worker_threads');
          // No inherited options: `node -e` adds --input-type, which stops a file-based worker,
          // and V8 flags (e.g. --experimental-wasm-relaxed-simd) are refused by workers; they
          // are process-wide and apply to the worker anyway.
          const worker = new Worker(url, { execArgv: [] });
          worker.unref();
          workers.push(worker);
          ready.push(new Promise((resolve, reject) => {
            worker.once('message', (m: unknown) => (m === 'ready' ? resolve() : reject(new Error(`wasm backend: worker ${w} failed to start: ${(m as { error?: string })?.error}`))));
            worker.once('error', reject);
          }));
          worker.postMessage(init);
        } else {
          const worker = new Worker(url, { type: 'module' });
          workers.push(worker);
          ready.push(new Promise((resolve, reject) => {
            worker.onmessage = (ev: MessageEvent) => (ev.data === 'ready' ? resolve()
              : reject(new Error(`wasm backend: worker ${w} failed to start: ${(ev.data as { error?: string })?.error}`)));
            worker.onerror = (ev: ErrorEvent) => reject(new Error(`wasm backend: worker ${w} failed to start: ${ev.message}`));
          }));
          worker.postMessage(init);
        }
      }
      await Promise.all(ready);
    } catch (e) {
      for (const worker of workers) void worker.terminate();
      throw e;
    }
    return new ThreadPool(threads, ctl, args, workers);
  }

  /**
   * Runs `call(partArgs[0])` on this thread and part t = 1 .. parts-1 (parts = partArgs.length)
   * as the kernel `op` with arguments `partArgs[t]` on worker t, returning when all are done.
   * A part its worker has not taken by the time this thread's own part returns is taken back
   * and run here with `call(partArgs[t])`, so a sleeping or descheduled worker costs at most the
   * time of running its part on this thread.
   */
  run(op: number, partArgs: readonly number[][], call: (args: number[]) => void): void {
    const ctl = this.ctl;
    const parts = partArgs.length;
    const seq = this.seq = this.seq >= 0x3fffffff ? 1 : this.seq + 1; // > 0: see control-block.ts
    for (let t = 1; t < parts; t++) {
      const slot = SLOT_BYTES / 4 * t;
      this.args[t]!.set(partArgs[t]!);
      ctl[slot + OP] = op;
      Atomics.store(ctl, slot + STATE, seq);
    }
    this.stats.posted += parts - 1;
    Atomics.store(ctl, SEQ, seq);
    if (Atomics.load(ctl, SLEEPERS) !== 0) Atomics.notify(ctl, SEQ);
    let failed: unknown;
    try {
      call(partArgs[0]!);
    } catch (e) {
      failed = e;
    }
    const taken = this.taken; // taken[t]: worker t has its part; wait for it
    for (let t = 1; t < parts; t++) {
      taken[t] = Atomics.compareExchange(ctl, SLOT_BYTES / 4 * t + STATE, seq, 0) !== seq ? 1 : 0;
      if (taken[t]) continue;
      if (failed !== undefined) continue; // withdrawn, not run
      this.stats.takenBack++;
      try {
        call(partArgs[t]!);
      } catch (e) {
        failed = e;
      }
    }
    this.await(seq, parts);
    if (failed !== undefined) throw failed;
  }

  /**
   * Spins until the workers that took a part have finished part `seq`. A worker that is late
   * (descheduled on a busy machine, or given more work) would otherwise cost a whole time slice
   * of spinning, so after about SPIN_WAIT_MS a Node main thread sleeps in Atomics.wait until the
   * worker notifies (a browser's main thread may not block: it keeps spinning; a Web Worker running
   * the pool, as the dashboard's playground does, sleeps like Node).
   */
  private await(seq: number, parts: number): void {
    const ctl = this.ctl;
    for (let t = 1; t < parts; t++) {
      if (!this.taken[t]) continue;
      const slot = SLOT_BYTES / 4 * t;
      let spins = 0;
      let since = 0;
      for (;;) {
        const done = Atomics.load(ctl, slot + DONE);
        if (done === seq) break;
        if ((++spins & 0x3ff) !== 0) continue;
        const now = performance.now();
        if (since === 0) { since = now; continue; }
        if (now - since > STUCK_MS) throw new Error(`wasm backend: worker thread ${t} did not finish a kernel within ${STUCK_MS / 1000} s`);
        if (canBlock && now - since > SPIN_WAIT_MS) {
          Atomics.store(ctl, WAITING, 1);
          Atomics.wait(ctl, slot + DONE, done, 10);
          Atomics.store(ctl, WAITING, 0);
        }
      }
      if (ctl[slot + FAILED] !== 0) {
        ctl[slot + FAILED] = 0;
        throw new Error(`wasm backend: a kernel failed in worker thread ${t} (see its message on stderr)`);
      }
    }
  }
}

/** Stops and terminates the workers of a pool whose backend was garbage-collected. */
const poolFinalizer = new FinalizationRegistry<{ ctl: Int32Array; workers: AnyWorker[] }>(({ ctl, workers }) => {
  Atomics.store(ctl, STOP, 1);
  Atomics.add(ctl, SEQ, 1);
  Atomics.notify(ctl, SEQ);
  for (const worker of workers) void worker.terminate();
});
