/**
 * Quality benchmark of the default character LM (`npm run quality:lm`; slow, not in npm test):
 * trains `recur lm train`'s default model on Tiny Shakespeare for `--minutes` and reports the
 * time to reach validation loss <= 1.60 nats/char and the best validation loss, then trains the
 * same architecture with TensorFlow.js (tfjs-layers LSTM, wasm backend) for the same training
 * time on the same split and windows, in the same run, and prints both side by side.
 *
 *   node dist/bench/char-lm-quality.js [--minutes 30] [--peer-minutes M] [--data PATH]
 *        [--peer-backend wasm|cpu] [--no-peer] [--eval-every 100] [--threads N] [--out DIR] [--json]
 *
 * Ends with a sample of recur's model (prime "ROMEO:", temperature 0.8, seed 1); `--out DIR`
 * also keeps the run directory (model.safetensors, checkpoint) for `recur lm sample`.
 *
 * recur's clock is wall time with its validations included; the peer's clock stops while it
 * validates (its forward pass is slow), which favours the peer.
 */
import './relaxed-simd.js';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CharTokenizer } from '../data/char-tokenizer.js';
import { splitContiguous } from '../data/stream-batcher.js';
import { loadTextFile } from '../data/text-file.js';
import { Parameter } from '../autograd/parameter.js';
import { ReferenceBackend } from '../kernels/reference/reference-backend.js';
import { Adam } from '../optim/adam.js';
import { createBackend } from '../kernels/index.js';
import { BUNDLED_TEXT_PATH, CHAR_LM_DEFAULTS, generateText, trainCharLm } from '../tasks/char-lm/index.js';
import { Rng } from '../random/rng.js';
import { WarmupCosineLR } from '../optim/warmup-cosine.js';
import { trainTfjsCharLm } from './peers/tfjs-char-lm.js';

const TARGET = 1.6;

interface RunSummary {
  name: string;
  backend: string;
  steps: number;
  tokensPerSecond: number;
  /** Training tokens per second of training time (validation excluded). */
  /** Minutes (of the clock the run is measured by) until validation loss <= 1.60, or null. */
  minutesToTarget: number | null;
  bestValLoss: number;
  finalValLoss: number;
  clock: string;
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const minutes = Number(arg(args, '--minutes') ?? 30);
  const peerMinutes = Number(arg(args, '--peer-minutes') ?? minutes);
  const evalEvery = Number(arg(args, '--eval-every') ?? 100);
  const peerBackend = (arg(args, '--peer-backend') ?? 'wasm') as 'wasm' | 'cpu';
  const shared = fileURLToPath(new URL('../../../shared/data/tinyshakespeare.txt', import.meta.url));
  const data = arg(args, '--data') ?? (existsSync(shared) ? shared : BUNDLED_TEXT_PATH);
  const json = args.includes('--json');
  const threads = arg(args, '--threads') === undefined ? undefined : Number(arg(args, '--threads'));
  const backend = await createBackend('wasm', threads === undefined ? {} : { threads });
  if (!(minutes > 0) || !(peerMinutes > 0) || !(evalEvery > 0)) throw new Error('--minutes, --peer-minutes and --eval-every must be > 0');
  const log = (s: string) => { if (!json) console.log(s); };
  const c = CHAR_LM_DEFAULTS;
  const text = await loadTextFile(data);
  log(`char-LM quality: ${data} (${text.length.toLocaleString('en-US')} chars, ${(1 - c.validationFraction) * 100}/${c.validationFraction * 100} split)`);
  log(`model: ${c.numLayers}×${c.hiddenSize} ${c.cell}, ${c.input} ${c.embeddingDim}, dropout ${c.dropout}; batch ${c.batchSize} × ${c.seqLen}; ` +
    `Adam ${c.lr} (warm-up ${c.warmupSteps}, cosine to ${c.lr * c.minLrRatio}), clip ${c.clipNorm}; target validation loss <= ${TARGET}`);

