/**
 * Task view of encoder-decoders (`recur seq2seq train`): type a source sentence, see the beam
 * search's best translations and, for the best one, the attention heatmap: a row per output
 * token ([EOS] included), a column per source token, each row the weights the decoder gave the
 * source while writing that token.
 */
import { type Translator, encodeSources, translate, translatorOf } from '../../tasks/seq2seq/translate.js';
import type { Panel } from '../../plot/panels.js';
import type { TaskView } from './view.js';

const BEAM = 5;

export const seq2seqView: TaskView<Translator> = {
  tasks: ['seq2seq'],
  title: 'translate',
  load: (loaded, source) => translatorOf(loaded, source),
  input: () => ({ label: 'a source sentence', example: 'I am cold .' }),
  answer(t, backend, input) {
    const enc = encodeSources(t, [input], { truncate: true, where: () => 'the input' });
    const [out] = translate(t, backend, [input], enc.ids, { method: 'beam', beamWidth: BEAM, nBest: BEAM, attention: true });
    const hyps = out!.hypotheses;
    const notes = [
      enc.unknown > 0 ? `${enc.unknown} source token${enc.unknown === 1 ? '' : 's'} outside the vocabulary (${enc.unknownPolicy === 'unk' ? 'read as [UNK]' : 'left out'})` : '',
      enc.truncated > 0 ? `cut to the model's ${t.model.config.maxSourceLength} source tokens` : '',
    ].filter(Boolean);
    const panels: Panel[] = [{
      kind: 'table', title: `beam search (width ${BEAM})`, columns: ['translation', 'log-probability', 'finished'],
      rows: hyps.map((h) => [h.text, Number(h.logProb.toFixed(3)), h.finished ? 'yes' : 'no (length limit)']),
      ...(notes.length ? { note: notes.join('; ') } : {}),
    }];
    const best = hyps[0];
    if (best?.attention && best.attention.length > 0) {
      const sourceTokens = Array.from(enc.ids[0]!, (id) => t.source.vocabulary[id] ?? '?');
      panels.push({
        kind: 'matrix', title: 'attention of the best translation', rowTitle: 'output token', colTitle: 'source token',
        rows: [...best.tokens, '[EOS]'].slice(0, best.attention.length), cols: sourceTokens, values: best.attention, scale: 'weight',
        note: 'each row: where the decoder looked while writing that token (the row sums to 1)',
      });
    } else {
      panels.push({ kind: 'text', title: 'attention', text: 'this model has no attention (trained with --attention none): the decoder reads the encoder\'s final state only' });
    }
    return panels;
  },
};
