/**
 * `recur seq2seq train | translate | eval | dates`: sequence to sequence from the command line
 * (translation pairs, date normalisation). This file maps flags to the task's config and renders
 * results; the work is in `tasks/seq2seq`.
 */
import type { Command } from 'commander';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { BACKEND_HELP, type BackendFlags, THREADS_HELP, backendOf, parseBackendFlag } from '../backend-option.js';
import { CELL_KINDS } from '../../kernels/cell-kinds.js';
import { heatmapChart } from '../../plot/index.js';
import { Rng } from '../../random/rng.js';
import { loadTextFile } from '../../data/text-file.js';
import {
  ATTENTION_KINDS, type DecodeOptions, SEQ2SEQ_DEFAULTS, type Seq2seqConfig, type Seq2seqInput, type Translation, type Translator, type UnknownPolicy,
  encodeSources, evaluateTranslatorOn, generateDatePairs, loadTranslator, renderSeq2seqEvaluation, seq2seqTask, translate, writeDatePairsTsv,
} from '../../tasks/seq2seq/index.js';
import { checkOutFile, checkSvgOutFile } from '../check-out-file.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { CONFIG_FLAG_HELP, modelLoadOptions, resolveModelPath } from '../model-path.js';
import { stdout } from '../output.js';
import { readStdin } from '../stdin.js';
import { registerTrainCommand } from '../train-command.js';

const D = SEQ2SEQ_DEFAULTS;
export const DEFAULT_SEQ2SEQ_DIR = 'seq2seq';

interface Seq2seqTrainFlags {
  data?: string; validationData?: string; sourceColumn?: number; targetColumn?: number;
  tokenizer?: 'word' | 'char'; sourceTokenizer?: 'word' | 'char'; targetTokenizer?: 'word' | 'char'; lowercase?: boolean; sharedVocabulary?: boolean;
  minCount?: number; maxVocab?: number; maxSourceLength?: number; maxTargetLength?: number; validation?: number;
  cell?: Seq2seqConfig['cell']; embeddingDim?: number; hiddenSize?: number; numLayers?: number; bidirectional?: boolean; reverseSource?: boolean;
  attention?: Seq2seqConfig['attention']; inputFeeding?: boolean; dropout?: number; teacherForcing?: number; teacherForcingEnd?: number; labelSmoothing?: number;
}

const LEVELS = ['word', 'char'] as const;

