/**
 * The loop shared by recur's file fuzzers: pick a valid base file, mutate it, run the loader on
 * it (synchronous, or a promise for one that reads files), and demand either a load that the
 * fuzzer's oracle agrees with or a plain one-line Error with the loader's prefix, within a time
 * limit and without the resident set growing. A case over the time limit is re-timed a few
 * times and keeps its fastest run, so that a loaded machine does not turn into failures. It
 * knows no file format; the fuzzers bring that.
 */
import { Rng } from '../random/rng.js';
import type { Base, Mutation } from './fuzz-mutations.js';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Longest accepted run of the loader on one case, in ms (default 100). */
  maxMs?: number;
  /** Largest accepted growth of the resident set over the run, in MB (default 200). */
  maxRssGrowthMb?: number;
  /** Largest accepted growth of the live JavaScript heap, first tenth of the run to last, in MB (default 50). */
  maxHeapGrowthMb?: number;
}

export interface FuzzFailure {
  case: number;
  mutation: string;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  /** Cases that loaded (and agreed with the independent reading). */
  ok: number;
  /** Cases rejected with a proper error. */
  rejected: number;
  /** Slowest case (its fastest of the re-timed runs), in ms, and the mutation that caused it. */
  maxMs: number;
  slowest: string;
  /** Cases that went over the limit once and were re-timed (a loaded machine). */
  retimed: number;
  /** The first 100 failures; `failed` counts them all. */
  failures: FuzzFailure[];
  failed: number;
  seconds: number;
  rssStartMb: number;
  rssPeakMb: number;
  /**
   * The JavaScript heap's floor (the least heapUsed sampled, about what a collection leaves) over
   * the first and the last tenth of the cases: a leak raises the second. The resident set also
   * holds what the allocator keeps after a peak, which is not growth.
   */
  heapFloorStartMb: number;
  heapFloorEndMb: number;
  /** The limits the run was held to. */
  rssLimitMb: number;
  heapLimitMb: number;
  /** Cases, loads and rejections per mutation kind. */
  byMutation: Record<string, { cases: number; ok: number; rejected: number }>;
  /** Rejection messages with names and numbers blanked out, by count. */
  messages: Map<string, number>;
}

/** What a fuzzer brings: its bases, its mutations, the loader under test and the oracle. */
export interface FuzzTarget<M extends Mutation, R, B extends { label: string } = Base> {
  /** The valid files with their weights (how often each is picked); drawn from `rng`. */
  bases(rng: Rng): { base: B; weight: number }[];
  mutate(rng: Rng, base: B): M;
  /** Untimed work before each run of the loader on a case, such as writing the file it reads. */
  setup?(m: M): void;
  /** The loader under test; a rejection is a throw (or a rejected promise, for a loader that reads files). */
  load(m: M): R | Promise<R>;
  /** An independent check of a load: a problem, or undefined when the result is right. */
  verify(m: M, result: R): string | undefined;
  /** What every rejection message starts with, e.g. 'safetensors: '. */
  errorPrefix: string;
  /** Longest accepted rejection message. */
  maxMessageLength: number;
}

/** Extra runs of a case over the time limit; its fastest run counts. */
const RETIMES = 3;

