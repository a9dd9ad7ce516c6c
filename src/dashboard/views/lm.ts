/**
 * Task view of the language models (`recur lm train`, characters or words): an autocomplete box.
 * As the user types, the most likely ways to finish the word being typed (or the next word, after
 * a space) and the most likely next three words, by the beam search of `recur lm complete`.
 */
import { type LoadedLm, lmOf } from '../../tasks/char-lm/evaluate.js';
import { complete } from '../../tasks/char-lm/complete.js';
import type { Panel } from '../../plot/panels.js';
import type { TaskView } from './view.js';

export const lmView: TaskView<LoadedLm> = {
  tasks: ['char-lm', 'word-lm'],
  title: 'autocomplete',
  load: (loaded, source) => lmOf(loaded as Parameters<typeof lmOf>[0], source),
  input: (lm) => ({ label: `text to complete (${lm.vocab.level === 'char' ? 'characters' : 'words'})`, example: 'To be, or not to ', live: true }),
  answer(lm, backend, input) {
    const one = complete(lm, backend, input, { topK: 5, words: 1 });
    const three = complete(lm, backend, input, { topK: 5, words: 3 });
    const rows = (r: typeof one): (string | number)[][] => r.completions.map((c) => [c.text, c.probability]);
    const note = [
      one.prefix ? `finishing '${one.prefix}'` : 'after a space: the next word',
      one.unknown > 0 ? `${one.unknown} symbol${one.unknown === 1 ? '' : 's'} of the text outside the vocabulary` : '',
    ].filter(Boolean).join('; ');
    const panels: Panel[] = [
      { kind: 'table', title: 'completions', columns: ['append', 'probability'], rows: rows(one), barColumn: 1, note },
      { kind: 'table', title: 'the next three words', columns: ['append', 'probability'], rows: rows(three), barColumn: 1 },
    ];
    return panels;
  },
};
