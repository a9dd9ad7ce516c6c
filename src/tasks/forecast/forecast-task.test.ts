import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tape } from '../../autograd/tape.js';
import { parseTimeSeriesCsv } from '../../data/time-series-csv.js';
import { decodeModelFile, encodeModelFile } from '../../io/model-file.js';
import { createBackend } from '../../kernels/index.js';
import { type SeriesPanel, checkPanels } from '../../plot/panels.js';
import { Rng } from '../../random/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { tempDir } from '../../testing/temp-dir.js';
import type { EvalEvent } from '../../train/events.js';
import { runTask } from '../run-task.js';
import { ForecastEnsemble, memberModels } from './ensemble.js';
import { evaluateForecastModel } from './evaluate.js';
import { headWidth, quantilesOf } from './heads.js';
import { toDataUnits } from './pipeline.js';
import { forecastAt, forecastModelOf, loadForecastModel, readModelData, seriesForModel } from './predict.js';
import { applyTransform, invertTransform } from './target-transform.js';
import { forecastTask } from './task.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../src/tasks/forecast/fixtures/${name}`, import.meta.url));
const backend = await createBackend('wasm', { threads: 1 });
const dir = tempDir('recur-forecast-');

test('transforms invert exactly: log and Box-Cox round trips to 1e-12', () => {
  const y = Float64Array.from({ length: 50 }, (_, i) => 10 + i * 3.7 + Math.sin(i));
  for (const t of [{ kind: 'log' as const }, { kind: 'box-cox' as const, lambda: -0.31, chosenBy: 'given' as const }, { kind: 'box-cox' as const, lambda: 0.5, chosenBy: 'given' as const }, { kind: 'box-cox' as const, lambda: 0, chosenBy: 'given' as const }]) {
    const back = invertTransform(t, applyTransform(t, y, 'y'));
    back.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= 1e-12 * y[i]!, `${JSON.stringify(t)} at ${i}: ${v} vs ${y[i]}`));
  }
  assert.throws(() => applyTransform({ kind: 'log' }, Float64Array.of(1, 0, 2), "series 'a'"), /series 'a': a log transform needs values > 0, but step 1 is 0/);
  // A forecast beyond Box-Cox's range comes back at its edge, not as an error.
  assert.deepEqual(Array.from(invertTransform({ kind: 'box-cox', lambda: 0.5, chosenBy: 'given' }, Float64Array.of(-3))).map((v) => Math.round(v * 1e6)), [0]);
  assert.ok(Number.isFinite(invertTransform({ kind: 'box-cox', lambda: -0.5, chosenBy: 'given' }, Float64Array.of(3))[0]!));
});

