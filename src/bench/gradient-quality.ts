/**
 * The gradient through time of trained models (`npm run quality:gradients`; minutes, not in npm
 * test): issue 17's comparison of Elman (tanh), LSTM and GRU cells, measured. Three character
 * language models are trained on the same text with the same settings and seed, differing only
 * in the cell (one layer of 128, the char LM's embedding, windows of 100, the same number of
 * steps), each by `runTask` into a normal run directory (events.jsonl, model.safetensors) that
 * `recur dashboard` opens. Then each model file reads the same windows of the held-out part (the
 * last tenth the task validates on; evenly spaced, none chosen), and `insideOf` (the dashboard's
 * "inside the network" view) gives |∂loss/∂x_t| for every input t of a window, the loss that of
 * the window's last character predicted from the steps before it.
 *
 * Each window's curve is read by distance k back from the last input read (k = 0: the character
 * just before the predicted one) and divided by its value there; the windows are averaged
 * geometrically (the mean of log10; zeros floored at 1e-30). Printed: the models' final
 * validation bits per character, the averaged curve at a few distances, and the decay per step
 * (least-squares slope of log10 of the averaged curve over k = 1..50).
 *
 *   node dist/bench/gradient-quality.js [--text PATH] [--steps N] [--keep DIR] [--threads N] [--json]
 *
 * `--keep DIR` keeps the three run directories there (DIR/rnn-tanh, DIR/lstm, DIR/gru);
 * otherwise they live in a temporary directory removed at exit.
 */
import './relaxed-simd.js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { insideOf } from '../dashboard/inside.js';
import { loadModel } from '../io/model-file.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { BUNDLED_TEXT_PATH, type CharLmCell, type CharLmConfig, charLmTask, lmOf } from '../tasks/char-lm/index.js';
import { runTask } from '../tasks/run-task.js';
import { MODEL_FILE_NAME } from '../train/checkpoint.js';
import { LOG_FLOOR, byDistance, firstFloored, geometricMean, log10SlopePerStep } from './gradient-curves.js';
import { markdownTable } from './markdown-table.js';

/** The cells compared, in the table's column order. */
const CELLS: readonly { cell: CharLmCell; label: string }[] = [
  { cell: 'rnn-tanh', label: 'Elman (tanh)' },
  { cell: 'lstm', label: 'LSTM' },
  { cell: 'gru', label: 'GRU' },
];

/**
 * Steps each model trains (the same for all three; about 6 epochs of the training part): the
 * three take about 3.5 minutes on 2 threads of an idle machine here.
 */
const DEFAULT_STEPS = 1000;
/** Windows read from the held-out part, and inputs per window before the predicted character. */
const WINDOWS = 32;
const INPUTS = 200;
/** Distances back from the last input read that the table shows. */
const DISTANCES: readonly number[] = [0, 1, 2, 5, 10, 20, 50, 100, 150, 199];
/** The decay rate is fitted over these distances. */
const FIT_FROM = 1, FIT_TO = 50;

interface ModelResult {
  cell: CharLmCell;
  label: string;
  dir: string;
  steps: number;
  trainSeconds: number;
  valBitsPerChar: number;
  /** The geometric mean curve by distance 0..INPUTS-1. */
  curve: number[];
  /** log10 of the gradient's factor per step back, fitted over FIT_FROM..FIT_TO. */
  slope: number;
  /** The smallest distance at which some window's value is below LOG_FLOOR (float32 underflow to 0), or null. */
  firstFloored: number | null;
}

