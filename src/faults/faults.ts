/**
 * `npm run faults`: the fault-injection suite of issue 20 over every train command, printing a
 * table of figures per fault (a fast subset runs inside `npm test`: faults.test.ts).
 *   npm run faults [-- --kills 20] [--only lm,tag] [--dir DIR]
 *   [--long-steps 10000]
 * Sections: killed at any moment (kill-resume.ts), disk full (disk-full.ts), long runs (long-run.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { diskFull } from './disk-full.js';
import { trainJobs } from './fault-jobs.js';
import { killAndResume } from './kill-resume.js';
import { longRun } from './long-run.js';

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '20' }, 'long-steps': { type: 'string', default: '10000' }, only: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log('npm run faults [-- --kills N (default 20)] [--long-steps N (default 10000; 0 skips the long runs)] [--only lm,classify,forecast,seq2seq,tag] [--dir DIR (default: a new temporary directory)]');
  process.exit(0);
}
const kills = Number(values.kills);
if (!Number.isInteger(kills) || kills < 1) {
  console.error(`faults: --kills must be a positive integer, got '${values.kills}'`);
  process.exit(1);
}
const longSteps = Number(values['long-steps']);
if (!Number.isInteger(longSteps) || longSteps < 0) {
  console.error(`faults: --long-steps must be a non-negative integer, got '${values['long-steps']}'`);
  process.exit(1);
}
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'recur-faults-'));
const only = values.only?.split(',');
const jobs = trainJobs(dir).filter((j) => !only || only.includes(j.name));
if (only && jobs.length !== only.length) {
  console.error(`faults: --only takes lm, classify, forecast, seq2seq, tag; got '${values.only}'`);
  process.exit(1);
}
const pad = (s: string | number, n: number) => String(s).padEnd(n);
let failed = false;

console.log(`recur fault injection, ${new Date().toISOString().slice(0, 10)}; work directory ${dir}\n`);
console.log(`Killed at any moment: ${kills} runs per command killed with SIGKILL at a random moment (one in four anywhere in the process's life,`);
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
  console.log(`\nLong runs: ${longSteps} steps per command, validating 10 and checkpointing 50 times, events.jsonl limited to 1 MB (--events-max-mb 1);`);
  console.log('resident memory from the step events at the start, halfway and at the end (judged: the second half adds at most 5 MB or 5%).');
  console.log(`  ${pad('command', 10)}${pad('steps', 7)}${pad('seconds', 9)}${pad('RSS start / half / end (peak), MB', 36)}${pad('events.jsonl peak / end, MB', 29)}step events kept`);
  for (const job of jobs) {
    const r = await longRun(job, longSteps, dir);
    const mb = (x: number) => x.toFixed(1);
    console.log(`  ${pad(job.name, 10)}${pad(r.steps, 7)}${pad(r.seconds.toFixed(0), 9)}${pad(`${mb(r.rssStartMb)} / ${mb(r.rssHalfMb)} / ${mb(r.rssEndMb)} (${mb(r.rssPeakMb)})`, 36)}` +
      `${pad(`${r.eventsPeakMb.toFixed(2)} / ${r.eventsEndMb.toFixed(2)}`, 29)}${r.stepEvents}`);
    for (const p of r.problems) console.log(`      ${p}`);
    if (r.problems.length > 0) failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
