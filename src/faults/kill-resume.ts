/**
 * Killed at any moment (issue 20): runs a `recur <task> train` command to the end once, then
 * starts it again and again, kills each with SIGKILL after a random share of the first run's
 * time (during a step, a checkpoint write or a validation, wherever it falls), resumes it with
 * the same command plus `--resume`, and compares every step loss the resumed run prints with the
 * uninterrupted run's, bit for bit (JSON numbers round-trip doubles exactly). Also compares the
 * final model file's tensors. Not here: the table (faults.ts), the jobs (fault-jobs.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { decodeSafetensors } from '../io/safetensors.js';
import { Rng } from '../random/rng.js';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

/** A train command line without --out and --resume (it must print --json events). */
export interface TrainJob {
  name: string;
  args: string[];
  /**
   * Flags with their values that replace or join `args` for a long run (long-run.ts): a larger
   * model, so that 10,000 steps last about a minute and resident memory can be judged well past
   * the process's first seconds.
   */
  long?: string[];
}

export interface KillReport {
  job: string;
  /** Kills tried. */
  kills: number;
  /** Resumes that exited 0 and finished the run. */
  resumed: number;
  /** Runs whose losses after the resume, or whose final weights, differ from the uninterrupted run's. */
  mismatches: number;
  /** Kills that came before the first checkpoint was written (the resume then starts over). */
  beforeFirstCheckpoint: number;
  /** One line per failure. */
  problems: string[];
}

interface Run { status: number | null; stdout: string; stderr: string; ms: number }

/** `recur ARGS` to its end, timed. */
export function runSync(args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** Step number -> loss, from --json output. */
export function stepLosses(stdout: string): Map<number, number> {
  const losses = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as { type?: string; step?: number; loss?: number };
    if (e.type === 'step' && typeof e.step === 'number' && typeof e.loss === 'number') losses.set(e.step, e.loss);
  }
  return losses;
}

/** The model file's tensors, for a bit-for-bit comparison (metadata may name the run directory). */
function weights(dir: string): Map<string, Buffer> {
  const file = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
  const out = new Map<string, Buffer>();
  for (const [name, t] of file.tensors) out.set(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return out;
}

/** The line of stderr that names the failure: recur's one-line error, or an uncaught exception's message. */
function firstError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^recur: |Error/.test(l)) ?? lines.pop() ?? '';
}

/**
 * Starts the job and kills it with SIGKILL `ms` after it starts, or with `afterFirstStep` `ms`
 * after it prints its first step (so that the kill lands in training: a step, a checkpoint
 * write or a validation); not at all if it ends first.
 */
function startAndKill(args: string[], ms: number, afterFirstStep: boolean): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let killed = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => { timer = setTimeout(() => { killed = child.kill('SIGKILL'); }, ms); };
    let seen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (timer || !afterFirstStep) return;
      seen += d;
      if (seen.includes('"type":"step"')) arm();
    });
    if (!afterFirstStep) arm();
    child.on('exit', () => { clearTimeout(timer); resolve({ killed }); });
  });
}

/** `kills` kill-and-resume trials of `job` in directories under `dir`. */
export async function killAndResume(job: TrainJob, kills: number, dir: string, seed = 1): Promise<KillReport> {
  const report: KillReport = { job: job.name, kills: 0, resumed: 0, mismatches: 0, beforeFirstCheckpoint: 0, problems: [] };
  const refDir = join(dir, `${job.name}-uninterrupted`);
  const ref = runSync([...job.args, '--out', refDir]);
  if (ref.status !== 0) throw new Error(`${job.name}: the uninterrupted run failed: ${ref.stderr.trim().split('\n').pop()}`);
  const want = stepLosses(ref.stdout);
  // Training's share of the run: from its first step to its end (the end event's elapsedMs).
  const trainingMs = Math.max(1, ...ref.stdout.split('\n').filter((l) => l.includes('"type":"end"')).map((l) => (JSON.parse(l) as { elapsedMs: number }).elapsedMs));
  const wantWeights = weights(refDir);
  const rng = new Rng(seed);
  for (let i = 0; i < kills; i++) {
    const out = join(dir, `${job.name}-kill-${i}`);
    // One kill in four anywhere in the process's life (loading its data, before any checkpoint),
    // the others within training, whatever the start-up takes on a busy machine.
    const inTraining = i % 4 !== 0;
    const at = rng.uniform(0.02, 0.98) * (inTraining ? trainingMs : ref.ms);
    const { killed } = await startAndKill([...job.args, '--out', out], at, inTraining);
    if (!killed) continue; // finished first: not a kill
    report.kills++;
    if (!existsSync(join(out, 'checkpoint.safetensors'))) report.beforeFirstCheckpoint++;
    const resumed = runSync([...job.args, '--out', out, '--resume']);
    if (resumed.status !== 0) {
      report.problems.push(`kill ${i} ${at.toFixed(0)} ms ${inTraining ? 'into training' : 'after the start'}: resume exited ${resumed.status}: ${firstError(resumed.stderr)}`);
      continue;
    }
    report.resumed++;
    const got = stepLosses(resumed.stdout);
    const bad = [...got].find(([step, loss]) => !Object.is(want.get(step), loss));
    const finalWeights = weights(out);
    const badWeight = [...wantWeights].find(([name, bytes]) => !bytes.equals(finalWeights.get(name) ?? Buffer.alloc(0)));
    // A kill during the final checkpoint leaves nothing to train: the resume prints no steps,
    // and its weights are the check.
    if (bad || badWeight) {
      report.mismatches++;
      report.problems.push(`kill ${i} ${at.toFixed(0)} ms ${inTraining ? 'into training' : 'after the start'}: ${bad
        ? `step ${bad[0]} loss ${bad[1]} != ${want.get(bad[0])}` : `final ${badWeight![0]} differs`}`);
    }
  }
  return report;
}
