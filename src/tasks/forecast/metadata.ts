/**
 * The check of a forecasting model file's metadata (`recur.forecast`) before anything forecasts
 * with it: the data settings, and per member a pipeline whose spec describes that member's
 * model (input and output widths) and whose series states a forecast can run on (transforms,
 * normalisers and scales of the right count, kind and range). A file edited by hand or damaged
 * fails here with one line naming the field, not later inside a forecast. No files read here.
 */
import { describeJsonValue } from '../../nn/recurrent-model.js';
import type { RecurrentModel } from '../../nn/recurrent-model.js';
import { MEMBER_KINDS } from './config.js';
import { type ForecastSpec, modelShapeOf } from './forecaster.js';
import type { ForecastMetadata } from './task.js';

const LAYOUTS = ['direct', 'next', 'shifted'];
const HEADS = ['quantile', 'gaussian', 'point'];
const FILLS = ['none', 'linear', 'previous'];
const TIME_UNITS = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'step'];
const SCALE_MODES = ['standardize', 'min-max', 'none'];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown, min: number): v is number => Number.isSafeInteger(v) && (v as number) >= min;

/**
 * `raw` (the parsed `recur.forecast`) checked against the members of the model it came with;
 * errors start `where: its forecasting metadata: ` and name the field.
 */
export function checkForecastMetadata(raw: Json, members: readonly RecurrentModel[], where: string): ForecastMetadata {
  const fail = (path: string, what: string, v: unknown): never => {
    throw new Error(`${where}: its forecasting metadata: ${path} must be ${what}, got ${describeJsonValue(v)}`);
  };
  const object = (v: unknown, path: string): Json => (isObject(v) ? v : fail(path, 'an object', v));
  const choice = (v: unknown, path: string, options: readonly string[]) => { if (!options.includes(v as string)) fail(path, `one of ${options.join(', ')}`, v); };
  const names = (v: unknown, path: string, min: number): string[] => {
    if (!Array.isArray(v) || v.length < min || !v.every((s) => typeof s === 'string' && s !== '') || new Set(v).size !== v.length) fail(path, `a list of ${min ? 'at least one ' : ''}distinct column names`, v);
    return v as string[];
  };
  const numbers = (v: unknown, path: string, n: number, ok: (x: number) => boolean, what: string) => {
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => isFinite(x) && ok(x))) fail(path, `a list of ${n} ${what}`, v);
  };

  const data = object(raw.data, 'data');
  const K = names(data.targets, 'data.targets', 1).length;
  const C = names(data.covariates, 'data.covariates', 0).length;
  if (typeof data.timeColumn !== 'string') fail('data.timeColumn', 'a column name', data.timeColumn);
  if (data.seriesColumn !== null && typeof data.seriesColumn !== 'string') fail('data.seriesColumn', 'a column name or null', data.seriesColumn);
  choice(data.fill, 'data.fill', FILLS);
  const frequency = object(data.frequency, 'data.frequency');
  choice(frequency.unit, 'data.frequency.unit', TIME_UNITS);
  if (!isCount(frequency.every, 1)) fail('data.frequency.every', 'a whole number >= 1', frequency.every);
  if (frequency.monthEnd !== undefined && typeof frequency.monthEnd !== 'boolean') fail('data.frequency.monthEnd', 'true or false', frequency.monthEnd);
  if (typeof data.timeFormat !== 'string') fail('data.timeFormat', 'a time format', data.timeFormat);
  if (data.path !== null && typeof data.path !== 'string') fail('data.path', 'a path or null', data.path);

  if (!Array.isArray(raw.pipelines) || raw.pipelines.length !== members.length) fail('pipelines', `a list of ${members.length} (one per model)`, raw.pipelines);
  (raw.pipelines as unknown[]).forEach((p, i) => {
    const at = `pipelines[${i}]`;
    const pipeline = object(p, at);
    choice(pipeline.model, `${at}.model`, MEMBER_KINDS);
    if (!isCount(pipeline.season, 1)) fail(`${at}.season`, 'a whole number >= 1', pipeline.season);
    const spec = object(pipeline.spec, `${at}.spec`);
    for (const k of ['lookback', 'horizon']) if (!isCount(spec[k], 1)) fail(`${at}.spec.${k}`, 'a whole number >= 1', spec[k]);
    choice(spec.layout, `${at}.spec.layout`, LAYOUTS);
    choice(spec.head, `${at}.spec.head`, HEADS);
    const q = spec.quantiles;
    if (!Array.isArray(q) || q.length === 0 || !q.every((x, j) => isFinite(x) && x > 0 && x < 1 && (j === 0 || x > q[j - 1]))) fail(`${at}.spec.quantiles`, 'increasing levels in (0, 1)', q);
    // The member's model must be the one the spec describes (its outputs are read by the spec).
    const want = modelShapeOf(spec as unknown as ForecastSpec, K, C);
    const c = members[i]!.config;
    if (c.input.kind !== 'dense' || c.input.size !== want.inputSize || c.outputSize !== want.outputSize || c.output !== want.output) {
      throw new Error(`${where}: its forecasting metadata: ${at}.spec needs a model of ${want.inputSize} inputs and ${want.outputSize} outputs (${want.output}), ` +
        `but model ${i} has ${c.input.kind === 'dense' ? c.input.size : `${c.input.kind}`} inputs and ${c.outputSize} outputs (${c.output})`);
    }
    const series = pipeline.series;
    if (!Array.isArray(series) || series.length === 0) fail(`${at}.series`, 'a non-empty list', series);
    const ids = new Set<string>();
    (series as unknown[]).forEach((s, j) => {
      const sat = `${at}.series[${j}]`;
      const state = object(s, sat);
      if (typeof state.id !== 'string' || ids.has(state.id)) fail(`${sat}.id`, 'a series id of its own', state.id);
      ids.add(state.id as string);
      if (!Array.isArray(state.transforms) || state.transforms.length !== K) fail(`${sat}.transforms`, `a list of ${K} (one per target)`, state.transforms);
      (state.transforms as unknown[]).forEach((t, k) => {
        const tr = object(t, `${sat}.transforms[${k}]`);
        choice(tr.kind, `${sat}.transforms[${k}].kind`, ['none', 'log', 'box-cox']);
        if (tr.kind === 'box-cox' && !isFinite(tr.lambda)) fail(`${sat}.transforms[${k}].lambda`, 'a finite number', tr.lambda);
      });
      if (!Array.isArray(state.normalizer) || state.normalizer.length !== K + C) fail(`${sat}.normalizer`, `a list of ${K + C} (per target, then per covariate)`, state.normalizer);
      (state.normalizer as unknown[]).forEach((n, k) => checkNormalizer(object(n, `${sat}.normalizer[${k}]`), `${sat}.normalizer[${k}]`, pipeline.model === 'hybrid' && k < K, fail));
      numbers(state.maseScale, `${sat}.maseScale`, K, (x) => x > 0, 'positive numbers (one per target)');
    });
  });
  return raw as unknown as ForecastMetadata;
}

