/**
 * Word-level language model quality (`npm run quality:lm-words`; minutes, not in npm test):
 * issue 16's row. Tiny Shakespeare (../shared/data/tinyshakespeare.txt): its last 10% (cut at a
 * space) is held out. recur trains as `recur lm train --tokens word` does with default settings
 * on the first 90% (its own validation part the end of that, which picks the best model) under
 * a wall-time limit; the best model scores the held-out 10% as `recur lm eval` does (perplexity
 * per word, words outside its vocabulary read as [UNK]). The baselines, computed in the same run
 * with the same vocabulary and the same held-out ids: an interpolated modified Kneser-Ney
 * trigram fitted on the words recur trained on (the target's comparison), and one fitted on all
 * of the first 90% (validation part included).
 *
 * With --peer and a Python that imports torch (RECUR_PYTHON or .venv-torch), the same network is
 * also trained in PyTorch on the same ids for the same wall time (scripts/word_lm_torch.py).
 *
 *   node dist/bench/lm-words-quality.js [--data DIR] [--json] [--keep DIR] [--threads N] [--peer]
 */
import './relaxed-simd.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../io/model-file.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { evaluateLm, lmOf } from '../tasks/char-lm/evaluate.js';
import { KneserNeyTrigram } from '../tasks/char-lm/kneser-ney.js';
import { encodeText } from '../tasks/char-lm/vocab.js';
import { heldOutStart, wordLmTask } from '../tasks/char-lm/word-task.js';
import { runTask } from '../tasks/run-task.js';
import { BEST_MODEL_FILE_NAME } from '../tasks/run-directory.js';
import { markdownTable } from './markdown-table.js';
import { qualityArgs } from './quality-args.js';
import { findTorchPython } from './peers/python.js';
import { runTorchWordLm } from './peers/torch-word-lm.js';

const BUDGET_MS = 780_000;

interface Row { model: string; perplexity: number; nats: number; predictions: number; seconds: number }

