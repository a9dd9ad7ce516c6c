/**
 * Reading what a task saved beside the weights of a model file, for the commands that use the
 * model (translate, tag, forecast, classify): the file must say that this task trained it, and
 * the task's metadata (`recur.<task>`) must be a JSON object. The fields inside are each task's
 * to check. Messages start with `source` and stay one short line whatever the file holds.
 */
import type { LoadedModel } from '../io/model-file.js';
import { quote } from '../io/safetensors-header.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { describeJsonValue } from '../nn/recurrent-model.js';

/** Which task a reader expects, and how its messages name things. */
export interface TaskFileSpec {
  /** The task name recorded in `recur.task` ('seq2seq'). */
  task: string;
  /** The metadata key of the task's JSON ('recur.seq2seq'). */
  key: string;
  /** The metadata in a word ('seq2seq', 'tagging'). */
  what: string;
  /** The model the command needs, with its article ('an encoder-decoder'). */
  noun: string;
}

/** `a 'char-lm' model` (quoted and cut short), for a message about a file of another task. */
export function describeTask(task: string): string {
  return `a ${quote(task)} model`;
}

/** The task's metadata object of a loaded model file, after checking that the task wrote it. */
export function taskMetadataOf(loaded: LoadedModel<SavedModule>, spec: TaskFileSpec, source: string): Record<string, unknown> {
  if (loaded.task !== spec.task) {
    throw new Error(`${source} is ${loaded.task ? describeTask(loaded.task) : `not a model trained by recur ${spec.task} train`}, not ${spec.noun}`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(loaded.extra?.[spec.key] ?? '');
  } catch {
    throw new Error(`${source}: its ${spec.what} metadata ('${spec.key}') is missing or not valid JSON`);
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new Error(`${source}: its ${spec.what} metadata ('${spec.key}') must be a JSON object, got ${describeJsonValue(meta)}`);
  return meta as Record<string, unknown>;
}
