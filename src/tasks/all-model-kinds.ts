/**
 * Imported for its effect: registers every task's model kind with the model-file loader
 * (encoder-decoder, tagger, forecast ensemble; the recurrent kind is always known), so that a
 * reader of any model file (`recur inspect`, the dashboard) loads it with `kind: 'any'`.
 */
import './seq2seq/model.js';
import './tag/model.js';
import './forecast/ensemble.js';
