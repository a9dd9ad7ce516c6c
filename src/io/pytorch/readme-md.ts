/**
 * The template of README.md in a `recur export pytorch` package: what the files are, three
 * commands (run the model in PyTorch, continue training it under torchrun, read the result
 * back in recur; a forecaster saves a copy instead of training), and the Python to use it from
 * code. The tests run the commands and the Python as written.
 */
import type { RecurrentModelConfig } from '../../nn/recurrent-model.js';
import type { PytorchTask } from './package.js';

interface ReadmeSpec {
  task: PytorchTask | undefined;
  config: RecurrentModelConfig;
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
    case 'classify':
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
        lines: [`python run.py ${m} --data history.csv`, COPY(m), 'npx recur forecast predict --model copy.safetensors --data history.csv'],
        data: '`history.csv`: the series with the training columns, complete and in time order (train_ddp.py is not written for forecasters yet: issue 18).',
      };
    default:
      return { lines: [`python run.py ${m}`, COPY(m), 'npx recur inspect copy.safetensors'], data: 'The model file carries no task recur export pytorch knows: run.py runs it on zeros.' };
  }
}

/** Python that uses the package from code, for the task. */
function snippet(s: ReadmeSpec): string {
  const m = s.modelFile;
  const imports = ['import torch', 'from load import load, save'];
  const use: string[] = [];
  const bf = s.config.batchFirst ? '[None, :]' : '[:, None]';
  switch (s.task) {
    case 'char-lm':
    case 'word-lm':
      imports.push('from vocab import lm_vocab');
      use.push('ids = torch.tensor(lm_vocab(metadata).encode("The"))', `logits, state = model(ids${bf})  # next-symbol logits at every step, and the final state`);
      break;
    case 'classify':
      if (s.config.input.kind === 'dense') {
        use.push(`x = torch.zeros(5, 1, ${s.config.input.size})${s.config.batchFirst ? '.transpose(0, 1)' : ''}  # one sequence of 5 steps`, 'logits, state = model(x, lengths=[5])  # one row of class logits');
      } else {
        imports.push('from vocab import classify_tokenizer');
        use.push('ids = torch.tensor(classify_tokenizer(metadata).encode("a text to classify"))', `logits, state = model(ids${bf}, lengths=[len(ids)])  # one row of class logits`);
      }
      break;
    case 'forecast':
      imports.push('from forecast import forecast, pipeline_of');
      use.push('pipeline, data = pipeline_of(metadata)', 'history = {name: [100.0 + t for t in range(200)] for name in data["targets"] + data["covariates"]}',
        'print(forecast(model, metadata, history, history))  # per target, quantiles of the next steps');
      break;
    default:
      break;
  }
  return [...imports, '', `model, metadata = load("${m}")  # RecurModel (an nn.Module) in eval mode, and recur's metadata`, ...use,
    `save(model, "copy.safetensors", metadata)  # a file recur loads (save(..., step=N) records the step)`].join('\n');
}

/** README.md of the package. */
export function readmeMd(s: ReadmeSpec): string {
  const c = s.config;
  const { lines, data } = commands(s);
  const what = `${c.numLayers}×${c.hiddenSize} ${c.bidirectional ? 'bidirectional ' : ''}${c.cell}, ${c.input.kind} input, output '${c.output}'${c.output === 'last' ? ` (pooling ${c.pooling ?? 'last'})` : ''}${c.tieWeights ? ', tied weights' : ''}`;
  const describe: Record<string, string> = {
    'model.py': '`RecurModel(config)`, the model as a PyTorch `nn.Module` with recur\'s parameter names; `forward(x, lengths=None, state=None)` returns `(logits, state)` as recur computes them',
    'load.py': '`load(path)` -> `(model, metadata)`, `save(model, path, metadata, step=None)` (keeps recur\'s metadata so recur loads the file); uses the `safetensors` package when installed, else a small reader and writer of the format',
    'vocab.py': 'text -> token ids exactly as recur reads it (characters with U+FFFD for unknown ones, or recur\'s word/char Tokenizer)',
    'forecast.py': 'the forecaster\'s transforms and normalisation: history -> the window the model reads -> quantiles in the data\'s units',
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
