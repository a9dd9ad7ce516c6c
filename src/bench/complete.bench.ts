/**
 * Autocomplete latency (part of `npm run bench`): how long `recur lm complete` takes to answer
 * one line, for a word model of the default shape (2 x 256 LSTM, 10,000 words, tied output
 * layer; random weights: the time does not depend on what was learned) and for the default
 * character model (2 x 256 LSTM, 65 characters). Each reply is timed alone, warm, many times;
 * the median and the 95th percentile are reported against issue 16's 50 ms.
 */
import { Tokenizer } from '../data/tokenizer.js';
import { CharTokenizer } from '../data/char-tokenizer.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';
import { complete } from '../tasks/char-lm/complete.js';
import type { LoadedLm } from '../tasks/char-lm/evaluate.js';
import { CharVocabulary, WordVocabulary } from '../tasks/char-lm/vocab.js';

export interface CompleteLatency { model: string; request: string; threads: number; medianMs: number; p95Ms: number; runs: number }

const TARGET_MS = 50;

function lm(vocab: WordVocabulary | CharVocabulary, tie: boolean): LoadedLm {
  const V = vocab.size;
  const model = new RecurrentModel({ input: { kind: 'embedding', vocabSize: V, embeddingDim: tie ? 256 : 64 }, cell: 'lstm', hiddenSize: 256, numLayers: 2, outputSize: V, tieWeights: tie }, { rng: new Rng(1) });
  model.eval();
  return { model, vocab };
}

/** Times `runs` replies per request (after 5 unmeasured ones) at each thread count. */
export async function runCompleteBench(threadCounts: number[], runs = 40): Promise<CompleteLatency[]> {
  // A 10,000-word vocabulary: the words of a generated text (the sizes matter, not the words).
  const words = Array.from({ length: 9996 }, (_, i) => `w${i.toString(36)}`);
  const wordVocab = new WordVocabulary(Tokenizer.fit([`${words.join(' ')} my lord , i good morrow to be or not`], { level: 'word', maxVocab: 10000 }));
  const charVocab = new CharVocabulary(CharTokenizer.fromText("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"));
  const cases: [string, LoadedLm, string, { words?: number }][] = [
    ['word 2x256 LSTM, 10,000 words', lm(wordVocab, true), 'My lord, I ', {}],
    ['word 2x256 LSTM, 10,000 words', lm(wordVocab, true), 'Good morrow, my lo', {}],
    ['word 2x256 LSTM, 10,000 words', lm(wordVocab, true), 'To be or not ', { words: 3 }],
    ['char 2x256 LSTM, 65 characters', lm(charVocab, false), 'ROMEO: Thou art a vil', {}],
  ];
  const out: CompleteLatency[] = [];
  console.log(`\nlm complete: one reply (top 5), warm, ${runs} replies per request; target < ${TARGET_MS} ms`);
  for (const threads of threadCounts) {
    const backend = await WasmBackend.create({ threads });
    for (const [model, l, text, o] of cases) {
      l.model.to(backend);
      const times: number[] = [];
      for (let i = 0; i < runs + 5; i++) {
        const t0 = performance.now();
        complete(l, backend, text, { topK: 5, ...o });
        if (i >= 5) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const r = { model, request: `${JSON.stringify(text)}${o.words ? ` --words ${o.words}` : ''}`, threads, medianMs: times[Math.floor(runs / 2)]!, p95Ms: times[Math.floor(runs * 0.95)]!, runs };
      out.push(r);
      console.log(`  ${r.model.padEnd(32)} ${r.request.padEnd(32)} ${threads}T  median ${r.medianMs.toFixed(1).padStart(6)} ms, p95 ${r.p95Ms.toFixed(1).padStart(6)} ms  ${r.p95Ms < TARGET_MS ? 'met' : 'NOT met'}`);
    }
  }
  return out;
}
