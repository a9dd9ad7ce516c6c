/**
 * ONNX export of an encoder-decoder as two graphs (opset 14 to 26), run by a caller's decoding
 * loop (greedy or beam search, as recur's own):
 *
 *   encoder:      source [Ts, B] int64 (token ids, 0 past each length), source_lengths [B] int32
 *                 -> memory [Ts, B, E] (the encoder's outputs, 0 past each length), keys
 *                 [Ts, B, A] (additive attention only), h0 [L, B, Hd] (and c0) for the decoder.
 *                 A reversed source is reversed inside the graph (ReverseSequence, by length).
 *   decoder step: prev_token [B] int64, h [L, B, Hd] (and c), feed [B, Hd] (input feeding),
 *                 memory, keys, source_lengths -> logits [B, V], log_probs [B, V], h_next (and
 *                 c_next), vector [B, Hd] (the attentional vector; feed it back with input
 *                 feeding) and attention [Ts, B] (the weights over the source steps as the
 *                 encoder read them).
 *
 * The recurrent layers are ONNX RNN/LSTM/GRU nodes (recurrent-graph.ts); attention is masked by
 * the source lengths (Less against a Range, Where with the lowest float) before its Softmax.
 * Checked against recur's own decoding in ONNX Runtime in the tests.
 */
import { checkParametersSet } from '../../nn/module.js';
import { cellKind } from '../../kernels/cell-kinds.js';
import { ONNX_OPSETS, type Parts, linearNodes } from '../../io/onnx/export.js';
import { FLOAT, INT32, INT64, encodeModel, floatTensor, int64Tensor, node, valueInfo } from '../../io/onnx/proto.js';
import { recurrentGraph } from '../../io/onnx/recurrent-graph.js';
import type { EncoderDecoder } from './model.js';

/** A Linear of the model by its module name ('combine', 'attention.query', ...) as MatMul (+ Add) nodes. */
function linear(p: Parts, params: Map<string, { data: Float32Array; shape: readonly number[] }>, name: string, x: string, out: string): string {
  return linearNodes(p, name.replace(/\./g, '_'), params.get(`${name}.weight`)!, params.get(`${name}.bias`), x, out);
}

export interface EncoderDecoderOnnx {
  encoder: Uint8Array;
  decoderStep: Uint8Array;
}

