/**
 * `npm run bench`: races recur (wasm, and native where its addon is built) against TensorFlow.js
 * (cpu and wasm backends), ONNX Runtime (native, inference only) and PyTorch (where a Python
 * with torch is found: RECUR_PYTHON or .venv-torch; else one line says why) on the workloads of
 * workloads.ts, in the same run. Every contender
 * runs in its own child process (bench-child.ts: its own JIT, its own peak RSS); samples of the
 * contenders of a workload alternate round-robin so that machine noise hits all alike (six short
 * rounds by default: this VM has bursts of slowness seconds long, which three rounds of one
 * second let fall on one contender). Prints the
 * machine's own limits first: recur's GEMM rate at the W1 shapes, and the wasm SIMD ceiling
 * (simd-ceiling.ts: what any wasm code can multiply per thread). Then a table of throughput with
 * ratios, and the targets of issue #5, each peer-bound one with the ratio recur would reach at
 * that ceiling. First comes the layer section (layers.bench.ts: one LSTM, GRU and Elman
 * layer, forward + backward, wasm against the reference backend), then the latency of `recur lm
 * complete` (complete.bench.ts: one reply of a 2 x 256 LSTM word and character model), then
 * ONNX Runtime serving a recur-trained classifier from its exported file beside recur's own
 * inference, at batch 1 and 64 (serving.bench.ts).
 *
 *   npm run bench [-- --out results.jsonl] [--only layers,complete,serving,W1,W2-b64] [--rounds 6] [--sample-ms 500]
 *                   [--threads N] [--no-layers] [--no-complete] [--no-serving] [--no-tfjs] [--no-ort] [--no-native] [--no-torch]
 *                   [--profile [--profile-steps 10] [--profile-backend wasm|native]]
 *
 * `--out FILE` writes one JSON line per measurement:
 *   {"workload","impl","backend","threads","metric","value","unit","runs","min","max"}
 * `--profile` prints where the time of a recur W1 step goes instead of racing (profile-run.ts).
 */
import './relaxed-simd.js';
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { NativeBackend } from '../kernels/native/native-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import type { ChildReply, ChildRequest } from './bench-child.js';
import { measureGemmRates } from './gemm-limit.js';
import { runCompleteBench } from './complete.bench.js';
import { runLayerBench } from './layers.bench.js';
import { runServingBench } from './serving.bench.js';
import { findTorchPython, scriptPath } from './peers/python.js';
import { runProfile } from './profile-run.js';
import { type SimdCeiling, bestCeiling, measureSimdCeiling } from './simd-ceiling.js';
import { type ContenderSpec, type Workload, WORKLOADS, contenderLabel, stepFlops, unitName, unitsPerStep, workloadById } from './workloads.js';

/** PyTorch's side of the race (scripts/bench_torch.py). */
const TORCH_BENCH_SCRIPT = scriptPath('bench_torch.py');

interface Options {
  out?: string;
  only: Workload[];
  layers: boolean;
  complete: boolean;
  serving: boolean;
  rounds: number;
  sampleMs: number;
  threads: number;
  tfjs: boolean;
  ort: boolean;
  /** recur on the native addon too (when it is built here). */
  native: boolean;
  /** PyTorch contenders (when a Python with torch is found). */
  torch: boolean;
  /** That Python, found in main. */
  python?: string;
  profile: boolean;
  profileSteps: number;
  profileBackend: 'wasm' | 'native';
}

export interface Measurement {
  workload: string;
  impl: string;
  backend: string;
  threads: number;
  metric: string;
  value: number;
  unit: string;
  runs: number;
  min: number;
  max: number;
}

