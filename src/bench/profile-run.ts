/**
 * `npm run bench -- --profile`: trains recur on a char-LM workload (W1 by default) with the
 * timing Backend of profile.ts in between (on wasm, or native with `--profile-backend native`),
 * on N threads and on 1, and prints per category the
 * calls and milliseconds per step, the share of the step and the GFLOP/s of the GEMMs.
 */
import { KernelProfile, charLmClassifier, profileRows } from './profile.js';
import { recurRunner } from './recur-runners.js';
import { type TrainingWorkload, type Workload, stepFlops, unitsPerStep, workloadById } from './workloads.js';

const fmt = (x: number, d = 1): string => x.toFixed(d);

export async function runProfile(only: Workload[], threads: number, steps: number, backend: 'wasm' | 'native' = 'wasm'): Promise<void> {
  const list = (only.length ? only : [workloadById('W1')]).filter((w): w is TrainingWorkload => w.kind === 'train');
  for (const w of list) {
    for (const t of [...new Set([threads, 1])]) {
      const profile = new KernelProfile(charLmClassifier(w));
      const runner = await recurRunner(w, { threads: t, backend, wrap: (b) => profile.wrap(b) });
      for (let i = 0; i < 3; i++) runner.step();
      profile.reset();
      const times: number[] = [];
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        runner.step();
        times.push(performance.now() - t0);
      }
      const stepMs = times.reduce((a, b) => a + b, 0) / steps;
      console.log(`\nProfile of a recur ${w.id} step (${w.title}, batch ${w.batch}, seq ${w.seqLen}) on ${runner.description}:`);
      console.log(`  ${fmt(stepMs)} ms per step (mean of ${steps}), ${fmt(unitsPerStep(w) / stepMs * 1000, 0)} tokens/s, `
        + `${fmt(stepFlops(w) / stepMs / 1e6)} GFLOP/s overall; each kernel call timed (adds ~0.1 us per call)`);
      console.log(`  ${'category'.padEnd(48)} ${'calls/step'.padStart(10)} ${'ms/step'.padStart(8)} ${'share'.padStart(6)} ${'GFLOP/s'.padStart(8)}`);
      for (const r of profileRows(profile, steps, stepMs)) {
        console.log(`  ${r.name.padEnd(48)} ${(r.callsPerStep ? fmt(r.callsPerStep, 0) : '').padStart(10)} ${fmt(r.msPerStep, 2).padStart(8)} `
          + `${`${fmt(100 * r.share, 1)}%`.padStart(6)} ${(r.gflops ? fmt(r.gflops) : '').padStart(8)}`);
      }
    }
  }
}