/** The two ONNX graphs of `model` (eval mode: no dropout). */
export function exportEncoderDecoderOnnx(model: EncoderDecoder, options: { opset?: number; docString?: string } = {}): EncoderDecoderOnnx {
  const opset = options.opset ?? ONNX_OPSETS.min;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw new Error(`exportEncoderDecoderOnnx: opset must be an integer from ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}, got ${opset}`);
  }
  checkParametersSet(model, 'exportEncoderDecoderOnnx');
  const c = model.config;
  const params = new Map([...model.namedParameters()].map(([n, p]) => [n, { data: p.data, shape: p.shape }]));
  const weights = (prefix: string) => (n: string) => {
    const p = params.get(`${prefix}${n}`);
    if (!p) throw new Error(`exportEncoderDecoderOnnx: the model has no parameter '${prefix}${n}'`);
    return p.data;
  };
  const D = c.bidirectional ? 2 : 1, L = c.numLayers, He = c.encoderHiddenSize, E = D * He, Hd = c.decoderHiddenSize;
  const hasC = cellKind(c.cell).cellState;

  // ---- encoder ----
  const e: Parts = { nodes: [], initializers: [], inputs: [], outputs: [] };
  e.inputs.push(valueInfo('source', INT64, ['Ts', 'B']), valueInfo('source_lengths', INT32, ['B']));
  let src = 'source';
  if (c.reverseSource) {
    e.nodes.push(node('Cast', ['source_lengths'], ['source_lengths_i64'], { to: INT64 }));
    e.nodes.push(node('ReverseSequence', ['source', 'source_lengths_i64'], ['source_reversed'], { batch_axis: 1, time_axis: 0 }));
    src = 'source_reversed';
  }
  e.initializers.push(floatTensor('src_table', [...params.get('src_embed.weight')!.shape], params.get('src_embed.weight')!.data));
  e.nodes.push(node('Gather', ['src_table', src], ['src_embedded'], { axis: 0 }));
  const g = recurrentGraph({ cell: c.cell, inputSize: c.embeddingDim, hiddenSize: He, numLayers: L, bidirectional: c.bidirectional, bias: true, weights: weights('encoder.') },
    { input: 'src_embedded', sequenceLens: 'source_lengths', prefix: 'enc' });
  e.nodes.push(...g.nodes);
  e.initializers.push(...g.initializers);
  e.nodes.push(node('Identity', [g.output], ['memory']));
  e.outputs.push(valueInfo('memory', FLOAT, ['Ts', 'B', E]));
  if (c.attention === 'additive') {
    linear(e, params, 'attention.key', 'memory', 'keys');
    e.outputs.push(valueInfo('keys', FLOAT, ['Ts', 'B', c.attentionSize]));
  }
  // Final states [L*D, B, He] -> [L, D, B, He] -> [L, B, D, He] -> [L, B, D*He], then the bridge.
  e.initializers.push(int64Tensor('state_4d', [4], [L, D, -1, He]), int64Tensor('state_3d', [3], [L, -1, E]));
  const bridge = (final: string, tag: 'h' | 'c') => {
    e.nodes.push(node('Reshape', [final, 'state_4d'], [`${tag}_4d`]));
    e.nodes.push(node('Transpose', [`${tag}_4d`], [`${tag}_t`], { perm: [0, 2, 1, 3] }));
    e.nodes.push(node('Reshape', [`${tag}_t`, 'state_3d'], [`${tag}_merged`]));
    const out = `${tag}0`;
    if (params.has(`bridge_${tag}.weight`)) {
      linear(e, params, `bridge_${tag}`, `${tag}_merged`, `${tag}_bridged`);
      e.nodes.push(node('Tanh', [`${tag}_bridged`], [out]));
    } else {
      e.nodes.push(node('Identity', [`${tag}_merged`], [out]));
    }
    e.outputs.push(valueInfo(out, FLOAT, [L, 'B', Hd]));
  };
  bridge(g.finalH, 'h');
  if (hasC) bridge(g.finalC!, 'c');

  // ---- decoder step ----
  const d: Parts = { nodes: [], initializers: [], inputs: [], outputs: [] };
  d.inputs.push(valueInfo('prev_token', INT64, ['B']), valueInfo('h', FLOAT, [L, 'B', Hd]));
  if (hasC) d.inputs.push(valueInfo('c', FLOAT, [L, 'B', Hd]));
  if (c.inputFeeding) d.inputs.push(valueInfo('feed', FLOAT, ['B', Hd]));
  if (c.attention !== 'none') {
    d.inputs.push(valueInfo('memory', FLOAT, ['Ts', 'B', E]));
    if (c.attention === 'additive') d.inputs.push(valueInfo('keys', FLOAT, ['Ts', 'B', c.attentionSize]));
    d.inputs.push(valueInfo('source_lengths', INT32, ['B']));
  }
  d.initializers.push(floatTensor('tgt_table', [...params.get('tgt_embed.weight')!.shape], params.get('tgt_embed.weight')!.data));
  d.nodes.push(node('Gather', ['tgt_table', 'prev_token'], ['tgt_embedded'], { axis: 0 }));
  let x = 'tgt_embedded';
  if (c.inputFeeding) {
    d.nodes.push(node('Concat', ['tgt_embedded', 'feed'], ['step_input'], { axis: 1 }));
    x = 'step_input';
  }
  d.initializers.push(int64Tensor('axes_0', [1], [0]), int64Tensor('axes_1', [1], [1]), int64Tensor('axes_2', [1], [2]));
  d.nodes.push(node('Unsqueeze', [x, 'axes_0'], ['step_input_3d']));
  const r = recurrentGraph({ cell: c.cell, inputSize: c.embeddingDim + (c.inputFeeding ? Hd : 0), hiddenSize: Hd, numLayers: L, bidirectional: false, bias: true, weights: weights('decoder.') },
    { input: 'step_input_3d', initialH: 'h', initialC: hasC ? 'c' : undefined, prefix: 'dec' });
  d.nodes.push(...r.nodes);
  d.initializers.push(...r.initializers);
  d.nodes.push(node('Squeeze', [r.output, 'axes_0'], ['h_top']));
  d.nodes.push(node('Identity', [r.finalH], ['h_next']));
  if (hasC) d.nodes.push(node('Identity', [r.finalC!], ['c_next']));
  let vector = 'h_top';
  if (c.attention !== 'none') {
    let scores: string;
    if (c.attention === 'additive') {
      linear(d, params, 'attention.query', 'h_top', 'query'); // [B, A]
      d.nodes.push(node('Unsqueeze', ['query', 'axes_0'], ['query_3d']));
      d.nodes.push(node('Add', ['keys', 'query_3d'], ['energy_pre']));
      d.nodes.push(node('Tanh', ['energy_pre'], ['energy']));
      linear(d, params, 'attention.score', 'energy', 'scores_3d'); // [Ts, B, 1]
      d.nodes.push(node('Squeeze', ['scores_3d', 'axes_2'], ['scores']));
      scores = 'scores';
    } else {
      const q = c.attention === 'general' ? linear(d, params, 'attention.query', 'h_top', 'query') : 'h_top'; // [B, E]
      d.nodes.push(node('Unsqueeze', [q, 'axes_0'], ['query_3d']));
      d.nodes.push(node('Mul', ['memory', 'query_3d'], ['products']));
      d.nodes.push(node('ReduceSum', ['products', 'axes_2'], ['scores'], { keepdims: 0 }));
      scores = 'scores';
    }
    // Mask steps t >= source_lengths[b], softmax over the source steps.
    d.nodes.push(node('Shape', ['memory'], ['memory_shape']));
    d.initializers.push(int64Tensor('zero_1d', [1], [0]), int64Tensor('one_1d', [1], [1]), int64Tensor('zero', [], [0]), int64Tensor('one', [], [1]));
    d.nodes.push(node('Slice', ['memory_shape', 'zero_1d', 'one_1d'], ['steps_1d']));
    d.nodes.push(node('Squeeze', ['steps_1d', 'axes_0'], ['steps']));
    d.nodes.push(node('Range', ['zero', 'steps', 'one'], ['positions']));
    d.nodes.push(node('Unsqueeze', ['positions', 'axes_1'], ['positions_2d']));
    d.nodes.push(node('Cast', ['source_lengths'], ['lengths_i64'], { to: INT64 }));
    d.nodes.push(node('Unsqueeze', ['lengths_i64', 'axes_0'], ['lengths_2d']));
    d.nodes.push(node('Less', ['positions_2d', 'lengths_2d'], ['valid']));
    d.initializers.push(floatTensor('lowest', [], [-3.4e38]));
    d.nodes.push(node('Where', ['valid', scores, 'lowest'], ['masked_scores']));
    d.nodes.push(node('Softmax', ['masked_scores'], ['attention'], { axis: 0 }));
    d.nodes.push(node('Unsqueeze', ['attention', 'axes_2'], ['attention_3d']));
    d.nodes.push(node('Mul', ['memory', 'attention_3d'], ['weighted']));
    d.nodes.push(node('ReduceSum', ['weighted', 'axes_0'], ['context'], { keepdims: 0 }));
    d.nodes.push(node('Concat', ['context', 'h_top'], ['context_h'], { axis: 1 }));
    linear(d, params, 'combine', 'context_h', 'combined');
    d.nodes.push(node('Tanh', ['combined'], ['attentional']));
    vector = 'attentional';
  }
  d.nodes.push(node('Identity', [vector], ['vector']));
  linear(d, params, 'output', 'vector', 'logits');
  d.nodes.push(node('LogSoftmax', ['logits'], ['log_probs'], { axis: 1 }));
  d.outputs.push(valueInfo('logits', FLOAT, ['B', c.targetVocabSize]), valueInfo('log_probs', FLOAT, ['B', c.targetVocabSize]), valueInfo('h_next', FLOAT, [L, 'B', Hd]));
  if (hasC) d.outputs.push(valueInfo('c_next', FLOAT, [L, 'B', Hd]));
  d.outputs.push(valueInfo('vector', FLOAT, ['B', Hd]));
  if (c.attention !== 'none') d.outputs.push(valueInfo('attention', FLOAT, ['Ts', 'B']));

  const doc = options.docString;
  return {
    encoder: encodeModel({ ...e, opset, graphName: 'recur_encoder', docString: doc }),
    decoderStep: encodeModel({ ...d, opset, graphName: 'recur_decoder_step', docString: doc }),
  };
}
