/**
 * Loaded into a training process by long-run.ts (`node --expose-gc --import heap-probe.js`):
 * every half second, a full garbage collection and then one JSON line of the time, the live
 * heap and the resident memory, appended to the file RECUR_HEAP_PROBE names. The heap after a
 * full collection is what a leak grows; resident memory also moves with V8's sizing of its
 * spaces and the allocator's caches.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.RECUR_HEAP_PROBE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  const t0 = performance.now();
  setInterval(() => {
    gc();
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ ms: Math.round(performance.now() - t0), heapUsed: m.heapUsed, rss: m.rss })}\n`);
  }, 500).unref();
}
