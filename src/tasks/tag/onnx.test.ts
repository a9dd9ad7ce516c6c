// ONNX export of taggers run in ONNX Runtime: on a padded batch of sentences of different
// lengths (some word forms repeated, so the character encoder reads fewer forms than tokens),
// the graph's emissions and probabilities equal recur's, for taggers with and without
// character features, softmax and CRF, bidirectional LSTM and GRU encoders (stacked, and a
// unidirectional RNN); a CRF tagger's transition scores are outputs, and the README's `viterbi`
// run on ONNX Runtime's outputs gives `Tagger.decode`'s tags. `sequence_lens` may be omitted
// (the default export) when every sentence is T long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { Tape } from '../../autograd/tape.js';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { maxAbsDiff } from '../../testing/compare.js';
import type { SentenceSet } from './batches.js';
import { makeTagBatch } from './batches.js';
import { type TagBatch, Tagger, type TaggerConfigInput } from './model.js';
import { exportTaggerOnnx } from './onnx.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
const i64 = (xs: ArrayLike<number>, dims: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(xs, (x) => BigInt(x))), dims);

type Viterbi = (b: number, length: number) => number[];
/** The README's `viterbi` (section "Tagging every token", the ONNX bullet), as written, over one run's outputs. */
function readmeViterbi(out: ort.InferenceSession.OnnxValueMapType): Viterbi {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('function viterbi(');
  assert.ok(start > 0, 'the README defines viterbi');
  const code = readme.slice(start, readme.indexOf('\n}\n', start) + 2);
  const e = out.emissions!;
  const [, B, K] = e.dims as number[];
  return new Function('out', 'B', 'K', 'e', `${code}\nreturn viterbi;`)(out, B, K, e.data) as Viterbi;
}

/** Sentences as word strings: word ids from a small vocabulary, characters from each word's letters. */
function sentenceSet(sentences: string[][], wordVocab: number, charVocab: number): SentenceSet {
  const id = (w: string, V: number) => 1 + ([...w].reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7) % (V - 1));
  return {
    words: sentences.map((s) => Int32Array.from(s, (w) => id(w, wordVocab))),
    chars: sentences.map((s) => s.map((w) => (charVocab > 0 ? Int32Array.from(w, (ch) => id(ch, charVocab)) : new Int32Array(0)))),
    forms: sentences.map((s) => [...s]),
  };
}

const SENTENCES = [
  ['the', 'dog', 'saw', 'a', 'cat', '.'],
  ['Bob', 'ran'],
  ['a', 'cat', 'saw', 'the', 'extraordinarily', 'big', 'dog', '!'],
  ['it'],
];

/** The graph's inputs for `batch` (time-major, as the tagger reads it). */
function feeds(batch: TagBatch, chars: boolean): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = {
    words: i64(batch.words.data, batch.words.shape),
    sequence_lens: new ort.Tensor('int32', batch.lengths, [batch.lengths.length]),
  };
  if (chars) {
    const N = batch.forms.length, C = Math.max(...batch.forms.map((x) => x.length));
    const ids = new Array<number>(N * C).fill(0);
    batch.forms.forEach((x, n) => x.forEach((c, i) => { ids[n * C + i] = c; }));
    f.chars = i64(ids, [N, C]);
    f.char_lens = new ort.Tensor('int32', Int32Array.from(batch.forms, (x) => x.length), [N]);
    f.word_form = i64(batch.formIndex.data, batch.formIndex.shape);
  }
  return f;
}

const CASES: { name: string; config: Partial<TaggerConfigInput>; opset?: number }[] = [
  { name: 'BiLSTM, softmax, no character features', config: { cell: 'lstm', charVocabSize: 0, charEmbeddingDim: 0, charHiddenSize: 0 } },
  { name: 'BiLSTM + characters, softmax', config: { cell: 'lstm' } },
  { name: 'BiGRU ×2 + characters, CRF', config: { cell: 'gru', numLayers: 2, crf: true }, opset: 26 },
  { name: 'BiLSTM + characters, CRF', config: { cell: 'lstm', crf: true } },
  { name: 'BiGRU, CRF, no character features', config: { cell: 'gru', crf: true, charVocabSize: 0, charEmbeddingDim: 0, charHiddenSize: 0 } },
  { name: 'unidirectional rnn-tanh + characters, softmax', config: { cell: 'rnn-tanh', bidirectional: false } },
];

