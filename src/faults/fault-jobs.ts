/**
 * One small training job per `recur <task> train` command, on the repository's fixtures (or data
 * generated here), for the fault-injection runs: each trains for about two seconds (longer than
 * the process takes to start, so that a kill at a random moment usually lands in training),
 * evaluates 4 times, writes a checkpoint about 30 times, and prints --json events; and, for the
 * long runs, a larger model of the same kind (`long`). Not here: what is done to them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { toyTaggedSentences, toyTsv } from '../testing/toy-tagged.js';
import type { TrainJob } from './kill-resume.js';

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));
const COMMON = ['--threads', '1', '--json', '--seed', '3'];

/** The jobs, with the data they need written into `dir`. */
export function trainJobs(dir: string): TrainJob[] {
  const dates = join(dir, 'dates.tsv');
  if (!existsSync(dates)) {
    const gen = spawnSync(process.execPath, [BIN, 'seq2seq', 'dates', '--count', '400', '--seed', '1', '--out', dates], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`seq2seq dates: ${gen.stderr}`);
  }
  const tags = join(dir, 'tags.tsv');
  writeFileSync(tags, toyTsv(toyTaggedSentences(300, 1)));
  return [
    { name: 'lm', args: ['lm', 'train', '--text', src('tasks/char-lm/fixtures/rhymes.txt'), '--hidden-size', '24', '--num-layers', '2',
      '--embedding-dim', '8', '--batch-size', '4', '--seq-len', '16', '--dropout', '0.1', '--max-steps', '2400', '--eval-every', '600',
      '--checkpoint-every', '73', ...COMMON],
      long: ['--hidden-size', '96', '--embedding-dim', '16', '--batch-size', '16', '--seq-len', '32'] },
    { name: 'classify', args: ['classify', 'train', '--data', src('data/fixtures/sentiment-tiny.tsv'), '--hidden-size', '16', '--batch-size', '8',
      '--lr', '0.02', '--max-steps', '3000', '--max-epochs', '100000', '--eval-every', '750', '--checkpoint-every', '97', '--patience', '50', ...COMMON],
      long: ['--hidden-size', '192', '--batch-size', '32'] },
    { name: 'forecast', args: ['forecast', 'train', '--data', src('tasks/forecast/fixtures/monthly-sales.csv'), '--target', 'sales', '--horizon', '6',
      '--max-steps', '4000', '--max-epochs', '100000', '--eval-every', '1000', '--checkpoint-every', '131', ...COMMON],
      long: ['--model', 'window', '--hidden-size', '192'] },
    { name: 'seq2seq', args: ['seq2seq', 'train', '--data', dates, '--tokenizer', 'char', '--hidden-size', '16', '--embedding-dim', '8',
      '--batch-size', '16', '--lr', '0.01', '--max-steps', '600', '--eval-every', '150', '--checkpoint-every', '23', ...COMMON],
      long: ['--hidden-size', '64', '--embedding-dim', '16', '--batch-size', '32'] },
    { name: 'tag', args: ['tag', 'train', '--data', tags, '--hidden-size', '16', '--embedding-dim', '8', '--char-embedding-dim', '8',
      '--char-hidden-size', '8', '--batch-size', '16', '--lr', '0.01', '--max-steps', '900', '--eval-every', '225', '--checkpoint-every', '29', ...COMMON],
      long: ['--hidden-size', '128', '--embedding-dim', '16', '--char-hidden-size', '16', '--batch-size', '32'] },
  ];
}
