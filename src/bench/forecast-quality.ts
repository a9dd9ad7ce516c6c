/**
 * Forecasting quality (`npm run quality:forecast`; minutes, not in npm test): issue 13's table
 * with recur's row filled in. Per series the training part (everything before the hold-out) is
 * written to its own CSV and trained on exactly as `recur forecast train` with default settings
 * (data, target, horizon, and fill for Melbourne: `select` picks the model by validation inside
 * the training part); the saved model is then scored on the full series beside naive, seasonal
 * naive, drift and Holt-Winters by `evaluateForecastModel`, as `recur forecast eval` does. When a
 * Python with PyTorch is found, the same network is trained there on the same windows for the same
 * wall time and scored by the same code. Not a benchmark of speed, and no tuning on the hold-out.
 *
 *   node dist/bench/forecast-quality.js [--data DIR] [--only airline,melbourne,sine] [--json]
 *        [--keep DIR] [--threads N]
 */
import './relaxed-simd.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderEvaluation } from '../cli/commands/forecast.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { runTask } from '../tasks/run-task.js';
import { type EvaluateOptions, type MethodScore, evaluateForecastModel, evaluationOrigins } from '../tasks/forecast/evaluate.js';
import { loadForecastModel, readModelData } from '../tasks/forecast/predict.js';
import { forecastTask } from '../tasks/forecast/task.js';
import type { TrainEvent } from '../train/events.js';
import { QUALITY_SERIES, type QualityKey, type QualitySeries, noiseFloor, noisySine, qualityLimit, trainingPart } from './forecast-quality-series.js';
import { findTorchPython } from './peers/python.js';
import { decodeTorchOutputs, holdoutOf, torchExport, torchUnsupported, trainTorch } from './peers/torch-forecast.js';
import { markdownTable } from './markdown-table.js';
import { qualityArgs } from './quality-args.js';

/** The shared series, beside the checkout (as src/testing/timeseries.ts finds them). */

interface TorchResult {
  version: string;
  steps: number;
  /** Seconds of training in PyTorch (its clock starts at the first step). */
  seconds: number;
  loss: number;
  score: MethodScore;
  pass: boolean;
}

interface SeriesResult {
  series: QualityKey;
  title: string;
  source: string;
  holdout: string;
  goal: string;
  metric: QualitySeries['metric'];
  limit: number;
  /** The sine's noise floor (RMSE of the clean signal on the hold-out). */
  floor?: number;
  value: number;
  pass: boolean;
  trainedOn: { steps: number; firstHeldOut: string };
  model: string;
  parameters: number;
  notes: string[];
  recurSteps: number;
  methods: MethodScore[];
  table: string;
  torch: TorchResult | { skipped: string };
  ms: { select: number; train: number; evaluate: number; torch: number; total: number };
}

