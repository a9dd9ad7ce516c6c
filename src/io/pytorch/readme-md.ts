/**
 * The template of README.md in a `recur export pytorch` package: what the files are, three
 * commands (run the model in PyTorch, continue training it under torchrun, read the result
 * back in recur; a model of no known task saves a copy instead of training), and the Python to use it from
 * code. The tests run the commands and the Python as written.
 */
import { type PytorchModelConfig, type PytorchTask, isEnsembleConfig, isSequenceModelConfig } from './package.js';

interface ReadmeSpec {
  task: PytorchTask | undefined;
  config: PytorchModelConfig;
  modelFile: string;
  files: string[];
}

const DDP = (data: string) => `python -m torch.distributed.run --standalone --nproc_per_node 2 train_ddp.py --data ${data} --out trained.safetensors --steps 100`;
const COPY = (m: string) => `python -c "from load import load, save; model, meta = load('${m}'); save(model, 'copy.safetensors', meta)"`;

/** The three commands, and what the files they name must hold. */
function commands(s: ReadmeSpec): { lines: string[]; data: string } {
  const m = s.modelFile;
  switch (s.task) {
    case 'char-lm':
    case 'word-lm':
      return {
        lines: [`python run.py ${m} --prime "The" --length 100`, DDP('input.txt'), 'npx recur lm sample --model trained.safetensors --prime "The"'],
        data: '`input.txt`: UTF-8 text to train on (read as recur lm train reads it: parallel streams, windows of `--seq-len`).',
      };
    case 'seq2seq':
      return {
        lines: [`python run.py ${m} "a sentence to translate"`, DDP('pairs.tsv'), 'npx recur seq2seq translate --model trained.safetensors --decode greedy "a sentence to translate"'],
        data: '`pairs.tsv`: source<TAB>target lines as recur seq2seq train reads them (the columns the run used), tokenized with the model\'s vocabularies; train_ddp.py\'s loss is the teacher-forced cross-entropy per target token with the run\'s label smoothing. run.py translates greedily, as `recur seq2seq translate --decode greedy`.',
      };
    case 'tag':
      return {
        lines: [`python run.py ${m} "A sentence to tag."`, DDP('train.conllu'), 'npx recur tag predict --model trained.safetensors "A sentence to tag."'],
        data: '`train.conllu`: tagged sentences as recur tag train reads them, CoNLL-U (word lines; multi-word tokens and empty nodes skipped) or a TSV of token<TAB>tag lines, the run\'s tag column; its tags must be the model\'s. run.py splits a plain sentence into words as recur tag does for English (`--pre-split`: words separated by spaces).',
      };
    case 'classify':
      if (isSequenceModelConfig(s.config) || isEnsembleConfig(s.config)) break;
      if (s.config.input.kind === 'dense') {
        return {
          lines: [`python run.py ${m} --input sequences.jsonl`, DDP('train.jsonl'), 'npx recur classify predict --model trained.safetensors --input sequences.jsonl'],
          data: '`train.jsonl`: labelled sequences, one `{"sequence": [[...], ...], "label": "..."}` a line; `sequences.jsonl`: sequences to classify (labels ignored).',
        };
      }
      return {
        lines: [`python run.py ${m} "a text to classify"`, DDP('train.tsv'), 'npx recur classify predict --model trained.safetensors "a text to classify"'],
        data: '`train.tsv`: a table of text and label as recur classify train reads it (TAB or comma, optional header row, the columns the run used); its labels must be the model\'s classes.',
      };
    case 'forecast':
      return {
        lines: [`python run.py ${m} --data history.csv`, DDP('history.csv'), 'npx recur forecast predict --model trained.safetensors --data history.csv'],
        data: '`history.csv`: the series with the training columns (the series the model knows), complete and in time order: train_ddp.py does not fill gaps or missing values as `--fill` does. It cuts the training windows of the model\'s layout (direct, recursive or shifted) normalised by the pipeline recur fitted (not refitted), and trains on the head\'s loss (pinball, Gaussian NLL or squared error); `--holdout N` leaves the last N steps of each series out, as recur holds out its validation steps.' +
          (isEnsembleConfig(s.config)
            ? ` The model is an ensemble of ${s.config.members.length} forecasters: each forecasts through its own pipeline (transforms, normalisation, layout, head) and forecast.py averages their forecasts quantile by quantile in the data's units, as recur does; train_ddp.py trains them as recur does, each member on batches of its own windows with the sum of their losses, all in one DistributedDataParallel forward.`
            : ''),
      };
    default:
      break;
  }
  return { lines: [`python run.py ${m}`, COPY(m), 'npx recur inspect copy.safetensors'], data: `The model file carries no task recur export pytorch knows: run.py ${isSequenceModelConfig(s.config) || isEnsembleConfig(s.config) ? 'loads it and prints its kind' : 'runs it on zeros'}.` };
}

