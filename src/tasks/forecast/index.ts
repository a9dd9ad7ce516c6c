/**
 * Public door of forecasting: the task (config, `forecastTask` for runTask and `recur forecast
 * train`, the pipeline stored in model files, forecasting with a saved model, evaluation beside
 * the baselines) and its classical side: benchmark forecasters, prediction intervals, forecast
 * metrics, invertible transforms, Holt-Winters, seasonal period detection and rolling-origin splits.
 */
export {
  FORECAST_DEFAULTS, FORECAST_MAX_TIME_MS, MEMBER_KINDS, normalizeForecastConfig,
  type ForecastConfig, type ForecastModel as ForecastModelKind, type MemberKind, type ForecastStrategy, type ForecastHead, type ForecastTransform, type ForecastScale,
} from './config.js';
export {
  prepareForecast, readForecastCsv, layoutOf, autoLookback, autoValidationSize, membersOf,
  type ForecastInput, type ForecastData, type MemberData,
} from './prepare.js';
export { forecastTask, FORECAST_METADATA_KEY, type ForecastStartDetails, type ForecastMetadata, type ForecastBatch } from './task.js';
export { ForecastEnsemble, memberModels, MAX_ENSEMBLE_MEMBERS, type ForecastEnsembleConfig } from './ensemble.js';
export { forecastItems, type ForecastSpec, type ForecastItem, type QuantileForecast } from './forecaster.js';
export { loadForecastModel, forecastModelOf, readModelData, seriesForModel, forecastAt, type ForecastModel, type OriginForecast } from './predict.js';
export { evaluateForecastModel, type ForecastEvaluation, type MethodScore } from './evaluate.js';
export {
  type Forecast, type ForecastInterval, DEFAULT_LEVELS, normalQuantile, normalIntervals, pathIntervals,
} from './prediction-intervals.js';
export { naive, seasonalNaive, drift, type Baseline, type FittedBaseline } from './baselines.js';
export {
  mae, rmse, mape, smape, mase, seasonalNaiveScale, intervalCoverage, meanIntervalWidth, meanPinballLoss,
  forecastMetrics, MetricUndefinedError, type ForecastMetrics, type ForecastMetricsOptions,
} from './metrics.js';
export { boxCox, invBoxCox, guerreroLambda, type GuerreroOptions } from './box-cox.js';
export {
  fitTransform, fitPooled, fitPerSeries, transformFromState, TransformPipeline,
  type TransformSpec, type TransformState, type FittedTransform,
} from './transforms.js';
export {
  HoltWintersSmoother, holtWintersFilter, holtWintersForecast, heuristicStates,
  type TrendKind, type SeasonKind, type HoltWintersSpec, type HoltWintersParams, type HoltWintersStates, type HoltWintersPass,
} from './holt-winters.js';
export {
  fitHoltWinters, selectHoltWinters, assembleFit,
  type HoltWintersFit, type HoltWintersFitOptions, type HoltWintersInitialization, type HoltWintersCandidate, type SelectHoltWintersOptions,
} from './holt-winters-fit.js';
export {
  forecastHoltWinters, simulateHoltWinters, holtWintersForecastSd, type HoltWintersModel, type HoltWintersForecastOptions,
} from './holt-winters-intervals.js';
export {
  detectSeasonality, autocorrelation, SEASONAL_CANDIDATES,
  type SeasonalFrequency, type SeasonalityResult, type SeasonalityCandidate, type DetectSeasonalityOptions,
} from './seasonality.js';
export { rollingOrigins, type BacktestSplit, type RollingOriginOptions } from './backtest.js';