async function main(): Promise<void> {
  const args = qualityArgs(['shakespeare'] as const, { flags: ['peer'] });
  const { dataDir, json, threads, log } = args;
  const path = join(dataDir, 'tinyshakespeare.txt');
  if (!existsSync(path)) {
    log(`lm-words quality: ${path} not found (give --data DIR holding tinyshakespeare.txt); nothing to measure`);
    return;
  }
  const backend = await WasmBackend.create(threads === undefined ? {} : { threads });
  const work = args.keep ?? await mkdtemp(join(tmpdir(), 'recur-lm-words-quality-'));
  await mkdir(work, { recursive: true });
  try {
    const text = await readFile(path, 'utf8');
    let cut = Math.floor(text.length * 0.9);
    while (cut > 0 && !/\s/u.test(text[cut - 1]!)) cut--;
    const trainPath = join(work, 'train.txt'), testPath = join(work, 'test.txt');
    await writeFile(trainPath, text.slice(0, cut));
    await writeFile(testPath, text.slice(cut));
    log(`lm-words quality: Tiny Shakespeare, the last 10% held out (${(text.length - cut).toLocaleString('en-US')} characters); ` +
      `recur lm train --tokens word with default settings for ${BUDGET_MS / 1000} s, ${backend.description}`);
    const out = join(work, 'words');
    const t0 = performance.now();
    let bestVal = Infinity;
    const r = await runTask(wordLmTask, {
      input: { textPath: trainPath }, out, config: { maxTimeMs: BUDGET_MS }, threads, force: true,
      onEvent: (e) => { if (e.type === 'eval') bestVal = Math.min(bestVal, e.valLoss); if (e.type === 'eval') log(`  step ${e.step}: validation ${e.valLoss.toFixed(4)} nats/word, perplexity ${e.metrics.perplexity!.toFixed(2)}`); },
    });
    const seconds = (performance.now() - t0) / 1000;
    const lm = lmOf(await loadModel(join(out, BEST_MODEL_FILE_NAME), { kind: 'any' }), 'best model');
    lm.model.to(backend);
    const test = await readFile(testPath, 'utf8');
    const ours = evaluateLm(lm, backend, test, 'unk');
    const c = r.config;
    const rows: Row[] = [{
      model: `recur: ${c.numLayers}×${c.hiddenSize} ${c.cell}, embedding ${c.embeddingDim}${c.tieWeights ? ' (tied)' : ''}, ${lm.vocab.size} words`,
      perplexity: ours.perplexity, nats: ours.nats, predictions: ours.predictions, seconds,
    }];
    // The baselines read the same ids: the model's vocabulary, unknown words as [UNK]. One is
    // fitted on the words recur trained on (the literature's convention: PTB's KN5 sees the
    // training set only), one on all of the first 90%, validation part included, which recur
    // only used to pick its best model.
    const trainText = text.slice(0, cut);
    const sameWords = trainText.slice(0, heldOutStart(trainText, c.validationFraction));
    const testIds = ours.encoded.ids; // the held-out ids recur scored
    for (const [what, part] of [['the words recur trained on', sameWords], ['all of the first 90%', trainText]] as const) {
      const t1 = performance.now();
      const kn = KneserNeyTrigram.fit(encodeText(lm.vocab, part, 'unk').ids, lm.vocab.size);
      const knEval = kn.evaluate(testIds);
      rows.push({
        model: `Kneser-Ney trigram on ${what} (interpolated, modified discounts ${kn.discounts.map((d) => d.map((x) => x.toFixed(2)).join('/')).join(', ')})`,
        perplexity: knEval.perplexity, nats: knEval.nats, predictions: knEval.predictions, seconds: (performance.now() - t1) / 1000,
      });
    }
    const [recur, same, all] = rows as [Row, Row, Row];
    // PyTorch: the same network and settings on the same training and validation ids, batched
    // the same way, for the same wall time, validating as often; its best weights score the same
    // held-out ids. Opt-in (--peer): it doubles the run's 13 minutes.
    const torch = await findTorchPython();
    if (!args.flags.has('peer')) {
      log('PyTorch row: not run (add --peer for the same network trained in PyTorch for the same time; it adds ' +
        `${BUDGET_MS / 60_000} minutes${'skip' in torch ? `, and needs a Python with PyTorch: ${torch.skip}` : ''})`);
    } else if ('skip' in torch) {
      log(`PyTorch row: skipped, ${torch.skip}`);
    } else {
      const d = r.prepared.data;
      log(`PyTorch ${torch.version}: the same network on the same ids for ${BUDGET_MS / 1000} s (${torch.python})`);
      const p = await runTorchWordLm({
        data: { train: d.train, validation: d.validation, test: testIds }, vocabSize: lm.vocab.size, embeddingDim: c.embeddingDim, hiddenSize: c.hiddenSize,
        numLayers: c.numLayers, cell: c.cell, dropout: c.dropout, tieWeights: c.tieWeights, lr: c.lr, warmupSteps: c.warmupSteps, minLrRatio: c.minLrRatio,
        clipNorm: c.clipNorm ?? null, batchSize: c.batchSize, seqLen: c.seqLen, seconds: BUDGET_MS / 1000, threads: backend.threads, seed: c.seed,
        // As often as recur validated: every evalEvery of its steps.
        evalSeconds: typeof c.evalEvery === 'number' && c.evalEvery > 0 ? (seconds * c.evalEvery) / r.step : null,
      }, { torch });
      if ('skipped' in p) throw new Error(`found ${torch.python}, yet skipped: ${p.skipped}`);
      log(`  ${p.steps} steps (${p.epochs.toFixed(1)} epochs), best validation perplexity ${p.validationPerplexity.toFixed(2)} at step ${p.bestStep}; recur: ${r.step} steps, best ${Math.exp(bestVal).toFixed(2)}`);
      rows.push({ model: `PyTorch ${torch.version}: the same network, ids, batches and time (${p.threads} threads)`, perplexity: p.testPerplexity, nats: p.testNats, predictions: p.testPredictions, seconds: p.seconds });
    }
    const verdict = `perplexity per word on the held-out 10%: recur ${recur.perplexity.toFixed(2)}, Kneser-Ney trigram on the same words ${same.perplexity.toFixed(2)} ` +
      `(target: recur lower): ${recur.perplexity < same.perplexity ? 'PASS' : 'MISS'}; on the first 90% ${all.perplexity.toFixed(2)} (recur ${recur.perplexity < all.perplexity ? 'lower' : 'higher'})` +
      `; ${ours.encoded.unknown.toLocaleString('en-US')} of ${ours.encoded.symbols.toLocaleString('en-US')} held-out words are [UNK] for all`;
    if (json) {
      console.log(JSON.stringify({ rows, verdict }));
    } else {
      console.log(`\n${markdownTable(['model', 'perplexity', 'nats/word', 'predictions', 'fit s'], rows.map((x) => [x.model, x.perplexity.toFixed(2), x.nats.toFixed(4), x.predictions.toLocaleString('en-US'), x.seconds.toFixed(0)]))}`);
      console.log(`\n${verdict}`);
    }
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }
}

await main();