function registerTrain(seq2seq: Command): void {
  registerTrainCommand<Seq2seqConfig, Seq2seqInput, Seq2seqTrainFlags>(seq2seq, {
    task: seq2seqTask,
    description: 'train an encoder-decoder on source<TAB>target pairs (translation, normalisation), holding out a validation part by source sentence; ' +
      'the best model on validation BLEU (greedy decoding) is kept',
    defaultOut: DEFAULT_SEQ2SEQ_DIR,
    flags: (cmd) => cmd
      .option('--data <file>', 'training pairs: a TSV of source<TAB>target lines, other columns ignored (when resuming: the run\'s own)')
      .option('--validation-data <file>', 'validation pairs in the layout of --data, instead of a split of it')
      .option('--source-column <n>', `1-based column of the source (default ${D.sourceColumn})`, integerFlag('--source-column', 1))
      .option('--target-column <n>', `1-based column of the target (default ${D.targetColumn})`, integerFlag('--target-column', 1))
      .option('--tokenizer <level>', 'word or char, for both sides (default word)', choiceFlag('--tokenizer', LEVELS))
      .option('--source-tokenizer <level>', 'word or char for the source side only', choiceFlag('--source-tokenizer', LEVELS))
      .option('--target-tokenizer <level>', 'word or char for the target side only', choiceFlag('--target-tokenizer', LEVELS))
      .option('--lowercase', 'lower-case both sides (translations come out lower case)')
      .option('--shared-vocabulary', 'one vocabulary for source and target (same tokenizer on both sides)')
      .option('--min-count <n>', `tokens seen fewer times in training become [UNK] (default ${D.minCount})`, integerFlag('--min-count', 1))
      .option('--max-vocab <n>', `largest vocabulary per side, reserved tokens included; 0 = no limit (default ${D.maxVocab})`, integerFlag('--max-vocab', 0))
      .option('--max-source-length <n>', 'leave out training pairs whose source has more tokens, and count them; 0 = no limit', integerFlag('--max-source-length', 0))
      .option('--max-target-length <n>', 'leave out training pairs whose target has more tokens, and count them; 0 = no limit', integerFlag('--max-target-length', 0))
      .option('--validation <fraction>', `share of the distinct source sentences held out for validation (default ${D.validation})`, numberFlag('--validation', 0, 0.5, { loOpen: true }))
      .option('--cell <type>', `recurrent cell of encoder and decoder: ${CELL_KINDS.join(', ')} (default ${D.cell})`, choiceFlag('--cell', CELL_KINDS))
      .option('--embedding-dim <n>', `token embedding width of each side (default ${D.embeddingDim})`, integerFlag('--embedding-dim', 1))
      .option('--hidden-size <n>', `decoder hidden units; a bidirectional encoder gets half per direction (default ${D.hiddenSize})`, integerFlag('--hidden-size', 1))
      .option('--num-layers <n>', `stacked layers of encoder and decoder (default ${D.numLayers})`, integerFlag('--num-layers', 1))
      .option('--bidirectional', 'a bidirectional encoder (default)')
      .option('--no-bidirectional', 'a forwards-only encoder')
      .option('--reverse-source', 'feed the encoder each source back to front (Sutskever et al.)')
      .option('--attention <kind>', `${ATTENTION_KINDS.join(', ')}: additive is Bahdanau's, general and dot are Luong's (default ${D.attention})`, choiceFlag('--attention', ATTENTION_KINDS))
      .option('--input-feeding', 'feed the previous attentional vector back into the decoder (default, with attention)')
      .option('--no-input-feeding', 'do not feed it back')
      .option('--dropout <p>', `dropout on embeddings, between layers and before the output layer, in [0, 1) (default ${D.dropout})`, numberFlag('--dropout', 0, 1, { hiOpen: true }))
      .option('--teacher-forcing <ratio>', `probability that the decoder reads the true previous token rather than its own guess (default ${D.teacherForcing})`, numberFlag('--teacher-forcing', 0, 1))
      .option('--teacher-forcing-end <ratio>', 'the ratio at the end of the run: a linear schedule from --teacher-forcing (needs --max-steps or --max-epochs)', numberFlag('--teacher-forcing-end', 0, 1))
      .option('--label-smoothing <e>', `label smoothing of the loss, in [0, 1) (default ${D.labelSmoothing})`, numberFlag('--label-smoothing', 0, 1, { hiOpen: true })),
    config(f) {
      if (!f.resume && !f.data) throw new Error('--data is required (a TSV of source<TAB>target lines)');
      if (f.tokenizer && (f.sourceTokenizer || f.targetTokenizer)) throw new Error('give --tokenizer for both sides, or --source-tokenizer / --target-tokenizer, not both');
      return {
        sourceColumn: f.sourceColumn, targetColumn: f.targetColumn,
        sourceTokenizer: f.sourceTokenizer ?? f.tokenizer, targetTokenizer: f.targetTokenizer ?? f.tokenizer, lowercase: f.lowercase, sharedVocabulary: f.sharedVocabulary,
        minCount: f.minCount, maxVocab: f.maxVocab, maxSourceLength: f.maxSourceLength, maxTargetLength: f.maxTargetLength, validation: f.validation,
        cell: f.cell, embeddingDim: f.embeddingDim, hiddenSize: f.hiddenSize, numLayers: f.numLayers, bidirectional: f.bidirectional, reverseSource: f.reverseSource,
        attention: f.attention, inputFeeding: f.inputFeeding, dropout: f.dropout, teacherForcing: f.teacherForcing, teacherForcingEnd: f.teacherForcingEnd,
        labelSmoothing: f.labelSmoothing,
      };
    },
    input: (f) => (f.data === undefined ? undefined : { dataPath: f.data, validationPath: f.validationData }),
    help: { batchSize: `pairs per batch (default ${D.batchSize})`, evalEvery: `validate (loss, greedy BLEU) every n steps, or once an epoch with "epoch"; 0 = only at the end (default ${D.evalEvery})` },
  });
}