function parseArgs(argv: string[], cores: number): Options {
  const o: Options = { only: [...WORKLOADS], layers: true, complete: true, serving: true, rounds: 6, sampleMs: 500, threads: cores, tfjs: true, ort: true, native: true, torch: true, profile: false, profileSteps: 10, profileBackend: 'wasm' };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const x = Number(v);
    if (!(Number.isInteger(x) && x >= min)) throw new Error(`bench: ${flag} needs an integer >= ${min}, got ${JSON.stringify(v)}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === '--out') o.out = value();
    else if (a === '--only') {
      const ids = value().split(',').map((id) => id.trim());
      o.layers = ids.includes('layers');
      o.complete = ids.includes('complete');
      o.serving = ids.includes('serving');
      o.only = ids.filter((id) => id !== 'layers' && id !== 'complete' && id !== 'serving').map(workloadById);
    } else if (a === '--no-layers') o.layers = false;
    else if (a === '--no-complete') o.complete = false;
    else if (a === '--no-serving') o.serving = false;
    else if (a === '--rounds') o.rounds = num(a, value(), 1);
    else if (a === '--sample-ms') o.sampleMs = num(a, value(), 1);
    else if (a === '--threads') o.threads = num(a, value(), 1);
    else if (a === '--no-tfjs') o.tfjs = false;
    else if (a === '--no-ort') o.ort = false;
    else if (a === '--no-native') o.native = false;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--profile') o.profile = true;
    else if (a === '--profile-steps') o.profileSteps = num(a, value(), 1);
    else if (a === '--profile-backend') {
      const b = value();
      if (b !== 'wasm' && b !== 'native') throw new Error(`bench: --profile-backend must be wasm or native, got ${JSON.stringify(b)}`);
      o.profileBackend = b;
    }
    else throw new Error(`bench: unknown flag ${a} (see the header of src/bench/bench.ts)`);
  }
  return o;
}

// ---- child processes -------------------------------------------------------------------------

/**
 * One contender's process: bench-child.js over IPC, or (PyTorch) scripts/bench_torch.py speaking
 * the same messages as JSON lines on stdin/stdout and timing its own steps.
 */
class Child {
  readonly proc: ChildProcess;
  private output = '';
  private queue: ChildReply[] = [];
  private waiting: ((m: ChildReply) => void) | undefined;
  private exited = false;

  constructor(readonly spec: ContenderSpec, python?: string) {
    const keep = (d: Buffer) => { this.output = (this.output + d.toString()).slice(-4000); };
    if (spec.impl === 'torch') {
      if (!python) throw new Error('bench: a PyTorch contender needs a Python with torch');
      this.proc = spawn(python, [TORCH_BENCH_SCRIPT, JSON.stringify({ workload: workloadById(spec.workload), threads: spec.threads })],
        { stdio: ['pipe', 'pipe', 'pipe'] });
      let pending = '';
      this.proc.stdout!.on('data', (d: Buffer) => {
        pending += d.toString();
        for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          try { this.deliver(JSON.parse(line) as ChildReply); } catch { keep(Buffer.from(`${line}\n`)); }
        }
      });
    } else {
      this.proc = fork(fileURLToPath(new URL('./bench-child.js', import.meta.url)), [JSON.stringify(spec)],
        { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--expose-gc'] }); // gc: see settle() in bench-child.ts
      this.proc.stdout!.on('data', keep);
      this.proc.on('message', (m: ChildReply) => this.deliver(m));
    }
    this.proc.stderr!.on('data', keep);
    this.proc.on('exit', (code) => {
      this.exited = true;
      this.deliver({ type: 'error', message: `exited with code ${code}` });
    });
  }

  private deliver(m: ChildReply): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w(m);
    } else {
      this.queue.push(m);
    }
  }

  async next<T extends ChildReply['type']>(type: T): Promise<Extract<ChildReply, { type: T }>> {
    const m = this.queue.shift() ?? await new Promise<ChildReply>((resolve) => { this.waiting = resolve; });
    if (m.type === 'error' || m.type !== type) {
      const why = m.type === 'error' ? m.message : `unexpected ${m.type}`;
      throw new Error(`${contenderLabel(this.spec)} on ${this.spec.workload}: ${why}\n${this.output.trim()}`);
    }
    return m as Extract<ChildReply, { type: T }>;
  }

  send(m: ChildRequest): void {
    if (this.spec.impl === 'torch') this.proc.stdin!.write(`${JSON.stringify(m)}\n`);
    else this.proc.send(m);
  }

  kill(): void {
    if (!this.exited) this.proc.kill();
  }
}

interface Result {
  spec: ContenderSpec;
  description: string;
  threads: number;
  times: number[];
  maxRssKiB: number;
}

function contenders(w: Workload, o: Options): ContenderSpec[] {
  const list: ContenderSpec[] = [];
  const threadCounts = o.threads > 1 ? [1, o.threads] : [1];
  for (const t of threadCounts) list.push({ workload: w.id, impl: 'recur', backend: 'wasm', threads: t });
  if (o.native) for (const t of threadCounts) list.push({ workload: w.id, impl: 'recur', backend: 'native', threads: t });
  if (o.python) for (const t of threadCounts) list.push({ workload: w.id, impl: 'torch', backend: 'cpu', threads: t });
  if (o.tfjs) for (const backend of ['wasm', 'cpu'] as const) list.push({ workload: w.id, impl: 'tfjs', backend, threads: 1 });
  if (o.ort && w.kind === 'infer') for (const t of threadCounts) list.push({ workload: w.id, impl: 'ort', backend: 'cpu', threads: t });
  return list;
}

/** Starts all contenders of a workload, alternates `rounds` samples between them, stops them. */
async function race(w: Workload, o: Options): Promise<Result[]> {
  const specs = contenders(w, o);
  const children: Child[] = [];
  try {
    const results: Result[] = [];
    for (const spec of specs) {
      const child = new Child(spec, o.python);
      children.push(child);
      const ready = await child.next('ready');
      results.push({ spec, description: ready.description, threads: ready.threads, times: [], maxRssKiB: 0 });
    }
    for (let r = 0; r < o.rounds; r++) {
      // Rotate the order each round so no contender always follows the same one.
      for (let j = 0; j < children.length; j++) {
        const i = (j + r) % children.length;
        children[i]!.send({ type: 'sample', minMs: o.sampleMs, maxSteps: 200 });
        results[i]!.times.push(...(await children[i]!.next('sample')).times);
      }
      process.stdout.write('.');
    }
    for (let i = 0; i < children.length; i++) {
      children[i]!.send({ type: 'stop' });
      results[i]!.maxRssKiB = (await children[i]!.next('stopped')).maxRssKiB;
    }
    return results;
  } finally {
    for (const c of children) c.kill();
  }
}

// ---- reporting --------------------------------------------------------------------------------

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

function measurements(w: Workload, r: Result): Measurement[] {
  const units = unitsPerStep(w);
  const rates = r.times.map((ms) => units / (ms / 1000));
  const base = { workload: w.id, impl: r.spec.impl === 'ort' ? 'onnxruntime' : r.spec.impl === 'torch' ? 'pytorch' : r.spec.impl, backend: r.spec.backend, threads: r.threads };
  const out: Measurement[] = [{ ...base, metric: 'throughput', value: units / (median(r.times) / 1000), unit: unitName(w), runs: r.times.length,
    min: Math.min(...rates), max: Math.max(...rates) }];
  if (w.kind === 'train') {
    const mib = r.maxRssKiB / 1024;
    out.push({ ...base, metric: 'peak-rss', value: mib, unit: 'MiB', runs: 1, min: mib, max: mib });
  }
  return out;
}

/** GFLOP/s per thread of the wasm SIMD ceiling with `threads` threads busy (the nearest thread count measured). */
type CeilingOf = (threads: number) => number;

function ceilingOf(c: () => SimdCeiling): CeilingOf {
  return (threads) => [...c().perThread].sort((a, b) => Math.abs(a.threads - threads) - Math.abs(b.threads - threads))[0]!.gflops;
}

/**
 * One-thread GEMM GFLOP/s of recur's backends (the '% peak' column): wasm, and native when
 * built; and the native FMA ceiling per thread at 1 and N threads busy (the '% FMA' column).
 */
interface Peaks { wasm: number; native?: number; fma?: Map<number, number> }

/** The contender '% peak' compares with: the wasm peak for recur on wasm, else the native one (same vector width as native peers). */
function peakFor(spec: ContenderSpec, peaks: Peaks): number {
  return spec.impl === 'recur' && spec.backend === 'wasm' ? peaks.wasm : peaks.native ?? NaN;
}

/** recur's row the ratios divide: native at the most threads when it ran, else wasm. */
function referenceResult(results: Result[]): Result | undefined {
  const recur = results.filter((x) => x.spec.impl === 'recur');
  const most = Math.max(...recur.map((x) => x.threads));
  return recur.find((r) => r.threads === most && r.spec.backend === 'native') ?? recur.find((r) => r.threads === most);
}

function printWorkload(w: Workload, results: Result[], peaks: Peaks, ceiling: CeilingOf): void {
  const flops = stepFlops(w);
  console.log(`\n${w.id}: ${w.title}  (${fmt(flops / 1e9, 2)} GFLOP of matrix products per step, ${fmt(unitsPerStep(w))} ${w.kind === 'train' ? 'tokens' : 'sequences'} per step)`);
  const ref = referenceResult(results);
  const refRate = ref ? unitsPerStep(w) / median(ref.times) * 1000 : NaN;
  const fmaAt = (threads: number) => peaks.fma?.get(threads) ?? NaN;
  const head = ['contender', 'runs as', unitName(w), 'min', 'max', 'ms/step', 'GFLOP/s', '% peak', '% ceiling', peaks.fma ? '% FMA' : '', w.kind === 'train' ? 'peak RSS' : '',
    ref ? `${contenderLabel({ ...ref.spec, threads: ref.threads })}/this` : 'recur/this'];
  const rows = results.map((r) => {
    const ms = median(r.times);
    const rate = unitsPerStep(w) / ms * 1000;
    const rates = r.times.map((t) => unitsPerStep(w) / t * 1000);
    const gflops = flops / ms / 1e6;
    return [contenderLabel({ ...r.spec, threads: r.threads }), r.description, fmt(rate), fmt(Math.min(...rates)), fmt(Math.max(...rates)), fmt(ms, 1),
      fmt(gflops, 1), Number.isFinite(peakFor(r.spec, peaks)) ? `${fmt(100 * gflops / (peakFor(r.spec, peaks) * r.threads), 0)}%` : '',
      `${fmt(100 * gflops / (ceiling(r.threads) * r.threads), 0)}%`,
      Number.isFinite(fmaAt(r.threads)) ? `${fmt(100 * gflops / (fmaAt(r.threads) * r.threads), 0)}%` : '',
      w.kind === 'train' ? `${fmt(r.maxRssKiB / 1024)} MiB` : '', r === ref ? '1.00' : `${fmt(refRate / rate, 2)}x`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

interface Target {
  name: string;
  value: number;
  goal: number;
  met: boolean;
  note: string;
  /** The best value recur could reach if it ran at the wasm SIMD ceiling (peer-bound targets). */
  bound?: number;
}

/** Units per second of the first result of workload `id` that `pick` accepts (NaN when none ran). */
function rateIn(all: Map<string, Result[]>, id: string, pick: (r: Result) => boolean): number {
  const r = all.get(id)?.find(pick);
  return r ? unitsPerStep(workloadById(id)) / median(r.times) * 1000 : NaN;
}

/** A list of targets and its adder, which leaves out a ratio that is not finite (a contender that did not run). */
function targetList(): { out: Target[]; add: (name: string, value: number, goal: number, note: string, lowerIsBetter?: boolean, bound?: number) => void } {
  const out: Target[] = [];
  return {
    out,
    add: (name, value, goal, note, lowerIsBetter = false, bound) => {
      if (Number.isFinite(value)) out.push({ name, value, goal, met: lowerIsBetter ? value < goal : value >= goal, note, bound });
    },
  };
}

function targets(all: Map<string, Result[]>, o: Options, ceiling: CeilingOf): Target[] {
  const rate = (id: string, pick: (r: Result) => boolean) => rateIn(all, id, pick);
  const recurAt = (t: number) => (r: Result) => r.spec.impl === 'recur' && r.spec.backend === 'wasm' && r.spec.threads === t;
  const recurN = recurAt(o.threads);
  const { out, add } = targetList();
  for (const id of ['W1', 'W1-big', 'W3-gru', 'W3-rnn']) {
    const best = Math.max(rate(id, (r) => r.spec.impl === 'tfjs' && r.spec.backend === 'wasm'), rate(id, (r) => r.spec.impl === 'tfjs' && r.spec.backend === 'cpu'));
    add(`${id}: recur ${o.threads}T / faster TF.js`, rate(id, recurN) / best, 20, 'x');
  }
  for (const [id, goal] of [['W2-b64', 1.0], ['W2-b1', 0.5]] as const) {
    for (const t of new Set([1, o.threads])) {
      const ort = rate(id, (r) => r.spec.impl === 'ort' && r.spec.threads === t);
      // Sequences per second at the ceiling: t threads doing nothing but multiply-adds.
      const atCeiling = ceiling(t) * t * 1e9 / stepFlops(workloadById(id)) * unitsPerStep(workloadById(id));
      add(`${id}: recur ${t}T / ONNX Runtime ${t}T`, rate(id, recurAt(t)) / ort, goal, 'x', false, atCeiling / ort);
    }
  }
  if (o.threads > 1) add(`W1: recur ${o.threads}T / recur 1T`, rate('W1', recurN) / rate('W1', recurAt(1)), 1.6, 'x');
  const w1 = all.get('W1');
  const recurRss = w1?.find(recurN)?.maxRssKiB;
  const tfjsRss = Math.min(...(w1?.filter((r) => r.spec.impl === 'tfjs').map((r) => r.maxRssKiB) ?? []));
  if (recurRss && Number.isFinite(tfjsRss)) add(`W1 peak RSS: recur ${o.threads}T / smallest TF.js`, recurRss / tfjsRss, 1, 'x (below 1 = less memory)', true);
  return out;
}

/**
 * The targets of issue 19 (the native backend against PyTorch and ONNX Runtime), from the same
 * run: training at 1 and N threads >= PyTorch's, inference >= the faster of PyTorch and ORT,
 * W1's thread scaling, and peak memory below PyTorch's.
 */
function nativeTargets(all: Map<string, Result[]>, o: Options): Target[] {
  const rate = (id: string, pick: (r: Result) => boolean) => rateIn(all, id, pick);
  const is = (impl: ContenderSpec['impl'], t: number, backend?: ContenderSpec['backend']) =>
    (r: Result) => r.spec.impl === impl && r.spec.threads === t && (backend === undefined || r.spec.backend === backend);
  const { out, add } = targetList();
  const threads = [...new Set([1, o.threads])];
  for (const id of ['W1', 'W1-big', 'W3-gru', 'W3-rnn']) {
    for (const t of threads) add(`${id}: recur native ${t}T / PyTorch ${t}T`, rate(id, is('recur', t, 'native')) / rate(id, is('torch', t)), 1, 'x');
  }
  for (const id of ['W2-b1', 'W2-b64']) {
    for (const t of threads) {
      const peer = Math.max(rate(id, is('torch', t)), rate(id, is('ort', t)));
      add(`${id}: recur native ${t}T / faster of PyTorch, ORT ${t}T`, rate(id, is('recur', t, 'native')) / peer, 1, 'x');
    }
  }
  if (o.threads > 1) add(`W1: recur native ${o.threads}T / native 1T`, rate('W1', is('recur', o.threads, 'native')) / rate('W1', is('recur', 1, 'native')), 1.7, 'x');
  const w1 = all.get('W1');
  const nativeRss = w1?.find(is('recur', o.threads, 'native'))?.maxRssKiB;
  const torchRss = w1?.find(is('torch', o.threads))?.maxRssKiB;
  if (nativeRss && torchRss) add(`W1 peak RSS: recur native / PyTorch, ${o.threads}T`, nativeRss / torchRss, 1, 'x (below 1 = less memory)', true);
  return out;
}

function printTargets(title: string, ts: Target[]): void {
  if (!ts.length) return;
  console.log(`\n${title} (ratios measured in this run)`);
  for (const t of ts) {
    const bound = t.bound === undefined ? '' : `; at the wasm SIMD ceiling: ${fmt(t.bound, 2)}x${t.bound < t.goal ? ', so out of reach for wasm here' : ''}`;
    console.log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.name.padEnd(52)} ${fmt(t.value, 2).padStart(7)} ${t.note}  (target ${t.note.startsWith('x (below') ? '<' : '>='} ${t.goal}${bound})`);
  }
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cores = await WasmBackend.availableThreads();
  const o = parseArgs(process.argv.slice(2), cores);
  if (o.profile) {
    await runProfile(o.only.filter((w) => w.kind === 'train'), o.threads, o.profileSteps, o.profileBackend);
    return;
  }
  console.log(`recur benchmark  node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} core(s); recur at 1 and ${o.threads} thread(s)`);
  console.log('Each contender runs in its own process; samples alternate round-robin; throughput = units per step / median step time.');
  const nativeStatus = NativeBackend.available();
  if (o.native && !nativeStatus.ok) {
    console.log(`recur native: not raced (${nativeStatus.reason})`);
    o.native = false;
  }
  if (o.torch) {
    const torch = await findTorchPython();
    if ('skip' in torch) console.log(`PyTorch: not raced (${torch.skip})`);
    else {
      o.python = torch.python;
      console.log(`PyTorch ${torch.version} from ${torch.python}, same workloads, timed by its own process`);
    }
  }

  // The machine's own limit: GEMM rate at the shapes of a W1 step.
  const backends = [await WasmBackend.create({ threads: 1 })];
  if (o.threads > 1) backends.push(await WasmBackend.create({ threads: o.threads }));
  const rates = measureGemmRates(backends);
  console.log(`\nwasm GEMM rate on this machine (${backends[0]!.description.replace(/, 1 thread\)$/, ')')}), GFLOP/s; FLOPs per W1 training step: ${fmt(stepFlops(workloadById('W1')) / 1e9, 2)} G`);
  const labels = [...new Set(rates.map((r) => r.shape.label))];
  const shapeW = Math.max(...labels.map((l) => l.length)) + 16;
  console.log(`  ${'shape (M x N x K, op)'.padEnd(shapeW)}${backends.map((b) => `${b.threads}T`.padStart(9)).join('')}`);
  for (const label of labels) {
    const rs = rates.filter((r) => r.shape.label === label);
    const s = rs[0]!.shape;
    const shape = `${s.m}x${s.n}x${s.k} ${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}${s.packed ? ' packed' : ''}`;
    console.log(`  ${`${label} (${shape})`.padEnd(shapeW)}${rs.map((r) => fmt(r.gflops, 1).padStart(9)).join('')}`);
  }
  // The best one-thread rate of all shapes: a single sample of one shape can be hit by noise.
  const peak1 = Math.max(...rates.filter((r) => r.threads === 1).map((r) => r.gflops));
  const all: Measurement[] = rates.map((r) => ({ workload: `gemm ${r.shape.label}`, impl: 'recur', backend: 'wasm', threads: r.threads,
    metric: 'gflops', value: r.gflops, unit: 'GFLOP/s', runs: 7, min: r.gflops, max: r.gflops }));
  const peaks: Peaks = { wasm: peak1 };
  if (o.native) {
    const natives = [await NativeBackend.create({ threads: 1 })];
    if (o.threads > 1) natives.push(await NativeBackend.create({ threads: o.threads }));
    const nativeRates = measureGemmRates(natives);
    console.log(`\nnative GEMM rate on this machine (${natives[0]!.description.replace(/, 1 thread\)$/, ')')}), GFLOP/s`);
    for (const label of labels) {
      const rs = nativeRates.filter((r) => r.shape.label === label);
      console.log(`  ${label.padEnd(shapeW)}${rs.map((r) => fmt(r.gflops, 1).padStart(9)).join('')}`);
    }
    peaks.native = Math.max(...nativeRates.filter((r) => r.threads === 1).map((r) => r.gflops));
    // The best of three measurements of the FMA ceiling, per thread with all threads busy.
    peaks.fma = new Map(natives.map((b) => [b.threads, Math.max(b.fmaCeiling(), b.fmaCeiling(), b.fmaCeiling())]));
    console.log(`\nnative FMA ceiling on this machine (${natives[0]!.info.isaActive}; multiply-add chains on registers, no memory): `
      + `${[...peaks.fma].map(([t, g]) => `${fmt(g, 1)} GFLOP/s per thread with ${t} busy`).join(', ')}`);
    for (const [t, g] of peaks.fma) {
      all.push({ workload: 'fma-ceiling', impl: 'recur', backend: 'native', threads: t, metric: 'gflops', value: g * t, unit: 'GFLOP/s', runs: 3, min: g * t, max: g * t });
    }
    all.push(...nativeRates.map((r) => ({ workload: `gemm ${r.shape.label}`, impl: 'recur', backend: 'native', threads: r.threads,
      metric: 'gflops', value: r.gflops, unit: 'GFLOP/s', runs: 7, min: r.gflops, max: r.gflops })));
  }

  // The hardware's limit for any wasm code: register-only multiply-adds, on 1 and N threads at
  // once. Measured again before every workload, keeping the best: a slow phase of the VM during
  // one measurement would otherwise understate it.
  const ceilings: SimdCeiling[] = [await measureSimdCeiling(o.threads)];
  const bestSoFar = () => ceilings.reduce(bestCeiling);
  const ceilingAt = ceilingOf(bestSoFar);
  const describeCeiling = (c: SimdCeiling) => c.perThread.map((x) => `${fmt(x.gflops, 1)} GFLOP/s per thread with ${x.threads} busy`).join(', ');
  console.log(`\nwasm SIMD ceiling on this machine (${ceilings[0]!.flavour}; f32x4 multiply-add chains on registers, no memory): ${describeCeiling(ceilings[0]!)}`);
  console.log(`  ('% peak' below: GFLOP/s against the best one-thread GEMM rate above, per thread: ${fmt(peak1, 1)} for recur on wasm`
    + `${peaks.native ? `, ${fmt(peaks.native, 1)} (native) for recur native and the native peers` : ''};`
    + `${peaks.fma ? " '% FMA': any contender's against the native FMA ceiling at its thread count;" : ''}`
    + ` '% ceiling': any contender's against the best SIMD ceiling measured so far at its thread count. A native peer above 100% uses wider vectors than wasm has.)`);

  if (o.layers) {
    for (const r of await runLayerBench(o.threads > 1 ? [1, o.threads] : [1], 10)) {
      all.push({ workload: `layer-${r.layer}`, impl: 'recur', backend: r.backend.startsWith('reference') ? 'reference' : 'wasm', threads: r.threads,
        metric: 'throughput', value: r.tokensPerSecond, unit: 'tokens/s', runs: r.runs, min: r.min, max: r.max });
    }
  }

  if (o.complete) {
    for (const r of await runCompleteBench(o.threads > 1 ? [1, o.threads] : [1])) {
      all.push({ workload: `complete ${r.model} ${r.request}`, impl: 'recur', backend: 'wasm', threads: r.threads, metric: 'latency', value: r.medianMs, unit: 'ms', runs: r.runs, min: r.medianMs, max: r.p95Ms });
    }
  }

  if (o.serving && o.ort) {
    for (const r of await runServingBench(o.threads > 1 ? [1, o.threads] : [1])) {
      all.push({ workload: `serving classifier b${r.batch}`, impl: r.impl, backend: r.backend, threads: r.threads,
        metric: 'throughput', value: r.seqPerSec, unit: 'seq/s', runs: r.runs, min: r.min, max: r.max });
    }
  }

  const byWorkload = new Map<string, Result[]>();
  for (const w of o.only) {
    ceilings.push(await measureSimdCeiling(o.threads));
    process.stdout.write(`\nrunning ${w.id} `);
    const results = await race(w, o);
    byWorkload.set(w.id, results);
    printWorkload(w, results, peaks, ceilingAt);
    for (const r of results) all.push(...measurements(w, r));
  }

  const best = bestSoFar();
  if (ceilings.length > 1) console.log(`\nwasm SIMD ceiling, best of ${ceilings.length} measurements (one before each workload): ${describeCeiling(best)}`);
  for (const c of best.perThread) {
    const totals = ceilings.map((m) => m.perThread.find((x) => x.threads === c.threads)!.gflops * c.threads);
    all.push({ workload: 'simd-ceiling', impl: 'recur', backend: 'wasm', threads: c.threads, metric: 'gflops', value: c.gflops * c.threads, unit: 'GFLOP/s',
      runs: ceilings.length, min: Math.min(...totals), max: Math.max(...totals) });
  }
  printTargets('Targets of issue #5, wasm', targets(byWorkload, o, ceilingAt));
  printTargets('Targets of issue 19, native against PyTorch and ONNX Runtime', nativeTargets(byWorkload, o));
  if (o.out) {
    writeFileSync(o.out, all.map((m) => JSON.stringify(m)).join('\n') + '\n');
    console.log(`\nwrote ${all.length} measurements to ${o.out}`);
  }
}

await main();
