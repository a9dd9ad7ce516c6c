/**
 * `recur tag train | predict | eval`: a tag for every token (part of speech, named entities) from
 * the command line, on CoNLL-U or tagged TSV files. This file maps flags to the task's config and
 * renders results; the work is in `tasks/tag`.
 */
import type { Command } from 'commander';
import { type TaggedSentence, readTagged } from '../../data/tagged-text.js';
import { loadTextFile } from '../../data/text-file.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { BACKEND_HELP, type BackendFlags, THREADS_HELP, backendOf, parseBackendFlag } from '../backend-option.js';
import { CELL_KINDS } from '../../kernels/cell-kinds.js';
import {
  type LoadedTagger, TAG_DEFAULTS, type TagConfig, type TagInput, evaluateTagger, loadTagger, renderTagEvaluation, splitWords, tagDocument, tagSentences, tagTask,
} from '../../tasks/tag/index.js';
import { checkOutFile } from '../check-out-file.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { CONFIG_FLAG_HELP, modelLoadOptions, resolveModelPath } from '../model-path.js';
import { stdout } from '../output.js';
import { readStdin } from '../stdin.js';
import { registerTrainCommand } from '../train-command.js';

const D = TAG_DEFAULTS;
export const DEFAULT_TAG_DIR = 'tagger';
const FORMATS = ['auto', 'conllu', 'tsv'] as const;
const COLUMN_HELP = 'the tag column: for CoNLL-U upos, xpos, deprel, feats:Name or a field number (default upos); for TSV a column number (default 2)';

interface TagTrainFlags {
  data?: string; validationData?: string; format?: TagConfig['format']; tagColumn?: string; validation?: number;
  lowercase?: boolean; numbers?: boolean; minCount?: number; maxVocab?: number; unknownReplacement?: number; vectors?: string; freezeVectors?: boolean;
  embeddingDim?: number; charEmbeddingDim?: number; charHiddenSize?: number; chars?: boolean;
  cell?: TagConfig['cell']; hiddenSize?: number; numLayers?: number; bidirectional?: boolean; dropout?: number; crf?: boolean;
}

