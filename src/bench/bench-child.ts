/**
 * One contender of `npm run bench` in its own process (so peak RSS and JIT state are its own):
 * sets up the workload for recur, TF.js or ONNX Runtime, warms up, then times steps whenever
 * the orchestrator (bench.ts) asks over IPC, and finally reports its max RSS.
 *
 *   node dist/bench/bench-child.js '{"workload":"W1","impl":"recur","backend":"wasm","threads":2}'
 */
import './relaxed-simd.js';
import { recurRunner } from './recur-runners.js';
import { ortRunner } from './peers/ort-workloads.js';
import { tfjsRunner } from './peers/tfjs-workloads.js';
import { type ContenderSpec, type Runner, workloadById } from './workloads.js';

export type ChildRequest = { type: 'sample'; minMs: number; maxSteps: number } | { type: 'stop' };
export type ChildReply =
  | { type: 'ready'; description: string; threads: number }
  | { type: 'sample'; times: number[] }
  | { type: 'stopped'; maxRssKiB: number }
  | { type: 'error'; message: string };

async function setup(spec: ContenderSpec): Promise<{ runner: Runner; threads: number }> {
  const w = workloadById(spec.workload);
  if (spec.impl === 'recur') {
    if (spec.backend !== 'wasm' && spec.backend !== 'native') throw new Error(`recur backend must be wasm or native, got ${spec.backend}`);
    const r = await recurRunner(w, { threads: spec.threads, backend: spec.backend });
    return { runner: r, threads: r.backend.threads };
  }
  if (spec.impl === 'tfjs') {
    if (spec.backend !== 'cpu' && spec.backend !== 'wasm') throw new Error(`tfjs backend must be cpu or wasm, got ${spec.backend}`);
    const r = await tfjsRunner(w, spec.backend);
    return { runner: r, threads: r.threads };
  }
  if (spec.impl === 'ort') return { runner: await ortRunner(w, spec.threads), threads: spec.threads };
  throw new Error(`bench-child: ${spec.impl} runs in its own process (bench.ts starts scripts/bench_torch.py for PyTorch)`);
}

async function timeSteps(runner: Runner, minMs: number, maxSteps: number): Promise<number[]> {
  const times: number[] = [];
  const t0 = performance.now();
  do {
    const t = performance.now();
    const r = runner.step();
    if (r) await r;
    times.push(performance.now() - t);
  } while (performance.now() - t0 < minMs && times.length < maxSteps);
  return times;
}

/**
 * Collects this process's garbage before it hands the machine to the next contender: V8 would
 * otherwise run that GC on background threads while the next contender is being timed (seen as
 * recur's 2-thread samples dropping 20-40% next to TF.js's multi-GB heaps). bench.ts starts the
 * children with --expose-gc; the short pause lets concurrent sweeping finish.
 */
async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

async function main(): Promise<void> {
  const send = (m: ChildReply) => process.send!(m);
  try {
    const spec = JSON.parse(process.argv[2] ?? '') as ContenderSpec;
    const { runner, threads } = await setup(spec);
    // Warm-up: the first steps compile kernels and build graphs (tfjs: several times slower).
    await timeSteps(runner, 300, spec.impl === 'tfjs' ? 1 : 20);
    await settle();
    send({ type: 'ready', description: runner.description, threads });
    process.on('message', (m: ChildRequest) => {
      if (m.type === 'sample') {
        timeSteps(runner, m.minMs, m.maxSteps).then(async (times) => {
          await settle();
          send({ type: 'sample', times });
        }, (e: unknown) => send({ type: 'error', message: String((e as Error)?.stack ?? e) }));
      } else {
        Promise.resolve(runner.dispose?.()).finally(() => {
          send({ type: 'stopped', maxRssKiB: process.resourceUsage().maxRSS });
          process.disconnect!();
        });
      }
    });
  } catch (e) {
    send({ type: 'error', message: String((e as Error)?.stack ?? e) });
    process.disconnect!();
  }
}

await main();