for (const { name, config, opset } of CASES) {
  test(`tagger ONNX (${name}): ONNX Runtime's emissions and probabilities equal recur's on a padded batch; CRF: the README's viterbi gives decode's tags`, async () => {
    const m = new Tagger({
      kind: 'tagger', wordVocabSize: 23, wordEmbeddingDim: 6, charVocabSize: 13, charEmbeddingDim: 4, charHiddenSize: 3,
      cell: 'lstm', hiddenSize: 5, tagCount: 7, ...config,
    } as TaggerConfigInput, { rng: new Rng(5) });
    m.eval();
    const c = m.config;
    const set = sentenceSet(SENTENCES, c.wordVocabSize, c.charVocabSize);
    const batch = makeTagBatch(set, [0, 1, 2, 3]);
    const [T, B] = batch.words.shape as [number, number];
    const K = c.tagCount;
    if (c.charVocabSize > 0) assert.ok(batch.forms.length < T * B && batch.forms.length < batch.tokens, 'repeated forms read once');
    const tape = Tape.inference(new ReferenceBackend());
    const want = m.emissions(tape, batch);
    const decoded = m.decode(want, batch);

    const s = await session(exportTaggerOnnx(m, { optionalInputs: false, opset }));
    assert.deepEqual(s.inputNames, c.charVocabSize > 0 ? ['words', 'sequence_lens', 'chars', 'char_lens', 'word_form'] : ['words', 'sequence_lens']);
    assert.deepEqual(s.outputNames, c.crf ? ['emissions', 'probabilities', 'transitions', 'start_transitions', 'end_transitions'] : ['emissions', 'probabilities']);
    const out = await s.run(feeds(batch, c.charVocabSize > 0));
    assert.deepEqual(out.emissions!.dims, [T, B, K]);
    const got = out.emissions!.data as Float32Array;
    // Valid tokens; past each length the graph gives the output layer's bias (recur: whatever its encoder leaves there).
    let worst = 0, worstProb = 0;
    const probs = out.probabilities!.data as Float32Array;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < batch.lengths[b]!; t++) {
        const o = (t * B + b) * K;
        worst = Math.max(worst, maxAbsDiff(got.subarray(o, o + K), want.data.subarray(o, o + K)));
        worstProb = Math.max(worstProb, Math.abs(probs[o + decoded.tags[b]![t]!]! - decoded.confidence[b]![t]!));
      }
    }
    console.log(`# ${name}: emissions max |diff| ${worst.toExponential(2)}, probability ${worstProb.toExponential(2)}`);
    assert.ok(worst <= 1e-5, `emissions differ by ${worst}`);
    assert.ok(worstProb <= 1e-5, `probabilities differ by ${worstProb}`);

    if (c.crf) {
      assert.deepEqual(out.transitions!.dims, [K, K]);
      assert.deepEqual(Array.from(out.transitions!.data as Float32Array), Array.from(m.crf!.transitions.data));
      assert.deepEqual(Array.from(out.start_transitions!.data as Float32Array), Array.from(m.crf!.start.data));
      assert.deepEqual(Array.from(out.end_transitions!.data as Float32Array), Array.from(m.crf!.end.data));
      const viterbi = readmeViterbi(out);
      let differ = 0; // tokens where the path is not the per-token argmax: the transitions count
      for (let b = 0; b < B; b++) {
        const path = viterbi(b, batch.lengths[b]!);
        assert.deepEqual(path, Array.from(decoded.tags[b]!), `sentence ${b}`);
        path.forEach((k, t) => { const o = (t * B + b) * K; if (got.subarray(o, o + K).some((v) => v > got[o + k]!)) differ++; });
      }
      console.log(`# ${name}: Viterbi tags equal decode's; ${differ} of ${batch.tokens} tokens off the per-token argmax`);
    }
    // Each sentence alone: the same emissions as in the padded batch.
    const one = makeTagBatch(set, [2]);
    const alone = (await s.run(feeds(one, c.charVocabSize > 0))).emissions!.data as Float32Array;
    const L = one.lengths[0]!;
    const inBatch = Float32Array.from({ length: L * K }, (_, i) => got[(Math.floor(i / K) * B + 2) * K + (i % K)]!);
    assert.ok(maxAbsDiff(alone, inBatch) <= 1e-6);
  });
}

test('tagger ONNX: the default export leaves out sequence_lens (every sentence T long); opsets outside 14..26 are refused', async () => {
  const m = new Tagger({ kind: 'tagger', wordVocabSize: 17, wordEmbeddingDim: 4, charVocabSize: 9, charEmbeddingDim: 3, charHiddenSize: 2, cell: 'gru', hiddenSize: 4, tagCount: 3, crf: true }, { rng: new Rng(8) });
  m.eval();
  const set = sentenceSet([['a', 'b', 'a'], ['c', 'dd', 'eee']], 17, 9);
  const batch = makeTagBatch(set, [0, 1]);
  const want = m.emissions(Tape.inference(new ReferenceBackend()), batch);
  const s = await session(exportTaggerOnnx(m));
  assert.deepEqual(s.inputNames, ['words', 'chars', 'char_lens', 'word_form']); // onnxruntime-node lists no input with a default
  const f = feeds(batch, true);
  delete f.sequence_lens;
  const out = await s.run(f);
  assert.ok(maxAbsDiff(out.emissions!.data as Float32Array, want.data) <= 1e-5);
  assert.throws(() => exportTaggerOnnx(m, { opset: 13 }), /opset must be an integer from 14 to 26/);
  assert.throws(() => exportTaggerOnnx(m, { opset: 27 }), /opset must be an integer from 14 to 26/);
});
