/**
 * Long runs (issue 20): a train command run for many steps (10,000 by default) with the job's
 * larger model (`job.long`, so that they last about a minute), checkpointing and validating as it
 * goes, with its events log limited to 1 MB so that the limit is reached and the log thinned.
 * Measures the process's resident memory from its step events (the training process reports it
 * once a second) at the start, halfway and at the end, and the largest size the events file
 * reaches (polled while it runs); and, through heap-probe.ts, the live heap after a full
 * collection every half second, with V8's heap reservation and the live external memory. What
 * is judged (below) is each part of resident memory a leak could grow, from the second quarter
 * of the run to the last; the first quarter is warm-up: V8 sizes its heap and compiles, and
 * resident memory climbs by tens of MB while it does, whatever the run. Not here: the table
 * (faults.ts), the jobs (fault-jobs.ts).
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
  /** The median resident memory over the second quarter of the steps and over the last, MB. */
  rssSecondQuarterMb: number;
  rssLastQuarterMb: number;
  /** The live heap after a full collection halfway through the run's time and at its end, MB. */
  heapHalfMb: number;
  heapEndMb: number;
  /**
   * After each full collection: the median live external (ArrayBuffer) memory, and the median of
   * what is resident outside V8's heap and that memory (rss - heapTotal - external: the addon's,
   * the C allocator's, code), over the second and the last quarter of the run's time, MB.
   */
  externalSecondQuarterMb: number;
  externalLastQuarterMb: number;
  restSecondQuarterMb: number;
  restLastQuarterMb: number;
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
  let args = job.args;
  for (let i = 0; i + 1 < (job.long ?? []).length; i += 2) args = withFlag(args, job.long![i], job.long![i + 1]);
  args = withFlag(args, '--max-steps', String(steps));
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
  type Probe = { ms: number; heapUsed: number; heapTotal: number; external: number; rss: number };
  const heap = existsSync(probe) ? readFileSync(probe, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Probe) : [];
  const heapHalf = heap.find((h) => h.ms >= heap.at(-1)!.ms / 2);
  if (heap.length < 4) problems.push(`${heap.length} heap samples: the run was too short to judge its heap`);
  const half = rss.find((r) => r.step >= steps / 2);
  const end = rss.at(-1);
  if (!half || !end) problems.push('no resident memory in the step events');
  const middle = (xs: number[]): number => {
    xs.sort((a, b) => a - b);
    return xs.length ? xs[xs.length >> 1]! / MB : 0;
  };
  const median = (from: number, to: number): number => middle(rss.filter((r) => r.step > from * steps && r.step <= to * steps).map((r) => r.bytes));
  const lastMs = heap.at(-1)?.ms ?? 0;
  const probeMedian = (from: number, to: number, of: (h: Probe) => number): number =>
    middle(heap.filter((h) => h.ms > from * lastMs && h.ms <= to * lastMs).map(of));
  const rest = (h: Probe) => h.rss - h.heapTotal - h.external;
  const report: LongRunReport = {
    job: job.name, steps: rss.at(-1)?.step ?? 0, seconds, exitCode,
    heapHalfMb: (heapHalf?.heapUsed ?? 0) / MB, heapEndMb: (heap.at(-1)?.heapUsed ?? 0) / MB,
    rssStartMb: (rss[0]?.bytes ?? 0) / MB, rssHalfMb: (half?.bytes ?? 0) / MB, rssEndMb: (end?.bytes ?? 0) / MB, rssPeakMb: Math.max(0, ...rss.map((r) => r.bytes)) / MB,
    rssSecondQuarterMb: median(0.25, 0.5), rssLastQuarterMb: median(0.75, 1),
    externalSecondQuarterMb: probeMedian(0.25, 0.5, (h) => h.external), externalLastQuarterMb: probeMedian(0.75, 1, (h) => h.external),
    restSecondQuarterMb: probeMedian(0.25, 0.5, rest), restLastQuarterMb: probeMedian(0.75, 1, rest),
    eventsLimitMb, eventsPeakMb: eventsPeak / MB, eventsEndMb: eventsEnd / MB, stepEvents, problems,
  };
  // Flat: what the process keeps does not grow with the steps. Resident memory is the sum of
  // V8's heap reservation (heapTotal), the ArrayBuffers (external) and the rest; each part a
  // leak could grow is judged after a full collection: the live heap gains at most 2 MB over the
  // second half (5,000 steps leaking 400 bytes each would be 2 MB), the live external memory at
  // most 4 MB from the second quarter of the run to the last (medians: it depends on the moment
  // in a step the probe lands), and the rest at most 10% (at least 5 MB). The reservation itself
  // is V8's choice: it grows by 16 MB when the young generation doubles, a minute into some runs,
  // so resident memory as a whole is reported, and judged only against doubling.
  const heapGrowth = report.heapEndMb - report.heapHalfMb;
  if (heapHalf && heapGrowth > 2) problems.push(`the heap after collection grew by ${heapGrowth.toFixed(2)} MB over the second half of the run`);
  if (!report.restSecondQuarterMb || !report.restLastQuarterMb || !report.rssSecondQuarterMb) {
    problems.push('too few memory readings to judge (the run was too short)');
  } else {
    const external = report.externalLastQuarterMb - report.externalSecondQuarterMb;
    if (external > 4) problems.push(`live external memory grew by ${external.toFixed(1)} MB from the second quarter of the run to the last`);
    const restLimit = Math.max(5, 0.1 * report.restSecondQuarterMb);
    if (report.restLastQuarterMb - report.restSecondQuarterMb > restLimit) {
      problems.push(`resident memory outside V8's heap and buffers grew from ${report.restSecondQuarterMb.toFixed(1)} to ${report.restLastQuarterMb.toFixed(1)} MB (limit +${restLimit.toFixed(1)})`);
    }
  }
  if (rss.length > 0 && report.rssEndMb > 2 * report.rssStartMb) problems.push(`resident memory more than doubled, ${report.rssStartMb.toFixed(1)} -> ${report.rssEndMb.toFixed(1)} MB`);
  if (report.eventsPeakMb > eventsLimitMb * 1.01) problems.push(`events.jsonl reached ${report.eventsPeakMb.toFixed(2)} MB, over its limit of ${eventsLimitMb} MB`);
  if (report.steps !== steps) problems.push(`ran ${report.steps} steps, not ${steps}`);
  return report;
}
