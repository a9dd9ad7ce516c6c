/**
 * Task view of forecasters (`recur forecast train`): no typed input (a forecast needs a series,
 * not a sentence); the view shows the forecast of the validation part with its interval band,
 * which the task attaches to each evaluation.
 */
import { type ForecastModel, forecastModelOf } from '../../tasks/forecast/predict.js';
import type { TaskView } from './view.js';

export const forecastView: TaskView<Omit<ForecastModel, 'path'>> = {
  tasks: ['forecast'],
  title: 'forecast',
  load: (loaded, source) => forecastModelOf(loaded, source),
  input: () => null,
  answer() {
    throw new Error('a forecaster takes no typed input: its view shows the forecast of the validation part');
  },
};
