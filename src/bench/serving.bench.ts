/**
 * Serving a recur-trained classifier (part of `npm run bench`, section `serving`): ONNX Runtime
 * (onnxruntime-node, native CPU kernels) running the file `recur export onnx --required-inputs`
 * writes, against recur's own inference (`classProbabilities`, what `recur classify predict`
 * runs), on the same token ids. The classifier is trained here, briefly, by the classify task
 * with its default architecture (text: bidirectional LSTM 128 over a 64-wide embedding, max
 * pooling) on the sentiment fixture; speed does not depend on how well it learned. Both sides
 * get the same 64 sentences: at batch 1 one call per sentence, at batch 64 one padded call with
 * the lengths; both include their padding and their softmax. Samples of the contenders
 * alternate round-robin in this process, at 1 thread and at N (recur's threads, ORT's intra-op
 * threads), so one slow phase of the machine hits all alike. recur runs on wasm and, where the
 * addon is built, on the native backend (what `recur classify predict` picks in Node).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../io/onnx/export.js';
import type { Backend } from '../kernels/backend.js';
import { nativeAvailability } from '../kernels/native/load.js';
import { NativeBackend } from '../kernels/native/native-backend.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { classProbabilities, encodeTexts, loadClassifier } from '../tasks/classify/predict.js';
import { classifyTask } from '../tasks/classify/task.js';
import { runTask } from '../tasks/run-task.js';
import { loadTextFile } from '../data/text-file.js';

const SENTIMENT = fileURLToPath(new URL('../../src/data/fixtures/sentiment-tiny.tsv', import.meta.url));
const SENTENCES = 64;

export interface ServingRate {
  impl: 'recur' | 'onnxruntime';
  /** recur's backend (wasm or native); ONNX Runtime's is its own CPU kernels. */
  backend: 'wasm' | 'native' | 'cpu';
  batch: number;
  threads: number;
  /** Sequences per second at the median sample, and at the slowest and fastest. */
  seqPerSec: number;
  min: number;
  max: number;
  runs: number;
}

interface Contender {
  impl: ServingRate['impl'];
  backend: ServingRate['backend'];
  batch: number;
  threads: number;
  /** Classifies all the sentences once (SENTENCES sequences). */
  run: () => Promise<void> | void;
  times: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs the section: trains, exports, races; prints its table and returns the rates. */
export async function runServingBench(threadCounts: number[], options: { rounds?: number; sampleMs?: number } = {}): Promise<ServingRate[]> {
  const rounds = options.rounds ?? 4, sampleMs = options.sampleMs ?? 300;
  const dir = await mkdtemp(join(tmpdir(), 'recur-serving-'));
  const sessions: ort.InferenceSession[] = [];
  try {
    const t0 = performance.now();
    const trainBackend = await WasmBackend.create({ threads: Math.max(...threadCounts) });
    await runTask(classifyTask, { out: join(dir, 'run'), backend: trainBackend, input: { dataPath: SENTIMENT }, config: { maxEpochs: 2 } });
    const c = await loadClassifier(join(dir, 'run', 'model.safetensors'));
    c.model.eval();
    const onnxPath = join(dir, 'classifier.onnx');
    await writeFile(onnxPath, exportOnnx(c.model, { optionalInputs: false })); // recur export onnx --required-inputs
    const trainMs = performance.now() - t0;

    // The same 64 sentences for everyone: the fixture's, cycled.
    const lines = (await loadTextFile(SENTIMENT)).split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
    const ids = encodeTexts(c, Array.from({ length: SENTENCES }, (_, i) => lines[i % lines.length]!));
    const meanLen = ids.reduce((a, x) => a + x.length, 0) / ids.length;
    const cfg = c.model.config;
    const stateRows = cfg.numLayers * (cfg.bidirectional ? 2 : 1);
    const C = cfg.outputSize;

    const contenders: Contender[] = [];
    const native = nativeAvailability().ok;
    const recurBackends: { name: 'wasm' | 'native'; threads: number; backend: Backend }[] = [];
    for (const threads of threadCounts) {
      recurBackends.push({ name: 'wasm', threads, backend: await WasmBackend.create({ threads }) });
      if (native) recurBackends.push({ name: 'native', threads, backend: await NativeBackend.create({ threads }) });
      const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 });
      sessions.push(session);
      const empty = new ort.Tensor('float32', new Float32Array(0), [stateRows, 0, cfg.hiddenSize]);
      const hasC = session.inputNames.includes('initial_c');
      /** One ORT call on sentences [from, from + B): padded ids, lengths, probabilities read back. */
      const ortBatch = async (from: number, B: number) => {
        const rows = ids.slice(from, from + B);
        const T = Math.max(...rows.map((x) => x.length));
        const input = new BigInt64Array(T * B);
        rows.forEach((x, b) => x.forEach((id, t) => { input[t * B + b] = BigInt(id); }));
        const feeds: Record<string, ort.Tensor> = { input: new ort.Tensor('int64', input, [T, B]), sequence_lens: new ort.Tensor('int32', Int32Array.from(rows, (x) => x.length), [B]), initial_h: empty };
        if (hasC) feeds.initial_c = empty;
        const r = await session.run(feeds, ['probabilities']);
        if ((r.probabilities!.data as Float32Array).length !== B * C) throw new Error('serving bench: ONNX Runtime gave no probabilities');
      };
      for (const batch of [1, SENTENCES]) {
        for (const r of recurBackends.filter((x) => x.threads === threads)) {
          contenders.push({ impl: 'recur', backend: r.name, batch, threads, times: [], run: () => { classProbabilities(c, r.backend, ids, { batchSize: batch }); } });
        }
        contenders.push({ impl: 'onnxruntime', backend: 'cpu', batch, threads, times: [], run: async () => { for (let i = 0; i < SENTENCES; i += batch) await ortBatch(i, batch); } });
      }
    }
    // Same outputs before timing: the race is between equals.
    const ours = classProbabilities(c, trainBackend, ids, { batchSize: SENTENCES });
    const T = Math.max(...ids.map((x) => x.length));
    const input = new BigInt64Array(T * SENTENCES);
    ids.forEach((x, b) => x.forEach((id, t) => { input[t * SENTENCES + b] = BigInt(id); }));
    const empty = new ort.Tensor('float32', new Float32Array(0), [stateRows, 0, cfg.hiddenSize]);
    const check = await sessions[0]!.run({ input: new ort.Tensor('int64', input, [T, SENTENCES]), sequence_lens: new ort.Tensor('int32', Int32Array.from(ids, (x) => x.length), [SENTENCES]),
      initial_h: empty, ...(sessions[0]!.inputNames.includes('initial_c') ? { initial_c: empty } : {}) });
    let diff = 0;
    (check.probabilities!.data as Float32Array).forEach((v, i) => { diff = Math.max(diff, Math.abs(v - ours[i]!)); });
    for (const r of recurBackends) { // every recur contender too, at batch 1 and 64
      for (const batch of [1, SENTENCES]) classProbabilities(c, r.backend, ids, { batchSize: batch }).forEach((v, i) => { diff = Math.max(diff, Math.abs(v - ours[i]!)); });
    }

