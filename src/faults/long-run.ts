/**
 * Long runs (issue 20): a train command run for many steps (10,000 by default), checkpointing and
 * validating as it goes, with its events log limited to 1 MB so that the limit is reached and
 * the log thinned. Measures the process's resident memory from its step events (the training
 * process reports it once a second) at the start, halfway and at the end, and the largest size
 * the events file reaches (polled while it runs); and, through heap-probe.ts, the live heap after
 * a full collection every half second. V8 sizes its spaces over the first seconds of a run and
 * resident memory moves with them by several MB; a leak shows as growth of the collected heap in
 * the second half of the run, which is what is judged. Not here: the table (faults.ts), the jobs
 * (fault-jobs.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TrainJob } from './kill-resume.js';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const PROBE = new URL('./heap-probe.js', import.meta.url).href;
const MB = 2 ** 20;

export interface LongRunReport {
  job: string;
  steps: number;
  seconds: number;
  exitCode: number | null;
  /** Resident memory at the first step event that reports it, halfway, at the end, and the most seen, MB. */
  rssStartMb: number;
  rssHalfMb: number;
  rssEndMb: number;
  rssPeakMb: number;
  /** The live heap after a full collection halfway through the run's time and at its end, MB. */
  heapHalfMb: number;
  heapEndMb: number;
  /** The events log's limit, the largest size it reached while the run went on and its size at the end, MB. */
  eventsLimitMb: number;
  eventsPeakMb: number;
  eventsEndMb: number;
  /** Step events in the log at the end, and the step between them. */
  stepEvents: number;
  problems: string[];
}

/** `job`'s arguments with `--flag value` set (replaced where the job has it). */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  return i < 0 ? [...args, flag, value] : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

/** Runs `job` for `steps` steps in `<dir>/<job>-long`, with the events log limited to `eventsLimitMb`. */
export async function longRun(job: TrainJob, steps: number, dir: string, eventsLimitMb = 1): Promise<LongRunReport> {
  const out = join(dir, `${job.name}-long`);
  let args = withFlag(job.args, '--max-steps', String(steps));
  args = withFlag(args, '--eval-every', String(Math.max(1, Math.round(steps / 10))));
  args = withFlag(args, '--checkpoint-every', String(Math.max(1, Math.round(steps / 50))));
  args = withFlag(args, '--patience', String(steps)); // no early stop
  args = [...args, '--events-max-mb', String(eventsLimitMb), '--out', out, '--force'];
  const events = join(out, 'events.jsonl');
  const probe = join(dir, `${job.name}-long-heap.jsonl`);
  rmSync(probe, { force: true });
  const rss: { step: number; bytes: number }[] = [];
  let eventsPeak = 0;
  const t0 = performance.now();
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, BIN, ...args],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RECUR_HEAP_PROBE: probe } });
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{"type":"step"')) continue;
        const e = JSON.parse(line) as { step: number; memoryBytes?: number };
        if (e.memoryBytes) rss.push({ step: e.step, bytes: e.memoryBytes });
      }
    });
    const poll = setInterval(() => {
      try { eventsPeak = Math.max(eventsPeak, statSync(events).size); } catch { /* not yet */ }
    }, 50);
    child.on('exit', (code) => { clearInterval(poll); resolve(code); });
  });
  const seconds = (performance.now() - t0) / 1000;
  const problems: string[] = [];
  if (exitCode !== 0) problems.push(`exited ${exitCode}`);
  let eventsEnd = 0, stepEvents = 0;
  try {
    eventsEnd = statSync(events).size;
    eventsPeak = Math.max(eventsPeak, eventsEnd);
    stepEvents = readFileSync(events, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"step"')).length;
  } catch (e) {
    problems.push(`no events file: ${(e as Error).message}`);
  }
  const heap = existsSync(probe) ? readFileSync(probe, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ms: number; heapUsed: number }) : [];
  const heapHalf = heap.find((h) => h.ms >= heap.at(-1)!.ms / 2);
  if (heap.length < 4) problems.push(`${heap.length} heap samples: the run was too short to judge its heap`);
  const half = rss.find((r) => r.step >= steps / 2);
  const end = rss.at(-1);
  if (!half || !end) problems.push('no resident memory in the step events');
  const report: LongRunReport = {
    job: job.name, steps: rss.at(-1)?.step ?? 0, seconds, exitCode,
    heapHalfMb: (heapHalf?.heapUsed ?? 0) / MB, heapEndMb: (heap.at(-1)?.heapUsed ?? 0) / MB,
    rssStartMb: (rss[0]?.bytes ?? 0) / MB, rssHalfMb: (half?.bytes ?? 0) / MB, rssEndMb: (end?.bytes ?? 0) / MB, rssPeakMb: Math.max(0, ...rss.map((r) => r.bytes)) / MB,
    eventsLimitMb, eventsPeakMb: eventsPeak / MB, eventsEndMb: eventsEnd / MB, stepEvents, problems,
  };
  // Flat: the collected heap gains at most 2 MB over the second half (5,000 steps leaking 400
  // bytes each would be 2 MB). Resident memory is reported, not judged closely: a run of 10,000
  // small steps lasts seconds, while V8 still sizes its spaces (a classifier's rose 99 -> 115 MB
  // over the second 2 s with its collected heap at 12.6 -> 12.7 MB); only doubling is a failure.
  const heapGrowth = report.heapEndMb - report.heapHalfMb;
  if (heapHalf && heapGrowth > 2) problems.push(`the heap after collection grew by ${heapGrowth.toFixed(2)} MB over the second half of the run`);
  if (rss.length > 0 && report.rssEndMb > 2 * report.rssStartMb) problems.push(`resident memory more than doubled, ${report.rssStartMb.toFixed(1)} -> ${report.rssEndMb.toFixed(1)} MB`);
  if (report.eventsPeakMb > eventsLimitMb * 1.01) problems.push(`events.jsonl reached ${report.eventsPeakMb.toFixed(2)} MB, over its limit of ${eventsLimitMb} MB`);
  if (report.steps !== steps) problems.push(`ran ${report.steps} steps, not ${steps}`);
  return report;
}
