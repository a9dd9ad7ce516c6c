/**
 * `recur lm train | sample | eval | explain`: the character language model from the command
 * line. This file only maps flags to the task's config and renders its results and events;
 * the work is in `tasks/char-lm`.
 */
import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTextFile } from '../../data/text-file.js';
import { Rng } from '../../random/rng.js';
import {
  BUNDLED_TEXT_PATH, CHAR_LM_CELLS, CHAR_LM_DEFAULTS, type CharLmConfig, type CharLmInput, type LoadedLm, type LmUnknownPolicy as UnknownPolicy, WORD_LM_DEFAULTS, type WordLmConfig,
  type CharVocabulary, charLmTask, complete, defaultUnknownPolicy, encodeText, evaluateLm, explainText, generateSymbols, lmOf, neverSampled, unknownNote, wordLmTask,
} from '../../tasks/char-lm/index.js';
import { CHECKPOINT_FILE_NAME, readCheckpointFile } from '../../train/checkpoint.js';
import { readStdinLines } from '../stdin.js';
import { cellKindAliases, cellKindsHelp } from '../../nn/index.js';
import { describeChar } from '../../data/char-tokenizer.js';
import { CONFIG_FLAG_HELP, modelLoadOptions, readModelFile } from '../model-path.js';
import { choiceFlag, durationFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { formatDuration } from '../train-progress.js';
import { registerTrainCommand } from '../train-command.js';
import { stdout } from '../output.js';
import { type BackendFlags, backendFlags, backendOf } from '../backend-option.js';

export const DEFAULT_RUN_DIR = 'char-lm';
const D = CHAR_LM_DEFAULTS;

interface LmTrainFlags {
  text?: string; cell?: CharLmConfig['cell']; hiddenSize?: number; numLayers?: number; dropout?: number;
  input?: CharLmConfig['input']; embeddingDim?: number; seqLen?: number;
  tokens?: 'char' | 'word'; maxVocab?: number; minCount?: number; lowercase?: boolean; tieWeights?: boolean;
}
const W = WORD_LM_DEFAULTS;

async function loadLm(arg: string, config: string | undefined): Promise<LoadedLm & { path: string }> {
  const loaded = await readModelFile(arg, await modelLoadOptions(config));
  return { ...lmOf(loaded, loaded.path), path: loaded.path };
}

const UNKNOWN_HELP = 'symbols outside the vocabulary: unk (read as the unknown symbol the model learned in training: [UNK] for words, U+FFFD for characters) or skip (left out); always counted (default: unk; skip for character models trained before they had U+FFFD)';

function policyOf(lm: LoadedLm, given: UnknownPolicy | undefined): UnknownPolicy {
  const policy = given ?? defaultUnknownPolicy(lm.vocab);
  if (policy === 'unk' && lm.vocab.unkId === undefined) throw new Error('--unknown unk: this character model has no unknown symbol (it was trained before recur gave character models one); use --unknown skip');
  return policy;
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
      .option('--dropout <p>', `dropout between recurrent layers, in [0, 1) (default ${D.dropout}; ${W.dropout} with --tokens word, also on the embedding and before the output layer)`, numberFlag('--dropout', 0, 1, { hiOpen: true }))
      .option('--input <kind>', `embedding or one-hot (default ${D.input})`, choiceFlag('--input', ['embedding', 'one-hot'] as const))
      .option('--embedding-dim <n>', `embedding size for --input embedding (default ${D.embeddingDim}; ${W.embeddingDim} with --tokens word)`, integerFlag('--embedding-dim', 1))
      .option('--seq-len <n>', `window length: steps of backpropagation through time (default ${D.seqLen}; ${W.seqLen} with --tokens word)`, integerFlag('--seq-len', 1))
      .option('--tokens <level>', 'char (default) or word: a word-level model over the shared word tokenizer (punctuation apart, [NUM], [URL], the rest [UNK])', choiceFlag('--tokens', ['char', 'word'] as const))
      .option('--max-vocab <n>', `--tokens word: the most frequent words kept, [PAD] [UNK] [NUM] [URL] included; 0 = no limit (default ${W.maxVocab})`, integerFlag('--max-vocab', 0))
      .option('--min-count <n>', `symbols seen fewer times in the training part are left out of the vocabulary and read as the unknown symbol, which the model so learns: U+FFFD for characters, [UNK] for words (default ${D.minCount})`, integerFlag('--min-count', 1))
      .option('--lowercase', '--tokens word: lower-case the text first')
      .option('--tie-weights', 'tie the output layer to the embedding (needs --embedding-dim equal to --hidden-size; the default with --tokens word)')
      .option('--no-tie-weights', 'an output layer of its own (the default for characters)'),
    help: {
      batchSize: `parallel streams per step (default ${D.batchSize}; ${W.batchSize} with --tokens word)`,
      evalEvery: `validate and print a sample every n steps, 0 = only at the end (default ${D.evalEvery})`,
      lr: `peak learning rate of Adam (default ${D.lr}; ${W.lr} with --tokens word; cosine decay to a tenth)`,
    },
    config(f) {
      // No flag accepted and then ignored:
      if (f.embeddingDim !== undefined && f.input === 'one-hot') throw new Error('--embedding-dim applies to --input embedding, not one-hot');
      const word = f.tokens === 'word';
      // (A word model's dropout also acts on its embedding and before its output layer.)
      if (f.dropout !== undefined && f.dropout > 0 && f.numLayers === 1 && !word) {
        throw new Error('--dropout applies between recurrent layers, and --num-layers 1 has none (use --num-layers 2 or more, or leave --dropout out)');
      }
      for (const [flag, v] of [['--max-vocab', f.maxVocab], ['--lowercase', f.lowercase]] as const) {
        if (v !== undefined && !word && !f.resume) throw new Error(`${flag} applies to --tokens word`);
      }
      return {
        cell: f.cell, hiddenSize: f.hiddenSize, numLayers: f.numLayers, input: f.input, embeddingDim: f.embeddingDim, seqLen: f.seqLen, tieWeights: f.tieWeights,
        // One character layer has nowhere to put dropout: record 0 rather than the unused default.
        dropout: f.dropout ?? (f.numLayers === 1 && !f.resume && !word ? 0 : undefined),
        minCount: f.minCount,
        ...(word || f.resume ? { maxVocab: f.maxVocab, lowercase: f.lowercase } : {}),
      } as Partial<CharLmConfig>;
    },
    async taskFor(f) {
      // A resumed run keeps its tokens: the checkpoint says which. Without one (a run stopped
      // before its first checkpoint starts over: runTask), the flags do, as for a new run.
      if (!f.resume || !existsSync(join(f.out, CHECKPOINT_FILE_NAME))) return (f.tokens === 'word' ? wordLmTask : charLmTask) as typeof charLmTask;
      const stored = (await readCheckpointFile(f.out)).task;
      const level = stored === 'word-lm' ? 'word' : 'char';
      if (f.tokens !== undefined && f.tokens !== level) {
        throw new Error(`--tokens ${f.tokens}: the run in ${f.out} trains a ${level === 'word' ? 'word' : 'character'}-level model; a resumed run keeps its tokens (leave --tokens out, or start a new run with --out)`);
      }
      return (level === 'word' ? wordLmTask : charLmTask) as typeof charLmTask;
    },
    // No --text: the bundled Tiny Shakespeare, or when resuming the run's own text (the task's prepare decides).
    input: (f) => (f.text === undefined ? undefined : { textPath: f.text }),
  });
}