function registerTrain(tag: Command): void {
  registerTrainCommand<TagConfig, TagInput, TagTrainFlags>(tag, {
    task: tagTask,
    description: 'train a tagger (word embedding + character BiLSTM -> bidirectional LSTM -> softmax or CRF) on a CoNLL-U or tagged TSV file, ' +
      'holding out a validation part by sentence; the best model on validation token accuracy is kept',
    defaultOut: DEFAULT_TAG_DIR,
    flags: (cmd) => cmd
      .option('--data <file>', 'tagged sentences: CoNLL-U (.conllu) or TSV (token<TAB>tag lines, a blank line after each sentence); when resuming: the run\'s own')
      .option('--validation-data <file>', 'validation sentences in the same format, instead of a split of --data')
      .option('--format <format>', 'auto (by extension, then content), conllu or tsv (default auto)', choiceFlag('--format', FORMATS))
      .option('--tag-column <column>', COLUMN_HELP)
      .option('--validation <fraction>', `share of the sentences held out for validation (default ${D.validation})`, numberFlag('--validation', 0, 0.5, { loOpen: true }))
      .option('--no-lowercase', 'look words up with their case (default: lower-cased; the character features always see the case)')
      .option('--no-numbers', 'keep numbers as words (default: every number is one entry, [NUM])')
      .option('--min-count <n>', `words seen fewer times in training are [UNK] (default ${D.minCount})`, integerFlag('--min-count', 1))
      .option('--max-vocab <n>', `largest word vocabulary, [PAD] and [UNK] included; 0 = no limit (default ${D.maxVocab})`, integerFlag('--max-vocab', 0))
      .option('--unknown-replacement <p>', `probability that a training word seen once is read as [UNK], to train [UNK] (default ${D.unknownReplacement})`, numberFlag('--unknown-replacement', 0, 1, { hiOpen: true }))
      .option('--vectors <file>', 'pre-trained word vectors (GloVe or word2vec text) for the word embedding')
      .option('--freeze-vectors', 'keep the pre-trained vectors fixed')
      .option('--embedding-dim <n>', 'word embedding width (default 100, or the vectors\' own)', integerFlag('--embedding-dim', 1))
      .option('--char-embedding-dim <n>', `character embedding width (default ${D.charEmbeddingDim})`, integerFlag('--char-embedding-dim', 1))
      .option('--char-hidden-size <n>', `character BiLSTM units per direction (default ${D.charHiddenSize})`, integerFlag('--char-hidden-size', 1))
      .option('--no-chars', 'no character features (unknown words are then read as [UNK] alone)')
      .option('--cell <type>', `recurrent cell of the sentence encoder: ${CELL_KINDS.join(', ')} (default ${D.cell})`, choiceFlag('--cell', CELL_KINDS))
      .option('--hidden-size <n>', `encoder units per direction (default ${D.hiddenSize})`, integerFlag('--hidden-size', 1))
      .option('--num-layers <n>', `stacked encoder layers (default ${D.numLayers})`, integerFlag('--num-layers', 1))
      .option('--bidirectional', 'read each sentence in both directions (default)')
      .option('--no-bidirectional', 'forwards only')
      .option('--dropout <p>', `dropout on the embeddings, between layers and before the output, in [0, 1) (default ${D.dropout})`, numberFlag('--dropout', 0, 1, { hiOpen: true }))
      .option('--crf', 'a linear-chain CRF over the tags with Viterbi decoding (BiLSTM-CRF), instead of a softmax per token'),
    config(f) {
      if (!f.resume && !f.data) throw new Error('--data is required (CoNLL-U, or a TSV of token<TAB>tag lines)');
      if (f.chars === false && (f.charEmbeddingDim !== undefined || f.charHiddenSize !== undefined)) throw new Error('--no-chars turns the character features off; --char-embedding-dim and --char-hidden-size size them');
      if (f.freezeVectors && !f.vectors) throw new Error('--freeze-vectors needs --vectors FILE');
      return {
        format: f.format, tagColumn: f.tagColumn, validation: f.validation, lowercase: f.lowercase, numbers: f.numbers, minCount: f.minCount, maxVocab: f.maxVocab,
        unknownReplacement: f.unknownReplacement, vectors: f.vectors, freezeVectors: f.freezeVectors, embeddingDim: f.embeddingDim,
        charEmbeddingDim: f.chars === false ? 0 : f.charEmbeddingDim, charHiddenSize: f.chars === false ? 0 : f.charHiddenSize,
        cell: f.cell, hiddenSize: f.hiddenSize, numLayers: f.numLayers, bidirectional: f.bidirectional, dropout: f.dropout, crf: f.crf,
      };
    },
    input: (f) => (f.data === undefined ? undefined : { dataPath: f.data, validationPath: f.validationData }),
    help: { batchSize: `sentences per batch (default ${D.batchSize})`, evalEvery: `validate (loss, token accuracy) every n steps, or once an epoch with "epoch"; 0 = only at the end (default ${D.evalEvery})` },
  });
}

/** The model's own format and tag column unless flags say otherwise. */
function readWith(t: LoadedTagger, text: string, source: string, f: { format?: TagConfig['format']; tagColumn?: string }, requireTags: boolean) {
  const format = f.format ?? 'auto';
  const sameFormat = format === 'auto' || format === t.meta.format;
  const column = f.tagColumn ?? (sameFormat ? t.meta.tagColumn : undefined);
  const doc = readTagged(text, { format, column, requireTags, source });
  return doc;
}

