/**
 * `recur classify train | predict | eval`: sequence classification from the command line (text
 * tables, one file per class, JSON Lines of vector sequences, IDX images row by row). This file
 * maps flags to the task's config and renders results; the work is in `tasks/classify`.
 */
import type { Command } from 'commander';
import { BACKEND_HELP, type BackendFlags, THREADS_HELP, backendOf, parseBackendFlag } from '../backend-option.js';
import { CELL_KINDS } from '../../kernels/cell-kinds.js';
import { POOLINGS } from '../../nn/index.js';
import {
  CLASSIFY_DEFAULTS, CLASSIFY_FORMATS, type ClassifyConfig, type ClassifyInput, classifyTask,
  classProbabilities, evaluateClassifierOn, loadClassifier, predictedClasses, readPredictInputs, renderClassifyEvaluation, topK,
} from '../../tasks/classify/index.js';
import { heatmapChart } from '../../plot/index.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { checkSvgOutFile } from '../check-out-file.js';
import { choiceFlag, integerFlag, numberFlag } from '../flag-parsers.js';
import { CONFIG_FLAG_HELP, modelLoadOptions, resolveModelPath } from '../model-path.js';
import { stdout } from '../output.js';
import { readStdin } from '../stdin.js';
import { registerTrainCommand } from '../train-command.js';

const D = CLASSIFY_DEFAULTS;
export const DEFAULT_CLASSIFY_DIR = 'classify';

interface DataFlags {
  format?: ClassifyConfig['format']; textColumn?: string; labelColumn?: string; header?: ClassifyConfig['header']; separator?: ClassifyConfig['separator'];
}

interface ClassifyTrainFlags extends DataFlags {
  data?: string; labels?: string; validationData?: string; validationLabels?: string;
  multiLabel?: boolean; labelSeparator?: string; strict?: boolean;
  tokenizer?: ClassifyConfig['tokenizer']; lowercase?: ClassifyConfig['lowercase']; specials?: string[]; minCount?: number; maxVocab?: number;
  maxLength?: number; stripAccents?: boolean; vectors?: string; freezeVectors?: boolean;
  validation?: number; classWeights?: ClassifyConfig['classWeights'];
  cell?: ClassifyConfig['cell']; embeddingDim?: number; hiddenSize?: number; numLayers?: number; bidirectional?: boolean;
  pooling?: ClassifyConfig['pooling']; dropout?: number; headDropout?: number;
}

/** The flags that say how a table is read, shared by train and eval. */
function dataFlags(cmd: Command): Command {
  return cmd
    .option('--format <f>', `how --data is laid out: ${CLASSIFY_FORMATS.join(', ')} (default auto: a directory or .txt files are one file per class, .jsonl is JSON Lines, .gz or -ubyte is IDX, anything else a table)`,
      choiceFlag('--format', CLASSIFY_FORMATS))
    .option('--text-column <name|n>', 'the text column of a table, by header name or 1-based number (default: "text", else column 1)')
    .option('--label-column <name|n>', 'the label column of a table, by header name or 1-based number (default: "label", else column 2)')
    .option('--header <yes|no|auto>', 'whether the table\'s first row names its columns (default auto)', choiceFlag('--header', ['auto', 'yes', 'no'] as const))
    .option('--separator <tab|comma|auto>', 'table separator; TAB never reads quotes, comma reads RFC 4180 quoting (default auto)', choiceFlag('--separator', ['auto', 'tab', 'comma'] as const));
}

