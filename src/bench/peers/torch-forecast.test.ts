// The PyTorch peer's export and decoding, without Python: what the script reads is recur's windows
// bit for bit, decoding the normalised truth gives the truth back, and recur's own network run on
// the exported hold-out windows (standing in for PyTorch) scores exactly as recur's row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeSeriesCsv } from '../../data/time-series-csv.js';
import { createBackend } from '../../kernels/index.js';
import { Rng } from '../../random/rng.js';
import { Tape } from '../../autograd/tape.js';
import { Tensor } from '../../tensor/tensor.js';
import { normalizeForecastConfig } from '../../tasks/forecast/config.js';
import { memberModels } from '../../tasks/forecast/ensemble.js';
import { evaluateForecastModel, evaluationOrigins } from '../../tasks/forecast/evaluate.js';
import { headWidth } from '../../tasks/forecast/heads.js';
import { forecastAt } from '../../tasks/forecast/predict.js';
import { prepareForecast } from '../../tasks/forecast/prepare.js';
import { FORECAST_METADATA_KEY, type ForecastMetadata, forecastTask, preparedOf } from '../../tasks/forecast/task.js';
import { type TorchManifest, decodeTorchOutputs, holdoutOf, torchExport, torchUnsupported } from './torch-forecast.js';

const backend = await createBackend('wasm', { threads: 1 });