test('forecast: train (auto settings) -> predict -> eval on a monthly series; predict is the model decoded and inverted exactly', async () => {
  const out = join(dir, 'monthly');
  const r = await runTask(forecastTask, {
    out, backend, input: { dataPath: fixture('monthly-sales.csv') },
    config: { targets: ['sales'], horizon: 12, maxSteps: 120, evalEvery: 40, checkpointEvery: 0 },
  });
  const cfg = r.config;
  assert.equal(cfg.season, 12, 'a yearly season detected in monthly data');
  assert.equal(cfg.transform, 'auto');
  assert.ok(['hybrid', 'window', 'ensemble'].includes(cfg.model), cfg.model);
  const fm = await loadForecastModel(join(out, 'model.safetensors'));
  const csv = await readModelData(fm.meta, {});
  const members = seriesForModel(fm.meta, csv);
  const n = csv.series[0]!.times.length;
  const [f] = forecastAt(fm, backend, csv, members, [{ series: 0, origin: n }]);
  assert.deepEqual(f!.times.slice(0, 2), ['1957-01', '1957-02'], 'the next months');
  // The same numbers by hand: each member's outputs -> quantiles -> normaliser -> inverse transform, then the mean.
  const models = memberModels(fm.model);
  const manual = fm.meta.pipelines.map((p, i) => {
    const s = members[i]![0]!, spec = p.spec, L = spec.lookback, W = headWidth(spec.head, spec.quantiles), Q = spec.quantiles.length;
    const x = Tensor.zeros([L, 1, s.norm.z.length]);
    s.normalizer.encode(s.norm, n, L, x.data, 0);
    models[i]!.eval();
    const out2 = models[i]!.forward(Tape.inference(backend), x).logits.data;
    const cols = Array.from({ length: Q }, () => new Float64Array(spec.horizon));
    for (let h = 0; h < spec.horizon; h++) quantilesOf(spec.head, spec.quantiles, out2, h * W).forEach((v, q) => { cols[q]![h] = v; });
    const decoded = cols.map((c) => s.normalizer.decode(s.norm, n, 0, c));
    const z = new Float64Array(spec.horizon * Q);
    for (let h = 0; h < spec.horizon; h++) for (let q = 0; q < Q; q++) z[h * Q + q] = decoded[q]![h]!;
    return toDataUnits(s, [z])[0]!;
  });
  const mean = Float64Array.from(manual[0]!, (_, k) => manual.reduce((a, m) => a + m[k]!, 0) / manual.length);
  assert.deepEqual(Array.from(f!.values[0]!), Array.from(mean));
  const ev = evaluateForecastModel(fm, backend, csv, { holdout: 12 });
  assert.deepEqual(ev.methods.map((m) => m.name.replace(/^recur .*/, 'recur')), ['recur', 'naive', 'seasonal naive (12)', 'drift', 'Holt-Winters']);
  const ours = ev.methods[0]!, seasonal = ev.methods[2]!;
  assert.ok(ours.mape < seasonal.mape, `recur MAPE ${ours.mape} beats seasonal naive ${seasonal.mape} on a trending series`);
  const bt = evaluateForecastModel(fm, backend, csv, { backtest: 3 });
  assert.equal(bt.origins, 3);
  assert.match(bt.description, /3 rolling origins a horizon \(12\) apart/);
});

test('forecast: quantile intervals cover about as often as their level on Gaussian noise', async () => {
  const rng = new Rng(11);
  const lines = ['t,y', ...Array.from({ length: 1200 }, (_, t) => `${t},${(20 + rng.normal(0, 1)).toFixed(5)}`)];
  const text = `${lines.join('\n')}\n`;
  for (const head of ['quantile', 'gaussian'] as const) {
    const r = await runTask(forecastTask, {
      backend, input: { text: lines.slice(0, 1001).join('\n') },
      config: { targets: ['y'], horizon: 1, model: 'window', head, quantiles: [0.1, 0.5, 0.9], season: 1, lookback: 8, maxSteps: 300, evalEvery: 100, transform: 'none' },
    });
    const fm = forecastModelOf(decodeModelFile(encodeModelFile(r.model, { ...r.prepared.extras, task: 'forecast' }), { kind: 'any' }), 'test');
    const csv = parseTimeSeriesCsv(text, { targets: ['y'] });
    const ev = evaluateForecastModel(fm, backend, csv, { backtest: 200 });
    const coverage = ev.methods[0]!.coverage!;
    assert.ok(Math.abs(coverage - 0.8) <= 0.08, `${head} head: 80% intervals covered ${coverage}`);
  }
});

test('forecast: several series in one file train one global model; an ensemble saves and loads as its own model kind', async () => {
  const r = await runTask(forecastTask, {
    backend, input: { dataPath: fixture('store-visits.csv') },
    config: { targets: ['visits'], timeColumn: 'day', seriesColumn: 'store', horizon: 7, model: 'ensemble', maxSteps: 60, evalEvery: 30 },
  });
  assert.ok(r.model instanceof ForecastEnsemble);
  assert.equal(r.prepared.data.csv.series.length, 2);
  const loaded = decodeModelFile<ForecastEnsemble>(encodeModelFile(r.model, { ...r.prepared.extras, task: 'forecast' }), { kind: 'forecast-ensemble' });
  assert.deepEqual(loaded.model.stateDict(), r.model.stateDict());
  assert.ok([...loaded.model.stateDict().keys()].some((k) => k.startsWith('m1.rnn.')));
  const fm = forecastModelOf(loaded, 'test');
  const csv = parseTimeSeriesCsv(readFileSync(fixture('store-visits.csv'), 'utf8'), { targets: ['visits'], timeColumn: 'day', seriesColumn: 'store' });
  const members = seriesForModel(fm.meta, csv);
  const rows = forecastAt(fm, backend, csv, members, [{ series: 0, origin: 84 }, { series: 1, origin: 84 }]);
  assert.ok(rows[1]!.values[0]![1]! > rows[0]!.values[0]![1]! + 10, 'south (about 80) above north (about 50)');
  const other = parseTimeSeriesCsv('store,day,visits\neast,2021-01-01,1\neast,2021-01-02,2\n', { targets: ['visits'], timeColumn: 'day', seriesColumn: 'store' });
  assert.throws(() => seriesForModel(fm.meta, other), /series 'east' was not in the training data \(the model knows 'north', 'south'\)/);
});