  // recur: exactly `recur lm train` with defaults, validating every `evalEvery` steps; the clock is wall time, evaluation included.
  log(`\nrecur (${backend.description}), ${minutes} min:`);
  let recurToTarget: number | null = null;
  let recurEvalMs = 0;
  const out = arg(args, '--out');
  const r = await trainCharLm({
    textPath: data, backend, out, config: { maxTimeMs: minutes * 60_000, evalEvery, checkpointEvery: 0, sampleLength: 0 },
    onEvent: (e) => {
      if (e.type === 'eval') {
        recurEvalMs += e.evalMs;
        if (recurToTarget === null && e.valLoss <= TARGET) recurToTarget = e.elapsedMs / 60_000;
        log(`  step ${e.step}  ${(e.elapsedMs / 60_000).toFixed(2)} min  val ${e.valLoss.toFixed(4)}`);
      }
    },
  });
  const recur: RunSummary = {
    name: 'recur', backend: backend.description, steps: r.step, tokensPerSecond: r.tokens / ((r.elapsedMs - recurEvalMs) / 1000),
    minutesToTarget: recurToTarget, bestValLoss: r.bestValLoss!, finalValLoss: r.lastValLoss!, clock: 'wall time, evaluations included',
  };
  const rows = [recur];
  const sample = generateText(r.model, r.tokenizer, backend, { prime: 'ROMEO:', length: 400, temperature: 0.8, rng: new Rng(1) });

  if (!args.includes('--no-peer')) {
    const tok = CharTokenizer.fromText(text);
    const { train, validation } = splitContiguous(tok.encode(text), 1 - c.validationFraction);
    const schedule = new WarmupCosineLR(new Adam([Parameter.zeros([1])], { lr: c.lr, backend: new ReferenceBackend() }), { warmupSteps: c.warmupSteps, minLr: c.lr * c.minLrRatio });
    log(`\nTensorFlow.js 4.22 (${peerBackend}), ${peerMinutes} min of training (clock stopped while validating):`);
    let peerToTarget: number | null = null;
    const p = await trainTfjsCharLm({
      vocabSize: tok.size, input: c.input, embeddingDim: c.embeddingDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, dropout: c.dropout,
      batchSize: c.batchSize, seqLen: c.seqLen, clipNorm: c.clipNorm ?? Infinity, lrAt: (e) => schedule.lrAt(e), setTotalSteps: (n) => schedule.setTotalSteps(n),
    }, train, validation, {
      minutes: peerMinutes, evalEveryMs: Math.max(peerMinutes * 60_000 / 3, 60_000), backend: peerBackend,
      onEval: (e) => {
        if (peerToTarget === null && e.valLoss <= TARGET) peerToTarget = e.trainMs / 60_000;
        log(`  step ${e.step}  ${(e.trainMs / 60_000).toFixed(2)} min  val ${e.valLoss.toFixed(4)}`);
      },
    });
    rows.push({
      name: 'TensorFlow.js', backend: `4.22 ${p.backend}`, steps: p.steps, tokensPerSecond: p.tokensPerSecond, minutesToTarget: peerToTarget,
      bestValLoss: Math.min(...p.evals.map((e) => e.valLoss)), finalValLoss: p.evals.at(-1)!.valLoss, clock: 'training time, evaluations excluded',
    });
  }

  if (json) {
    console.log(JSON.stringify({ data, minutes, peerMinutes, config: c, target: TARGET, runs: rows, sample }));
    return;
  }
  console.log(`\n${'run'.padEnd(30)} ${'steps'.padStart(7)} ${'tokens/s'.padStart(9)} ${'min to val<=1.60'.padStart(17)} ${'best val'.padStart(9)} ${'final val'.padStart(10)}  clock`);
  for (const x of rows) {
    console.log(`${`${x.name}, ${x.backend}`.padEnd(30)} ${String(x.steps).padStart(7)} ${x.tokensPerSecond.toFixed(0).padStart(9)} ` +
      `${(x.minutesToTarget === null ? 'not reached' : x.minutesToTarget.toFixed(2)).padStart(17)} ${x.bestValLoss.toFixed(4).padStart(9)} ${x.finalValLoss.toFixed(4).padStart(10)}  ${x.clock}`);
  }
  if (rows.length === 2) console.log(`recur / tfjs: ${(rows[0]!.tokensPerSecond / rows[1]!.tokensPerSecond).toFixed(1)}x tokens/s`);
  console.log(`\nsample of recur's model (prime "ROMEO:", temperature 0.8, seed 1):\nROMEO:${sample}`);
  if (out) console.log(`\nrun directory: ${out} (recur lm sample --model ${out})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
