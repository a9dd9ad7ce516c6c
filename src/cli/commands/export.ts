/**
 * `recur export onnx`: writes a trained model as ONNX inference graphs (onnx-files.ts says which
 * files for which kind); `recur export pytorch`: a small Python package (export-pytorch.ts).
 */
import type { Command } from 'commander';
import { CONFIG_FLAG_HELP, modelLoadOptions } from '../model-path.js';
import { loadModel } from '../../io/model-file.js';
import { checkOutFile } from '../check-out-file.js';
import { stdout } from '../output.js';
import { ONNX_OPSETS } from '../../io/onnx/export.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { exportPytorch } from './export-pytorch.js';
import type { SavedModule } from '../../nn/model-kinds.js';
import { cellOf, exportedModelPath, onnxFiles } from '../onnx-files.js';

const OPSETS = `${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}`;

export function registerExport(program: Command): void {
  const exp = program.command('export').description('export a model to another format');
  exp.command('onnx')
    .description(`write an ONNX inference graph (RNN/LSTM/GRU operators, opset ${OPSETS}) verified by ONNX Runtime in the tests`)
    .requiredOption('--model <path>', 'model file (.safetensors) or run directory (the file its predict command reads: best.safetensors of a classify, tag or seq2seq run, else model.safetensors)')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--out <file>', 'ONNX file to write (never the model itself; an existing file only with --force); for an encoder-decoder, FILE.encoder.onnx and FILE.decoder-step.onnx; for a forecasting ensemble, FILE.member-K.onnx and FILE.ensemble.json')
    .option('--opset <n>', `ONNX opset version, ${OPSETS}: the opsets ONNX Runtime 1.30 loads`, parseOpset, ONNX_OPSETS.min)
    .option('--force', 'overwrite --out if it exists')
    .option('--required-inputs', 'declare sequence_lens and the initial states as required inputs (for onnxruntime-node/web, which ignore feeds for inputs with defaults)')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (opts: { model: string; config?: string; out: string; opset: number; force?: boolean; requiredInputs?: boolean; json?: boolean }) => {
      const modelPath = await exportedModelPath(opts.model); // a run directory: the file its predict command reads
      const loaded = await loadModel<SavedModule>(modelPath, { kind: 'any', ...(await modelLoadOptions(opts.config)) });
      const model = loaded.model;
      model.eval();
      // One graph; an encoder-decoder's two; a forecasting ensemble's members and how to combine them (onnx-files.ts).
      const files = onnxFiles(loaded, modelPath, opts.out, { opset: opts.opset, requiredInputs: opts.requiredInputs === true });
      for (const f of files) await checkOutFile(f.path, { inputs: [{ path: modelPath, name: 'model' }], force: opts.force === true });
      for (const f of files) {
        try {
          await writeFileAtomic(f.path, f.bytes);
        } catch (e) {
          throw new Error(`--out ${f.path} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      const cell = cellOf(model);
      const summary = { model: modelPath, out: files.map((f) => f.path).join(', '), files: files.map((f) => ({ path: f.path, bytes: f.bytes.length })), bytes: files.reduce((n, f) => n + f.bytes.length, 0), opset: opts.opset, cell };
      stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${files.map((f) => `wrote ${f.path} (${f.bytes.length} bytes, opset ${opts.opset}, ${cell})`).join('\n')}\n`);
    });
  exp.command('pytorch')
    .description('write a small Python package for the model: a PyTorch nn.Module with recur\'s parameter names, load/save of model files with recur\'s metadata, the vocabulary or normalisation, and train_ddp.py (DistributedDataParallel under torchrun) that saves a file recur loads')
    .requiredOption('--model <path>', 'model file (.safetensors) or model directory: a language model, classifier or single forecaster')
    .option('--config <file>', CONFIG_FLAG_HELP)
    .requiredOption('--out <dir>', 'directory to write the package into (with a copy of the model); an existing non-empty one only with --force, never the model\'s own')
    .option('--force', 'write into --out even if it holds files (the package\'s files are replaced)')
    .option('--json', 'print a JSON summary instead of text')
    .action(exportPytorch);
}

function parseOpset(v: string): number {
  const n = parseIntStrict('--opset', v);
  if (n < ONNX_OPSETS.min || n > ONNX_OPSETS.max) throw new Error(`--opset must be from ${OPSETS} (the opsets ONNX Runtime 1.30 loads), got ${n}`);
  return n;
}

export function parseIntStrict(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new Error(`${flag} must be an integer, got '${v}'`);
  return Number(v);
}