/** A normaliser state: the hybrid's smoothing for its targets, scaling for everything else. */
function checkNormalizer(n: Json, at: string, smoothing: boolean, fail: (path: string, what: string, v: unknown) => never): void {
  const positive = (k: string) => { if (!(isFinite(n[k]) && n[k] > 0)) fail(`${at}.${k}`, 'a finite number > 0', n[k]); };
  if (n.kind !== (smoothing ? 'smoothing' : 'scale')) fail(`${at}.kind`, `'${smoothing ? 'smoothing' : 'scale'}'`, n.kind);
  positive('spread');
  if (smoothing) {
    if (!isCount(n.season, 1)) fail(`${at}.season`, 'a whole number >= 1', n.season);
    for (const k of ['alpha', 'gamma']) if (!(isFinite(n[k]) && n[k] >= 0 && n[k] <= 1)) fail(`${at}.${k}`, 'a number in [0, 1]', n[k]);
    return;
  }
  if (!SCALE_MODES.includes(n.mode as string)) fail(`${at}.mode`, `one of ${SCALE_MODES.join(', ')}`, n.mode);
  if (!isFinite(n.center)) fail(`${at}.center`, 'a finite number', n.center);
  if (!isCount(n.difference, 0)) fail(`${at}.difference`, 'a whole number >= 0', n.difference);
  if (n.relative !== undefined && !isCount(n.relative, 1)) fail(`${at}.relative`, 'a whole number >= 1', n.relative);
}