function registerTrain(classify: Command): void {
  registerTrainCommand<ClassifyConfig, ClassifyInput, ClassifyTrainFlags>(classify, {
    task: classifyTask,
    description: 'train a sequence classifier on labelled text (a TSV/CSV table, or one file per class) or on sequences of vectors ' +
      '(JSON Lines, IDX images read row by row), holding out a stratified validation part; the best model on validation accuracy is kept',
    defaultOut: DEFAULT_CLASSIFY_DIR,
    flags: (cmd) => dataFlags(cmd
      .option('--data <path>', 'training examples: a table, a directory of <class>.txt files (one example per line), a .jsonl file of {"sequence", "label"}, or IDX images (when resuming: the run\'s own)')
      .option('--labels <file>', 'IDX labels of the IDX images in --data (gzipped or not)')
      .option('--validation-data <path>', 'validation examples in the layout of --data, instead of a split of it')
      .option('--validation-labels <file>', 'IDX labels of --validation-data'))
      .option('--multi-label', 'several labels per example (sigmoid and binary cross-entropy), separated by --label-separator in a table')
      .option('--label-separator <s>', `what separates the labels of a multi-label table cell (default "${D.labelSeparator}")`)
      .option('--strict', 'an empty text row is an error (default: counted and skipped)')
      .option('--tokenizer <level>', 'word or char (default auto: char for one file per class, word for tables)', choiceFlag('--tokenizer', ['auto', 'word', 'char'] as const))
      .option('--lowercase <yes|no|auto>', 'lower-case the text (default auto: words yes, characters no)', choiceFlag('--lowercase', ['auto', 'yes', 'no'] as const))
      .option('--specials <tokens>', 'comma-separated tokens kept whole besides [PAD] [UNK] [NUM] [URL], e.g. "<3,:)"', (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s))
      .option('--min-count <n>', `tokens seen fewer times in training become [UNK] (default ${D.minCount})`, integerFlag('--min-count', 1))
      .option('--max-vocab <n>', `largest vocabulary, specials included; 0 = no limit (default ${D.maxVocab})`, integerFlag('--max-vocab', 0))
      .option('--max-length <n>', 'cut longer sequences (tokens or steps) to n, and count them; 0 = no limit (default 0)', integerFlag('--max-length', 0))
      .option('--strip-accents', 'fold accents (é -> e) before tokenizing')
      .option('--vectors <file>', 'pre-trained word vectors in GloVe or word2vec text format to start the embedding from')
      .option('--freeze-vectors', 'keep the pre-trained vectors fixed')
      .option('--validation <fraction>', `share of the training data held out for validation, stratified by class (default ${D.validation})`, numberFlag('--validation', 0, 0.5, { loOpen: true }))
      .option('--class-weights <w>', 'none, or auto: weigh each class inversely to its frequency (imbalanced data)', choiceFlag('--class-weights', ['none', 'auto'] as const))
      .option('--cell <type>', `recurrent cell: ${CELL_KINDS.join(', ')}, or auto (default auto: lstm for text, gru for sequences of vectors)`, choiceFlag('--cell', ['auto', ...CELL_KINDS] as const))
      .option('--embedding-dim <n>', 'token embedding width (default 64, or the vectors\' own)', integerFlag('--embedding-dim', 1))
      .option('--hidden-size <n>', `hidden units per layer and direction (default ${D.hiddenSize})`, integerFlag('--hidden-size', 1))
      .option('--num-layers <n>', `stacked recurrent layers (default ${D.numLayers})`, integerFlag('--num-layers', 1))
      .option('--bidirectional', 'read each sequence in both directions (default for text)')
      .option('--no-bidirectional', 'read each sequence forwards only (default for sequences of vectors)')
      .option('--pooling <p>', `how the steps become one vector: ${POOLINGS.join(', ')} (default ${D.pooling})`, choiceFlag('--pooling', POOLINGS))
      .option('--dropout <p>', 'dropout between recurrent layers, in [0, 1)', numberFlag('--dropout', 0, 1, { hiOpen: true }))
      .option('--head-dropout <p>', 'dropout on the pooled vector the output layer reads, in [0, 1) (default auto: 0.5 for text, 0 for sequences of vectors)', numberFlag('--head-dropout', 0, 1, { hiOpen: true })),
    config(f) {
      if (!f.resume && !f.data) throw new Error('--data is required (a table, a directory of one file per class, a .jsonl file or IDX images with --labels)');
      return {
        format: f.format, textColumn: f.textColumn, labelColumn: f.labelColumn, header: f.header, separator: f.separator,
        multiLabel: f.multiLabel, labelSeparator: f.labelSeparator, strict: f.strict,
        tokenizer: f.tokenizer, lowercase: f.lowercase, specials: f.specials, minCount: f.minCount, maxVocab: f.maxVocab, maxLength: f.maxLength,
        stripAccents: f.stripAccents, vectors: f.vectors, freezeVectors: f.freezeVectors, validation: f.validation, classWeights: f.classWeights,
        cell: f.cell, embeddingDim: f.embeddingDim, hiddenSize: f.hiddenSize, numLayers: f.numLayers, bidirectional: f.bidirectional,
        pooling: f.pooling, dropout: f.dropout, headDropout: f.headDropout,
      };
    },
    input: (f) => (f.data === undefined ? undefined
      : { dataPath: f.data, labelsPath: f.labels, validationPath: f.validationData, validationLabelsPath: f.validationLabels }),
    help: { batchSize: `sequences per batch (default ${D.batchSize})` },
  });
}


