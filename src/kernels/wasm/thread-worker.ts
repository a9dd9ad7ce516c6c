/**
 * Entry point of a kernel worker thread (a Node worker_threads Worker or a browser Web Worker).
 * It instantiates the same compiled kernel module on the shared memory, then serves jobs from
 * the control block forever: spin briefly on the job counter, then sleep in Atomics.wait so an
 * idle backend costs no CPU; a part the main thread took back in the meantime is skipped. Not here: deciding how work is split (wasm-backend.ts, split.ts).
 */
import { ARGS_OFFSET, DONE, FAILED, MAX_ARGS, OP, SEQ, SLEEPERS, SLOT_BYTES, STATE, STOP, WAITING, type WorkerInit } from './control-block.js';

type Kernel = (...args: number[]) => unknown;

function serve(init: WorkerInit, kernels: Kernel[]): void {
  const buffer = init.memory.buffer;
  const ctl = new Int32Array(buffer, init.control, SLOT_BYTES * (init.index + 1) / 4);
  const slot = (SLOT_BYTES * init.index) / 4;
  const args = new Float64Array(buffer, init.control + SLOT_BYTES * init.index + ARGS_OFFSET, MAX_ARGS);
  // Jobs count from 1 (the pool zeroes the block before starting workers): a job posted
  // between our 'ready' and this point must still be seen as new.
  let last = 0;
  for (;;) {
    let seq = Atomics.load(ctl, SEQ);
    if (seq === last) {
      const until = performance.now() + init.spinMs;
      let spins = 0;
      while ((seq = Atomics.load(ctl, SEQ)) === last) {
        if ((++spins & 1023) !== 0 || performance.now() < until) continue;
        // Announce the sleep before checking once more, so that a job posted in between is
        // either seen by the wait (not-equal) or followed by a notify (the poster reads SLEEPERS).
        Atomics.add(ctl, SLEEPERS, 1);
        Atomics.wait(ctl, SEQ, last);
        Atomics.sub(ctl, SLEEPERS, 1);
      }
    }
    if (Atomics.load(ctl, STOP) !== 0) return;
    last = seq;
    // Take the part posted to this worker, unless the main thread already ran it itself. Its op
    // and arguments were written before STATE, and stay until this worker reports DONE.
    const posted = Atomics.load(ctl, slot + STATE);
    if (posted <= 0 || Atomics.compareExchange(ctl, slot + STATE, posted, -posted) !== posted) continue;
    try {
      kernels[Atomics.load(ctl, slot + OP)]!(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!, args[5]!, args[6]!, args[7]!,
        args[8]!, args[9]!, args[10]!, args[11]!, args[12]!, args[13]!, args[14]!, args[15]!);
    } catch (e) {
      Atomics.store(ctl, slot + FAILED, 1);
      console.error(`recur wasm worker ${init.index}: ${(e as Error)?.stack ?? String(e)}`);
    }
    Atomics.store(ctl, slot + DONE, posted);
    if (Atomics.load(ctl, WAITING) !== 0) Atomics.notify(ctl, slot + DONE);
  }
}

async function start(init: WorkerInit, post: (message: unknown) => void): Promise<void> {
  const instance = await WebAssembly.instantiate(init.module, {
    env: { memory: init.memory, abort: () => { throw new Error('wasm backend: a kernel aborted'); }, now: () => performance.now() },
  });
  const exports = instance.exports as Record<string, unknown>;
  const kernels = init.ops.map((name) => {
    const f = exports[name];
    if (typeof f !== 'function') throw new Error(`wasm worker: the kernel module has no export '${name}'`);
    return f as Kernel;
  });
  post('ready');
  serve(init, kernels);
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
if (isNode) {
  const { parentPort } = await import('node:worker_threads');
  parentPort!.once('message', (init: WorkerInit) => {
    start(init, (m) => parentPort!.postMessage(m)).catch((e: unknown) => parentPort!.postMessage({ error: String((e as Error)?.stack ?? e) }));
  });
} else {
  const scope = globalThis as unknown as { onmessage: ((ev: { data: WorkerInit }) => void) | null; postMessage(m: unknown): void };
  scope.onmessage = (ev) => {
    scope.onmessage = null;
    start(ev.data, (m) => scope.postMessage(m)).catch((e: unknown) => scope.postMessage({ error: String((e as Error)?.stack ?? e) }));
  };
}
