/**
 * Layout of the control block through which the main thread hands kernel calls to worker
 * threads: a few int32 words in shared wasm memory, read and written with Atomics. Shared by
 * the pool (main side, thread-pool.ts) and the workers (thread-worker.ts); holds no logic.
 *
 * A part is posted to worker w by writing its op and arguments, then STATE = seq (> 0). Whoever
 * first swaps STATE runs the part: the worker (seq -> -seq, then DONE = seq when finished) or,
 * if the worker has not picked it up by the time the main thread is done with its own part
 * (asleep, or descheduled on a busy machine), the main thread itself (seq -> 0). So a late
 * worker never makes a call slower than running it on one thread, and a part runs exactly once.
 *
 *   word 0   SEQ       job counter, the doorbell: bumped for every job (workers wait on it)
 *   word 1   SLEEPERS  workers currently in Atomics.wait (notify only when it is non-zero)
 *   word 2   STOP      non-zero: workers leave their loop
 *   word 3   WAITING   non-zero while the main thread sleeps on a DONE word (workers notify it)
 *   per worker w (1-based), a slot of SLOT_BYTES at SLOT_BYTES * w:
 *     int32 [0] op: index of the export to call for the posted part
 *     int32 [1] done: the seq of the last part this worker finished
 *     int32 [2] failed: non-zero after a kernel threw in this worker
 *     int32 [3] state: seq = posted, -seq = taken by the worker, 0 = nothing to do
 *     f64 [ARGS_OFFSET / 8 ..] up to MAX_ARGS call arguments
 */
export const SEQ = 0;
export const SLEEPERS = 1;
export const STOP = 2;
export const WAITING = 3;
/** One slot per thread, on its own cache lines. */
export const SLOT_BYTES = 192;
export const ARGS_OFFSET = 64;
export const MAX_ARGS = 16;
export const OP = 0;
export const DONE = 1;
export const FAILED = 2;
export const STATE = 3;

/** Bytes of a control block for `threads` threads (slot 0 is the header). */
export function controlBlockBytes(threads: number): number {
  return SLOT_BYTES * (threads + 1);
}

/** Message that starts a worker: everything it needs to join the pool. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block in `memory`. */
  control: number;
  /** 1-based worker index (the main thread is 0). */
  index: number;
  /** Export names, indexed by the `op` codes of the slots. */
  ops: string[];
  /** Spin this long (ms) for a new job before sleeping in Atomics.wait. */
  spinMs: number;
}
