/**
 * A forecasting ensemble as one saved module graph: two or more dense-input RecurrentModels
 * (members `m0`, `m1`, ... with their own normalisation in the pipeline), trained together and
 * averaged quantile by quantile at forecast time (M4's lesson: combinations of models that
 * validate alike forecast better than either). Registered as model kind 'forecast-ensemble', so
 * model files and checkpoints hold it like any model. A single model stays a RecurrentModel.
 */
import { Module } from '../../nn/module.js';
import { type ModelKind, type SavedModule, registerModelKind } from '../../nn/model-kinds.js';
import { RecurrentModel, type RecurrentModelConfig, type RecurrentModelConfigInput, describeJsonValue, normalizeModelConfig } from '../../nn/recurrent-model.js';
import type { Rng } from '../../random/rng.js';

export interface ForecastEnsembleConfig {
  kind: 'forecast-ensemble';
  members: RecurrentModelConfig[];
}

/** Most members an ensemble file may list (bounds what a hostile file can make a loader build). */
export const MAX_ENSEMBLE_MEMBERS = 8;

export class ForecastEnsemble extends Module implements SavedModule<ForecastEnsembleConfig> {
  readonly config: ForecastEnsembleConfig;
  readonly members: RecurrentModel[];

  constructor(config: { kind: 'forecast-ensemble'; members: RecurrentModelConfigInput[] }, options: { rng?: Rng } = {}) {
    super();
    this.config = normalizeEnsembleConfig(config);
    this.members = this.config.members.map((c, i) => this.registerModule(`m${i}`, new RecurrentModel(c, options)));
  }
}

export function normalizeEnsembleConfig(raw: unknown): ForecastEnsembleConfig {
  const where = 'forecast ensemble config';
  const c = raw as Partial<ForecastEnsembleConfig>;
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error(`${where}: expected an object, got ${describeJsonValue(c)}`);
  const extra = Object.keys(c).filter((k) => k !== 'kind' && k !== 'members');
  if (extra.length) throw new Error(`${where}: unknown field ${describeJsonValue(extra[0])}; the fields are kind, members`);
  if (!Array.isArray(c.members) || c.members.length < 2 || c.members.length > MAX_ENSEMBLE_MEMBERS) {
    throw new Error(`${where}: members must be a list of 2 to ${MAX_ENSEMBLE_MEMBERS} model configs, got ${describeJsonValue(c.members)}`);
  }
  return { kind: 'forecast-ensemble', members: c.members.map((m, i) => {
    try {
      return normalizeModelConfig(m);
    } catch (e) {
      throw new Error(`${where}: members[${i}]: ${(e as Error).message}`);
    }
  }) };
}

const ensembleKind: ModelKind<ForecastEnsembleConfig, ForecastEnsemble> = {
  kind: 'forecast-ensemble',
  normalize: normalizeEnsembleConfig,
  parameterShapes: (c) => c.members.flatMap((m, i) => RecurrentModel.parameterShapes(m).map(([n, s]): [string, number[]] => [`m${i}.${n}`, s])),
  create: (c, o) => new ForecastEnsemble(c, o),
};
registerModelKind(ensembleKind);

/** The recurrent models a forecasting model is made of (itself, or an ensemble's members). */
export function memberModels(model: SavedModule): RecurrentModel[] {
  if (model instanceof ForecastEnsemble) return model.members;
  if (model instanceof RecurrentModel) return [model];
  throw new Error(`forecast: a ${model.config.kind} model is not a forecasting model`);
}
