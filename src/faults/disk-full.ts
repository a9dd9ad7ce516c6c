/**
 * Disk full (issue 20): a train command writes its run directory on a small tmpfs that fills up
 * after a few checkpoints. The run must stop with one line naming the file and the reason, exit
 * non-zero, and leave its last checkpoint loadable: the directory copied elsewhere and resumed
 * gives the losses of a run that never stopped, bit for bit. Mounting needs root (these machines'
 * CI runs as root); elsewhere the check reports why it did not run.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { type TrainJob, runSync as recur, stepLosses } from './kill-resume.js';


export interface DiskFullReport {
  job: string;
  /** Why the check did not run (no root, no mount), or null. */
  skipped: string | null;
  exitCode: number | null;
  /** The run's stderr (one line expected). */
  message: string;
  /** Checkpoint writes that succeeded before the disk filled. */
  checkpoints: number;
  /** The copy resumed elsewhere exited 0 and its losses equal the uninterrupted run's. */
  resumedExact: boolean;
  problems: string[];
}


/**
 * Runs `job` uninterrupted, then on a tmpfs under `dir` sized to fill about halfway through: its
 * model and checkpoint files plus half of its events file.
 */
export function diskFull(job: TrainJob, dir: string): DiskFullReport {
  const report: DiskFullReport = { job: job.name, skipped: null, exitCode: null, message: '', checkpoints: 0, resumedExact: false, problems: [] };
  if (process.getuid?.() !== 0) return { ...report, skipped: 'mounting a tmpfs needs root' };
  const straightDir = join(dir, `${job.name}-straight`);
  const straight = recur([...job.args, '--out', straightDir]);
  if (straight.status !== 0) return { ...report, problems: [`the uninterrupted run failed: ${straight.stderr.trim()}`] };
  const size = (f: string) => statSync(join(straightDir, f)).size;
  const kib = Math.ceil((size('model.safetensors') + size('checkpoint.safetensors') + size('events.jsonl') / 2) / 4096) * 4;
  const mnt = join(dir, `${job.name}-tmpfs`);
  mkdirSync(mnt, { recursive: true });
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) return { ...report, skipped: `mount -t tmpfs failed: ${(mount.stderr || String(mount.error)).trim()}` };
  try {
    const full = recur([...job.args, '--out', join(mnt, 'run')]);
    report.exitCode = full.status;
    report.message = full.stderr.trim();
    report.checkpoints = full.stdout.split('\n').filter((l) => l.includes('"type":"checkpoint"')).length;
    if (full.status === 0) report.problems.push('the run ended with exit code 0 on a full disk');
    if (report.message.split('\n').length !== 1) report.problems.push(`expected one line on stderr, got: ${report.message}`);
    else if (!/run\/checkpoint\.safetensors|run\/model\.safetensors|run\/events\.jsonl/.test(report.message) || !/no space left/i.test(report.message)) {
      report.problems.push(`the message names neither the file nor the reason: ${report.message}`);
    }
    const elsewhere = join(dir, `${job.name}-moved`);
    rmSync(elsewhere, { recursive: true, force: true });
    cpSync(join(mnt, 'run'), elsewhere, { recursive: true });
    const resumed = recur([...job.args, '--out', elsewhere, '--resume']);
    if (resumed.status !== 0) report.problems.push(`the copy did not resume: ${resumed.stderr.trim()}`);
    else {
      const want = stepLosses(straight.stdout);
      const got = stepLosses(resumed.stdout);
      const bad = [...got].find(([step, loss]) => !Object.is(want.get(step), loss));
      report.resumedExact = got.size > 0 && !bad;
      if (bad) report.problems.push(`resumed elsewhere: step ${bad[0]} loss ${bad[1]} != ${want.get(bad[0])}`);
    }
  } finally {
    spawnSync('umount', [mnt]);
  }
  return report;
}