interface DecodeFlags {
  decode?: 'greedy' | 'sample' | 'beam'; beamWidth?: number; nBest?: number; lengthPenalty?: number; maxLength?: number; temperature?: number; seed?: number;
  truncate?: boolean; unknown?: UnknownPolicy;
}

function decodeFlags(cmd: Command, defaultMethod: 'beam' | 'greedy'): Command {
  return cmd
    .option('--decode <method>', `greedy, sample or beam (default ${defaultMethod})`, choiceFlag('--decode', ['greedy', 'sample', 'beam'] as const))
    .option('--beam-width <k>', 'hypotheses kept per source in beam search (default 5)', integerFlag('--beam-width', 1))
    .option('--length-penalty <alpha>', 'beam search ranks by log-probability / length^alpha (default 1: per token; 0: total)', numberFlag('--length-penalty', 0, Infinity))
    .option('--max-length <n>', 'most tokens generated per source (default: the longest training target + 10)', integerFlag('--max-length', 1))
    .option('--temperature <t>', 'sampling temperature (default 1)', numberFlag('--temperature', 0, Infinity, { loOpen: true }))
    .option('--seed <n>', 'seed of sampling (default 1)', integerFlag('--seed', 0))
    .option('--truncate', 'cut sources longer than the model\'s bound (the training --max-source-length, else twice the longest training source), with a count (default: an error)')
    .option('--unknown <policy>', 'tokens outside the source vocabulary: unk (read as [UNK], if training taught it), skip (left out), auto (default: unk when the model learned [UNK], else skip); always counted',
      choiceFlag('--unknown', ['auto', 'unk', 'skip'] as const));
}

function decodeOptions(f: DecodeFlags, defaultMethod: 'beam' | 'greedy', extra: Partial<DecodeOptions> = {}): DecodeOptions {
  const method = f.decode ?? defaultMethod;
  if (method !== 'beam' && (f.beamWidth !== undefined || f.lengthPenalty !== undefined)) throw new Error(`--beam-width and --length-penalty steer beam search, and --decode is ${method}`);
  if (method !== 'sample' && (f.temperature !== undefined || f.seed !== undefined)) throw new Error(`--temperature and --seed steer sampling, and --decode is ${method}`);
  return { method, beamWidth: f.beamWidth, lengthPenalty: f.lengthPenalty, maxLength: f.maxLength, temperature: f.temperature, rng: method === 'sample' ? new Rng(f.seed ?? 1) : undefined, ...extra };
}


/** The attention heatmap of one translation: target tokens (and [EOS]) down, source tokens across. */
async function attentionSvg(t: Translator, tr: Translation): Promise<string> {
  const h = tr.hypotheses[0]!;
  if (!h.attention || h.attention.length === 0) throw new Error('--plot-attention: this model has no attention (trained with --attention none)');
  let columns = t.source.tokenize(tr.source);
  if (columns.length !== h.attention[0]!.length) columns = Array.from({ length: h.attention[0]!.length }, (_, i) => columns[i] ?? `#${i + 1}`);
  const rows = [...h.tokens, ...(h.finished ? ['[EOS]'] : [])].slice(0, h.attention.length);
  return heatmapChart({
    title: `attention: ${tr.source} -> ${h.text}`, rows, columns, values: h.attention.slice(0, rows.length),
    xLabel: 'source token', yLabel: 'output token', valueLabel: 'attention weight', annotate: rows.length * columns.length <= 400,
  });
}

