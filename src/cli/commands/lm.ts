/**
 * `recur lm train | sample | eval | explain`: the character language model from the command
 * line. This file only maps flags to the task's config and renders its results and events;
 * the work is in `tasks/char-lm`.
 */
import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { loadTextFile } from '../../data/text-file.js';
import { type Backend, type WasmBackendOptions, createBackend } from '../../kernels/index.js';
import { Rng } from '../../random/rng.js';
import {
  BUNDLED_TEXT_PATH, CHAR_LM_CELLS, CHAR_LM_DEFAULTS, type CharLmConfig, charLmOf, evaluateCharLm, explainText, generateChars, trainCharLm,
} from '../../tasks/char-lm/index.js';
import { cellKindAliases, cellKindsHelp } from '../../nn/index.js';
import { describeChar } from '../../data/char-tokenizer.js';
import { readModelFile } from '../model-path.js';
import { choiceFlag, durationFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { createTrainRenderer, formatDuration } from '../train-progress.js';

export const DEFAULT_RUN_DIR = 'char-lm';
const D = CHAR_LM_DEFAULTS;

interface TrainFlags {
  text?: string; out: string; cell?: CharLmConfig['cell']; hiddenSize?: number; numLayers?: number; dropout?: number;
  input?: CharLmConfig['input']; embeddingDim?: number; seqLen?: number; batchSize?: number; lr?: number; clipNorm?: number;
  maxSteps?: number; maxTime?: number; evalEvery?: number; checkpointEvery?: number; seed?: number; threads?: number;
  resume?: boolean; force?: boolean; json?: boolean;
}

async function wasmBackend(threads?: number): Promise<Backend> {
  const options: WasmBackendOptions = threads === undefined ? {} : { threads };
  return createBackend('wasm', options);
}

async function loadCharLm(arg: string) {
  const loaded = await readModelFile(arg);
  return { ...charLmOf(loaded, loaded.path), path: loaded.path };
}

function registerTrain(lm: Command): void {
  lm.command('train')
    .description('train a character language model (char-rnn style: truncated BPTT over parallel streams, Adam, clipping, ' +
      'warm-up + cosine decay), validating on the last 10% of the text and checkpointing into --out')
    .option('--text <file>', 'UTF-8 text to train on (default: the bundled Tiny Shakespeare; when resuming, the run\'s own text)')
    .option('--out <dir>', 'run directory: model.safetensors + checkpoint.safetensors', DEFAULT_RUN_DIR)
    .option('--cell <type>', `${cellKindsHelp(CHAR_LM_CELLS)} (default ${D.cell})`, choiceFlag('--cell', CHAR_LM_CELLS, cellKindAliases(CHAR_LM_CELLS)))
    .option('--hidden-size <n>', `hidden units per layer (default ${D.hiddenSize})`, integerFlag('--hidden-size', 1))
    .option('--num-layers <n>', `stacked recurrent layers (default ${D.numLayers})`, integerFlag('--num-layers', 1))
    .option('--dropout <p>', `dropout between recurrent layers, in [0, 1) (default ${D.dropout})`, numberFlag('--dropout', 0, 1, { hiOpen: true }))
    .option('--input <kind>', `embedding or one-hot (default ${D.input})`, choiceFlag('--input', ['embedding', 'one-hot'] as const))
    .option('--embedding-dim <n>', `embedding size for --input embedding (default ${D.embeddingDim})`, integerFlag('--embedding-dim', 1))
    .option('--seq-len <n>', `window length: steps of backpropagation through time (default ${D.seqLen})`, integerFlag('--seq-len', 1))
    .option('--batch-size <n>', `parallel streams per step (default ${D.batchSize})`, integerFlag('--batch-size', 1))
    .option('--lr <rate>', `peak learning rate of Adam (default ${D.lr}; cosine decay to a tenth)`, numberFlag('--lr', 0, Infinity, { loOpen: true }))
    .option('--clip-norm <n>', `global gradient-norm clipping threshold (default ${D.clipNorm})`, numberFlag('--clip-norm', 0, Infinity, { loOpen: true }))
    .option('--max-steps <n>', 'stop after this many steps in total (the learning-rate decay ends here)', integerFlag('--max-steps', 1))
    .option('--max-time <duration>', 'stop after this much training time in total, e.g. 30m, 1h30m, 90s (default 30m when --max-steps is not given)', durationFlag('--max-time'))
    .option('--eval-every <n>', `validate and print a sample every n steps, 0 = only at the end (default ${D.evalEvery})`, integerFlag('--eval-every', 0))
    .option('--checkpoint-every <n>', `write a checkpoint every n steps, 0 = only at the end (default ${D.checkpointEvery})`, integerFlag('--checkpoint-every', 0))
    .option('--seed <n>', `seed of initialisation, dropout and samples (default ${D.seed})`, integerFlag('--seed', 0))
    .option('--threads <n>', 'threads of the wasm kernels, the main one included (default: all cores); resume with the same count for identical losses', integerFlag('--threads', 1))
    .option('--resume', 'continue the run in --out from its checkpoint (same losses as a run that never stopped)')
    .option('--force', 'start a new run in an --out that already holds one, overwriting it')
    .option('--json', 'print one JSON object per event (start, step, eval, sample, checkpoint, end)')
    .addHelpText('after', '\nCtrl-C writes a checkpoint and stops (exit code 130); a second Ctrl-C quits at once.\n' +
      'When resuming, model and optimisation flags must match the checkpoint; --max-steps, --max-time, --eval-every and --checkpoint-every may change.')
    .action(async (f: TrainFlags) => {
      if (f.resume && f.force) throw new Error('--resume and --force cannot be used together');
      // No flag accepted and then ignored:
      if (f.embeddingDim !== undefined && f.input === 'one-hot') throw new Error('--embedding-dim applies to --input embedding, not one-hot');
      if (f.dropout !== undefined && f.dropout > 0 && f.numLayers === 1) {
        throw new Error('--dropout applies between recurrent layers, and --num-layers 1 has none (use --num-layers 2 or more, or leave --dropout out)');
      }
      const config: Partial<CharLmConfig> = {
        cell: f.cell, hiddenSize: f.hiddenSize, numLayers: f.numLayers, input: f.input,
        // One layer has nowhere to put dropout: record 0 rather than the unused default.
        dropout: f.dropout ?? (f.numLayers === 1 && !f.resume ? 0 : undefined), embeddingDim: f.embeddingDim,
        seqLen: f.seqLen, batchSize: f.batchSize, lr: f.lr, clipNorm: f.clipNorm, maxSteps: f.maxSteps, maxTimeMs: f.maxTime,
        evalEvery: f.evalEvery, checkpointEvery: f.checkpointEvery, seed: f.seed,
      };
      const textPath = f.text ?? (f.resume ? undefined : BUNDLED_TEXT_PATH);
      const renderer = createTrainRenderer({ json: f.json });
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        if (++interrupts > 1) {
          renderer.stop(); // restores the cursor
          process.exit(130);
        }
        controller.abort();
        renderer.note('interrupted: writing a checkpoint after this step (Ctrl-C again to quit without it)');
      };
      process.on('SIGINT', onSigint);
      let result;
      try {
        result = await trainCharLm({
          textPath, out: f.out, config, resume: f.resume, overwrite: f.force, threads: f.threads, signal: controller.signal,
          onEvent: (e) => renderer.onEvent(e),
        });
      } finally {
        process.off('SIGINT', onSigint);
        renderer.stop();
      }
      if (result.reason === 'interrupted') process.exitCode = 130;
    });
}

