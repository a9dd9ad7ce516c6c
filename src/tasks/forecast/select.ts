/**
 * Default settings that work: what `--model auto` becomes, chosen by validation on the training
 * part only. The hybrid and the window model are each trained as the run would train them, from
 * the same seed, and scored on the held-out tail of the training data (MASE). The better one is
 * what the run then trains; when they validate alike (within `TIE`), the run trains both as an
 * ensemble, whose average forecasts better than either (M4). The notes say what was chosen and
 * why, with the season, lookback and transform that prepare settled.
 */
import type { Backend } from '../../kernels/backend.js';
import { Rng } from '../../random/rng.js';
import { fit } from '../../train/fit.js';
import type { Prepared, SelectOptions } from '../task.js';
import { type ForecastConfig, MEMBER_KINDS, type MemberKind } from './config.js';
import { type ForecastData, prepareForecast } from './prepare.js';
import { AUTO_BOX_COX_DISTANCE } from './target-transform.js';
import { FORECAST_METADATA_KEY, describeTransforms, forecastModelConfig, forecastTask, preparedOf } from './task.js';
import { cadenceSteps } from '../train-config.js';

/** Validation MASEs within this ratio are a tie: the run trains an ensemble of both. */
export const TIE = 1.1;

/** The member kinds a recur forecast file's metadata names, or undefined (none, or not readable: the shapes decide). */
function fileMembers(text: string | undefined): MemberKind[] | undefined {
  try {
    const kinds = (JSON.parse(text ?? 'null') as { pipelines?: { model?: unknown }[] } | null)?.pipelines?.map((p) => p.model);
    return kinds?.length && kinds.every((k): k is MemberKind => (MEMBER_KINDS as readonly unknown[]).includes(k)) ? kinds : undefined;
  } catch {
    return undefined;
  }
}

export async function selectSettings(config: ForecastConfig, prepared: Prepared<ForecastData>, backend: Backend, options: SelectOptions = {}): Promise<{ config: ForecastConfig; prepared: Prepared<ForecastData>; notes: string[] }> {
  const data = prepared.data;
  const V = data.csv.series[0]!.times.length - data.trainEnds[0]!;
  const notes: string[] = [];
  if (config.season === 0) notes.push(`season ${data.season}, detected from the data (--season N to set it)`);
  if (config.transform === 'auto') {
    notes.push(`transform ${describeTransforms(data)}: Box-Cox where the data is positive and Guerrero's lambda on the training part is ` +
      `${AUTO_BOX_COX_DISTANCE} or more from 1 (--transform to set it)`);
  }
  const base = { ...config, season: data.season, validationSize: V };
  const settle = (c: ForecastConfig) => {
    const { data: d, config: resolved } = prepareForecast(c, data.csv);
    return { config: resolved, prepared: preparedOf(d, prepared.source, resolved), notes };
  };
  // The lookback note, said of the members finally chosen.
  const lookbackNote = <T extends ReturnType<typeof settle>>(s: T): T => {
    if (config.lookback === 0) {
      s.notes.splice(config.season === 0 ? 1 : 0, 0, `lookback ${s.prepared.data.members.map((m) => `${m.pipeline.spec.lookback} (${m.kind})`).join(', ')}, from the season and horizon (--lookback N to set it)`);
    }
    return s;
  };
  if (config.model !== 'auto') return lookbackNote(settle(base));
  if (options.initFrom) {
    // Starting from given weights: the model is the one they fit, not a contest of fresh candidates.
    // A recur file names its members; weights saved elsewhere are told apart by their shapes.
    const { path, metadata, fits } = options.initFrom;
    const named = fileMembers(metadata[FORECAST_METADATA_KEY]);
    const kinds: MemberKind[][] = named ? [named] : [['hybrid'], ['window'], ['hybrid', 'window']];
    const fitting = kinds.map((members) => settle(members.length > 1 ? { ...base, model: 'ensemble', members } : { ...base, model: members[0]! }))
      .filter((s) => fits(forecastModelConfig(s.config, s.prepared.data)));
    const what = (c: ForecastConfig) => (c.model === 'ensemble' ? `an ensemble of ${c.members.join(' and ')}` : c.model);
    if (fitting.length === 1) {
      notes.push(`model: ${what(fitting[0]!.config)}, the model --init-from ${path} holds (no candidates trained)`);
      return lookbackNote(fitting[0]!);
    }
    if (fitting.length > 1) {
      throw new Error(`--init-from ${path}: its tensors (no recur metadata) fit ${fitting.map((s) => `the ${what(s.config)} model`).join(' and ')} alike; give --model`);
    }
    throw new Error(`--init-from ${path}: its tensors fit none of the models --model auto chooses from (${named ? `the file's ${named.join(' and ')}` : 'hybrid, window, an ensemble of both'}) with these settings; ` +
      'give the --model, --hidden-size, --num-layers, --lookback, --horizon and --head of the run that wrote it');
  }
  const scored: { kind: MemberKind; mase: number }[] = [];
  for (const kind of ['hybrid', 'window'] as const) {
    const { data: d, config: c } = prepareForecast({ ...base, model: kind }, data.csv);
    const p = preparedOf(d, prepared.source, c);
    const rng = new Rng(c.seed);
    const model = forecastTask.buildModel(c, p, rng).to(backend);
    const batches = forecastTask.batches(c, p, new Rng(c.seed + 2));
    const r = await fit(model, {
      data: batches, objective: forecastTask.objective(model, c, p, rng),
      backend, lr: c.lr, clipNorm: c.clipNorm, unit: 'windows', metrics: forecastTask.metrics ?? [], monitor: forecastTask.monitor,
      validation: () => forecastTask.evaluate!(model, p, backend, c),
      epochs: c.maxEpochs, maxSteps: c.maxSteps, maxTimeMs: c.maxTimeMs, evalEvery: cadenceSteps(c.evalEvery, batches.batchesPerEpoch, 1), patience: c.patience,
      reduceLrOnPlateau: c.reduceLrPatience ? { factor: 0.5, patience: c.reduceLrPatience } : undefined,
    });
    scored.push({ kind, mase: r.best?.value ?? Infinity });
  }
  const [a, b] = scored.sort((x, y) => x.mase - y.mase) as [typeof scored[0], typeof scored[0]];
  const scores = `${a.kind} ${a.mase.toFixed(4)}, ${b.kind} ${b.mase.toFixed(4)}`;
  if (b.mase <= a.mase * TIE) {
    notes.push(`model: an ensemble of hybrid and window, which validate alike (MASE on the last ${V} steps of the training data: ${scores})`);
    return lookbackNote(settle({ ...base, model: 'ensemble', members: ['hybrid', 'window'] }));
  }
  notes.push(`model: ${a.kind}, by validation MASE on the last ${V} steps of the training data (${scores})`);
  return lookbackNote(settle({ ...base, model: a.kind }));
}