test('validation carries the first series\' last forecast into the eval event of events.jsonl: history, forecast, band and truth', async () => {
  const out = join(dir, 'view');
  await runTask(forecastTask, {
    out, backend, input: { dataPath: fixture('monthly-sales.csv') },
    config: { targets: ['sales'], horizon: 12, model: 'window', maxSteps: 4, evalEvery: 0, checkpointEvery: 0 },
  });
  const lines = readFileSync(join(out, 'events.jsonl'), 'utf8').trim().split('\n').filter((l) => JSON.parse(l).type === 'eval');
  assert.equal(lines.length, 1);
  assert.ok(Buffer.byteLength(lines[0]!) < 100_000, `${Buffer.byteLength(lines[0]!)} bytes`);
  const [p, ...rest] = checkPanels((JSON.parse(lines[0]!) as EvalEvent).view) as SeriesPanel[];
  assert.equal(rest.length, 0);
  assert.equal(p!.kind, 'series');
  const csv = new Map(readFileSync(fixture('monthly-sales.csv'), 'utf8').trim().split('\n').slice(1).map((l) => { const [t, y] = l.split(','); return [t!, Number(y)]; }));
  const [actual, forecast] = p!.lines;
  assert.deepEqual([actual!.name, forecast!.name], ['actual', 'forecast']);
  assert.deepEqual(actual!.values, p!.x.map((t) => csv.get(t as string)), 'the CSV\'s values at the panel\'s times');
  // One validation horizon at the end of the series, 36 months (three horizons) of history before it.
  const first = forecast!.values.findIndex((v) => v !== null);
  assert.equal(forecast!.values.filter((v) => v !== null).length, 12);
  assert.deepEqual(p!.x.slice(first), [...csv.keys()].slice(-12));
  assert.equal(first, 36);
  assert.equal(p!.splitAt, p!.x[first]);
  // The 80% band of the default quantiles 0.1 and 0.9, around the median over the horizon only.
  assert.equal(p!.band!.name, '80% interval');
  p!.x.forEach((_, i) => {
    const [lo, f, hi] = [p!.band!.lo[i], forecast!.values[i], p!.band!.hi[i]];
    if (i < first) assert.deepEqual([lo, f, hi], [null, null, null]);
    else assert.ok(lo! <= f! && f! <= hi!, `${lo} <= ${f} <= ${hi} at ${p!.x[i]}`);
  });

  // Integer steps give numbers; a point head gives no band and says why.
  const evals: EvalEvent[] = [];
  const text = `t,y\n${Array.from({ length: 80 }, (_, t) => `${t},${10 + (t % 5)}`).join('\n')}\n`;
  await runTask(forecastTask, {
    backend, input: { text }, onEvent: (e) => { if (e.type === 'eval') evals.push(e); },
    config: { targets: ['y'], horizon: 5, model: 'window', head: 'point', season: 5, lookback: 8, validationSize: 10, maxSteps: 2, evalEvery: 0, transform: 'none' },
  });
  const [q] = checkPanels(JSON.parse(JSON.stringify(evals.at(-1)!.view))) as SeriesPanel[];
  assert.equal(q!.band, undefined);
  assert.match(q!.note!, /no band: the point head forecasts no interval/);
  assert.deepEqual(q!.x, Array.from({ length: 20 }, (_, i) => 60 + i), 'three horizons of history before the last origin (75), then its horizon');
  assert.equal(q!.splitAt, 75);
  assert.deepEqual(q!.lines[0]!.values, q!.x.map((t) => 10 + ((t as number) % 5)));
});
