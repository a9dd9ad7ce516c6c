/**
 * Runs one whole-sequence job (recurrentSequence / recurrentSequenceBackward) of the wasm
 * backend: allocates the descriptor block, writes its fields by name (kernel-abi.ts), runs the
 * parts on the threads and reads back their statistics. Not here: argument checks and staging
 * (wasm-backend.ts), the kernels (assembly/recurrent.ts).
 */
import type { KernelExports } from './exports.js';
import type { WasmHeap } from './heap.js';
import type { ThreadPool } from './thread-pool.js';
import {
  JOB_SLOT_BYTES, JOB_SYNC_BYTES, SEQ_BATCH, SEQ_CELL, SEQ_FAILED, SEQ_HIDDEN, SEQ_LENGTHS, SEQ_PACKED, SEQ_PARTS, SEQ_REVERSE,
  SEQ_SCRATCH, SEQ_SCRATCH_BYTES, SEQ_STEPS, SEQ_TAKEN_OVER,
} from './kernel-abi.js';

/** A whole-sequence job: the descriptor's fields by name, pointers already staged. */
export interface SequenceJob {
  op: 'recurrentSequence' | 'recurrentSequenceBackward';
  /** The cell's kernel code. */
  cell: number;
  steps: number;
  batch: number;
  hidden: number;
  reverse: boolean;
  parts: number;
  lengths: number;
  packed: number;
  scratchBytes: number;
  /** The field that gets the address of the job's zeroed [B, H] buffer (SEQ_H_SPARE, SEQ_DHPREV). */
  buffer: number;
  /** The job's own fields: SEQ_* -> value. */
  fields: Record<number, number>;
  /** Runs with the buffer's address after the kernels, before the block is released. */
  after?: (buffer: number) => void;
}

/** What a job runs on: the backend's kernels, heap and memory, and its thread pool (absent: one thread). */
export interface SequenceContext {
  kernels: KernelExports;
  heap: WasmHeap;
  memory: WebAssembly.Memory;
  pool: ThreadPool | undefined;
  /** The pool's code of `op`. */
  opCode: number;
}

/**
 * Runs `job` on `job.parts` threads; returns the chunks one thread ran for another (late) one.
 * One heap block holds the descriptor (the named words, then a zeroed sync slot per part), the
 * zeroed buffer and the scratch of every part. A block a stuck thread may still write to is
 * never released.
 */
export function runSequenceJob(ctx: SequenceContext, job: SequenceJob): number {
  const { op, parts, scratchBytes } = job;
  const descBytes = JOB_SYNC_BYTES + JOB_SLOT_BYTES * parts;
  const bufferBytes = Math.ceil(job.batch * job.hidden * 4 / 64) * 64;
  // One block (64-byte aligned, as every heap block): descriptor, buffer, scratch per part.
  const desc = ctx.heap.alloc(descBytes + bufferBytes + scratchBytes * parts);
  let threadFailed = false;
  try {
    const buffer = desc + descBytes;
    const d = new Int32Array(ctx.memory.buffer, desc, (descBytes + bufferBytes) / 4);
    d.fill(0);
    d[SEQ_CELL] = job.cell;
    d[SEQ_STEPS] = job.steps;
    d[SEQ_BATCH] = job.batch;
    d[SEQ_HIDDEN] = job.hidden;
    d[SEQ_REVERSE] = +job.reverse;
    d[SEQ_PARTS] = parts;
    d[SEQ_LENGTHS] = job.lengths;
    d[SEQ_PACKED] = job.packed;
    d[SEQ_SCRATCH] = buffer + bufferBytes;
    d[SEQ_SCRATCH_BYTES] = scratchBytes;
    d[job.buffer] = buffer;
    for (const field in job.fields) d[+field] = job.fields[field]!;
    const run = ctx.kernels[op];
    if (parts === 1) {
      run(desc, 0);
    } else {
      const partArgs: number[][] = [];
      for (let t = 0; t < parts; t++) partArgs.push([desc, t]);
      try {
        ctx.pool!.run(ctx.opCode, partArgs, (a) => run(a[0]!, a[1]!));
      } catch (e) {
        threadFailed = true;
        throw e;
      }
    }
    if (d[SEQ_FAILED] !== 0) {
      threadFailed = true;
      throw new Error(`${op}: a thread waited on the others for over 30 s (a worker thread stopped)`);
    }
    job.after?.(buffer);
    return d[SEQ_TAKEN_OVER]!;
  } finally {
    if (!threadFailed) ctx.heap.release(desc);
  }
}