const METRIC_LABEL = { mape: 'MAPE', mae: 'MAE', rmse: 'RMSE' } as const;
const fmtMetric = (metric: QualitySeries['metric'], x: number) => (metric === 'mape' ? `${(x * 100).toFixed(2)}%` : x.toFixed(4));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function runSeries(s: QualitySeries, dataDir: string, work: string, backend: WasmBackend, torch: { python: string; version: string } | { skip: string }): Promise<SeriesResult | { series: QualityKey; skipped: string }> {
  const t0 = performance.now();
  const dir = join(work, s.key), runDir = join(dir, 'run'), trainPath = join(dir, 'train.csv');
  let text: string, source: string, floor: number | undefined;
  if (s.file) {
    source = join(dataDir, s.file);
    if (!existsSync(source)) return { series: s.key, skipped: `${source} is absent` };
    text = await readFile(source, 'utf8');
    await mkdir(dir, { recursive: true });
  } else {
    const sine = noisySine();
    text = sine.text;
    floor = noiseFloor(sine, s.holdout);
    source = join(dir, 'sine.csv');
    await mkdir(dir, { recursive: true });
    await writeFile(source, text);
  }
  const part = trainingPart(text, { targets: [s.target], fill: s.fill, source }, s.holdout);
  await writeFile(trainPath, part.text);

  // recur: `recur forecast train --data train.csv --target T --horizon H [--fill linear]`, in-process.
  let start: Extract<TrainEvent, { type: 'start' }> | undefined;
  let startedAt = 0;
  const r = await runTask(forecastTask, {
    input: { dataPath: trainPath }, out: runDir, force: true, backend,
    config: { targets: [s.target], horizon: s.horizon, ...(s.fill !== 'none' ? { fill: s.fill } : {}) },
    onEvent: (e) => { if (e.type === 'start') { start = e; startedAt = performance.now(); } },
  });
  const trained = performance.now();

  // `recur forecast eval --model run --data FILE [--holdout N | --backtest K]` on the saved model.
  const fm = await loadForecastModel(join(runDir, 'model.safetensors'));
  const csv = await readModelData(fm.meta, { path: source });
  const options: EvaluateOptions = s.backtest > 1 ? { backtest: s.backtest } : { holdout: s.holdout };
  const origins = evaluationOrigins(fm.meta, csv, options);
  const first = Math.min(...origins.map((o) => o.origin));
  if (first !== part.steps) throw new Error(`${s.key}: the first origin scored is step ${first}, but training ended at step ${part.steps}`);

  // PyTorch: the chosen network on the same windows for recur's training time, decoded by recur's normalisers.
  let torchRun: Omit<TorchResult, 'score' | 'pass'> | null = null;
  let torchSkip = 'skip' in torch ? torch.skip : torchUnsupported(r.config, r.prepared.data);
  let torchMs = 0;
  const others: NonNullable<EvaluateOptions['others']> = [];
  if (!('skip' in torch) && torchSkip === null) {
    const t = performance.now();
    try {
      const holdout = holdoutOf(fm.meta, csv, origins);
      const exported = torchExport(r.config, r.prepared.data, holdout, { seconds: r.elapsedMs / 1000, threads: backend.threads, dataFile: join(dir, 'torch-data.f32') });
      const run = await trainTorch(torch.python, dir, exported);
      others.push({ name: `PyTorch ${torch.version}`, forecasts: decodeTorchOutputs(fm.meta, holdout, run.outputs) });
      torchRun = { version: torch.version, steps: run.steps, seconds: run.seconds, loss: run.loss };
    } catch (e) {
      torchSkip = `PyTorch failed: ${(e as Error).message.split('\n')[0]}`;
    }
    torchMs = performance.now() - t;
  }

  const te = performance.now();
  const ev = evaluateForecastModel(fm, backend, csv, { ...options, others });
  const evaluateMs = performance.now() - te;
  const limit = qualityLimit(s, floor);
  const recur = ev.methods[0]!;
  const torchResult: SeriesResult['torch'] = torchRun ? { ...torchRun, score: ev.methods[1]!, pass: ev.methods[1]![s.metric] <= limit } : { skipped: torchSkip! };
  return {
    series: s.key, title: s.title, source, holdout: s.holdoutText, goal: s.goal, metric: s.metric, limit, ...(floor !== undefined ? { floor } : {}),
    value: recur[s.metric], pass: recur[s.metric] <= limit, trainedOn: { steps: part.steps, firstHeldOut: part.firstHeldOut },
    model: start?.details.model ?? '?', parameters: start?.parameters ?? 0, notes: start?.details.notes ?? [], recurSteps: r.step,
    methods: ev.methods, table: renderEvaluation(ev), torch: torchResult,
    ms: { select: startedAt - t0, train: r.elapsedMs, evaluate: evaluateMs, torch: torchMs, total: performance.now() - t0 - torchMs },
  };
}

function printSeries(x: SeriesResult): void {
  const label = METRIC_LABEL[x.metric];
  console.log(`  trained on ${x.trainedOn.steps} steps; held out from ${x.trainedOn.firstHeldOut}`);
  console.log(`  select: ${x.notes.join('\n          ')}`);
  console.log(`  model: ${x.model} (${x.parameters.toLocaleString('en-US')} parameters), ${x.recurSteps} steps`);
  console.log(x.table.trimEnd().split('\n').map((l) => `  ${l}`).join('\n'));
  const floor = x.floor !== undefined ? ` (noise floor ${x.floor.toFixed(4)}, so ≤ ${x.limit.toFixed(4)})` : '';
  const torch = 'skipped' in x.torch ? '' : `; PyTorch ${fmtMetric(x.metric, x.torch.score[x.metric])} (${x.torch.pass ? 'would pass' : 'would miss'})`;
  console.log(`  target ${x.goal}${floor}: recur ${label} ${fmtMetric(x.metric, x.value)} ${x.pass ? 'PASS' : 'MISS'}${torch}`);
  console.log(`  wall time ${secs(x.ms.total)}: selection ${secs(x.ms.select)}, training ${secs(x.ms.train)}, evaluation ${secs(x.ms.evaluate)}`);
  if ('skipped' in x.torch) console.log(`  PyTorch row skipped: ${x.torch.skipped}`);
  else {
    console.log(`  PyTorch: ${x.torch.seconds.toFixed(1)} s of training, ${x.torch.steps} steps (recur ${x.recurSteps}), ` +
      `last loss ${x.torch.loss.toFixed(4)}; ${secs(x.ms.torch)} with Python's start-up`);
  }
}

