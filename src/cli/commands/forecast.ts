/**
 * `recur forecast train | predict | eval`: time-series forecasting from the command line. This
 * file maps flags to the task's config and renders results; the work is in `tasks/forecast`.
 */
import type { Command } from 'commander';
import { extname } from 'node:path';
import { BACKEND_HELP, type BackendFlags, THREADS_HELP, backendOf, parseBackendFlag } from '../backend-option.js';
import { CELL_KINDS } from '../../kernels/cell-kinds.js';
import { FORECAST_DEFAULTS, type ForecastConfig, type ForecastInput, forecastTask } from '../../tasks/forecast/index.js';
import { loadForecastModel, readModelData, seriesForModel, forecastAt, type OriginForecast } from '../../tasks/forecast/predict.js';
import { evaluateForecastModel, type ForecastEvaluation } from '../../tasks/forecast/evaluate.js';
import { forecastChart } from '../../plot/index.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { checkOutFile } from '../check-out-file.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { CONFIG_FLAG_HELP, modelLoadOptions, resolveModelPath } from '../model-path.js';
import { stdout } from '../output.js';
import { medianIndex } from '../../tasks/forecast/heads.js';
import { registerTrainCommand } from '../train-command.js';

const D = FORECAST_DEFAULTS;
export const DEFAULT_FORECAST_DIR = 'forecast';

interface ForecastTrainFlags {
  data?: string; target?: string[]; timeColumn?: string; covariates?: string[]; seriesColumn?: string; fill?: ForecastConfig['fill'];
  horizon?: number; lookback?: number; model?: ForecastConfig['model']; strategy?: ForecastConfig['strategy']; head?: ForecastConfig['head'];
  quantiles?: number[]; transform?: ForecastConfig['transform']; scale?: ForecastConfig['scale']; difference?: number; season?: number;
  cell?: ForecastConfig['cell']; hiddenSize?: number; numLayers?: number; dropout?: number; validationSize?: number;
}

/** `a,b,c` -> ['a', 'b', 'c'] (names may not be empty). */
function listFlag(flag: string): (v: string) => string[] {
  return (v) => {
    const names = v.split(',').map((s) => s.trim());
    if (names.some((n) => n === '')) throw new Error(`${flag} must be a comma-separated list of column names, got '${v}'`);
    return names;
  };
}

function quantilesFlag(v: string): number[] {
  const q = v.split(',').map((s) => Number(s.trim()));
  if (q.some((x) => !(x > 0 && x < 1)) || q.some((x, i) => i > 0 && x <= q[i - 1]!)) {
    throw new Error(`--quantiles must be increasing levels in (0, 1) separated by commas, e.g. 0.1,0.5,0.9, got '${v}'`);
  }
  return q;
}

function seasonFlag(v: string): number {
  if (v === 'auto') return 0;
  return integerFlag('--season', 1)(v);
}

