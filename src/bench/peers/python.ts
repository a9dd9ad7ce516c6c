/**
 * The Python of the PyTorch peers (dev-only, never in `npm test`'s required path): finding one
 * that imports torch, and running a script of `scripts/` with a time limit. Knows nothing of
 * what the scripts compute.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root (dist/bench/peers -> ../../..). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The path of a script in the repository's `scripts/` folder. */
export const scriptPath = (name: string): string => join(ROOT, 'scripts', name);

/** A Python that imports torch: `RECUR_PYTHON`, else `.venv-torch/bin/python` in the checkout; or why there is none. */
export async function findTorchPython(): Promise<{ python: string; version: string } | { skip: string }> {
  const given = process.env.RECUR_PYTHON;
  const local = join(ROOT, '.venv-torch', 'bin', 'python');
  const python = given || (existsSync(local) ? local : null);
  if (!python) return { skip: 'no Python with PyTorch (set RECUR_PYTHON, or make .venv-torch in the checkout: see the README\'s Scripts table)' };
  const r = await runProcess(python, ['-c', 'import torch; print(torch.__version__)'], 60_000);
  if (r.code !== 0) return { skip: `${python} cannot import torch (${lastLine(r.stderr) || `exit code ${r.code}`})` };
  return { python, version: r.stdout.trim() };
}

/** The last non-blank line of a process's output ('' when there is none). */
export const lastLine = (s: string): string => s.trim().split('\n').at(-1) ?? '';

/**
 * Runs `cmd args` with stdin closed, collecting stdout and stderr; killed after `timeoutMs`
 * (stderr then ends with "killed by SIGTERM"). Never rejects: a failure to start is code -1.
 */
export function runProcess(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A timer of our own, not spawn's `timeout`: that one outlives a command that failed to start
    // (RECUR_PYTHON=/nonexistent kept the process alive for the whole limit).
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: e.message }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}\nkilled by ${signal}` : stderr }); });
  });
}

/**
 * Runs a peer script on a job: finds a Python with torch (or takes `torch`, what
 * `findTorchPython` found), lets `writeJob` write the job into a temporary folder (returning the
 * job file's path), runs `script JOB` with a time limit, parses its last stdout line as JSON and
 * removes the folder. `{ skipped: why }` when there is no such Python; throws, naming `who` and
 * the script's last line of stderr, when the script fails or prints no JSON.
 */
export async function runPeerScript<R>(who: string, script: string, writeJob: (dir: string) => Promise<string>, timeoutMs: number,
  torch?: Awaited<ReturnType<typeof findTorchPython>>): Promise<{ report: R; python: string } | { skipped: string }> {
  const found = torch ?? await findTorchPython();
  if ('skip' in found) return { skipped: found.skip };
  const dir = await mkdtemp(join(tmpdir(), 'recur-peer-'));
  try {
    const r = await runProcess(found.python, [script, await writeJob(dir)], timeoutMs);
    if (r.code !== 0) throw new Error(`${who}: ${script} failed: ${lastLine(r.stderr) || `exit code ${r.code}`}`);
    const line = lastLine(r.stdout);
    try {
      return { report: JSON.parse(line) as R, python: found.python };
    } catch {
      throw new Error(`${who}: ${script} printed no JSON line, its last line is '${line.slice(0, 200)}'`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** values as raw little-endian int32 or float32: the binary files a peer job names. */
export function littleEndian(values: ArrayLike<number>, kind: 'int32' | 'float32'): Buffer {
  const out = Buffer.alloc(4 * values.length);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) {
    if (kind === 'int32') view.setInt32(4 * i, values[i]!, true);
    else view.setFloat32(4 * i, values[i]!, true);
  }
  return out;
}
