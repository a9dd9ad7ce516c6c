/**
 * Sequence-to-sequence quality (`npm run quality:seq2seq`; minutes, not in npm test): issue 15's
 * table with recur's rows filled in. Each model trains exactly as `recur seq2seq train` does with
 * default settings (its validation part a split of the training pairs by source sentence, which
 * picks the best model by greedy BLEU) under a wall-time limit, and the best model is scored on
 * held-out pairs as `recur seq2seq eval` does. Held-out pairs never train or select anything.
 *
 *   dates:   20,000 generated pairs (seed 1) train a character model; 2,000 pairs from seed 2
 *            (any whose source string occurs in training left out) are scored by exact match.
 *   eng-fra: ../shared/data/eng-fra-short.tsv split 90/10 by source sentence (seed 1); the same
 *            run trains the default model (attention) scored with beam search 5, and the model
 *            without attention scored greedily; BLEU and chrF as sacreBLEU computes them.
 *
 *   node dist/bench/seq2seq-quality.js [--data DIR] [--only dates,eng-fra] [--json] [--keep DIR] [--threads N]
 */
import './relaxed-simd.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { runTask } from '../tasks/run-task.js';
import { BEST_MODEL_FILE_NAME } from '../tasks/run-directory.js';
import { type Seq2seqConfig } from '../tasks/seq2seq/config.js';
import { generateDatePairs, writeDatePairsTsv } from '../tasks/seq2seq/dates.js';
import type { DecodeOptions } from '../tasks/seq2seq/decode.js';
import { parsePairs, splitBySource } from '../tasks/seq2seq/prepare.js';
import { seq2seqTask } from '../tasks/seq2seq/task.js';
import { type Seq2seqEvaluation, type Translator, encodeSources, evaluateTranslatorOn, loadTranslator } from '../tasks/seq2seq/translate.js';
import { corpusBleu, corpusChrf } from '../tasks/seq2seq/bleu.js';
import { exactMatches } from '../tasks/seq2seq/task.js';
import type { Seq2seqData } from '../tasks/seq2seq/prepare.js';
import { findTorchPython } from './peers/python.js';
import { runTorchSeq2seq, torchPairs, torchSources } from './peers/torch-seq2seq.js';
import { markdownTable } from './markdown-table.js';
import { qualityArgs } from './quality-args.js';


interface Row {
  data: string;
  model: string;
  decoding: string;
  pairs: number;
  bleu: number;
  chrf: number;
  exact: number;
  epochs: number;
  steps: number;
  seconds: number;
  reason: string;
}

interface Trained { rows: Row[]; translator: Translator; config: Seq2seqConfig; data: Seq2seqData; seconds: number }