function registerTrain(forecast: Command): void {
  registerTrainCommand<ForecastConfig, ForecastInput, ForecastTrainFlags>(forecast, {
    task: forecastTask,
    description: 'train a forecasting model on a CSV time series (one or several series, one global model), holding out the last ' +
      'horizon of each series for validation; with no flags beyond --data, --target and --horizon it chooses transforms and model by validation',
    defaultOut: DEFAULT_FORECAST_DIR,
    flags: (cmd) => cmd
      .option('--data <file.csv>', 'CSV with a header row: a time column, the target column(s), optional covariates (when resuming: the run\'s own file)')
      .option('--target <columns>', 'column(s) to forecast, comma-separated', listFlag('--target'))
      .option('--time-column <column>', 'the column of timestamps (default: the first column)')
      .option('--covariates <columns>', 'extra numeric columns the model reads (known up to the forecast origin), comma-separated', listFlag('--covariates'))
      .option('--series-column <column>', 'a column naming the series of each row: several series, one global model')
      .option('--fill <how>', 'fill gaps and missing values: linear or previous (default: they are errors)', choiceFlag('--fill', ['none', 'linear', 'previous'] as const))
      .option('--horizon <n>', 'steps to forecast', integerFlag('--horizon', 1))
      .option('--lookback <n>', 'steps the model reads before each forecast (default: from the season and the horizon)', integerFlag('--lookback', 1))
      .option('--model <kind>', `auto (chosen by validation), hybrid (exponential-smoothing level and season + RNN, as ES-RNN), window (lookback -> horizon), seq2seq (the series shifted by one step), or ensemble (hybrid and window averaged quantile by quantile) (default ${D.model})`,
        choiceFlag('--model', ['auto', 'hybrid', 'window', 'seq2seq', 'ensemble'] as const))
      .option('--strategy <s>', `window model: direct (H outputs) or recursive (one step fed back) (default ${D.strategy})`, choiceFlag('--strategy', ['direct', 'recursive'] as const))
      .option('--head <kind>', `quantile (pinball loss), gaussian (mean and standard deviation) or point (squared error) (default ${D.head})`, choiceFlag('--head', ['quantile', 'gaussian', 'point'] as const))
      .option('--quantiles <levels>', `quantile levels, e.g. 0.05,0.5,0.95 (default ${D.quantiles.join(',')})`, quantilesFlag)
      .option('--transform <t>', `auto, none, log or box-cox (default ${D.transform}: chosen by validation for positive data)`, choiceFlag('--transform', ['auto', 'none', 'log', 'box-cox'] as const))
      .option('--scale <s>', `per-series scaling of window and seq2seq models: standardize, min-max or none (default ${D.scale})`, choiceFlag('--scale', ['standardize', 'min-max', 'none'] as const))
      .option('--difference <lag>', 'difference window and seq2seq models\' inputs at this lag: 1, or the season (default 0: none)', integerFlag('--difference', 0))
      .option('--season <n>', 'seasonal period in steps, or auto (detected from the data)', seasonFlag)
      .option('--cell <type>', `recurrent cell: ${CELL_KINDS.join(', ')} (default ${D.cell})`, choiceFlag('--cell', CELL_KINDS))
      .option('--hidden-size <n>', `hidden units per layer (default ${D.hiddenSize})`, integerFlag('--hidden-size', 1))
      .option('--num-layers <n>', `stacked recurrent layers (default ${D.numLayers})`, integerFlag('--num-layers', 1))
      .option('--dropout <p>', 'dropout between recurrent layers, in [0, 1)', numberFlag('--dropout', 0, 1, { hiOpen: true }))
      .option('--validation-size <n>', 'steps at the end of each series held out for validation (default: about a tenth of the shortest series, in whole horizons)', integerFlag('--validation-size', 1)),
    help: { batchSize: `windows per batch (default ${D.batchSize})` },
    config(f) {
      if (!f.resume) {
        if (!f.data) throw new Error('--data is required (a CSV file)');
        if (!f.target) throw new Error('--target is required (the column to forecast)');
        if (!f.horizon) throw new Error('--horizon is required (the steps to forecast)');
      }
      return {
        targets: f.target, timeColumn: f.timeColumn, covariates: f.covariates, seriesColumn: f.seriesColumn, fill: f.fill,
        horizon: f.horizon, lookback: f.lookback, model: f.model, strategy: f.strategy, head: f.head, quantiles: f.quantiles,
        transform: f.transform, scale: f.scale, difference: f.difference, season: f.season, cell: f.cell, hiddenSize: f.hiddenSize,
        numLayers: f.numLayers, dropout: f.dropout, validationSize: f.validationSize,
      };
    },
    input: (f) => (f.data === undefined ? undefined : { dataPath: f.data }),
  });
}

/** CSV lines: [series,]time,[target,]forecast,q<level>... */
function forecastCsv(rows: OriginForecast[], ids: string[], targets: string[], quantiles: number[], mid: number): string {
  const multi = ids.length > 1 || ids[0] !== '', manyTargets = targets.length > 1;
  const head = [...(multi ? ['series'] : []), 'time', ...(manyTargets ? ['target'] : []), 'forecast', ...quantiles.map((q) => `q${q}`)];
  const lines = [head.join(',')];
  const Q = quantiles.length;
  for (const r of rows) {
    r.values.forEach((v, k) => {
      r.times.forEach((time, h) => {
        const cells = [...(multi ? [csvCell(ids[r.series]!)] : []), time, ...(manyTargets ? [csvCell(targets[k]!)] : []), fmt(v[h * Q + mid]!)];
        for (let q = 0; q < Q; q++) cells.push(fmt(v[h * Q + q]!));
        lines.push(cells.join(','));
      });
    });
  }
  return `${lines.join('\n')}\n`;
}

const fmt = (x: number) => String(Number(x.toPrecision(10)));
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);


