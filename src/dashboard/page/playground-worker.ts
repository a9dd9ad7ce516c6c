// The playground's Web Worker (issue 17): trains one model (../playground-train.ts) on recur's
// wasm backend, off the page's thread. Bundled by scripts/build-dashboard.mjs as an ES module
// into /static/playground-worker.js, beside the kernel .wasm files and /static/thread-worker.js
// that the backend loads by URL relative to this script. On a cross-origin isolated page the
// backend runs on several threads (its own Web Workers on a shared memory); otherwise on one.
// One job per worker: the page starts a new worker for each run and terminates it afterwards.
// Type checked by tsconfig.worker.json (Node types for the library it bundles, no WebWorker lib).
import { createBackend } from '../../kernels/index.js';
import type { FromWorker, PlaygroundJob, ToWorker } from '../playground-protocol.js';
import { type PlaygroundTrainer, charTrainer, helloTrainer, runTraining } from '../playground-train.js';

interface WorkerScope {
  onmessage: ((ev: { data: ToWorker }) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  crossOriginIsolated?: boolean;
}

const scope = globalThis as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);
let cancelled = false;
let started = false;

// A pause between batches of steps lets the page's messages (cancel) in. A message to ourselves
// comes back at once; a chain of zero-delay timers would be held to 4 ms each after a few.
const channel = new MessageChannel();
let resume: (() => void) | null = null;
channel.port1.onmessage = () => {
  const r = resume;
  resume = null;
  r?.();
};
const pause = (): Promise<void> => new Promise((ok) => {
  resume = ok;
  channel.port2.postMessage(null);
});

scope.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (m.type === 'start' && !started) {
    started = true;
    run(m).catch((e: unknown) => post({ type: 'error', message: (e as Error)?.message ?? String(e) }));
  }
};

async function run(m: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const isolated = scope.crossOriginIsolated === true;
  const backend = await createBackend('wasm', { threads: isolated ? m.threads : 1 });
  const job = m.job;
  const hello = job.kind === 'hello' ? helloTrainer(backend, job.settings) : undefined;
  const trainer: PlaygroundTrainer = hello ?? charTrainer(backend, (job as Extract<PlaygroundJob, { kind: 'char' }>).settings);
  post({
    type: 'ready', backend: backend.description, threads: backend.threads, crossOriginIsolated: isolated,
    parameters: trainer.model.numParameters(), vocabulary: trainer.vocabulary.length, totalSteps: trainer.totalSteps,
  });
  const result = await runTraining(trainer, {
    shouldStop: () => cancelled,
    pause,
    onProgress: (p) => post(p),
    ...(job.kind === 'char' ? { sampleEvery: job.settings.sampleEvery, onSample: (step: number, text: string) => post({ type: 'sample', step, text }) } : {}),
  });
  const bytes = trainer.encode(result.step);
  const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  post({ type: 'done', ...result, model, fileName: trainer.fileName, ...(hello ? { hello: hello.table() } : {}) }, [model]);
}