function registerSample(lm: Command): void {
  lm.command('sample')
    .description('generate text from a trained character model, streaming characters as they come')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train')
    .option('--prime <text>', 'text to start from; printed before the generated characters', '')
    .option('--length <n>', 'characters to generate', integerFlag('--length', 0), 500)
    .option('--temperature <t>', 'softmax temperature; 0 = greedy (always the most likely character)', numberFlag('--temperature', 0, Infinity), 0.8)
    .option('--top-k <k>', 'sample only among the k most likely characters', integerFlag('--top-k', 1))
    .option('--top-p <p>', 'sample only among the most likely characters that together reach probability p (nucleus), in (0, 1]',
      numberFlag('--top-p', 0, 1, { loOpen: true }))
    .option('--seed <n>', 'seed of the draws (default: a random one, printed with --json)', integerFlag('--seed', 0))
    .option('--json', 'print one JSON object with the text and settings at the end instead of streaming')
    .action(async (f: { model: string; prime: string; length: number; temperature: number; topK?: number; topP?: number; seed?: number; json?: boolean }) => {
      const { model, tokenizer, path } = await loadCharLm(f.model);
      const seed = f.seed ?? randomInt(2 ** 31);
      const backend = await wasmBackend();
      const chars = generateChars(model, tokenizer, backend, {
        prime: f.prime, length: f.length, temperature: f.temperature, topK: f.topK, topP: f.topP, rng: new Rng(seed),
      });
      if (f.json) {
        let text = '';
        for (const ch of chars) text += ch;
        const summary = { model: path, prime: f.prime, text, length: f.length, temperature: f.temperature, topK: f.topK ?? null, topP: f.topP ?? null, seed };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const first = chars.next(); // checks the prime before anything is printed
      process.stdout.write(f.prime);
      if (!first.done) process.stdout.write(first.value);
      for (const ch of chars) process.stdout.write(ch);
      process.stdout.write('\n');
    });
}

function registerEval(lm: Command): void {
  lm.command('eval')
    .description('loss of a trained character model on a text: nats/char, bits/char and perplexity over every next-character prediction')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train')
    .requiredOption('--text <file>', 'UTF-8 text to score')
    .option('--json', 'print a JSON object instead of text')
    .action(async (f: { model: string; text: string; json?: boolean }) => {
      const text = await loadTextFile(f.text);
      const { model, tokenizer, path } = await loadCharLm(f.model);
      const t0 = performance.now();
      let r;
      try {
        r = evaluateCharLm(model, tokenizer, await wasmBackend(), text);
      } catch (e) {
        throw new Error(`${f.text}: ${(e as Error).message.replace(/^the text /, '')}`);
      }
      const ms = performance.now() - t0;
      if (f.json) {
        process.stdout.write(`${JSON.stringify({ model: path, text: f.text, natsPerChar: r.nats, bitsPerChar: r.bits, perplexity: r.perplexity, predictions: r.predictions, ms })}\n`);
        return;
      }
      process.stdout.write(`${f.text}: ${r.nats.toFixed(4)} nats/char, ${r.bits.toFixed(4)} bits/char, perplexity ${r.perplexity.toFixed(3)} ` +
        `(${r.predictions.toLocaleString('en-US')} predictions, ${formatDuration(ms)})\n`);
    });
}

function registerExplain(lm: Command): void {
  lm.command('explain')
    .description('run a short text through a character model one step at a time: the input character, the top layer\'s hidden state ' +
      '(its first 24 units as a sparkline from -1 to 1, norm, mean, strongest units) and the most likely next characters')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train')
    .requiredOption('--text <string>', 'the text to explain (the characters themselves, not a file)')
    .option('--top <k>', 'next characters to list per step', integerFlag('--top', 1), 5)
    .option('--json', 'print one JSON object per step instead of text')
    .action(async (f: { model: string; text: string; top: number; json?: boolean }) => {
      if (f.text.length === 0) throw new Error('--text must not be empty');
      const { model, tokenizer } = await loadCharLm(f.model);
      const steps = explainText(model, tokenizer, await wasmBackend(), f.text, { topK: f.top });
      for (const s of steps) {
        if (f.json) { process.stdout.write(`${JSON.stringify(s)}\n`); continue; }
        const h = s.hidden;
        const units = h.topUnits.map((u) => `#${u.unit} ${u.value >= 0 ? '+' : ''}${u.value.toFixed(2)}`).join(' ');
        const next = s.next.map((n) => `${describeChar(n.char)} ${(n.p * 100).toFixed(1)}%`).join('  ');
        process.stdout.write(`${String(s.index).padStart(3)} ${describeChar(s.char).padEnd(6)} ${h.sparkline}  |h| ${h.norm.toFixed(2)} mean ${h.mean >= 0 ? '+' : ''}${h.mean.toFixed(3)}` +
          `${h.cellNorm !== undefined ? ` |c| ${h.cellNorm.toFixed(2)}` : ''}  units ${units}  ->  ${next}\n`);
      }
    });
}

export function registerLm(program: Command): void {
  const lm = program.command('lm').description('character language model: train, sample, eval, explain');
  registerTrain(lm);
  registerSample(lm);
  registerEval(lm);
  registerExplain(lm);
}
