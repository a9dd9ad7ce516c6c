/**
 * The dashboard's task views, by the task name a model file records. A new task adds its view
 * file beside these (see ./view.ts) and one line here.
 */
import type { AnyTaskView } from './view.js';
import { classifyView } from './classify.js';
import { forecastView } from './forecast.js';
import { lmView } from './lm.js';
import { seq2seqView } from './seq2seq.js';
import { tagView } from './tag.js';

export const TASK_VIEWS: readonly AnyTaskView[] = [lmView, classifyView, forecastView, seq2seqView, tagView];

/** The view of a task, or undefined when none is registered. */
export function viewOf(task: string): AnyTaskView | undefined {
  return TASK_VIEWS.find((v) => v.tasks.includes(task));
}

export { MAX_VIEW_INPUT, type AnyTaskView, type TaskView, type ViewInput } from './view.js';