    for (const k of contenders) for (let i = 0; i < 3; i++) await k.run(); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < contenders.length; j++) {
        const k = contenders[(j + r) % contenders.length]!;
        const start = performance.now();
        do {
          const t = performance.now();
          await k.run();
          k.times.push(performance.now() - t);
        } while (performance.now() - start < sampleMs);
      }
    }

    const rates: ServingRate[] = contenders.map((k) => {
      const per = k.times.map((ms) => SENTENCES / (ms / 1000));
      return { impl: k.impl, backend: k.backend, batch: k.batch, threads: k.threads, seqPerSec: SENTENCES / (median(k.times) / 1000), min: Math.min(...per), max: Math.max(...per), runs: k.times.length };
    });
    console.log(`\nserving: ONNX Runtime serving a recur-trained classifier (exported file) vs recur's own inference`);
    console.log(`  classifier: ${cfg.bidirectional ? 'bidirectional ' : ''}${cfg.cell} ${cfg.hiddenSize}, embedding ${cfg.input.kind === 'embedding' ? cfg.input.embeddingDim : '-'}, pooling ${cfg.pooling};`
      + ` trained by classify train (2 epochs of the sentiment fixture, ${fmt(trainMs / 1000, 1)} s), exported with --required-inputs`);
    console.log(`  inputs: the same ${SENTENCES} sentences (mean ${fmt(meanLen, 1)} tokens, longest ${T}); probabilities agree to ${diff.toExponential(1)}; onnxruntime-node ${ort.env.versions?.common ?? ''}`
      + (native ? '' : `; no native rows: ${nativeAvailability().reason}`));
    // Per row: each contender's median seq/s with its slowest and fastest call, then ORT against each recur backend.
    const range = (r: ServingRate) => `${fmt(r.seqPerSec)} (${fmt(r.min)}-${fmt(r.max)})`;
    const names = native ? ['wasm', 'native'] as const : ['wasm'] as const;
    const head = ['batch', 'threads', ...names.map((n) => `recur ${n} seq/s (min-max)`), 'onnxruntime seq/s (min-max)', ...names.map((n) => `onnxruntime/recur ${n}`)];
    const rows = threadCounts.flatMap((threads) => [1, SENTENCES].map((batch) => {
      const at = (backend: ServingRate['backend']) => rates.find((x) => x.backend === backend && x.batch === batch && x.threads === threads)!;
      const o = at('cpu');
      return [String(batch), `${threads}T`, ...names.map((n) => range(at(n))), range(o), ...names.map((n) => `${fmt(o.seqPerSec / at(n).seqPerSec, 2)}x`)];
    }));
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ')}`;
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    console.log(`  (${fmt((performance.now() - t0) / 1000, 1)} s for the section; ${rounds} rounds of ${sampleMs} ms per contender, median of the calls)`);
    return rates;
  } finally {
    for (const s of sessions) await s.release();
    await rm(dir, { recursive: true, force: true });
  }
}
