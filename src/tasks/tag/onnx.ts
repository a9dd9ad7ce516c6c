/**
 * ONNX export (opset 14 to 26) of a tagger (model kind 'tagger') as one inference graph that
 * mirrors `Tagger.emissions`, checked against recur in ONNX Runtime in the tests (onnx.test.ts).
 *
 * Inputs (T, B, N, C dynamic):
 *   words          int64 [T, B]  word ids, 0 ([PAD]) past each length (never read)
 *   sequence_lens  int32 [B]     tokens per sentence, each 1..T; optional as in every recur
 *                                export (optional-inputs.ts: omitted, every sentence is T long;
 *                                with `optionalInputs: false` / `--required-inputs` it must be
 *                                fed, an empty [0] tensor meaning the default)
 *   with character features (charVocabSize > 0), as `Tagger` reads them, once per distinct form:
 *   chars          int64 [N, C]  the character ids of each distinct word form of the batch, one
 *                                row per form, padded with 0 ([PAD]) past its length
 *   char_lens      int32 [N]     each form's number of characters (1..C)
 *   word_form      int64 [T, B]  each token's row of `chars` (any valid row, e.g. 0, past each length)
 *
 * Graph: Gather on the word table -> [T, B, Ew]; the forms: Transpose [C, N] -> Gather on the
 * character table -> bidirectional ONNX LSTM read to `char_lens` -> its final states [2, N, Hc]
 * -> [N, 2 Hc] (forwards, backwards: `Tagger.formFeatures`) -> Gather by `word_form` ->
 * [T, B, 2 Hc], concatenated after the word embedding -> the encoder (stacked, optionally
 * bidirectional ONNX RNN/LSTM/GRU nodes read to `sequence_lens`, from zero states) -> MatMul +
 * Add (the output layer).
 *
 * Outputs:
 *   emissions      float [T, B, K]  per-token tag scores (the softmax's logits, or the CRF's
 *                                   emissions); past each length they are the output layer's
 *                                   bias (the encoder writes zeros there): do not read them
 *   probabilities  float [T, B, K]  Softmax over the tags (for a CRF tagger the confidence
 *                                   figure `tag predict` reports, not the path's probability)
 *   for a CRF tagger, its scores as constants, so that a server runs Viterbi on `emissions`
 *   (the README's `viterbi`, as `crfViterbi`):
 *   transitions    float [K, K]     score of tag i followed by tag j at [i, j]
 *   start_transitions, end_transitions  float [K]
 *
 * Tags: argmax of `emissions` per token (softmax taggers), or the Viterbi path (CRF).
 */
import { cellKind } from '../../kernels/cell-kinds.js';
import { checkParametersSet } from '../../nn/module.js';
import { ONNX_OPSETS, type Parts, linearNodes } from '../../io/onnx/export.js';
import { optionalInputs } from '../../io/onnx/optional-inputs.js';
import { FLOAT, INT32, INT64, encodeModel, floatTensor, int64Tensor, node, valueInfo } from '../../io/onnx/proto.js';
import { recurrentGraph } from '../../io/onnx/recurrent-graph.js';
import type { Tagger } from './model.js';

export interface TaggerOnnxOptions {
  /** ONNX opset, 14 to 26 (default 14). */
  opset?: number;
  /** Stored in the model's doc_string (e.g. the recur config as JSON). */
  docString?: string;
  /** Give `sequence_lens` a default (full length) so that a caller may omit it (default true); see `OnnxExportOptions.optionalInputs`. */
  optionalInputs?: boolean;
}

