/**
 * The view API of the dashboard's task views (issue 17). A task view is one file in this folder:
 * a record saying which tasks' model files it serves, what the page's input box asks for, how
 * it reads a loaded model file, and how it answers a typed input with panels (plain JSON
 * pictures, src/plot/panels.ts) that the page draws without code of its own. Registering it in
 * ./index.ts (one line) gives every run of that task the view.
 *
 * Pictures of training itself (a confusion matrix, a forecast of the validation part) do not need
 * a view: the task's `evaluate` attaches panels to its eval events, and the page shows the latest.
 */
import type { LoadedModel } from '../../io/model-file.js';
import type { Backend } from '../../kernels/backend.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import type { Panel } from '../../plot/panels.js';

/** The page's input box. */
export interface ViewInput {
  /** What to type, e.g. 'a sentence to classify'. */
  label: string;
  /** Shown in the empty box, and typed for the first answer: an example input. */
  example: string;
  /** Answer as the user types (autocomplete) rather than on Enter. */
  live?: boolean;
}

export interface TaskView<L = unknown> {
  /** The model files' task names it serves ('char-lm', 'classify' ...). */
  readonly tasks: readonly string[];
  /** The view's heading, e.g. 'autocomplete'. */
  readonly title: string;
  /** Reads a loaded model file of one of `tasks`; throws an error naming the problem. */
  load(loaded: LoadedModel<SavedModule>, source: string): L;
  /** The input box for this model, or null when the model takes no typed input (the view then shows training's panels only). */
  input(model: L): ViewInput | null;
  /** Panels answering `input` (at most MAX_VIEW_INPUT characters); throws an error naming what is wrong with the input. */
  answer(model: L, backend: Backend, input: string): Panel[];
}

/** Longest input a view answers. */
export const MAX_VIEW_INPUT = 1000;

/** A view record with its loaded model type erased, for the registry. */
export type AnyTaskView = TaskView<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
