/**
 * Public door of the forecasting task: its config, the task record (`runTask(forecastTask)` or
 * `recur forecast train`), the pipeline and normalisers stored in model files, forecasting with a
 * saved model, evaluation beside the classical baselines, and those baselines themselves.
 */
export {
  FORECAST_DEFAULTS, FORECAST_MAX_TIME_MS, normalizeForecastConfig,
  type ForecastConfig, type ForecastModel as ForecastModelKind, type ForecastStrategy, type ForecastHead, type ForecastTransform, type ForecastScale,
} from './config.js';
export {
  forecastTask, prepareForecast, readForecastCsv, layoutOf, autoLookback, FORECAST_METADATA_KEY,
  type ForecastInput, type ForecastData, type ForecastStartDetails, type ForecastMetadata,
} from './task.js';
export { forecastItems, type ForecastSpec, type ForecastItem, type QuantileForecast } from './forecaster.js';
export { loadForecastModel, forecastModelOf, readModelData, seriesForModel, forecastAt, type ForecastModel, type OriginForecast } from './predict.js';
export { evaluateForecastModel, type ForecastEvaluation, type MethodScore } from './evaluate.js';
