/**
 * Public door of forecasting. So far its classical side: benchmark forecasters, prediction
 * intervals, forecast metrics and invertible transforms, as plain numeric code on Float64Array
 * (no model, no files).
 */
export {
  type Forecast, type ForecastInterval, DEFAULT_LEVELS, normalQuantile, normalIntervals, sortedQuantile, pathIntervals,
} from './prediction-intervals.js';
export { naive, seasonalNaive, drift, type Baseline, type FittedBaseline } from './baselines.js';
export {
  mae, rmse, mape, smape, mase, seasonalNaiveScale, intervalCoverage, meanIntervalWidth, pinballLoss,
  forecastMetrics, MetricUndefinedError, type ForecastMetrics, type ForecastMetricsOptions,
} from './metrics.js';
export { boxCox, invBoxCox, guerreroLambda, type GuerreroOptions } from './box-cox.js';
export { brentMinimize, BRENT_DEFAULT_TOLERANCE } from './brent.js';
export {
  fitTransform, fitPooled, fitPerSeries, transformFromState, TransformPipeline,
  type TransformSpec, type TransformState, type FittedTransform,
} from './transforms.js';