/** Python that uses the package from code, for the task. */
function snippet(s: ReadmeSpec): string {
  const m = s.modelFile;
  const imports = ['import torch', 'from load import load, save'];
  const use: string[] = [];
  const c = s.config;
  const bf = !isSequenceModelConfig(c) && !isEnsembleConfig(c) && c.batchFirst ? '[None, :]' : '[:, None]';
  switch (isSequenceModelConfig(c) ? s.task : isEnsembleConfig(c) ? (s.task === 'forecast' ? s.task : undefined) : s.task === 'seq2seq' || s.task === 'tag' ? undefined : s.task) {
    case 'char-lm':
    case 'word-lm':
      imports.push('from vocab import lm_vocab');
      use.push('ids = torch.tensor(lm_vocab(metadata).encode("The"))', `logits, state = model(ids${bf})  # next-symbol logits at every step, and the final state`);
      break;
    case 'seq2seq':
      imports.push('from vocab import encode_source, seq2seq_vocab');
      use.push('source, target, meta = seq2seq_vocab(metadata)', 'ids = encode_source(source, "a sentence to translate", meta, model.config["maxSourceLength"])',
        'tokens, attention = model.greedy(torch.tensor(ids)[:, None], [len(ids)])  # per source: target ids, attention weights', 'print(target.decode(tokens[0]))');
      break;
    case 'tag':
      imports.push('from vocab import split_words, tag_vocab');
      use.push('vocab = tag_vocab(metadata)', 'words, chars, lengths = vocab.batch([split_words("A sentence to tag.")])',
        'emissions = model(words, chars, lengths)  # [T, B, tags]', 'print([vocab.tags[k] for k in model.decode(emissions, lengths)[0]])  # argmax, or the CRF\'s Viterbi path');
      break;
    case 'classify':
      if (isSequenceModelConfig(c) || isEnsembleConfig(c)) break;
      if (c.input.kind === 'dense') {
        use.push(`x = torch.zeros(5, 1, ${c.input.size})${c.batchFirst ? '.transpose(0, 1)' : ''}  # one sequence of 5 steps`, 'logits, state = model(x, lengths=[5])  # one row of class logits');
      } else {
        imports.push('from vocab import classify_tokenizer');
        use.push('ids = torch.tensor(classify_tokenizer(metadata).encode("a text to classify"))', `logits, state = model(ids${bf}, lengths=[len(ids)])  # one row of class logits`);
      }
      break;
    case 'forecast':
      imports.push('from forecast import forecast, pipeline_of');
      use.push('pipeline, data = pipeline_of(metadata)', 'history = {name: [100.0 + t for t in range(200)] for name in data["targets"] + data["covariates"]}',
        `print(forecast(model, metadata, history, history))  # per target, quantiles of the next steps${isEnsembleConfig(c) ? ' (the members\' mean)' : ''}`);
      break;
    default:
      break;
  }
  const cls = isEnsembleConfig(c) ? 'RecurForecastEnsemble' : !isSequenceModelConfig(c) ? 'RecurModel' : c.kind === 'encoder-decoder' ? 'RecurSeq2seq' : 'RecurTagger';
  return [...imports, '', `model, metadata = load("${m}")  # ${cls} (an nn.Module) in eval mode, and recur's metadata`, ...use,
    `save(model, "copy.safetensors", metadata)  # a file recur loads (save(..., step=N) records the step)`].join('\n');
}