async function checkPlot(plot: string | undefined, inputs: { path: string; name: string }[], force: boolean | undefined): Promise<void> {
  if (!plot) return;
  await checkSvgOutFile('--plot-attention', plot, { inputs, force: force === true });
}

function registerTranslate(seq2seq: Command): void {
  decodeFlags(seq2seq.command('translate')
    .description('translate texts given as arguments, the lines of --input, or of stdin when neither is given (one output line each)')
    .argument('[text...]', 'source texts, one each')
    .option('--model <dir>', 'run directory (its best.safetensors, else model.safetensors) or a .safetensors file written by recur seq2seq train', DEFAULT_SEQ2SEQ_DIR)
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--input <file>', 'one source per line'), 'beam')
    .option('--n-best <k>', 'print the k best hypotheses of each source with their scores (beam search or sampling)', integerFlag('--n-best', 1))
    .option('--plot-attention <file.svg>', 'draw the attention of the first translation (source × output tokens)')
    .option('--force', 'overwrite --plot-attention if it exists')
    .option('--json', 'print one JSON object per source: {"source", "translations": [{"text", "score", "logProb", "finished"}]}')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (texts: string[], f: BackendFlags & DecodeFlags & { model: string; config?: string; input?: string; nBest?: number; plotAttention?: string; force?: boolean; json?: boolean }) => {
      if (texts.length && f.input) throw new Error('give texts as arguments or --input FILE, not both');
      const modelPath = await resolveModelPath(f.model, { preferBest: true });
      await checkPlot(f.plotAttention, [{ path: modelPath, name: 'model' }, ...(f.input ? [{ path: f.input, name: 'input' }] : [])], f.force);
      const t = await loadTranslator(modelPath, await modelLoadOptions(f.config));
      const options = decodeOptions(f, 'beam', { nBest: f.nBest ?? 1, attention: f.plotAttention !== undefined });
      const lines = texts.length ? texts : (f.input ? await loadTextFile(f.input) : await readStdin()).split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
      if (lines.length === 0) throw new Error(`nothing to translate: ${f.input ? `${f.input} has no non-empty line` : 'give texts as arguments, --input FILE, or lines on stdin'}`);
      const enc = encodeSources(t, lines, { truncate: f.truncate, unknown: f.unknown, where: (i) => (f.input ? `${f.input}: line ${i + 1}` : texts.length ? `text ${i + 1}` : `stdin line ${i + 1}`) });
      if (enc.truncated) process.stderr.write(`warning: ${enc.truncated} source${enc.truncated === 1 ? '' : 's'} cut to ${t.model.config.maxSourceLength} tokens, the model's bound (--truncate)\n`);
      if (enc.unknown) process.stderr.write(`note: ${enc.unknown} source token${enc.unknown === 1 ? '' : 's'} outside the vocabulary, ${enc.unknownPolicy === 'unk' ? 'read as [UNK]' : 'left out'}\n`);
      const backend = await backendOf(f);
      t.model.to(backend); // the weights into the backend's memory once, not copied at every op
      const out = translate(t, backend, lines, enc.ids, options);
      let text = '';
      for (const tr of out) {
        if (f.json) {
          text += `${JSON.stringify({ source: tr.source, translations: tr.hypotheses.map((h) => ({ text: h.text, score: Number(h.score.toFixed(4)), logProb: Number(h.logProb.toFixed(4)), finished: h.finished })) })}\n`;
        } else if ((f.nBest ?? 1) > 1) {
          text += `${tr.source}\n${tr.hypotheses.map((h, k) => `  ${k + 1}\t${h.score.toFixed(4)}\t${h.text}${h.finished ? '' : '\t(cut at --max-length)'}`).join('\n')}\n`;
        } else {
          text += `${tr.hypotheses[0]!.text}\n`;
        }
      }
      stdout.write(text);
      if (f.plotAttention) await writeFileAtomic(f.plotAttention, await attentionSvg(t, out[0]!));
    });
}

