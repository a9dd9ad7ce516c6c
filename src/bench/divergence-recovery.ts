/**
 * Divergence rollback, measured (issue 20; seconds, run by divergence-recovery.test.ts): short
 * character-LM runs on the bundled rhymes fixture at a learning rate far above a workable one
 * (10, where 0.002 is the default), each with `onDivergence: 'rollback'`, one seed each. A run
 * finishes when it reaches its last step (after at most 3 rollbacks, each halving the learning
 * rate) instead of stopping diverged; it recovers when it finishes with its smoothed training
 * loss below its first loss (it learned again, not merely survived). Runs that never diverged are
 * counted too (the learning rate did not do what this measures). The wasm backend without
 * relaxed SIMD, so that the figures are the same on every machine.
 *
 *   node dist/bench/divergence-recovery.js [--runs 20] [--lr 10] [--steps 150] [--factor 4] [--json]
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend } from '../kernels/backend.js';
import { createBackend } from '../kernels/index.js';
import { trainCharLm } from '../tasks/char-lm/index.js';
import { DivergenceError } from '../train/divergence.js';
import type { DivergenceEvent, TrainEvent } from '../train/events.js';

export const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));

export interface RecoveryOptions {
  runs?: number;
  lr?: number;
  steps?: number;
  /** The divergence factor (default: the default, 4). */
  factor?: number;
  /** Default: wasm with one thread (bit-identical on every machine). */
  backend?: Backend;
}

export interface RecoveryRun {
  seed: number;
  /** Divergences seen (rollbacks, and the stop if it gave up). */
  divergences: DivergenceEvent[];
  /** Reached its last step. */
  finished: boolean;
  /** Finished with its final smoothed loss below its first loss. */
  recovered: boolean;
  /** The step it stopped at, or its last step. */
  step: number;
  /** The first training loss and the final EMA of the training loss. */
  firstLoss: number;
  finalSmoothedLoss: number;
}

export interface RecoveryResult {
  runs: RecoveryRun[];
  /** Runs that diverged at least once. */
  diverged: number;
  finished: number;
  recovered: number;
}

/** Runs the measurement (see the file comment). */
export async function measureDivergenceRecovery(o: RecoveryOptions = {}): Promise<RecoveryResult> {
  const n = o.runs ?? 20, lr = o.lr ?? 10, steps = o.steps ?? 150;
  const backend = o.backend ?? await createBackend('wasm', { threads: 1 });
  const runs: RecoveryRun[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const divergences: DivergenceEvent[] = [];
    let firstLoss = NaN;
    const config = {
      hiddenSize: 24, numLayers: 1, embeddingDim: 8, dropout: 0, batchSize: 4, seqLen: 16, lr, seed,
      maxSteps: steps, evalEvery: 0, checkpointEvery: 10, sampleLength: 0, onDivergence: 'rollback' as const, divergenceFactor: o.factor,
    };
    const onEvent = (e: TrainEvent) => {
      if (e.type === 'divergence') divergences.push(e);
      if (e.type === 'step' && e.step === 1) firstLoss = e.loss;
    };
    try {
      const r = await trainCharLm({ textPath: RHYMES, backend, config, onEvent });
      const finalSmoothedLoss = r.lossWatch!.ema;
      runs.push({ seed, divergences, finished: true, recovered: finalSmoothedLoss < firstLoss, step: r.step, firstLoss, finalSmoothedLoss });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      runs.push({ seed, divergences, finished: false, recovered: false, step: e.event.step, firstLoss, finalSmoothedLoss: NaN });
    }
  }
  const count = (f: (r: RecoveryRun) => boolean) => runs.filter(f).length;
  return { runs, diverged: count((r) => r.divergences.length > 0), finished: count((r) => r.finished), recovered: count((r) => r.recovered) };
}

/** One line per run and a summary. */
export function recoveryReport(r: RecoveryResult): string {
  const lines = r.runs.map((x) => `seed ${String(x.seed).padStart(2)}: ${x.divergences.length} divergence${x.divergences.length === 1 ? '' : 's'} ` +
    `(steps ${x.divergences.map((d) => d.step).join(', ') || '-'}), ` +
    `${x.finished ? `${x.recovered ? 'recovered' : 'finished'}: final smoothed loss ${x.finalSmoothedLoss.toFixed(3)} (first ${x.firstLoss.toFixed(3)})` : `stopped at step ${x.step}`}`);
  lines.push(`${r.recovered} of ${r.runs.length} recovered with rollback (finished below their first loss); ${r.finished} finished; ${r.diverged} diverged at least once`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values: f } = parseArgs({ options: { runs: { type: 'string' }, lr: { type: 'string' }, factor: { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!(Number.isFinite(x) && x > 0)) throw new Error(`--${name} must be a number > 0, got '${v}'`);
    return x;
  };
  const r = await measureDivergenceRecovery({ runs: num('runs', f.runs), lr: num('lr', f.lr), steps: num('steps', f.steps), factor: num('factor', f.factor) });
  console.log(f.json ? JSON.stringify({ runs: r.runs.length, diverged: r.diverged, finished: r.finished, recovered: r.recovered }) : recoveryReport(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
