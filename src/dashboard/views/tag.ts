/**
 * Task view of taggers (`recur tag train`): type a sentence, see it split into words as the
 * treebanks split English, with the predicted tag under each word and the model's probability
 * for it.
 */
import { type LoadedTagger, splitWords, tagSentences, taggerOf } from '../../tasks/tag/predict.js';
import type { TaskView } from './view.js';

/** Most words a typed sentence may have. */
const MAX_WORDS = 200;

export const tagView: TaskView<LoadedTagger> = {
  tasks: ['tag'],
  title: 'tag a sentence',
  load: (loaded, source) => taggerOf(loaded, source),
  input: () => ({ label: 'a sentence to tag', example: "The quick brown fox doesn't jump over the lazy dog ." }),
  answer(t, backend, input) {
    const words = splitWords(input);
    if (words.length === 0) throw new Error('the input has no words');
    if (words.length > MAX_WORDS) throw new Error(`the input has ${words.length} words; at most ${MAX_WORDS}`);
    const out = tagSentences(t, backend, [{ words, tags: words.map(() => undefined), lines: words.map(() => 1) }]);
    return [{
      kind: 'tokens', title: 'tags',
      tokens: words.map((w, i) => ({ text: w, label: out.tags[0]![i]!, score: out.confidence[0]![i]! })),
      note: `${out.tokens} word${out.tokens === 1 ? '' : 's'}${out.unknownWords > 0 ? `, ${out.unknownWords} outside the vocabulary (read from their characters)` : ''}; under each tag, the model's probability for it`,
    }];
  },
};
