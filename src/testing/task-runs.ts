/**
 * Small trained runs of every task, for the dashboard's tests (views in Node, pages in the
 * browser): each a run directory with events.jsonl and model.safetensors, trained for a few
 * steps on the repository's fixtures or on generated data. Tiny models: seconds in all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../kernels/backend.js';
import { runTask } from '../tasks/run-task.js';
import { charLmTask } from '../tasks/char-lm/task.js';
import { classifyTask } from '../tasks/classify/task.js';
import { forecastTask } from '../tasks/forecast/task.js';
import { seq2seqTask } from '../tasks/seq2seq/task.js';
import { generateDatePairs, writeDatePairsTsv } from '../tasks/seq2seq/dates.js';
import { tagTask } from '../tasks/tag/task.js';
import { toyConllu, toyTaggedSentences } from './toy-tagged.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url)); // dist/testing/ -> src/

export type TaskRunName = 'lm' | 'classify' | 'forecast' | 'seq2seq' | 'tag';

/** Trains one small run of each task under `root`; returns their directories by task. */
export async function makeTaskRuns(root: string, backend: Backend, steps = 30): Promise<Record<TaskRunName, string>> {
  const common = { maxSteps: steps, evalEvery: Math.max(1, Math.floor(steps / 2)), checkpointEvery: 0 };
  const dirs = {
    lm: join(root, 'lm'), classify: join(root, 'classify'), forecast: join(root, 'forecast'), seq2seq: join(root, 'seq2seq'), tag: join(root, 'tag'),
  };
  await runTask(charLmTask, {
    out: dirs.lm, backend, input: { text: readFileSync(join(SRC, 'tasks/char-lm/fixtures/rhymes.txt'), 'utf8') },
    config: { ...common, hiddenSize: 16, seqLen: 16, batchSize: 4, sampleLength: 0 },
  });
  await runTask(classifyTask, {
    out: dirs.classify, backend, input: { dataPath: join(SRC, 'data/fixtures/sentiment-tiny.tsv') },
    config: { ...common, hiddenSize: 8, batchSize: 8, embeddingDim: 8 },
  });
  await runTask(forecastTask, {
    out: dirs.forecast, backend, input: { dataPath: join(SRC, 'tasks/forecast/fixtures/monthly-sales.csv') },
    config: { ...common, targets: ['sales'], horizon: 6, model: 'window', hiddenSize: 8 },
  });
  await runTask(seq2seqTask, {
    out: dirs.seq2seq, backend, input: { text: writeDatePairsTsv(generateDatePairs(200, 1)) },
    config: { ...common, embeddingDim: 8, hiddenSize: 8, batchSize: 16 },
  });
  await runTask(tagTask, {
    out: dirs.tag, backend, input: { text: toyConllu(toyTaggedSentences(120, 2)), dataPath: 'toy.conllu' },
    config: { ...common, hiddenSize: 8, charEmbeddingDim: 4, charHiddenSize: 4, batchSize: 8 },
  });
  return dirs;
}
