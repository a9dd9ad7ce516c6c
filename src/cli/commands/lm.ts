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
  BUNDLED_TEXT_PATH, CHAR_LM_CELLS, CHAR_LM_DEFAULTS, type CharLmConfig, type CharLmInput, charLmOf, charLmTask, evaluateCharLm, explainText, generateChars,
} from '../../tasks/char-lm/index.js';
import { cellKindAliases, cellKindsHelp } from '../../nn/index.js';
import { describeChar } from '../../data/char-tokenizer.js';
import { readModelFile } from '../model-path.js';
import { choiceFlag, durationFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { formatDuration } from '../train-progress.js';
import { registerTrainCommand } from '../train-command.js';
import { stdout } from '../output.js';

export const DEFAULT_RUN_DIR = 'char-lm';
const D = CHAR_LM_DEFAULTS;

interface LmTrainFlags {
  text?: string; cell?: CharLmConfig['cell']; hiddenSize?: number; numLayers?: number; dropout?: number;
  input?: CharLmConfig['input']; embeddingDim?: number; seqLen?: number;
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
  registerTrainCommand<CharLmConfig, CharLmInput, LmTrainFlags>(lm, {
    task: charLmTask,
    description: 'train a character language model (char-rnn style: truncated BPTT over parallel streams, Adam, clipping, ' +
      'warm-up + cosine decay), validating on the last 10% of the text and checkpointing into --out',
    defaultOut: DEFAULT_RUN_DIR,
    flags: (cmd) => cmd
      .option('--text <file>', 'UTF-8 text to train on (default: the bundled Tiny Shakespeare; when resuming, the run\'s own text)')
      .option('--cell <type>', `${cellKindsHelp(CHAR_LM_CELLS)} (default ${D.cell})`, choiceFlag('--cell', CHAR_LM_CELLS, cellKindAliases(CHAR_LM_CELLS)))
      .option('--hidden-size <n>', `hidden units per layer (default ${D.hiddenSize})`, integerFlag('--hidden-size', 1))
      .option('--num-layers <n>', `stacked recurrent layers (default ${D.numLayers})`, integerFlag('--num-layers', 1))
      .option('--dropout <p>', `dropout between recurrent layers, in [0, 1) (default ${D.dropout})`, numberFlag('--dropout', 0, 1, { hiOpen: true }))
      .option('--input <kind>', `embedding or one-hot (default ${D.input})`, choiceFlag('--input', ['embedding', 'one-hot'] as const))
      .option('--embedding-dim <n>', `embedding size for --input embedding (default ${D.embeddingDim})`, integerFlag('--embedding-dim', 1))
      .option('--seq-len <n>', `window length: steps of backpropagation through time (default ${D.seqLen})`, integerFlag('--seq-len', 1)),
    help: {
      batchSize: `parallel streams per step (default ${D.batchSize})`,
      evalEvery: `validate and print a sample every n steps, 0 = only at the end (default ${D.evalEvery})`,
      lr: `peak learning rate of Adam (default ${D.lr}; cosine decay to a tenth)`,
    },
    config(f) {
      // No flag accepted and then ignored:
      if (f.embeddingDim !== undefined && f.input === 'one-hot') throw new Error('--embedding-dim applies to --input embedding, not one-hot');
      if (f.dropout !== undefined && f.dropout > 0 && f.numLayers === 1) {
        throw new Error('--dropout applies between recurrent layers, and --num-layers 1 has none (use --num-layers 2 or more, or leave --dropout out)');
      }
      return {
        cell: f.cell, hiddenSize: f.hiddenSize, numLayers: f.numLayers, input: f.input, embeddingDim: f.embeddingDim, seqLen: f.seqLen,
        // One layer has nowhere to put dropout: record 0 rather than the unused default.
        dropout: f.dropout ?? (f.numLayers === 1 && !f.resume ? 0 : undefined),
      };
    },
    // No --text: the bundled Tiny Shakespeare, or when resuming the run's own text (the task's prepare decides).
    input: (f) => (f.text === undefined ? undefined : { textPath: f.text }),
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
        stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const first = chars.next(); // checks the prime before anything is printed
      stdout.write(f.prime);
      if (!first.done) stdout.write(first.value);
      for (const ch of chars) if (!stdout.write(ch)) return; // the reader has gone (| head): stop generating
      stdout.write('\n');
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
        stdout.write(`${JSON.stringify({ model: path, text: f.text, natsPerChar: r.nats, bitsPerChar: r.bits, perplexity: r.perplexity, predictions: r.predictions, ms })}\n`);
        return;
      }
      stdout.write(`${f.text}: ${r.nats.toFixed(4)} nats/char, ${r.bits.toFixed(4)} bits/char, perplexity ${r.perplexity.toFixed(3)} ` +
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
        if (stdout.closed) return;
        if (f.json) { stdout.write(`${JSON.stringify(s)}\n`); continue; }
        const h = s.hidden;
        const units = h.topUnits.map((u) => `#${u.unit} ${u.value >= 0 ? '+' : ''}${u.value.toFixed(2)}`).join(' ');
        const next = s.next.map((n) => `${describeChar(n.char)} ${(n.p * 100).toFixed(1)}%`).join('  ');
        stdout.write(`${String(s.index).padStart(3)} ${describeChar(s.char).padEnd(6)} ${h.sparkline}  |h| ${h.norm.toFixed(2)} mean ${h.mean >= 0 ? '+' : ''}${h.mean.toFixed(3)}` +
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