function registerEval(seq2seq: Command): void {
  decodeFlags(seq2seq.command('eval')
    .description('score an encoder-decoder on pairs it was not trained on: corpus BLEU and chrF (as sacreBLEU computes them), exact match, exact match by source length')
    .option('--model <dir>', 'run directory (its best.safetensors, else model.safetensors) or a .safetensors file written by recur seq2seq train', DEFAULT_SEQ2SEQ_DIR)
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--data <file>', 'a TSV of source<TAB>target pairs (the model\'s columns unless --source-column / --target-column say otherwise)')
    .option('--source-column <n>', '1-based column of the source', integerFlag('--source-column', 1))
    .option('--target-column <n>', '1-based column of the target', integerFlag('--target-column', 1)), 'beam')
    .option('--plot-attention <file.svg>', 'draw the attention of one example (--example) as a source × output heatmap')
    .option('--example <n>', 'the pair --plot-attention draws, 1-based (default 1)', integerFlag('--example', 1))
    .option('--force', 'overwrite --plot-attention if it exists')
    .option('--json', 'print a JSON object instead of the tables')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (f: BackendFlags & DecodeFlags & { model: string; config?: string; data: string; sourceColumn?: number; targetColumn?: number; plotAttention?: string; example?: number; force?: boolean; json?: boolean }) => {
      const modelPath = await resolveModelPath(f.model, { preferBest: true });
      if (f.example !== undefined && !f.plotAttention) throw new Error('--example chooses the pair --plot-attention draws; give --plot-attention FILE.svg');
      await checkPlot(f.plotAttention, [{ path: modelPath, name: 'model' }, { path: f.data, name: 'data' }], f.force);
      const t = await loadTranslator(modelPath, await modelLoadOptions(f.config));
      const backend = await backendOf(f);
      t.model.to(backend); // the weights into the backend's memory once, not copied at every op
      const ev = await evaluateTranslatorOn(t, backend, f.data, {
        ...decodeOptions(f, 'beam', { attention: f.plotAttention !== undefined }), truncate: f.truncate, unknown: f.unknown,
        columns: { sourceColumn: f.sourceColumn, targetColumn: f.targetColumn },
      });
      const n = f.example ?? 1;
      if (f.plotAttention && n > ev.translations.length) throw new Error(`--example ${n}: ${f.data} holds ${ev.translations.length} pairs`);
      const { translations, ...summary } = ev;
      stdout.write(f.json ? `${JSON.stringify(summary)}\n` : renderSeq2seqEvaluation(ev));
      if (f.plotAttention) await writeFileAtomic(f.plotAttention, await attentionSvg(t, translations[n - 1]!));
    });
}

function registerDates(seq2seq: Command): void {
  seq2seq.command('dates')
    .description('write date-normalisation pairs (a date in one of many human formats <TAB> the same date as YYYY-MM-DD), seeded: a task with an exact answer')
    .option('--count <n>', 'pairs to write (default 20000)', integerFlag('--count', 1))
    .option('--seed <n>', 'seed (default 1); another seed gives other dates for a held-out set', integerFlag('--seed', 0))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .action(async (f: { count?: number; seed?: number; out?: string; force?: boolean }) => {
      if (f.out) await checkOutFile(f.out, { inputs: [], force: f.force === true });
      const tsv = writeDatePairsTsv(generateDatePairs(f.count ?? 20000, f.seed ?? 1));
      if (f.out) await writeFileAtomic(f.out, tsv);
      else stdout.write(tsv);
    });
}

export function registerSeq2seq(program: Command): void {
  const seq2seq = program.command('seq2seq').description('sequence to sequence (translation, normalisation) with attention and beam search: train, translate, eval, dates');
  registerTrain(seq2seq);
  registerTranslate(seq2seq);
  registerEval(seq2seq);
  registerDates(seq2seq);
}