function registerPredict(tag: Command): void {
  tag.command('predict')
    .description('tag sentences: a CoNLL-U or TSV file (--input, or stdin) written back in its format with the tag column filled, or plain sentences given as arguments (token/TAG pairs)')
    .argument('[sentence...]', 'plain sentences, one each (split into words, punctuation apart)')
    .option('--model <dir>', 'run directory (its best.safetensors, else model.safetensors) or a .safetensors file written by recur tag train', DEFAULT_TAG_DIR)
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--input <file>', 'a CoNLL-U or TSV file to tag (TSV: tokens alone, or with a tag column to replace)')
    .option('--format <format>', 'format of --input / stdin: auto, conllu or tsv (default auto)', choiceFlag('--format', FORMATS))
    .option('--tag-column <column>', `${COLUMN_HELP}; default the model's`)
    .option('--out <file>', 'write the tagged file here instead of stdout')
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print one JSON object per sentence: {"words", "tags", "confidence"}')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (sentences: string[], f: BackendFlags & { model: string; config?: string; input?: string; format?: TagConfig['format']; tagColumn?: string; out?: string; force?: boolean; json?: boolean }) => {
      if (sentences.length && f.input) throw new Error('give sentences as arguments or --input FILE, not both');
      const modelPath = await resolveModelPath(f.model, { preferBest: true });
      if (f.out) await checkOutFile(f.out, { inputs: [{ path: modelPath, name: 'model' }, ...(f.input ? [{ path: f.input, name: 'input' }] : [])], force: f.force === true });
      const t = await loadTagger(modelPath, await modelLoadOptions(f.config));
      const backend = await backendOf(f);
      t.model.to(backend); // the weights into the backend's memory once, not copied at every op
      if (sentences.length) {
        const parsed: TaggedSentence[] = sentences.map((s, i) => {
          const words = splitWords(s);
          if (words.length === 0) throw new Error(`sentence ${i + 1} has no words`);
          return { words, tags: words.map(() => undefined), lines: words.map(() => i + 1) };
        });
        const out = tagSentences(t, backend, parsed);
        const text = parsed.map((s, i) => (f.json
          ? JSON.stringify({ words: s.words, tags: out.tags[i], confidence: out.confidence[i]!.map((c) => Number(c.toFixed(4))) })
          : s.words.map((w, k) => `${w}/${out.tags[i]![k]}`).join(' '))).join('\n');
        if (f.out) await writeFileAtomic(f.out, `${text}\n`);
        else stdout.write(`${text}\n`);
        return;
      }
      const source = f.input ?? 'stdin';
      const text = f.input ? await loadTextFile(f.input) : await readStdin();
      const doc = readWith(t, text, source, f, false);
      const r = tagDocument(t, backend, doc);
      if (r.output.unknownWords) process.stderr.write(`note: ${r.output.unknownWords} of ${r.output.tokens} tokens are outside the vocabulary (tagged from their characters${t.model.config.charVocabSize ? '' : ' - this model has none - and context'})\n`);
      const body = f.json ? `${doc.sentences.map((s, i) => JSON.stringify({ words: s.words, tags: r.output.tags[i], confidence: r.output.confidence[i]!.map((c) => Number(c.toFixed(4))) })).join('\n')}\n` : r.text;
      if (f.out) await writeFileAtomic(f.out, body);
      else stdout.write(body);
    });
}

function registerEval(tag: Command): void {
  tag.command('eval')
    .description('score a tagger on tagged sentences it was not trained on: token accuracy, accuracy on words outside its vocabulary, per-tag precision/recall/F1, and for BIO/IOBES tags entity F1 as conlleval computes it')
    .option('--model <dir>', 'run directory (its best.safetensors, else model.safetensors) or a .safetensors file written by recur tag train', DEFAULT_TAG_DIR)
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--data <file>', 'CoNLL-U or tagged TSV with gold tags')
    .option('--format <format>', 'auto, conllu or tsv (default auto)', choiceFlag('--format', FORMATS))
    .option('--tag-column <column>', `${COLUMN_HELP}; default the model's`)
    .option('--json', 'print a JSON object instead of the tables')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (f: BackendFlags & { model: string; config?: string; data: string; format?: TagConfig['format']; tagColumn?: string; json?: boolean }) => {
      const modelPath = await resolveModelPath(f.model, { preferBest: true });
      const t = await loadTagger(modelPath, await modelLoadOptions(f.config));
      const doc = readWith(t, await loadTextFile(f.data), f.data, f, true);
      const backend = await backendOf(f);
      t.model.to(backend);
      const e = evaluateTagger(t, backend, doc);
      stdout.write(f.json ? `${JSON.stringify(e)}\n` : renderTagEvaluation(e));
    });
}

export function registerTag(program: Command): void {
  const tag = program.command('tag').description('a tag for every token (part of speech, named entities): train, predict, eval');
  registerTrain(tag);
  registerPredict(tag);
  registerEval(tag);
}