function registerPredict(forecast: Command): void {
  forecast.command('predict')
    .description('forecast the next horizon steps of every series with intervals, as CSV (or JSON) on stdout or into --out')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur forecast train')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--data <file.csv>', 'the history to forecast from, with the training columns (default: the training file)')
    .option('--out <file>', 'write the forecast here (.json for JSON, else CSV) instead of stdout')
    .option('--plot <file.svg>', 'draw the history, the forecast and its interval band of the first series')
    .option('--force', 'overwrite --out or --plot if they exist')
    .option('--json', 'JSON instead of CSV')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (f: BackendFlags & { model: string; config?: string; data?: string; out?: string; plot?: string; force?: boolean; json?: boolean }) => {
      const modelPath = await resolveModelPath(f.model);
      const inputs = [{ path: modelPath, name: 'model' }, ...(f.data ? [{ path: f.data, name: 'data' }] : [])];
      for (const p of [f.out, f.plot]) if (p) await checkOutFile(p, { inputs, force: f.force === true });
      const fm = await loadForecastModel(modelPath, await modelLoadOptions(f.config));
      const csv = await readModelData(fm.meta, { path: f.data });
      const series = seriesForModel(fm.meta, csv);
      const backend = await backendOf(f);
      const rows = forecastAt(fm, backend, csv, series, series[0]!.map((s, i) => ({ series: i, origin: s.source.times.length })));
      const spec = fm.meta.pipelines[0]!.spec, mid = medianIndex(spec.quantiles);
      const json = f.json || (f.out !== undefined && extname(f.out).toLowerCase() === '.json');
      const ids = series[0]!.map((s) => s.id);
      const text = json
        ? `${JSON.stringify({ model: modelPath, horizon: spec.horizon, quantiles: spec.quantiles, forecasts: rows.map((r) => ({ series: ids[r.series], times: r.times, targets: Object.fromEntries(fm.meta.data.targets.map((t, k) => [t, Array.from({ length: spec.horizon }, (_, h) => ({ forecast: r.values[k]![h * spec.quantiles.length + mid], quantiles: Array.from(r.values[k]!.subarray(h * spec.quantiles.length, (h + 1) * spec.quantiles.length)) }))])) })) })}\n`
        : forecastCsv(rows, ids, fm.meta.data.targets, spec.quantiles, mid);
      if (f.out) await writeFileAtomic(f.out, text);
      else stdout.write(text);
      if (f.plot) {
        const s = series[0]![0]!, r = rows[0]!, Q = spec.quantiles.length;
        await writeFileAtomic(f.plot, await forecastChart({
          title: `${fm.meta.data.targets[0]}${s.id ? ` (${s.id})` : ''}: forecast of ${spec.horizon} steps`,
          history: { times: s.source.times, values: Array.from(s.source.targets[0]!) },
          forecast: { times: r.times, values: Array.from({ length: spec.horizon }, (_, h) => r.values[0]![h * Q + mid]!),
            lower: Array.from({ length: spec.horizon }, (_, h) => r.values[0]![h * Q]!), upper: Array.from({ length: spec.horizon }, (_, h) => r.values[0]![h * Q + Q - 1]!),
            level: spec.quantiles[Q - 1]! - spec.quantiles[0]! },
          yLabel: fm.meta.data.targets[0],
        }));
      }
    });
}

function registerEval(forecast: Command): void {
  forecast.command('eval')
    .description('forecast a hold-out at the end of every series (or K rolling origins) and print MAE, RMSE, MAPE, sMAPE, MASE and interval coverage ' +
      'beside naive, seasonal naive, drift and Holt-Winters forecasts of the same steps')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur forecast train')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--data <file.csv>', 'the series, hold-out included, with the training columns (default: the training file)')
    .option('--holdout <n>', 'steps at the end of each series to forecast and score (default: the horizon)', integerFlag('--holdout', 1))
    .option('--backtest <k>', 'score k rolling origins, each a horizon apart, instead of one', integerFlag('--backtest', 1))
    .option('--plot <file.svg>', 'draw the history, the forecast of the last origin, its band and the truth (first series)')
    .option('--force', 'overwrite --plot if it exists')
    .option('--json', 'print a JSON object instead of the table')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (f: BackendFlags & { model: string; config?: string; data?: string; holdout?: number; backtest?: number; plot?: string; force?: boolean; json?: boolean }) => {
      const modelPath = await resolveModelPath(f.model);
      const inputs = [{ path: modelPath, name: 'model' }, ...(f.data ? [{ path: f.data, name: 'data' }] : [])];
      if (f.plot) await checkOutFile(f.plot, { inputs, force: f.force === true });
      const fm = await loadForecastModel(modelPath, await modelLoadOptions(f.config));
      const csv = await readModelData(fm.meta, { path: f.data });
      const backend = await backendOf(f);
      const ev = evaluateForecastModel(fm, backend, csv, { holdout: f.holdout, backtest: f.backtest });
      if (f.json) stdout.write(`${JSON.stringify(ev)}\n`);
      else stdout.write(renderEvaluation(ev));
      if (f.plot) await writeFileAtomic(f.plot, await forecastChart(ev.plot)); // checked before anything ran
    });
}

/** The metrics table: one row per method. */
export function renderEvaluation(ev: ForecastEvaluation): string {
  const cols = ['MAE', 'RMSE', 'MAPE', 'sMAPE', 'MASE', 'coverage'];
  const rows = ev.methods.map((m) => [m.name, fmtNum(m.mae), fmtNum(m.rmse), pct(m.mape), pct(m.smape), fmtNum(m.mase), m.coverage === null ? '-' : pct(m.coverage)]);
  const widths = [Math.max(6, ...rows.map((r) => r[0]!.length)), ...cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i + 1]!.length)))];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return `${ev.description}\n${line(['method', ...cols])}\n${rows.map(line).join('\n')}\n`;
}

const fmtNum = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(3) : x.toFixed(4));
const pct = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : `${(x * 100).toFixed(2)}%`);

export function registerForecast(program: Command): void {
  const forecast = program.command('forecast').description('time-series forecasting: train, predict, eval');
  registerTrain(forecast);
  registerPredict(forecast);
  registerEval(forecast);
}

