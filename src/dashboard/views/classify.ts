/**
 * Task view of sequence classifiers (`recur classify train`): type a text, see the class
 * probabilities, most likely first. A classifier of vector sequences (image rows) takes no typed
 * input; its view shows the confusion matrix of training's last validation only.
 */
import { type Classifier, classProbabilities, classifierOf, encodeTexts, topK } from '../../tasks/classify/predict.js';
import { UNK_ID } from '../../data/tokenizer.js';
import type { TaskView } from './view.js';

/** Classes listed at most. */
const SHOWN = 10;

export const classifyView: TaskView<Classifier> = {
  tasks: ['classify'],
  title: 'classify a text',
  load: (loaded, source) => classifierOf(loaded, source),
  input: (c) => (c.tokenizer ? { label: 'a text to classify', example: c.tokenizer.options.level === 'char' ? 'Nakamura' : 'a gripping, beautifully acted film' } : null),
  answer(c, backend, input) {
    const ids = encodeTexts(c, [input], { truncate: true });
    const C = c.meta.classes.length;
    const p = classProbabilities(c, backend, ids);
    const ranked = topK(p, c.meta.classes, 0, Math.min(SHOWN, C));
    const unknown = c.tokenizer!.encode(input).filter((id) => id === UNK_ID).length;
    const notes = [
      c.meta.multiLabel ? 'multi-label: each probability is its own (sigmoid), they need not sum to 1' : '',
      C > SHOWN ? `the ${SHOWN} most likely of ${C} classes` : '',
      unknown > 0 ? `${unknown} token${unknown === 1 ? '' : 's'} outside the vocabulary (read as [UNK])` : '',
      c.meta.maxLength > 0 && ids[0]!.length >= c.meta.maxLength ? `cut to the ${c.meta.maxLength} tokens the model was trained on` : '',
    ].filter(Boolean);
    return [{
      kind: 'table', title: 'class probabilities', columns: ['class', 'probability'],
      rows: ranked.map((r) => [r.label, r.probability]), barColumn: 1, ...(notes.length ? { note: notes.join('; ') } : {}),
    }];
  },
};
