/**
 * Public door of forecasting. So far its classical side: benchmark forecasters, prediction
 * intervals, forecast metrics, invertible transforms, Holt-Winters, seasonal period detection and
 * rolling-origin splits, as plain numeric code on Float64Array (no model, no files).
 */
export {
  type Forecast, type ForecastInterval, DEFAULT_LEVELS, normalQuantile, normalIntervals, pathIntervals,
} from './prediction-intervals.js';
export { naive, seasonalNaive, drift, type Baseline, type FittedBaseline } from './baselines.js';
export {
  mae, rmse, mape, smape, mase, seasonalNaiveScale, intervalCoverage, meanIntervalWidth, pinballLoss,
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
  type Frequency, type SeasonalityResult, type SeasonalityCandidate, type DetectSeasonalityOptions,
} from './seasonality.js';
export { rollingOrigins, type BacktestSplit, type RollingOriginOptions } from './backtest.js';