async function main(): Promise<void> {
  const { values: f } = parseArgs({
    args: process.argv.slice(2),
    options: { text: { type: 'string' }, steps: { type: 'string' }, keep: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' } },
    strict: true, allowPositionals: false,
  });
  const threads = f.threads === undefined ? undefined : Number(f.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new Error(`--threads must be an integer >= 1, got '${f.threads}'`);
  const steps = f.steps === undefined ? DEFAULT_STEPS : Number(f.steps);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`--steps must be an integer >= 1, got '${f.steps}'`);
  const textPath = resolve(f.text ?? BUNDLED_TEXT_PATH);
  const json = f.json === true;
  const log = (s: string) => { if (!json) console.log(s); };
  const keep = f.keep ? resolve(f.keep) : undefined;

  const backend = await WasmBackend.create(threads === undefined ? {} : { threads });
  const work = keep ?? await mkdtemp(join(tmpdir(), 'recur-gradient-quality-'));
  await mkdir(work, { recursive: true });
  const t0 = performance.now();
  try {
    // Identical settings but the cell: one layer, so inter-layer dropout does nothing and is 0.
    const config: Partial<CharLmConfig> = {
      numLayers: 1, hiddenSize: 128, dropout: 0, seqLen: 100, maxSteps: steps, evalEvery: 0, checkpointEvery: 0, seed: 1,
    };
    log(`gradient through time: ${textPath}; 1×128 cells, embedding 64, batch 64 × 100, ${steps} steps each, seed 1; ${backend.description}`);
    const trained: { cell: CharLmCell; label: string; dir: string; steps: number; trainSeconds: number; valBitsPerChar: number; validation: string }[] = [];
    for (const { cell, label } of CELLS) {
      const dir = join(work, cell);
      const t1 = performance.now();
      let bits = NaN;
      const r = await runTask(charLmTask, {
        input: { textPath }, out: dir, config: { ...config, cell }, backend, force: true,
        onEvent: (e) => { if (e.type === 'eval') bits = e.metrics.bitsPerChar!; },
      });
      const trainSeconds = (performance.now() - t1) / 1000;
      const d = r.prepared.data;
      log(`  ${label}: ${r.step} steps in ${trainSeconds.toFixed(0)} s, final validation ${bits.toFixed(3)} bits/char (${dir})`);
      trained.push({ cell, label, dir, steps: r.step, trainSeconds, valBitsPerChar: bits, validation: d.tokenizer.decode(d.validation) });
    }
    const validation = trained[0]!.validation;
    if (trained.some((t) => t.validation !== validation)) throw new Error('the three runs held out different texts');
    // Evenly spaced windows of INPUTS + 1 characters (the inputs and the character predicted after them).
    const span = INPUTS + 1;
    if (validation.length < span) throw new Error(`the held-out part has ${validation.length} characters, fewer than one window of ${span}`);
    const windows = Array.from({ length: WINDOWS }, (_, i) => {
      const start = Math.floor((i * (validation.length - span)) / Math.max(1, WINDOWS - 1));
      return validation.slice(start, start + span);
    });
    const results: ModelResult[] = [];
    for (const t of trained) {
      const { model, vocab } = lmOf(await loadModel(join(t.dir, MODEL_FILE_NAME), { kind: 'any' }), t.dir);
      model.to(backend);
      const curves = windows.map((w) => {
        const g = insideOf(model, vocab, backend, w).gradientThroughTime;
        if (g.length !== span) throw new Error(`${t.label}: a window of ${span} characters read as ${g.length} symbols`);
        return byDistance(g);
      });
      const curve = geometricMean(curves);
      results.push({
        cell: t.cell, label: t.label, dir: t.dir, steps: t.steps, trainSeconds: t.trainSeconds, valBitsPerChar: t.valBitsPerChar,
        curve, slope: log10SlopePerStep(curve, FIT_FROM, FIT_TO), firstFloored: firstFloored(curves),
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    const sci = (x: number) => x.toExponential(2);
    if (json) {
      console.log(JSON.stringify({
        text: textPath, steps, threads: backend.threads, backend: backend.description, windows: WINDOWS, inputs: INPUTS, distances: DISTANCES, seconds,
        kept: keep ?? null,
        models: results.map((r) => ({ ...r, table: DISTANCES.map((k) => r.curve[k]) })),
      }));
      return;
    }
    log(`\n|∂loss/∂x_t| at k steps before the last input read, divided by its value at that input (k = 0); loss: the prediction of the ` +
      `character after it. Geometric mean over ${WINDOWS} windows of ${INPUTS} + 1 held-out characters (evenly spaced over the last tenth)\n`);
    log(markdownTable(['k (steps back)', ...results.map((r) => r.label)], DISTANCES.map((k) => [String(k), ...results.map((r) => sci(r.curve[k]!))])));
    log('');
    log(markdownTable(['model', 'validation bits/char', `decay per step (k = ${FIT_FROM}..${FIT_TO})`, `first k below ${LOG_FLOOR.toExponential(0)}`, 'steps', 'train s'], results.map((r) => [
      r.label, r.valBitsPerChar.toFixed(3), `×10^${r.slope.toFixed(4)} (×${(10 ** r.slope).toFixed(4)})`, r.firstFloored === null ? 'none' : String(r.firstFloored),
      String(r.steps), r.trainSeconds.toFixed(0),
    ])));
    if (results.some((r) => r.firstFloored !== null)) {
      log(`\n(a window's value below ${LOG_FLOOR.toExponential(0)}, float32 gradients underflowed to 0 among them, counts as ${LOG_FLOOR.toExponential(0)}: from that k on the column is an upper bound)`);
    }
    log(`\n${seconds.toFixed(0)} s in all (${backend.threads} thread${backend.threads === 1 ? '' : 's'})`);
    const dirs = results.map((r) => r.dir).join(' ');
    log(keep ? `open all three: npx recur dashboard ${dirs}` : `the runs were in ${work}, removed now; add --keep DIR to keep them and open all three with npx recur dashboard DIR/rnn-tanh DIR/lstm DIR/gru`);
  } finally {
    if (!keep) await rm(work, { recursive: true, force: true });
  }
}

await main();