function registerSample(lm: Command): void {
  const cmd = lm.command('sample')
    .description('generate text from a trained language model (characters or words), streaming it as it comes')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--prime <text>', 'text to start from; printed before the generated text', '')
    .option('--length <n>', 'characters (words, for a word model) to generate', integerFlag('--length', 0), 500)
    .option('--temperature <t>', 'softmax temperature; 0 = greedy (always the most likely symbol)', numberFlag('--temperature', 0, Infinity), 0.8)
    .option('--top-k <k>', 'sample only among the k most likely symbols', integerFlag('--top-k', 1))
    .option('--top-p <p>', 'sample only among the most likely symbols that together reach probability p (nucleus), in (0, 1]',
      numberFlag('--top-p', 0, 1, { loOpen: true }))
    .option('--seed <n>', 'seed of the draws (default: a random one, printed with --json)', integerFlag('--seed', 0))
    .option('--unknown <policy>', UNKNOWN_HELP, choiceFlag('--unknown', ['unk', 'skip'] as const))
    .option('--json', 'print one JSON object with the text and settings at the end instead of streaming');
  backendFlags(cmd)
    .action(async (f: BackendFlags & { model: string; config?: string; prime: string; length: number; temperature: number; topK?: number; topP?: number; seed?: number; unknown?: UnknownPolicy; json?: boolean }) => {
      const lm = await loadLm(f.model, f.config);
      const { vocab, path } = lm;
      const policy = policyOf(lm, f.unknown);
      const enc = encodeText(vocab, f.prime, policy);
      if (f.prime !== '' && enc.ids.length === 0) throw new Error('--prime has no symbol inside the vocabulary to start from');
      const note = unknownNote(vocab, enc, policy, '--prime');
      if (note) process.stderr.write(`note: ${note}\n`);
      // No prime: start after a line break (or a full stop), as at the start of a text.
      const start = enc.ids.length ? enc.ids : Int32Array.of(vocab.idOf('\n') ?? vocab.idOf('.') ?? 0);
      const seed = f.seed ?? randomInt(2 ** 31);
      const backend = await backendOf(f);
      lm.model.to(backend); // the weights into the backend's memory once, not copied at every step
      const symbols = generateSymbols(lm.model, (id) => vocab.symbol(id), backend, start, { length: f.length, temperature: f.temperature, topK: f.topK, topP: f.topP, rng: new Rng(seed), never: neverSampled(vocab) });
      if (f.json) {
        const text = vocab.join([...symbols]);
        const summary = { model: path, prime: f.prime, text, length: f.length, temperature: f.temperature, topK: f.topK ?? null, topP: f.topP ?? null, seed, unknown: enc.unknown };
        stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      stdout.write(f.prime);
      let previous: string[] = vocab.level === 'word' && f.prime.trim() !== '' ? ['x'] : [];
      for (const sym of symbols) {
        // Words are spaced as join() spaces them; characters come as they are.
        const piece = vocab.level === 'word' ? vocab.join([...previous, sym]).slice(vocab.join(previous).length) : sym;
        previous = [sym];
        if (!stdout.write(piece)) return; // the reader has gone (| head): stop generating
      }
      stdout.write('\n');
    });
}

function registerEval(lm: Command): void {
  const cmd = lm.command('eval')
    .description('loss of a trained language model on a text over every next-symbol prediction: nats, bits and perplexity per character (per word for a word model)')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--text <file>', 'UTF-8 text to score')
    .option('--unknown <policy>', UNKNOWN_HELP, choiceFlag('--unknown', ['unk', 'skip'] as const))
    .option('--json', 'print a JSON object instead of text');
  backendFlags(cmd)
    .action(async (f: BackendFlags & { model: string; config?: string; text: string; unknown?: UnknownPolicy; json?: boolean }) => {
      const text = await loadTextFile(f.text);
      const lm = await loadLm(f.model, f.config);
      const policy = policyOf(lm, f.unknown);
      const backend = await backendOf(f);
      const t0 = performance.now();
      let r;
      try {
        lm.model.to(backend);
        r = evaluateLm(lm, backend, text, policy);
      } catch (e) {
        throw new Error(`${f.text}: ${(e as Error).message.replace(/^the text /, '')}`);
      }
      const ms = performance.now() - t0;
      const unit = lm.vocab.level === 'char' ? 'char' : 'word';
      const unknown = { policy, count: r.encoded.unknown, symbols: r.encoded.symbols, examples: r.encoded.examples };
      if (f.json) {
        const per = unit === 'char' ? { natsPerChar: r.nats, bitsPerChar: r.bits } : { natsPerWord: r.nats, bitsPerWord: r.bits };
        stdout.write(`${JSON.stringify({ model: lm.path, text: f.text, tokens: lm.vocab.level, ...per, perplexity: r.perplexity, predictions: r.predictions, unknown, ms })}\n`);
        return;
      }
      stdout.write(`${f.text}: ${r.nats.toFixed(4)} nats/${unit}, ${r.bits.toFixed(4)} bits/${unit}, perplexity ${r.perplexity.toFixed(3)} ` +
        `(${r.predictions.toLocaleString('en-US')} predictions, ${formatDuration(ms)})\n`);
      const note = unknownNote(lm.vocab, r.encoded, policy, f.text);
      stdout.write(note ? `${note}\n` : `${f.text}: every ${unit === 'char' ? 'character' : 'word'} is inside the vocabulary\n`);
    });
}

function registerExplain(lm: Command): void {
  const cmd = lm.command('explain')
    .description('run a short text through a character model one step at a time: the input character, the top layer\'s hidden state ' +
      '(its first 24 units as a sparkline from -1 to 1, norm, mean, strongest units) and the most likely next characters')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--text <string>', 'the text to explain (the characters themselves, not a file)')
    .option('--top <k>', 'next characters to list per step', integerFlag('--top', 1), 5)
    .option('--json', 'print one JSON object per step instead of text');
  backendFlags(cmd)
    .action(async (f: BackendFlags & { model: string; config?: string; text: string; top: number; json?: boolean }) => {
      if (f.text.length === 0) throw new Error('--text must not be empty');
      const lm = await loadLm(f.model, f.config);
      if (lm.vocab.level !== 'char') throw new Error(`${lm.path} is a word-level model; explain reads a text character by character (a character model from recur lm train)`);
      const backend = await backendOf(f);
      lm.model.to(backend);
      const steps = explainText(lm.model, (lm.vocab as CharVocabulary).tokenizer, backend, f.text, { topK: f.top });
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

function registerComplete(lm: Command): void {
  const cmd = lm.command('complete')
    .description('autocomplete: the most likely next words (or the rest of the word being typed) after --text, with their probabilities; ' +
      '--words N completes N words by beam search. Without --text, answers each line of stdin as it arrives (interactive)')
    .requiredOption('--model <dir>', 'run directory (or model .safetensors file) written by recur lm train (word or character model)')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--text <text>', 'the text typed so far (a trailing space means the last word is finished)')
    .option('--top-k <k>', 'completions to list (and the beam width), 1 to 100 (default 5)', integerFlag('--top-k', 1))
    .option('--words <n>', 'words each completion holds, 1 to 50 (default 1)', integerFlag('--words', 1))
    .option('--unknown <policy>', UNKNOWN_HELP, choiceFlag('--unknown', ['unk', 'skip'] as const))
    .option('--json', 'print one JSON object per text: {"text", "prefix", "completions": [{"text", "probability"}], "unknown", "ms"}');
  backendFlags(cmd)
    .action(async (f: BackendFlags & { model: string; config?: string; text?: string; topK?: number; words?: number; unknown?: UnknownPolicy; json?: boolean }) => {
      if (f.text !== undefined && f.text.trim() === '') throw new Error('--text is empty; type a few words to complete');
      const lm = await loadLm(f.model, f.config);
      const policy = policyOf(lm, f.unknown);
      const backend = await backendOf(f);
      lm.model.to(backend);
      const answer = (text: string) => {
        const t0 = performance.now();
        const r = complete(lm, backend, text, { topK: f.topK, words: f.words, unknown: policy });
        const ms = performance.now() - t0;
        if (f.json) return `${JSON.stringify({ text, prefix: r.prefix, completions: r.completions.map((c) => ({ text: c.text, probability: Number(c.probability.toPrecision(4)) })), unknown: r.unknown, ms: Number(ms.toFixed(1)) })}\n`;
        return `${r.completions.map((c) => `${(100 * c.probability).toFixed(2).padStart(6)}%  ${JSON.stringify(text + c.text).slice(1, -1)}`).join('\n')}\n`;
      };
      if (f.text !== undefined) { stdout.write(answer(f.text)); return; }
      for await (const line of readStdinLines()) {
        if (line.trim() === '') continue;
        if (!stdout.write(answer(line))) return;
      }
    });
}

export function registerLm(program: Command): void {
  const lm = program.command('lm').description('language model (characters or words): train, sample, eval, explain, complete');
  registerTrain(lm);
  registerSample(lm);
  registerEval(lm);
  registerExplain(lm);
  registerComplete(lm);
}