export async function runFuzzCases<M extends Mutation, R, B extends { label: string } = Base>(target: FuzzTarget<M, R, B>, options: FuzzOptions): Promise<FuzzReport> {
  const { cases, seed } = options;
  const maxMsAllowed = options.maxMs ?? 100;
  const maxGrowth = options.maxRssGrowthMb ?? 200;
  const maxHeapGrowth = options.maxHeapGrowthMb ?? 50;
  const rng = new Rng(seed);
  const bases = target.bases(rng.fork());
  const report: FuzzReport = {
    cases: 0, ok: 0, rejected: 0, maxMs: 0, slowest: '', retimed: 0, failures: [], failed: 0, seconds: 0, rssStartMb: 0, rssPeakMb: 0, heapFloorStartMb: Infinity, heapFloorEndMb: Infinity, rssLimitMb: maxGrowth, heapLimitMb: maxHeapGrowth, byMutation: {}, messages: new Map(),
  };
  const failure = (c: number, mutation: string, problem: string) => recordFailure(report, { case: c, mutation, problem });
  const weights = bases.map((b) => b.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  report.rssStartMb = report.rssPeakMb = mb();
  const t0 = performance.now();
  for (let c = 0; c < cases; c++) {
    let w = rng.int(total);
    let k = 0;
    while (w >= weights[k]!) w -= weights[k++]!;
    const base = bases[k]!.base;
    const m = target.mutate(rng, base);
    const kind = m.label.split(':')[0]!;
    const tally = (report.byMutation[kind] ??= { cases: 0, ok: 0, rejected: 0 });
    tally.cases++;
    report.cases++;
    const tagged = `${m.label} of ${base.label}`;
    let { result, error, ms } = await timed(target, m);
    if (ms > maxMsAllowed) {
      report.retimed++;
      for (let i = 0; i < RETIMES && ms > maxMsAllowed; i++) ms = Math.min(ms, (await timed(target, m)).ms);
    }
    if (ms > report.maxMs) { report.maxMs = ms; report.slowest = tagged; }
    if (ms > maxMsAllowed) failure(c, tagged, `took ${ms.toFixed(1)} ms (fastest of ${RETIMES + 1} runs)`);
    if (result !== undefined) {
      let problem: string | undefined;
      try {
        problem = target.verify(m, result);
      } catch (e) {
        problem = `oracle threw ${String(e)}`;
      }
      if (!problem && m.mustReject) problem = 'a file that must be rejected loaded';
      if (problem) failure(c, tagged, problem);
      else { report.ok++; tally.ok++; }
    } else if (!(error instanceof Error) || error.constructor !== Error || !error.message.startsWith(target.errorPrefix)) {
      failure(c, tagged, `threw ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`);
    } else if (/[\n\r]/.test(error.message) || error.message.length > target.maxMessageLength) {
      failure(c, tagged, `message not one short line (${error.message.length} chars): ${JSON.stringify(error.message.slice(0, 200))}`);
    } else if (m.mustLoad) {
      failure(c, tagged, `a valid file was rejected: ${error.message}`);
    } else {
      report.rejected++;
      tally.rejected++;
      const key = blank(error.message);
      report.messages.set(key, (report.messages.get(key) ?? 0) + 1);
    }
    if (c % 50 === 0) report.rssPeakMb = Math.max(report.rssPeakMb, mb());
    if (c % 10 === 0 || c === cases - 1) {
      const heap = process.memoryUsage().heapUsed / 2 ** 20;
      if (c < cases / 10) report.heapFloorStartMb = Math.min(report.heapFloorStartMb, heap);
      if (c >= cases - Math.max(1, cases / 10)) report.heapFloorEndMb = Math.min(report.heapFloorEndMb, heap);
    }
  }
  report.rssPeakMb = Math.max(report.rssPeakMb, mb());
  report.seconds = (performance.now() - t0) / 1000;
  if (report.rssPeakMb - report.rssStartMb > maxGrowth) failure(-1, 'run', `rss grew by ${(report.rssPeakMb - report.rssStartMb).toFixed(0)} MB`);
  if (report.heapFloorEndMb - report.heapFloorStartMb > maxHeapGrowth) {
    failure(-1, 'run', `the heap's floor grew from ${report.heapFloorStartMb.toFixed(0)} to ${report.heapFloorEndMb.toFixed(0)} MB (a leak)`);
  }
  return report;
}

/** Counts a failure and keeps the first 100. */
export function recordFailure(report: FuzzReport, f: FuzzFailure): void {
  report.failed++;
  if (report.failures.length < 100) report.failures.push({ ...f, problem: f.problem.slice(0, 300) });
}

async function timed<M extends Mutation, R, B extends { label: string }>(target: FuzzTarget<M, R, B>, m: M): Promise<{ result?: R; error?: unknown; ms: number }> {
  target.setup?.(m);
  const start = performance.now();
  try {
    const result = await target.load(m);
    return { result, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

function blank(message: string): string {
  return message.replace(/'(?:[^'\\]|\\.)*'/g, "'…'").replace(/\d+/g, 'N').replace(/got the number [^ ,]+/, 'got the number N');
}

/** Parses `--cases N --seed S` (exits with usage on anything else). */
export function parseFuzzArgs(name: string, argv: string[]): { cases: number; seed: number } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--cases', '--seed'].includes(argv[i]!) || argv[i + 1] === undefined) {
      console.error(`${name}: unknown or incomplete flag ${argv[i]} (usage: --cases N --seed S)`);
      process.exit(2);
    }
    args.set(argv[i]!, argv[i + 1]!);
  }
  const cases = Number(args.get('--cases') ?? 100000);
  const seed = Number(args.get('--seed') ?? 1);
  if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
    console.error(`${name}: --cases must be a positive integer and --seed an integer, got ${args.get('--cases')} and ${args.get('--seed')}`);
    process.exit(2);
  }
  return { cases, seed };
}

