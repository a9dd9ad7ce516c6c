/**
 * Public door of plot: charts as Vega-Lite specs built from plain arrays (forecast with interval
 * band and hold-out truth, heatmap for confusion matrices and attention, lines for loss curves),
 * and `renderSvg`, which turns a spec into a standalone SVG document in Node. The same specs run
 * in a browser page with Vega. Plot knows no models, tasks or files: callers pass numbers.
 */
export { renderSvg, type ChartSpec, type RenderSvgOptions } from './render-svg.js';
export { forecastChart, forecastSpec, type ForecastChartInput, type TimeStamps } from './forecast-chart.js';
export { heatmapChart, heatmapSpec, type HeatmapChartInput } from './heatmap-chart.js';
export { lineChart, lineSpec, type LineChartInput, type LineSeries } from './line-chart.js';
export {
  checkPanels, MAX_PANEL_CELLS, type Panel, type MatrixPanel, type SeriesPanel, type TokensPanel, type TablePanel, type TextPanel,
} from './panels.js';
