/**
 * `recur doctor`: what runs here. The backends (reference always; wasm with its kernel build;
 * native with its instruction sets, CPU features and threads, or why it is unavailable), which
 * one `auto` and a command without --backend pick and why, and Node, platform and cores. A
 * report: exit code 0 whatever it finds; --json prints the same as one JSON object.
 */
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { NativeBackend, ReferenceBackend, WasmBackend } from '../../kernels/index.js';
import { BACKEND_ENV, DEFAULT_BACKEND, resolveAuto, resolveBackend } from '../backend-option.js';
import { stdout } from '../output.js';

export interface BackendReport {
  available: boolean;
  /** The backend's own description (one thread), when available. */
  description?: string;
  /** Why not, when unavailable. */
  reason?: string;
}

export interface DoctorReport {
  backends: {
    reference: BackendReport & { threads: 1 };
    wasm: BackendReport & { flavour?: string; sharedMemory?: boolean; threadsMax?: number };
    native: BackendReport & { isaBest?: string; isaActive?: string; features?: string; threadsMax?: number };
  };
  /** What `--backend auto` picks here. */
  auto: { chosen: string; why: string };
  /** What a command run without --backend uses (RECUR_BACKEND, else auto), or why it would fail. */
  default: { chosen: string; why: string } | { chosen: null; error: string };
  /** The constant `auto` prefers (src/cli/backend-option.ts). */
  autoPrefers: string;
  env: Record<string, string | null>;
  node: string;
  platform: string;
  arch: string;
  cores: number;
}

export async function doctorReport(): Promise<DoctorReport> {
  const cores = availableParallelism();
  const reference = new ReferenceBackend();
  let wasm: DoctorReport['backends']['wasm'];
  try {
    const b = await WasmBackend.create({ threads: 1 });
    wasm = { available: true, description: b.description, flavour: b.flavour, sharedMemory: b.sharedMemory, threadsMax: b.sharedMemory ? cores : 1 };
  } catch (e) {
    wasm = { available: false, reason: (e as Error).message };
  }
  let native: DoctorReport['backends']['native'];
  const availability = NativeBackend.available();
  if (!availability.ok) native = { available: false, reason: availability.reason };
  else {
    try {
      const b = await NativeBackend.create({ threads: 1 });
      const info = b.info;
      native = { available: true, description: b.description, isaBest: info.isaBest, isaActive: info.isaActive, features: info.features, threadsMax: info.threadsMax };
    } catch (e) {
      native = { available: false, reason: (e as Error).message };
    }
  }
  let chosen: DoctorReport['default'];
  try {
    chosen = resolveBackend(undefined);
  } catch (e) {
    chosen = { chosen: null, error: (e as Error).message };
  }
  return {
    backends: { reference: { available: true, description: reference.description, threads: 1 }, wasm, native },
    auto: resolveAuto(), default: chosen, autoPrefers: DEFAULT_BACKEND,
    env: Object.fromEntries([BACKEND_ENV, 'RECUR_RELAXED_SIMD'].map((k) => [k, process.env[k] ?? null])),
    node: process.version, platform: process.platform, arch: process.arch, cores,
  };
}

export function renderDoctor(r: DoctorReport): string {
  const { reference, wasm, native } = r.backends;
  const row = (name: string, b: BackendReport, what: string) => `  ${name.padEnd(10)} ${b.available ? 'available  ' : 'unavailable'}  ${b.available ? what : b.reason}\n`;
  const env = r.env[BACKEND_ENV];
  return 'backends:\n' +
    row('reference', reference, 'plain TypeScript loops, the oracle (slow; one thread, --threads is ignored)') +
    row('wasm', wasm, `WebAssembly ${wasm.flavour} kernels${wasm.sharedMemory ? `, shared memory, up to ${wasm.threadsMax} threads` : ', unshared memory: one thread'}`) +
    row('native', native, `${native.isaActive} kernels (best this CPU runs: ${native.isaBest}), up to ${native.threadsMax} threads; CPU features: ${native.features}`) +
    `auto picks ${r.auto.chosen}: ${r.auto.why.replace(/^auto: /, '')}\n` +
    (env === null ? `${BACKEND_ENV}: not set (commands without --backend use auto)\n`
      : r.default.chosen === null ? `${BACKEND_ENV}=${env}: commands without --backend fail: ${r.default.error}\n`
        : `${BACKEND_ENV}=${env}: commands without --backend use ${r.default.chosen}\n`) +
    `node ${r.node} on ${r.platform}/${r.arch}, ${r.cores} core${r.cores === 1 ? '' : 's'}\n`;
}

export function registerDoctor(program: Command): void {
  program.command('doctor')
    .description('what runs here: the backends (native, wasm, reference) and why one is unavailable, which one --backend auto picks, Node, platform and cores')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', `
Every command that runs a model takes --backend native|wasm|reference|auto; without it, the
${BACKEND_ENV} environment variable, else auto. The native backend is built at install time
(RECUR_NATIVE=0 skips that; \`npm run build:native\` builds it again).`)
    .action(async (f: { json?: boolean }) => {
      const report = await doctorReport();
      stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report));
    });
}