function registerPredict(classify: Command): void {
  classify.command('predict')
    .description('classify texts given as arguments, the lines of --input (or of stdin when neither is given), or the sequences of a .jsonl or IDX file')
    .argument('[text...]', 'texts to classify, one example each')
    .option('--model <dir>', 'run directory (its best.safetensors, the best on validation, else model.safetensors) or a .safetensors file written by recur classify train', DEFAULT_CLASSIFY_DIR)
    .option('--config <file>', CONFIG_FLAG_HELP)
    .option('--input <file>', 'one text per line, or for a model of vector sequences a .jsonl file or IDX images')
    .option('--top-k <k>', 'show the k most probable classes (default 1)', integerFlag('--top-k', 1))
    .option('--threshold <p>', 'multi-label: a class is predicted above this probability (default 0.5)', numberFlag('--threshold', 0, 1, { loOpen: true, hiOpen: true }))
    .option('--truncate', 'cut inputs longer than the model\'s --max-length as training did (default: an error)')
    .option('--json', 'print one JSON object per input: {"input", "labels": [{"label", "probability"}]}')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (texts: string[], f: BackendFlags & { model: string; config?: string; input?: string; topK?: number; threshold?: number; truncate?: boolean; json?: boolean }) => {
      if (texts.length && f.input) throw new Error('give texts as arguments or --input FILE, not both');
      const c = await loadClassifier(await resolveModelPath(f.model, { preferBest: true }), await modelLoadOptions(f.config));
      const given = texts.length ? { texts } : f.input ? { path: f.input } : { stdin: await readStdin() };
      const items = await readPredictInputs(c, given, { truncate: f.truncate });
      const backend = await backendOf(f);
      c.model.to(backend); // the weights into the backend's memory once, not copied at every op
      const probs = classProbabilities(c, backend, items.inputs);
      const k = f.topK ?? 1;
      let out = '';
      for (let n = 0; n < items.inputs.length; n++) {
        const ranked = topK(probs, c.meta.classes, n, k);
        const chosen = c.meta.multiLabel ? predictedClasses(c, probs, n, f.threshold).map((i) => c.meta.classes[i]!) : undefined;
        if (f.json) {
          out += `${JSON.stringify({ input: items.names[n], labels: ranked.map((r) => ({ label: r.label, probability: Number(r.probability.toPrecision(6)) })), ...(chosen ? { predicted: chosen } : {}) })}\n`;
        } else {
          const cells = ranked.map((r) => `${r.label}\t${r.probability.toFixed(4)}`);
          out += `${chosen ? `${chosen.join(',') || '(none)'}\t` : ''}${cells.join('\t')}\t${items.names[n]}\n`;
        }
        if (out.length > 1 << 16) { stdout.write(out); out = ''; }
      }
      stdout.write(out);
    });
}

function registerEval(classify: Command): void {
  dataFlags(classify.command('eval')
    .description('score a classifier on labelled data it was not trained on: accuracy, macro-F1, per-class precision, recall and F1, and the confusion matrix')
    .option('--model <dir>', 'run directory (its best.safetensors, the best on validation, else model.safetensors) or a .safetensors file written by recur classify train', DEFAULT_CLASSIFY_DIR)
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--data <path>', 'labelled examples in a layout train reads (a table is read with the model\'s columns unless flags say otherwise)')
    .option('--labels <file>', 'IDX labels of the IDX images in --data'))
    .option('--plot <file.svg>', 'draw the confusion matrix')
    .option('--force', 'overwrite --plot if it exists')
    .option('--truncate', 'cut inputs longer than the model\'s --max-length as training did (default: an error)')
    .option('--threshold <p>', 'multi-label: a class is predicted above this probability (default 0.5)', numberFlag('--threshold', 0, 1, { loOpen: true, hiOpen: true }))
    .option('--json', 'print a JSON object instead of the tables')
    .option('--backend <name>', BACKEND_HELP, parseBackendFlag)
    .option('--threads <n>', THREADS_HELP, integerFlag('--threads', 1))
    .action(async (f: BackendFlags & DataFlags & { model: string; config?: string; data: string; labels?: string; plot?: string; force?: boolean; truncate?: boolean; threshold?: number; json?: boolean }) => {
      const modelPath = await resolveModelPath(f.model, { preferBest: true });
      if (f.plot) {
        await checkSvgOutFile('--plot', f.plot, { inputs: [{ path: modelPath, name: 'model' }, { path: f.data, name: 'data' }, ...(f.labels ? [{ path: f.labels, name: 'labels' }] : [])], force: f.force === true });
      }
      const c = await loadClassifier(modelPath, await modelLoadOptions(f.config));
      if (f.plot && c.meta.multiLabel) throw new Error('--plot draws a confusion matrix, which a multi-label model does not have');
      const backend = await backendOf(f);
      c.model.to(backend);
      const ev = await evaluateClassifierOn(c, backend, { path: f.data, labelsPath: f.labels }, {
        format: f.format, textColumn: f.textColumn, labelColumn: f.labelColumn, header: f.header, separator: f.separator, truncate: f.truncate, threshold: f.threshold,
      });
      stdout.write(f.json ? `${JSON.stringify(ev)}\n` : renderClassifyEvaluation(ev));
      if (f.plot && ev.confusion) {
        await writeFileAtomic(f.plot, await heatmapChart({
          title: `confusion matrix: ${ev.source} (accuracy ${(100 * ev.accuracy).toFixed(2)}%)`,
          rows: ev.classes, columns: ev.classes, values: ev.confusion, xLabel: 'predicted class', yLabel: 'true class', valueLabel: 'examples', annotate: ev.classes.length <= 20,
        }));
      }
    });
}

export function registerClassify(program: Command): void {
  const classify = program.command('classify').description('sequence classification (text, names, sequences of vectors, images row by row): train, predict, eval');
  registerTrain(classify);
  registerPredict(classify);
  registerEval(classify);
}
