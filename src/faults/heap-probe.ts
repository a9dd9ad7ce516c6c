/**
 * Loaded into a training process by long-run.ts (`node --expose-gc --import heap-probe.js`):
 * every half second, a full garbage collection and then one JSON line of the time, the live
 * heap, V8's heap reservation, the live external (ArrayBuffer) memory and the resident memory,
 * appended to the file RECUR_HEAP_PROBE names. A leak grows the live heap, the live external
 * memory or what is resident outside both of V8's (rss - heapTotal - external: the addon's and
 * the C allocator's); resident memory as a whole also moves with V8's sizing of its heap.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.RECUR_HEAP_PROBE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  const t0 = performance.now();
  setInterval(() => {
    gc();
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ ms: Math.round(performance.now() - t0), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rss: m.rss })}\n`);
  }, 500).unref();
}