/** A positive monthly series with a trend and a 12-month season: 96 steps. */
const text = `Month,y\n${Array.from({ length: 96 }, (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')},${(100 + i + 20 * Math.sin((2 * Math.PI * i) / 12) + 3 * Math.cos(i)).toFixed(3)}`).join('\n')}\n`;
const csv = parseTimeSeriesCsv(text, { targets: ['y'] });

/** An untrained model of `config` (ensemble or not) with its metadata, as a model file would hold them. */
function setUp(partial: Parameters<typeof normalizeForecastConfig>[0]) {
  const { data, config } = prepareForecast(normalizeForecastConfig({ targets: ['y'], horizon: 6, season: 12, ...partial }), csv);
  const prepared = preparedOf(data, { what: 'data', flag: '--data', description: 'test', path: null, sha256: '' }, config);
  const meta = JSON.parse(prepared.extras.extra![FORECAST_METADATA_KEY]!) as ForecastMetadata;
  const model = forecastTask.buildModel(config, prepared, new Rng(3)).to(backend);
  const origins = evaluationOrigins(meta, csv, { backtest: 3 });
  return { data, config, meta, model, origins, holdout: holdoutOf(meta, csv, origins) };
}

/** The float32 values a BlobRef points at, as the Python script reads them. */
const read = (blob: Buffer, ref: { offset: number; shape: number[] }) => new Float32Array(blob.buffer, blob.byteOffset + ref.offset, ref.shape.reduce((a, b) => a * b, 1));

test('the export holds recur\'s own training windows and hold-out windows, and the network\'s settings', () => {
  const { data, config, holdout } = setUp({ model: 'ensemble' });
  const { manifest, blob } = torchExport(config, data, holdout, { seconds: 1.5, threads: 2, dataFile: 'x.f32' });
  assert.deepEqual({ ...manifest, members: [] } satisfies TorchManifest, {
    data: 'x.f32', cell: 'lstm', hiddenSize: 32, numLayers: 1, dropout: 0, lr: 3e-3, batchSize: 32, clipNorm: 1, seed: 1, seconds: 1.5, threads: 2, members: [],
  });
  assert.equal(manifest.members.length, 2);
  manifest.members.forEach((m, i) => {
    const w = data.members[i]!.windows, spec = data.members[i]!.pipeline.spec;
    assert.deepEqual([m.kind, m.lookback, m.features, m.outputs, m.head, m.quantiles], [data.members[i]!.kind, spec.lookback, 1, 6 * 3, 'quantile', [0.1, 0.5, 0.9]]);
    assert.deepEqual(m.trainInputs.shape, [w.inputs.length, spec.lookback, 1]);
    assert.deepEqual(read(blob, m.trainInputs), Float32Array.from(w.inputs.flatMap((x) => Array.from(x))));
    assert.deepEqual(read(blob, m.trainTargets), Float32Array.from(w.targets!.flatMap((x) => Array.from(x))));
    // Time-major [L, B, F]: step t of origin b is the normalised value at origin - L + t.
    assert.deepEqual(m.holdoutInputs.shape, [spec.lookback, 3, 1]);
    const x = read(blob, m.holdoutInputs), it = holdout.items[i]![2]!, one = new Float32Array(spec.lookback);
    it.norm.encode(it.series, it.origin, spec.lookback, one, 0);
    assert.deepEqual(Float32Array.from({ length: spec.lookback }, (_, t) => x[t * 3 + 2]!), one);
  });
});

test('decoding the normalised hold-out targets gives back the truth (quantile and Gaussian heads)', () => {
  for (const head of ['quantile', 'gaussian'] as const) {
    const { meta, origins, holdout } = setUp({ model: 'ensemble', head });
    const outputs = meta.pipelines.map((p, i) => {
      const W = headWidth(p.spec.head, p.spec.quantiles), H = p.spec.horizon;
      const out = new Float64Array(origins.length * H * W);
      holdout.items[i]!.forEach((it, b) => {
        for (let h = 0; h < H; h++) {
          const z = it.norm.target(it.series, it.origin, 0, it.origin + h);
          // Every quantile at the truth; a Gaussian's mean at the truth with a tiny sigma.
          for (let w = 0; w < W; w++) out[(b * H + h) * W + w] = head === 'gaussian' && w === 1 ? -10 : z;
        }
      });
      return out;
    });
    const decoded = decodeTorchOutputs(meta, holdout, outputs);
    const y = csv.series[0]!.targets[0]!;
    origins.forEach((o, j) => {
      for (let h = 0; h < 6; h++) {
        for (let q = 0; q < 3; q++) {
          const v = decoded[j]![0]![h * 3 + q]!, truth = y[o.origin + h]!;
          assert.ok(Math.abs(v - truth) < (head === 'gaussian' ? 1e-3 : 1e-9) * truth, `${head}: origin ${o.origin}, h ${h}, q ${q}: ${v} vs ${truth}`);
        }
      }
    });
  }
});

test('a peer\'s raw outputs for the exported windows decode to recur\'s forecasts and score as recur\'s row', () => {
  const { data, config, meta, model, origins, holdout } = setUp({ model: 'ensemble' });
  const { manifest, blob } = torchExport(config, data, holdout, { seconds: 1, threads: 1, dataFile: 'x.f32' });
  // recur's own members stand in for PyTorch: the exported [L, B, F] windows in, the head's outputs out.
  const outputs = memberModels(model).map((m, i) => {
    const ref = manifest.members[i]!.holdoutInputs;
    const tape = Tape.inference(backend);
    m.eval();
    const out = Float32Array.from(m.forward(tape, new Tensor(Float32Array.from(read(blob, ref)), ref.shape)).logits.data);
    tape.reset();
    return out;
  });
  const decoded = decodeTorchOutputs(meta, holdout, outputs);
  const ours = forecastAt({ model, meta }, backend, csv, holdout.series, origins);
  assert.deepEqual(decoded, ours.map((r) => r.values));
  const ev = evaluateForecastModel({ model, meta }, backend, csv, { backtest: 3, others: [{ name: 'peer', forecasts: decoded }] });
  assert.deepEqual(ev.methods.map((m) => m.name).slice(0, 3), ['recur hybrid + window', 'peer', 'naive']);
  assert.deepEqual({ ...ev.methods[1]!, name: '' }, { ...ev.methods[0]!, name: '' });
  assert.throws(() => evaluateForecastModel({ model, meta }, backend, csv, { backtest: 3, others: [{ name: 'peer', forecasts: decoded.slice(1) }] }),
    /evaluateForecastModel: peer has forecasts of 2 origins, expected 3/);
});

test('layouts and cells PyTorch cannot take are named', () => {
  const recursive = setUp({ model: 'window', strategy: 'recursive' });
  assert.match(torchUnsupported(recursive.config, recursive.data)!, /direct layouts only, and this model has a next one/);
  const sigmoid = setUp({ model: 'hybrid', cell: 'rnn-sigmoid' });
  assert.equal(torchUnsupported(sigmoid.config, sigmoid.data), 'PyTorch has no rnn-sigmoid cell');
  assert.equal(torchUnsupported(setUp({ model: 'hybrid' }).config, setUp({ model: 'hybrid' }).data), null);
});