function printSummary(results: SeriesResult[]): void {
  const pick = (x: SeriesResult, name: string) => x.methods.find((m) => m.name.startsWith(name));
  const fig = (x: SeriesResult, m: MethodScore | undefined) => (m ? fmtMetric(x.metric, m[x.metric]) : '-');
  const head = ['series', 'hold-out', 'what', 'target', 'recur', 'PyTorch', 'seasonal naive', 'Holt-Winters', 'result', 'wall time'];
  const rows = results.map((x) => [
    x.title, x.holdout, METRIC_LABEL[x.metric], x.floor !== undefined ? `≤ ${x.limit.toFixed(4)} (floor ${x.floor.toFixed(4)} + 10%)` : x.goal.replace(/^\S+ /, ''),
    fig(x, x.methods[0]), 'skipped' in x.torch ? '-' : fig(x, x.torch.score), fig(x, pick(x, 'seasonal naive')), fig(x, pick(x, 'Holt-Winters')),
    x.pass ? 'PASS' : 'MISS', secs(x.ms.total),
  ]);
  console.log(`\n${markdownTable(head, rows)}`);
}

async function main(): Promise<void> {
  const args = qualityArgs(QUALITY_SERIES.map((s) => s.key), { dataSubdir: 'timeseries' });
  const { dataDir, only, json, threads, log } = args;

  const backend = await WasmBackend.create(threads === undefined ? {} : { threads });
  const torch = await findTorchPython();
  const work = args.keep ?? await mkdtemp(join(tmpdir(), 'recur-forecast-quality-'));
  log(`forecast quality: recur with default settings, ${backend.description}; data ${dataDir}; ` +
    `${'skip' in torch ? 'no PyTorch row' : `PyTorch ${torch.version} (${torch.python})`}${args.keep ? `; runs kept in ${work}` : ''}`);
  if ('skip' in torch) log(`PyTorch rows skipped: ${torch.skip}`);
  else {
    log('PyTorch rows: the network select chose (cell, size, head, loss; ensembles summed) on recur\'s windows, Adam at recur\'s learning rate, batch size ' +
      'and clipping, for recur\'s training wall time (its validations and checkpoints included); a constant learning rate where recur warms up, ' +
      'decays, halves on plateaus and stops early; the last weights, as recur\'s model.safetensors');
  }
  if (json) console.log(JSON.stringify({ run: { backend: backend.description, threads: backend.threads, data: dataDir, torch, kept: args.keep ? work : null } }));
  const results: SeriesResult[] = [];
  let failed = false;
  try {
    for (const s of QUALITY_SERIES.filter((x) => only.includes(x.key))) {
      log(`\n${s.title} (${s.file ?? `generated: ${s.generated}`}, column ${s.target}${s.fill !== 'none' ? `, fill ${s.fill}` : ''}): ${s.holdoutText}`);
      let r: Awaited<ReturnType<typeof runSeries>>;
      try {
        r = await runSeries(s, dataDir, work, backend, torch);
      } catch (e) {
        failed = true;
        const message = (e as Error).message.split('\n')[0]!;
        if (json) console.log(JSON.stringify({ series: s.key, error: message }));
        else console.log(`  error: ${message}`);
        continue;
      }
      if ('skipped' in r) {
        if (json) console.log(JSON.stringify(r));
        else console.log(`  skipped: ${r.skipped}`);
        continue;
      }
      results.push(r);
      if (json) {
        const { table: _table, ...rest } = r;
        console.log(JSON.stringify(rest));
      } else printSeries(r);
    }
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
  if (!json && results.length) printSummary(results);
  if (failed) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(() => process.exit(), (e: Error) => {
    console.error(`quality:forecast: ${e.message.split('\n')[0]}`);
    process.exit(1);
  });
}
