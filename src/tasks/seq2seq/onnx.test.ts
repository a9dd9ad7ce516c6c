// ONNX export of the encoder-decoder (two graphs) run in ONNX Runtime: a greedy decoding loop over
// the encoder and the decoder-step graphs gives recur's own greedy tokens, with log-probabilities
// and attention weights within float tolerance, for every attention kind, both cells with and
// without a cell state, a bidirectional encoder with a bridge, a reversed source, input
// feeding, and a batch of mixed lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ReferenceBackend } from '../../kernels/reference/reference-backend.js';
import { Rng } from '../../random/rng.js';
import { decode } from './decode.js';
import { EncoderDecoder, type EncoderDecoderConfigInput } from './model.js';
import { exportEncoderDecoderOnnx } from './onnx.js';

const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
const i64 = (xs: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(xs, (x) => BigInt(x))), dims);

const CASES: Partial<EncoderDecoderConfigInput>[] = [
  { attention: 'none', cell: 'gru' },
  { attention: 'general', cell: 'lstm', bidirectional: true, inputFeeding: true, numLayers: 2 },
  { attention: 'additive', cell: 'gru', bidirectional: true, reverseSource: true, inputFeeding: true, attentionSize: 7 },
  { attention: 'dot', cell: 'lstm', decoderHiddenSize: 6, encoderHiddenSize: 6, reverseSource: true },
  { attention: 'general', cell: 'rnn-tanh', numLayers: 2, decoderHiddenSize: 9 },
];

for (const over of CASES) {
  test(`encoder-decoder ONNX: greedy decoding in ONNX Runtime equals recur's (${JSON.stringify(over)})`, async () => {
    const m = new EncoderDecoder({
      kind: 'encoder-decoder', sourceVocabSize: 11, targetVocabSize: 9, embeddingDim: 5, cell: 'gru', encoderHiddenSize: 4, decoderHiddenSize: 8,
      goId: 2, eosId: 3, maxSourceLength: 6, maxTargetLength: 6, ...over,
    }, { rng: new Rng(21) });
    m.eval();
    const c = m.config;
    const sources = [Int32Array.of(4, 5, 6, 7, 8, 9), Int32Array.of(10), Int32Array.of(5, 5, 4)];
    const B = sources.length, Ts = 6;
    const want = decode(m, new ReferenceBackend(), sources, { method: 'greedy', maxLength: 8, attention: c.attention !== 'none' }).map((l) => l[0]!);
    const { encoder, decoderStep } = exportEncoderDecoderOnnx(m);
    const enc = await session(encoder), dec = await session(decoderStep);
    const ids = new Int32Array(Ts * B);
    sources.forEach((s, b) => s.forEach((v, t) => { ids[t * B + b] = v; }));
    const lengths = new ort.Tensor('int32', Int32Array.from(sources, (s) => s.length), [B]);
    const e = await enc.run({ source: i64(ids, [Ts, B]), source_lengths: lengths });
    let h = e.h0!, cc = e.c0;
    let feed: ort.Tensor = new ort.Tensor('float32', new Float32Array(B * c.decoderHiddenSize), [B, c.decoderHiddenSize]);
    let prev = new Array<number>(B).fill(c.goId);
    const got = Array.from({ length: B }, () => ({ tokens: [] as number[], logProb: 0, done: false, attention: [] as number[][] }));
    for (let t = 0; t <= 8 && got.some((g) => !g.done); t++) {
      const feeds: Record<string, ort.Tensor> = { prev_token: i64(prev, [B]), h };
      if (cc) feeds.c = cc;
      if (c.inputFeeding) feeds.feed = feed;
      if (c.attention !== 'none') { feeds.memory = e.memory!; feeds.source_lengths = lengths; }
      if (c.attention === 'additive') feeds.keys = e.keys!;
      const o = await dec.run(feeds);
      const lp = o.log_probs!.data as Float32Array, V = c.targetVocabSize;
      const next: number[] = [];
      for (let b = 0; b < B; b++) {
        const g = got[b]!;
        let best = 1;
        for (let v = 2; v < V; v++) if (lp[b * V + v]! > lp[b * V + best]!) best = v;
        next.push(best);
        if (g.done || t === 8) continue;
        g.logProb += lp[b * V + best]!;
        if (o.attention) {
          const a = o.attention.data as Float32Array, L = sources[b]!.length;
          const row = Array.from({ length: L }, (_, s) => a[s * B + b]!);
          g.attention.push(c.reverseSource ? row.reverse() : row);
        }
        if (best === c.eosId) g.done = true;
        else g.tokens.push(best);
      }
      h = o.h_next!; cc = o.c_next; feed = o.vector!; prev = next;
    }
    for (let b = 0; b < B; b++) {
      assert.deepEqual(got[b]!.tokens, want[b]!.tokens, `source ${b}`);
      assert.ok(Math.abs(got[b]!.logProb - want[b]!.logProb) < 1e-4 * (1 + Math.abs(want[b]!.logProb)), `log-probability ${got[b]!.logProb} vs ${want[b]!.logProb}`);
      if (c.attention !== 'none') {
        const w = want[b]!.attention!;
        assert.equal(got[b]!.attention.length, w.length);
        got[b]!.attention.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - w[i]![j]!) < 1e-5, `attention ${b} ${i} ${j}: ${v} vs ${w[i]![j]}`)));
      }
    }
  });
}
