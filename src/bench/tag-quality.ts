/**
 * Tagging quality (`npm run quality:tag`; minutes, not in npm test): issue 16's tagging row. UD
 * English EWT dev (../shared/data/pos/en_ewt-dev.tsv, FORM UPOS XPOS) is split 80/20 by sentence
 * (seed 1). The tagger trains exactly as `recur tag train` does with default settings (its own
 * validation part a 10% split of the 80%, which picks the best model by token accuracy) under a
 * wall-time limit, and the best model is scored on the 20% as `recur tag eval` does: UPOS
 * accuracy, accuracy on words outside its vocabulary, macro-F1. Baselines computed in the same
 * run on the same split: the most frequent tag, and each word's most frequent training tag (the
 * most frequent tag for unseen words). The 20% never trains or selects anything.
 *
 *   node dist/bench/tag-quality.js [--data DIR] [--json] [--keep DIR] [--threads N]
 */
import './relaxed-simd.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shuffledSplit } from '../data/split.js';
import { type TaggedSentence, readTagged } from '../data/tagged-text.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { runTask } from '../tasks/run-task.js';
import { BEST_MODEL_FILE_NAME } from '../tasks/run-directory.js';
import { taggingMetrics } from '../tasks/tag/metrics.js';
import { evaluateTagger, loadTagger } from '../tasks/tag/predict.js';
import { tagTask } from '../tasks/tag/task.js';
import { markdownTable } from './markdown-table.js';
import { qualityArgs } from './quality-args.js';

/** Train budget of the tagger. */
const BUDGET_MS = 240_000;
const TARGET = 0.9;

interface Row { model: string; accuracy: number; unseen: number; unseenTokens: number; macroF1: number; epochs: number; seconds: number }

function toTsv(sentences: readonly TaggedSentence[]): string {
  return sentences.map((s) => s.words.map((w, i) => `${w}\t${s.tags[i]}\n`).join('')).join('\n');
}

/** Most frequent tag per (exact) training word, else the most frequent tag overall. */
function unigramBaseline(train: readonly TaggedSentence[], test: readonly TaggedSentence[]): { majority: string[][]; perWord: string[][]; seen: Set<string> } {
  const byWord = new Map<string, Map<string, number>>();
  const overall = new Map<string, number>();
  for (const s of train) {
    s.words.forEach((w, i) => {
      const t = s.tags[i]!;
      overall.set(t, (overall.get(t) ?? 0) + 1);
      const m = byWord.get(w) ?? new Map<string, number>();
      m.set(t, (m.get(t) ?? 0) + 1);
      byWord.set(w, m);
    });
  }
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
  const most = top(overall);
  return {
    majority: test.map((s) => s.words.map(() => most)),
    perWord: test.map((s) => s.words.map((w) => (byWord.has(w) ? top(byWord.get(w)!) : most))),
    seen: new Set(byWord.keys()),
  };
}

async function main(): Promise<void> {
  const args = qualityArgs(['ewt'] as const);
  const { dataDir, json, threads, log } = args;
  const path = join(dataDir, 'pos', 'en_ewt-dev.tsv');
  if (!existsSync(path)) {
    log(`tag quality: ${path} not found (give --data DIR holding pos/en_ewt-dev.tsv); nothing to measure`);
    return;
  }
  const backend = await WasmBackend.create(threads === undefined ? {} : { threads });
  const work = args.keep ?? await mkdtemp(join(tmpdir(), 'recur-tag-quality-'));
  await mkdir(work, { recursive: true });
  try {
    const doc = readTagged(await readFile(path, 'utf8'), { format: 'tsv', column: 2, requireTags: true, source: path });
    const split = shuffledSplit(doc.sentences.length, { validation: 0.2, seed: 1 });
    const train = Array.from(split.train, (i) => doc.sentences[i]!);
    const test = Array.from(split.validation, (i) => doc.sentences[i]!);
    const trainPath = join(work, 'ewt-train.tsv'), testPath = join(work, 'ewt-test.tsv');
    await writeFile(trainPath, toTsv(train));
    await writeFile(testPath, toTsv(test));
    const count = (ss: readonly TaggedSentence[]) => ss.reduce((n, s) => n + s.words.length, 0);
    log(`tag quality: UD English EWT dev, UPOS; ${train.length} sentences (${count(train)} tokens) to train, ${test.length} (${count(test)} tokens) held out (80/20 by sentence, seed 1); ` +
      `recur tag train with default settings for ${BUDGET_MS / 1000} s, ${backend.description}`);

    const out = join(work, 'tagger');
    const t0 = performance.now();
    let epochs = 0;
    await runTask(tagTask, {
      input: { dataPath: trainPath }, out, config: { maxTimeMs: BUDGET_MS }, threads, force: true,
      onEvent: (e) => {
        if (e.type === 'step') epochs = e.epoch;
        if (e.type === 'eval') log(`  step ${e.step}: validation loss ${e.valLoss.toFixed(4)}, accuracy ${(100 * e.metrics.accuracy!).toFixed(2)}%, unseen-word ${(100 * e.metrics.unseen!).toFixed(2)}%`);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const tagger = await loadTagger(join(out, BEST_MODEL_FILE_NAME));
    tagger.model.to(backend);
    const ev = evaluateTagger(tagger, backend, readTagged(await readFile(testPath, 'utf8'), { format: 'tsv', requireTags: true, source: testPath }));
    const c = tagger.model.config;
    const rows: Row[] = [{
      model: `recur: word ${c.wordEmbeddingDim} + char BiLSTM ${c.charHiddenSize}×2 -> ${c.numLayers}×${c.hiddenSize} Bi${c.cell.toUpperCase()} -> ${c.crf ? 'CRF' : 'softmax'}`,
      accuracy: ev.metrics.accuracy, unseen: ev.metrics.unseenAccuracy, unseenTokens: ev.metrics.unseenTokens, macroF1: ev.metrics.macroF1, epochs, seconds,
    }];
    // Baselines, scored with recur's unseen mask (words outside the tagger's vocabulary).
    const b = unigramBaseline(train, test);
    const gold = test.map((s) => s.tags.map((t) => t!));
    const unseen = tagger.vocab.unseen(test);
    for (const [model, pred] of [['baseline: most frequent tag of each training word (else the most frequent tag)', b.perWord], ['baseline: the most frequent tag', b.majority]] as const) {
      const m = taggingMetrics(gold, pred, unseen);
      rows.push({ model, accuracy: m.accuracy, unseen: m.unseenAccuracy, unseenTokens: m.unseenTokens, macroF1: m.macroF1, epochs: 0, seconds: 0 });
    }
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    const verdict = `UPOS accuracy ${pct(rows[0]!.accuracy)} on the held-out 20% (target >= ${pct(TARGET)}): ${rows[0]!.accuracy >= TARGET ? 'PASS' : 'MISS'}`;
    if (json) {
      console.log(JSON.stringify({ rows, verdict }));
    } else {
      const head = ['model', 'UPOS accuracy', 'unseen-word accuracy', 'unseen tokens', 'macro-F1', 'epochs', 'train s'];
      console.log(`\n${markdownTable(head, rows.map((r) => [r.model, pct(r.accuracy), pct(r.unseen), String(r.unseenTokens), r.macroF1.toFixed(4), r.epochs ? r.epochs.toFixed(1) : '-', r.seconds ? r.seconds.toFixed(0) : '-']))}`);
      console.log(`\n${verdict}`);
    }
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
}

await main();
