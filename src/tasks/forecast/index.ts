/**
 * Public door of forecasting. So far its classical side: benchmark forecasters, prediction
 * intervals and forecast metrics as plain numeric code on Float64Array (no model, no files).
 */
export {
  type Forecast, type ForecastInterval, DEFAULT_LEVELS, normalQuantile, normalIntervals, sortedQuantile, pathIntervals,
} from './prediction-intervals.js';
export { naive, seasonalNaive, drift, type Baseline, type FittedBaseline } from './baselines.js';
export {
  mae, rmse, mape, smape, mase, seasonalNaiveScale, intervalCoverage, meanIntervalWidth, pinballLoss,
  forecastMetrics, MetricUndefinedError, type ForecastMetrics, type ForecastMetricsOptions,
} from './metrics.js';
