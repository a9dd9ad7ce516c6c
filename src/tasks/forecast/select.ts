/**
 * Default settings that work: what `--model auto` and `--transform auto` become, chosen by
 * validation on the training part only. Each candidate (hybrid or window model, log or no
 * transform) is trained briefly from the same seed and scored on the held-out tail of the
 * training data (MASE); the best is what the run then trains, and the notes say what was chosen
 * and why. Never looks at data the caller holds out beyond the file it gives.
 */
import type { Backend } from '../../kernels/backend.js';
import { Rng } from '../../random/rng.js';
import { fit } from '../../train/fit.js';
import type { Prepared } from '../task.js';
import type { ForecastConfig } from './config.js';
import { firstNonPositive } from './target-transform.js';
import { type ForecastData, forecastTask, prepareForecast, preparedOf } from './task.js';

/** The share of the run's step and time budget each candidate trains with. */
const CANDIDATE_SHARE = 0.25;

export async function selectSettings(config: ForecastConfig, prepared: Prepared<ForecastData>, backend: Backend): Promise<{ config: ForecastConfig; prepared: Prepared<ForecastData>; notes: string[] }> {
  const { csv, pipeline } = prepared.data;
  const notes: string[] = [];
  if (config.season === 0) notes.push(`season ${pipeline.season}, detected from the data (--season N to set it)`);
  if (config.lookback === 0) notes.push(`lookback ${pipeline.spec.lookback} steps, from the season and horizon (--lookback N to set it)`);
  const V = config.validationSize || config.horizon;
  const positive = csv.series.every((s) => s.targets.every((y) => firstNonPositive(y.subarray(0, s.times.length - V)) < 0));
  const models = config.model === 'auto' ? (['hybrid', 'window'] as const) : [config.model];
  const transforms = config.transform === 'auto' ? (positive ? (['log', 'none'] as const) : (['none'] as const)) : [config.transform];
  const candidates = models.flatMap((model) => transforms.map((transform) => ({ model, transform })));
  const base = { ...config, season: pipeline.season, lookback: config.lookback };
  if (candidates.length === 1) {
    const { data, config: resolved } = prepareForecast({ ...base, ...candidates[0]! }, csv);
    if (config.transform === 'auto') notes.push(`transform ${resolved.transform}${positive ? '' : ' (the data has values <= 0)'}`);
    return { config: resolved, prepared: preparedOf(data, prepared.source, resolved), notes };
  }
  const scored: { label: string; mase: number; config: ForecastConfig; data: ForecastData }[] = [];
  for (const cand of candidates) {
    const { data, config: c } = prepareForecast({ ...base, ...cand }, csv);
    const candidatePrepared = preparedOf(data, prepared.source, c);
    const rng = new Rng(c.seed);
    const model = forecastTask.buildModel(c, candidatePrepared, rng).to(backend);
    const r = await fit(model, {
      data: forecastTask.batches(c, candidatePrepared, new Rng(c.seed + 2)), objective: forecastTask.objective(model, c, candidatePrepared, rng),
      backend, lr: c.lr, clipNorm: c.clipNorm, unit: 'windows', metrics: forecastTask.metrics ?? [], monitor: forecastTask.monitor,
      validation: () => forecastTask.evaluate!(model, candidatePrepared, backend, c),
      epochs: c.maxEpochs === undefined ? undefined : Math.max(1, Math.ceil(c.maxEpochs * CANDIDATE_SHARE)),
      maxSteps: c.maxSteps === undefined ? undefined : Math.max(1, Math.ceil(c.maxSteps * CANDIDATE_SHARE)),
      maxTimeMs: c.maxTimeMs === undefined ? undefined : c.maxTimeMs * CANDIDATE_SHARE,
      evalEvery: c.evalEvery, patience: c.patience,
    });
    scored.push({ label: `${cand.model}${transforms.length > 1 ? ` with ${cand.transform}` : ''}`, mase: r.best?.value ?? Infinity, config: c, data });
  }
  const best = scored.reduce((a, b) => (b.mase < a.mase ? b : a));
  notes.push(`chose ${best.label} by validation MASE on the last ${V} steps of the training data: ` +
    scored.map((s) => `${s.label} ${s.mase.toFixed(4)}`).join(', '));
  return { config: best.config, prepared: preparedOf(best.data, prepared.source, best.config), notes };
}
