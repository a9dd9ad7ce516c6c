/**
 * Word-level language model quality (`npm run quality:lm-words`; minutes, not in npm test):
 * issue 16's row. Tiny Shakespeare (../shared/data/tinyshakespeare.txt): its last 10% (cut at a
 * space) is held out. recur trains as `recur lm train --tokens word` does with default settings
 * on the first 90% (its own validation part the end of that, which picks the best model) under
 * a wall-time limit; the best model scores the held-out 10% as `recur lm eval` does (perplexity
 * per word, words outside its vocabulary read as [UNK]). The baseline, computed in the same run
 * with the same vocabulary and the same held-out ids: an interpolated modified Kneser-Ney
 * trigram fitted on all of the first 90%.
 *
 *   node dist/bench/lm-words-quality.js [--data DIR] [--json] [--keep DIR] [--threads N]
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../io/model-file.js';
import { WasmBackend } from '../kernels/wasm/wasm-backend.js';
import { evaluateLm, lmOf } from '../tasks/char-lm/evaluate.js';
import { KneserNeyTrigram } from '../tasks/char-lm/kneser-ney.js';
import { encodeText } from '../tasks/char-lm/vocab.js';
import { wordLmTask } from '../tasks/char-lm/word-task.js';
import { runTask } from '../tasks/run-task.js';
import { BEST_MODEL_FILE_NAME } from '../tasks/run-directory.js';
import { markdownTable } from './markdown-table.js';
import { qualityArgs } from './quality-args.js';

const BUDGET_MS = 780_000;

interface Row { model: string; perplexity: number; nats: number; predictions: number; seconds: number }

async function main(): Promise<void> {
  const args = qualityArgs(['shakespeare'] as const);
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
    const r = await runTask(wordLmTask, {
      input: { textPath: trainPath }, out, config: { maxTimeMs: BUDGET_MS }, threads, force: true,
      onEvent: (e) => { if (e.type === 'eval') log(`  step ${e.step}: validation ${e.valLoss.toFixed(4)} nats/word, perplexity ${e.metrics.perplexity!.toFixed(2)}`); },
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
    // The baseline reads the same ids: the model's vocabulary, unknown words as [UNK].
    const trainIds = encodeText(lm.vocab, text.slice(0, cut), 'unk').ids;
    const testIds = encodeText(lm.vocab, test, 'unk').ids;
    const t1 = performance.now();
    const kn = KneserNeyTrigram.fit(trainIds, lm.vocab.size);
    const knEval = kn.evaluate(testIds);
    rows.push({ model: `Kneser-Ney trigram (interpolated, modified discounts ${kn.discounts.map((d) => d.map((x) => x.toFixed(2)).join('/')).join(', ')})`, perplexity: knEval.perplexity, nats: knEval.nats, predictions: knEval.predictions, seconds: (performance.now() - t1) / 1000 });
    const verdict = `perplexity per word on the held-out 10%: recur ${rows[0]!.perplexity.toFixed(2)}, Kneser-Ney trigram ${rows[1]!.perplexity.toFixed(2)} (target: recur lower): ${rows[0]!.perplexity < rows[1]!.perplexity ? 'PASS' : 'MISS'}` +
      `; ${ours.encoded.unknown.toLocaleString('en-US')} of ${ours.encoded.symbols.toLocaleString('en-US')} held-out words are [UNK] for both`;
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