/** The ONNX bytes of `tagger` (eval mode: no dropout). Throws if its weights are unset. */
export function exportTaggerOnnx(tagger: Tagger, options: TaggerOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? ONNX_OPSETS.min;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw new Error(`exportTaggerOnnx: opset must be an integer from ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}, got ${opset}`);
  }
  checkParametersSet(tagger, 'exportTaggerOnnx');
  const c = tagger.config;
  const params = new Map([...tagger.namedParameters()].map(([n, p]) => [n, { data: p.data, shape: p.shape }]));
  const param = (name: string) => {
    const p = params.get(name);
    if (!p) throw new Error(`exportTaggerOnnx: the model has no parameter '${name}'`);
    return p;
  };
  const weights = (prefix: string) => (n: string) => param(`${prefix}${n}`).data;
  const parts: Parts = { nodes: [], initializers: [], inputs: [], outputs: [] };
  const { nodes, initializers: inits } = parts;
  const K = c.tagCount;

  parts.inputs.push(valueInfo('words', INT64, ['T', 'B']));
  const opt = optionalInputs({ input: 'words', batchFirst: false, stateRows: 0, hiddenSize: 0, cellState: false, required: options.optionalInputs === false, states: false });
  parts.inputs.push(...opt.inputs);
  nodes.push(...opt.nodes);
  inits.push(...opt.initializers);

  const wordTable = param('word_embed.weight');
  inits.push(floatTensor('word_table', [...wordTable.shape], wordTable.data));
  nodes.push(node('Gather', ['word_table', 'words'], ['word_embedded'], { axis: 0 })); // [T, B, Ew]
  let x = 'word_embedded';
  if (c.charVocabSize > 0) {
    const Hc = c.charHiddenSize;
    parts.inputs.push(valueInfo('chars', INT64, ['N', 'C']), valueInfo('char_lens', INT32, ['N']), valueInfo('word_form', INT64, ['T', 'B']));
    const charTable = param('char_embed.weight');
    inits.push(floatTensor('char_table', [...charTable.shape], charTable.data));
    nodes.push(node('Transpose', ['chars'], ['chars_time_major'], { perm: [1, 0] })); // [C, N]
    nodes.push(node('Gather', ['char_table', 'chars_time_major'], ['char_embedded'], { axis: 0 })); // [C, N, Ec]
    const g = recurrentGraph({ cell: 'lstm', inputSize: c.charEmbeddingDim, hiddenSize: Hc, numLayers: 1, bidirectional: true, bias: tagger.charEncoder!.bias, weights: weights('char_encoder.') },
      { input: 'char_embedded', sequenceLens: 'char_lens', prefix: 'char' });
    nodes.push(...g.nodes);
    inits.push(...g.initializers);
    // Final states [2, N, Hc] -> [N, 2, Hc] -> [N, 2 Hc]: forwards then backwards, as formFeatures concatenates them.
    nodes.push(node('Transpose', [g.finalH], ['form_states'], { perm: [1, 0, 2] }));
    inits.push(int64Tensor('form_features_shape', [2], [0, 2 * Hc]));
    nodes.push(node('Reshape', ['form_states', 'form_features_shape'], ['form_features']));
    nodes.push(node('Gather', ['form_features', 'word_form'], ['char_features'], { axis: 0 })); // [T, B, 2 Hc]
    nodes.push(node('Concat', ['word_embedded', 'char_features'], ['encoder_input'], { axis: 2 }));
    x = 'encoder_input';
  }
  const inputSize = c.wordEmbeddingDim + (c.charVocabSize > 0 ? 2 * c.charHiddenSize : 0);
  cellKind(c.cell, 'exportTaggerOnnx');
  const enc = recurrentGraph({ cell: c.cell, inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: tagger.encoder.bias, weights: weights('encoder.') },
    { input: x, sequenceLens: opt.sequenceLens, prefix: 'enc' });
  nodes.push(...enc.nodes);
  inits.push(...enc.initializers);
  linearNodes(parts, 'output', param('output.weight'), param('output.bias'), enc.output, 'emissions'); // [T, B, K]
  nodes.push(node('Softmax', ['emissions'], ['probabilities'], { axis: -1 }));
  parts.outputs.push(valueInfo('emissions', FLOAT, ['T', 'B', K]), valueInfo('probabilities', FLOAT, ['T', 'B', K]));
  if (c.crf) {
    for (const [name, dims] of [['transitions', [K, K]], ['start_transitions', [K]], ['end_transitions', [K]]] as const) {
      inits.push(floatTensor(`crf_${name}`, dims, param(`crf.${name}`).data));
      nodes.push(node('Identity', [`crf_${name}`], [name]));
      parts.outputs.push(valueInfo(name, FLOAT, dims));
    }
  }
  return encodeModel({ ...parts, opset, graphName: 'recur_tagger', docString: options.docString });
}