/** One line on the network. */
function describeConfig(c: PytorchModelConfig): string {
  if (isEnsembleConfig(c)) return `forecast ensemble of ${c.members.length} (${c.members.map((m) => describeConfig(m)).join('; ')})`;
  if (!isSequenceModelConfig(c)) {
    return `${c.numLayers}×${c.hiddenSize} ${c.bidirectional ? 'bidirectional ' : ''}${c.cell}, ${c.input.kind} input, output '${c.output}'${c.output === 'last' ? ` (pooling ${c.pooling ?? 'last'})` : ''}${c.tieWeights ? ', tied weights' : ''}`;
  }
  const f = c as unknown as Record<string, unknown>;
  const n = (k: string) => String(f[k]);
  if (c.kind === 'encoder-decoder') {
    return `${c.cell} encoder-decoder (${c.numLayers}×${n('encoderHiddenSize')}${c.bidirectional ? ' bidirectional' : ''}${f.reverseSource ? ', reversed source' : ''} encoder, ${c.numLayers}×${n('decoderHiddenSize')} decoder, attention '${n('attention')}'${f.inputFeeding ? ' with input feeding' : ''})`;
  }
  return `${c.numLayers}×${n('hiddenSize')} ${c.bidirectional ? 'bidirectional ' : ''}${c.cell} tagger (${Number(f.charVocabSize) > 0 ? 'word and character features' : 'word features'}, ${f.crf ? 'CRF' : 'softmax'} over ${n('tagCount')} tags)`;
}

/** README.md of the package. */
export function readmeMd(s: ReadmeSpec): string {
  const c = s.config;
  const { lines, data } = commands(s);
  const what = describeConfig(c);
  const modelPy = isEnsembleConfig(c)
    ? '`RecurForecastEnsemble(config)`, the forecast ensemble as a PyTorch `nn.Module`: its members `m0`, `m1`, ... (`model.members`) are `RecurModel`s with recur\'s parameter names; `forecast.forecast` runs each through its own pipeline and averages in the data\'s units'
    : !isSequenceModelConfig(c)
    ? '`RecurModel(config)`, the model as a PyTorch `nn.Module` with recur\'s parameter names; `forward(x, lengths=None, state=None)` returns `(logits, state)` as recur computes them'
    : c.kind === 'encoder-decoder'
      ? '`RecurSeq2seq(config)`, the encoder-decoder as a PyTorch `nn.Module` with recur\'s parameter names: `encode(src, lengths)`, `step(enc, prev, state, feed)`, `forward(src, lengths, inputs)` (teacher-forced logits), `greedy(src, lengths, max_len)` (target ids and attention weights, as recur decodes greedily)'
      : '`RecurTagger(config)`, the tagger as a PyTorch `nn.Module` with recur\'s parameter names: `forward(words, chars, lengths)` returns the emissions, `decode(emissions, lengths)` the tags (argmax, or the CRF\'s Viterbi path), `loss(emissions, tags, lengths)` recur\'s training loss';
  const describe: Record<string, string> = {
    'model.py': modelPy,
    'load.py': '`load(path)` -> `(model, metadata)`, `save(model, path, metadata, step=None)` (keeps recur\'s metadata so recur loads the file, with each tensor\'s CRC-32, which `load` checks); uses the `safetensors` package when installed, else a small reader and writer of the format',
    'vocab.py': s.task === 'seq2seq' ? 'text -> source ids and target ids -> text exactly as recur reads and writes them (recur\'s Tokenizer, both sides)'
      : s.task === 'tag' ? 'words -> word and character ids, tag ids -> tags, as recur tag reads them; `split_words` splits a plain sentence as recur tag does'
        : 'text -> token ids exactly as recur reads it (characters with U+FFFD for unknown ones, or recur\'s word/char Tokenizer)',
    'forecast.py': `the forecaster's transforms and normalisation: history -> the window the model reads -> quantiles in the data's units${isEnsembleConfig(c) ? ' (per member, then their mean quantile by quantile)' : ''}`,
    'run.py': 'the model from the command line',
    'train_ddp.py': 'continues training with DistributedDataParallel under torchrun (gloo on CPU), saves a file recur loads',
    'README.md': 'this file',
    [s.modelFile]: 'the model (weights and recur\'s metadata)',
  };
  return `# ${s.task ?? 'recur'} model for PyTorch

Written by \`recur export pytorch\`: a ${what}${s.task ? `, trained by recur's ${s.task} task` : ''}.
Needs Python 3.9+ and PyTorch (tested with 2.x); \`pip install safetensors\` is optional.

${s.files.map((f) => `- \`${f}\`: ${describe[f] ?? ''}`).join('\n')}

## Three commands

Run from this directory (\`npx recur\` is recur's command line; \`torchrun\` may replace
\`python -m torch.distributed.run\`). ${data}

\`\`\`sh
${lines.join('\n')}
\`\`\`

## From Python

\`\`\`python
${snippet(s)}
\`\`\`

The parameter names are recur's, so \`model.load_state_dict(tensors, strict=True)\` takes the
tensors of any file of this model. recur computes the same outputs (within 1e-5 in its tests).
`;
}