/** A report in a few lines for a test's diagnostics: counts, the slowest case, memory, the first failures. */
export function fuzzDiagnostics(r: FuzzReport): string[] {
  return [
    `${r.cases} cases in ${r.seconds.toFixed(2)} s: ${r.ok} loaded, ${r.rejected} rejected, ${r.failed} failed`,
    `slowest case ${r.maxMs.toFixed(2)} ms (${r.slowest}), ${r.retimed} re-timed; rss ${r.rssStartMb.toFixed(0)} -> ${r.rssPeakMb.toFixed(0)} MB peak; heap floor ${r.heapFloorStartMb.toFixed(0)} -> ${r.heapFloorEndMb.toFixed(0)} MB`,
    ...r.failures.slice(0, 10).map((f) => `FAIL case ${f.case} (${f.mutation}): ${f.problem}`),
  ];
}

/** Prints a report as the fuzz scripts do and sets the exit code. */
export function printFuzzReport(title: string, seed: number, r: FuzzReport, rejectedAs: string): void {
  console.log(`${title}: ${r.cases} cases (seed ${seed}) in ${r.seconds.toFixed(1)} s`);
  console.log(`  loaded ${r.ok}, rejected with ${rejectedAs} ${r.rejected}, failed ${r.failed}`);
  console.log(`  slowest case ${r.maxMs.toFixed(2)} ms (${r.slowest}; limit 100), ${r.retimed} re-timed, mean case ${((r.seconds * 1000) / Math.max(1, r.cases)).toFixed(3)} ms`);
  console.log(`  rss ${r.rssStartMb.toFixed(0)} MB at start, ${r.rssPeakMb.toFixed(0)} MB peak (+${(r.rssPeakMb - r.rssStartMb).toFixed(0)} MB, limit ${r.rssLimitMb}); ` +
    `heap floor ${r.heapFloorStartMb.toFixed(0)} MB in the first tenth of the cases, ${r.heapFloorEndMb.toFixed(0)} MB in the last (limit +${r.heapLimitMb})`);
  console.log('  by mutation (cases / loaded / rejected):');
  for (const [k, v] of Object.entries(r.byMutation).sort()) console.log(`    ${k.padEnd(22)} ${String(v.cases).padStart(7)} ${String(v.ok).padStart(7)} ${String(v.rejected).padStart(7)}`);
  console.log(`  ${r.messages.size} distinct rejection messages (names and numbers blanked); most common:`);
  for (const [m, n] of [...r.messages].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${String(n).padStart(6)}  ${m}`);
  for (const f of r.failures.slice(0, 20)) console.log(`  FAIL case ${f.case} (${f.mutation}): ${f.problem}`);
  process.exitCode = r.failed ? 1 : 0;
}