async function trainAndScore(name: string, work: string, trainPath: string, testPath: string, config: Partial<Seq2seqConfig>, decodings: DecodeOptions[],
  backend: WasmBackend, threads: number | undefined, log: (s: string) => void): Promise<Trained> {
  const out = join(work, name);
  const t0 = performance.now();
  let epochs = 0;
  const r = await runTask(seq2seqTask, {
    input: { dataPath: trainPath }, out, config, threads, force: true, // the work directory is the bench's own (--keep may point at an earlier one)
    onEvent: (e) => {
      if (e.type === 'step') epochs = e.epoch;
      if (e.type === 'eval') log(`  ${name} step ${e.step}: validation loss ${e.valLoss.toFixed(3)}, greedy BLEU ${e.metrics.bleu!.toFixed(2)}, exact ${(100 * e.metrics.exact!).toFixed(2)}%`);
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const t = await loadTranslator(join(out, BEST_MODEL_FILE_NAME));
  t.model.to(backend);
  const d = seq2seqTask.describe(r.config, r.prepared, r.model);
  const rows: Row[] = [];
  for (const o of decodings) {
    const ev: Seq2seqEvaluation = await evaluateTranslatorOn(t, backend, testPath, { ...o, truncate: true });
    log(`  ${name}, ${ev.decoding}: BLEU ${ev.bleu.toFixed(2)}, chrF ${ev.chrf.toFixed(2)}, exact match ${(100 * ev.exactMatch).toFixed(2)}% on ${ev.pairs} held-out pairs` +
      `${ev.truncated ? ` (${ev.truncated} cut)` : ''}${ev.unknown ? ` (${ev.unknown} unknown source tokens, ${ev.unknownPolicy})` : ''}`);
    for (const x of ev.examples.slice(0, 3)) log(`    ${x.source}  ->  ${x.hypothesis}   (reference: ${x.reference})`);
    rows.push({ data: name, model: d.model, decoding: ev.decoding, pairs: ev.pairs, bleu: ev.bleu, chrf: ev.chrf, exact: ev.exactMatch, epochs, steps: r.step, seconds, reason: r.reason });
  }
  return { rows, translator: t, config: r.config, data: r.prepared.data, seconds };
}

/**
 * The same network trained in PyTorch (scripts/seq2seq_torch.py) on recur's token ids, training
 * and validation pairs, for recur's wall time; its test translations (greedy and beam) are scored
 * here exactly as recur's are.
 */
async function torchRows(name: string, trained: Trained, testPath: string, torch: Awaited<ReturnType<typeof findTorchPython>>, threads: number, log: (s: string) => void): Promise<Row[] | string> {
  if ('skip' in torch) return torch.skip;
  const { translator: t, config: c, data } = trained;
  const raw = parsePairs(await readFile(testPath, 'utf8'), testPath, { sourceColumn: t.meta.sourceColumn, targetColumn: t.meta.targetColumn });
  const enc = encodeSources(t, raw.sources, { truncate: true });
  const m = t.model.config;
  log(`  PyTorch: the same network for ${trained.seconds.toFixed(0)} s ...`);
  const r = await runTorchSeq2seq({
    data: { train: torchPairs(data.train.sources, data.train.targets), validation: torchPairs(data.validation.sources, data.validation.targets), test: torchSources(enc.ids) },
    sourceVocabSize: m.sourceVocabSize, targetVocabSize: m.targetVocabSize, embeddingDim: m.embeddingDim, cell: m.cell as 'gru',
    encoderHiddenSize: m.encoderHiddenSize, decoderHiddenSize: m.decoderHiddenSize, numLayers: m.numLayers, bidirectional: m.bidirectional, reverseSource: m.reverseSource,
    attention: m.attention, attentionSize: m.attentionSize, inputFeeding: m.inputFeeding, dropout: m.dropout, labelSmoothing: c.labelSmoothing, goId: m.goId, eosId: m.eosId,
    lr: c.lr, batchSize: c.batchSize, clipNorm: c.clipNorm ?? null, seconds: trained.seconds, threads, seed: c.seed,
    maxLength: m.maxTargetLength + 10, beamWidth: 5, lengthPenalty: 1, warmupSteps: c.warmupSteps, minLrRatio: c.minLrRatio,
  }, { torch });
  if ('skipped' in r) return r.skipped;
  const rows: Row[] = [];
  for (const [decoding, outs] of [['beam 5, length penalty 1', r.beam], ['greedy', r.greedy]] as const) {
    const hyps = outs.map((ids) => t.target.decode(ids));
    const bleu = corpusBleu(hyps, raw.targets), chrf = corpusChrf(hyps, raw.targets);
    const exact = exactMatches(t.target, hyps, raw.targets).filter(Boolean).length / hyps.length;
    log(`  PyTorch ${r.torch}, ${decoding}: BLEU ${bleu.score.toFixed(2)}, chrF ${chrf.score.toFixed(2)}, exact match ${(100 * exact).toFixed(2)}% (${r.epochs.toFixed(1)} epochs, ${r.steps} steps, ${r.seconds.toFixed(0)} s)`);
    rows.push({ data: `${name} (PyTorch ${r.torch})`, model: 'the same network', decoding, pairs: hyps.length, bleu: bleu.score, chrf: chrf.score, exact, epochs: r.epochs, steps: r.steps, seconds: r.seconds, reason: 'max-time' });
  }
  return rows;
}

function printTable(rows: Row[]): void {
  const head = ['data', 'model', 'decoding', 'held-out pairs', 'BLEU', 'chrF', 'exact match', 'epochs', 'train s'];
  const cells = rows.map((r) => [r.data, r.model, r.decoding, String(r.pairs), r.bleu.toFixed(2), r.chrf.toFixed(2), `${(100 * r.exact).toFixed(2)}%`, r.epochs.toFixed(1), r.seconds.toFixed(0)]);
  console.log(`\n${markdownTable(head, cells)}`);
}

async function main(): Promise<void> {
  const args = qualityArgs(['dates', 'eng-fra'] as const);
  const { dataDir, only, json, threads, log } = args;
  const backend = await WasmBackend.create(threads === undefined ? {} : { threads });
  const work = args.keep ?? await mkdtemp(join(tmpdir(), 'recur-seq2seq-quality-'));
  await mkdir(work, { recursive: true });
  const torch = await findTorchPython();
  log(`seq2seq quality: recur seq2seq train with default settings under a wall-time limit per model, ${backend.description}; data ${dataDir}; ${'skip' in torch ? `no PyTorch row (${torch.skip})` : `PyTorch ${torch.version} (${torch.python}): the eng-fra attention model on the same token ids for the same wall time`}`);
  const rows: Row[] = [];
  const verdicts: string[] = [];
  try {
    if (only.includes('dates')) {
      log('\ndate normalisation: 20,000 generated pairs (seed 1), characters; held out: 2,000 pairs from seed 2 whose source is not in training');
      const train = generateDatePairs(20000, 1);
      const seen = new Set(train.map((p) => p.source));
      const heldAll = generateDatePairs(3000, 2).filter((p) => !seen.has(p.source));
      const held = heldAll.slice(0, 2000);
      await writeFile(join(work, 'dates-train.tsv'), writeDatePairsTsv(train));
      await writeFile(join(work, 'dates-test.tsv'), writeDatePairsTsv(held));
      const r = await trainAndScore('dates', work, join(work, 'dates-train.tsv'), join(work, 'dates-test.tsv'),
        { sourceTokenizer: 'char', targetTokenizer: 'char', maxTimeMs: 180_000 }, [{ method: 'greedy' }, { method: 'beam', beamWidth: 5 }], backend, threads, log);
      rows.push(...r.rows);
      for (const x of r.rows) verdicts.push(`dates, ${x.decoding}: exact match ${(100 * x.exact).toFixed(2)}% (target ≥ 99.5%): ${x.exact >= 0.995 ? 'PASS' : 'MISS'}`);
    }
    if (only.includes('eng-fra')) {
      const p = join(dataDir, 'eng-fra-short.tsv');
      if (!existsSync(p)) log(`\neng-fra skipped: ${p} is absent`);
      else {
        const raw = parsePairs(await readFile(p, 'utf8'), p, { sourceColumn: 1, targetColumn: 2 });
        const { train, validation: test } = splitBySource(raw.sources, 0.1, 1);
        const lines = (idx: number[]) => `${idx.map((i) => `${raw.sources[i]}\t${raw.targets[i]}`).join('\n')}\n`;
        await writeFile(join(work, 'eng-fra-train.tsv'), lines(train));
        await writeFile(join(work, 'eng-fra-test.tsv'), lines(test));
        log(`\neng-fra: ${raw.sources.length.toLocaleString('en-US')} pairs split 90/10 by source sentence (seed 1): ${train.length} training, ${test.length} held out`);
        const budget = 240_000;
        const att = await trainAndScore('eng-fra', work, join(work, 'eng-fra-train.tsv'), join(work, 'eng-fra-test.tsv'), { maxTimeMs: budget }, [{ method: 'beam', beamWidth: 5 }, { method: 'greedy' }], backend, threads, log);
        const none = await trainAndScore('eng-fra-no-attention', work, join(work, 'eng-fra-train.tsv'), join(work, 'eng-fra-test.tsv'), { maxTimeMs: budget, attention: 'none' }, [{ method: 'greedy' }], backend, threads, log);
        rows.push(...att.rows, ...none.rows);
        const peer = await torchRows('eng-fra', att, join(work, 'eng-fra-test.tsv'), torch, backend.threads, log);
        if (typeof peer === 'string') log(`  PyTorch row skipped: ${peer}`);
        else rows.push(...peer);
        const gain = att.rows[0]!.bleu - none.rows[0]!.bleu;
        verdicts.push(`eng-fra: attention + beam 5 BLEU ${att.rows[0]!.bleu.toFixed(2)} vs no attention + greedy ${none.rows[0]!.bleu.toFixed(2)}: ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} (target ≥ +5): ${gain >= 5 ? 'PASS' : 'MISS'}`);
      }
    }
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
  if (json) console.log(JSON.stringify({ rows, verdicts }));
  else {
    printTable(rows);
    console.log(`\n${verdicts.join('\n')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(() => process.exit(), (e: Error) => {
    console.error(`quality:seq2seq: ${e.message.split('\n')[0]}`);
    process.exit(1);
  });
}
