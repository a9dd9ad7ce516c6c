/**
 * `npm run faults`: the fault-injection suite of issue 20 over every train command and the
 * dashboard server, printing a table of figures per fault (a fast subset runs inside `npm test`:
 * faults.test.ts, dashboard-load.test.ts).
 *   npm run faults [-- --kills 20] [--only lm,tag,dashboard] [--skip dashboard] [--clients 200] [--seconds 30] [--no-pin] [--dir DIR]
 *   [--long-steps 10000]
 * Sections: killed at any moment (kill-resume.ts), disk full (disk-full.ts), long runs
 * (long-run.ts), the dashboard under load and malformed requests (dashboard-load.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { dashboardLoad, formatDashboardLoad } from './dashboard-load.js';
import { diskFull } from './disk-full.js';
import { trainJobs } from './fault-jobs.js';
import { killAndResume } from './kill-resume.js';
import { longRun } from './long-run.js';

const TRAIN_COMMANDS = ['lm', 'classify', 'forecast', 'seq2seq', 'tag'];
const SECTIONS = [...TRAIN_COMMANDS, 'dashboard'];
const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' }, 'long-steps': { type: 'string', default: '10000' }, only: { type: 'string' }, skip: { type: 'string' }, dir: { type: 'string' },
    clients: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' }, 'no-pin': { type: 'boolean' }, help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(`npm run faults [-- --kills N (default 20)] [--long-steps N (default 10000; 0 skips the long runs)] [--only ${SECTIONS.join(',')}] [--skip the same names] [--clients N (default 200)] [--seconds S (default 30)] [--no-pin] [--dir DIR (default: a new temporary directory)]`);
  process.exit(0);
}
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`faults: --${name} must be a positive integer, got '${text}'`);
    process.exit(1);
  }
  return n;
};
const kills = positive('kills', values.kills);
const longSteps = values['long-steps'] === '0' ? 0 : positive('long-steps', values['long-steps']);
const clients = positive('clients', values.clients);
const seconds = positive('seconds', values.seconds);
const names = (flag: 'only' | 'skip'): string[] | undefined => {
  const list = values[flag]?.split(',');
  const bad = list?.find((n) => !SECTIONS.includes(n));
  if (bad !== undefined) {
    console.error(`faults: --${flag} takes ${SECTIONS.join(', ')}; got '${values[flag]}'`);
    process.exit(1);
  }
  return list;
};
const only = names('only');
const skip = names('skip') ?? [];
const chosen = (name: string): boolean => (!only || only.includes(name)) && !skip.includes(name);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'recur-faults-'));
const jobs = TRAIN_COMMANDS.some(chosen) ? trainJobs(dir).filter((j) => chosen(j.name)) : [];
const pad = (s: string | number, n: number) => String(s).padEnd(n);
let failed = false;

console.log(`recur fault injection, ${new Date().toISOString().slice(0, 10)}; work directory ${dir}`);
if (jobs.length > 0) {
  console.log(`\nKilled at any moment: ${kills} runs per command killed with SIGKILL at a random moment (one in four anywhere in the process's life,`);
  console.log('the others within training: steps, checkpoint writes, validations), then the same command with --resume; its step losses and');
  console.log('final weights compared with an uninterrupted run\'s, bit for bit.');
  console.log(`  ${pad('command', 10)}${pad('kills', 7)}${pad('resumed', 9)}${pad('mismatches', 12)}before the first checkpoint`);
  for (const job of jobs) {
    const r = await killAndResume(job, kills, dir, 7);
    console.log(`  ${pad(job.name, 10)}${pad(r.kills, 7)}${pad(r.resumed, 9)}${pad(r.mismatches, 12)}${r.beforeFirstCheckpoint}`);
    for (const p of r.problems) console.log(`      ${p}`);
    if (r.resumed < r.kills || r.mismatches > 0) failed = true;
  }

  console.log('\nDisk full: the run directory on a tmpfs that fills about halfway through the run; then the directory copied elsewhere and resumed.');
  console.log(`  ${pad('command', 10)}${pad('exit', 6)}${pad('checkpoints', 13)}${pad('resumed exact', 15)}message`);
  for (const job of jobs) {
    const r = diskFull(job, dir);
    if (r.skipped) {
      console.log(`  ${pad(job.name, 10)}not run: ${r.skipped}`);
      continue;
    }
    console.log(`  ${pad(job.name, 10)}${pad(String(r.exitCode), 6)}${pad(r.checkpoints, 13)}${pad(r.resumedExact ? 'yes' : 'NO', 15)}${r.message}`);
    for (const p of r.problems) console.log(`      ${p}`);
    if (r.problems.length > 0) failed = true;
  }

  if (longSteps > 0) {
    console.log(`\nLong runs: ${longSteps} steps per command with a larger model (about a minute each), validating 10 and checkpointing 50 times,`);
    console.log('events.jsonl limited to 1 MB (--events-max-mb 1). Resident memory from the step events: at the start, halfway, at the end, the peak,');
    console.log('and the medians over the second (Q2) and the last quarter (Q4) of the steps. After a full collection every 0.5 s: the live heap halfway and');
    console.log('at the end; medians over Q2 and Q4 of the time of the live external memory and of the rest of RSS (outside V8\'s heap and buffers).');
    console.log('Judged: live heap +2 MB at most, external +4 MB, the rest +10%; RSS as a whole is V8\'s heap reservation too (it grows 16 MB when the');
    console.log('young generation doubles), judged only against doubling.');
    console.log(`  ${pad('command', 10)}${pad('steps', 7)}${pad('seconds', 9)}${pad('RSS start / half / end (peak), MB', 36)}${pad('RSS Q2 -> Q4', 16)}${pad('heap half -> end', 18)}${pad('external Q2 -> Q4', 19)}${pad('rest Q2 -> Q4', 16)}${pad('events.jsonl peak / end, MB', 29)}step events kept`);
    for (const job of jobs) {
      const r = await longRun(job, longSteps, dir);
      const mb = (x: number) => x.toFixed(1);
      console.log(`  ${pad(job.name, 10)}${pad(r.steps, 7)}${pad(r.seconds.toFixed(0), 9)}${pad(`${mb(r.rssStartMb)} / ${mb(r.rssHalfMb)} / ${mb(r.rssEndMb)} (${mb(r.rssPeakMb)})`, 36)}` +
        `${pad(`${mb(r.rssSecondQuarterMb)} -> ${mb(r.rssLastQuarterMb)}`, 16)}${pad(`${r.heapHalfMb.toFixed(2)} -> ${r.heapEndMb.toFixed(2)}`, 18)}` +
        `${pad(`${mb(r.externalSecondQuarterMb)} -> ${mb(r.externalLastQuarterMb)}`, 19)}${pad(`${mb(r.restSecondQuarterMb)} -> ${mb(r.restLastQuarterMb)}`, 16)}` +
        `${pad(`${r.eventsPeakMb.toFixed(2)} / ${r.eventsEndMb.toFixed(2)}`, 29)}${r.stepEvents}`);
      for (const p of r.problems) console.log(`      ${p}`);
      if (r.problems.length > 0) failed = true;
    }
  }
}

if (chosen('dashboard')) {
  console.log(`\nThe dashboard under load: \`recur dashboard\` on a run that trains (lm, one thread), ${clients} loopback clients for ${seconds} s`);
  console.log('(most hold a live stream, the rest poll), the training timed by its step events before, during and after; then malformed');
  console.log('requests, each of which must get its 4xx or a closed connection, and a flood of stalled ones; the server must live on.');
  const r = await dashboardLoad({ dir, clients, seconds, pin: !values['no-pin'] });
  for (const line of formatDashboardLoad(r)) console.log(line);
  for (const p of r.problems) console.log(`      ${p}`);
  if (r.problems.length > 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
