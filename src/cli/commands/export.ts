/** `recur export onnx`: writes a trained model as an ONNX inference graph. */
import type { Command } from 'commander';
import { readModelFile } from '../model-path.js';
import { exportOnnx } from '../../io/onnx/export.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

export function registerExport(program: Command): void {
  const exp = program.command('export').description('export a model to another format');
  exp.command('onnx')
    .description('write an ONNX inference graph (RNN/LSTM/GRU operators, opset >= 14) verified by ONNX Runtime in the tests')
    .requiredOption('--model <path>', 'model file (.safetensors) or model directory')
    .requiredOption('--out <file>', 'ONNX file to write')
    .option('--opset <n>', 'ONNX opset version (>= 14)', (v) => parseIntStrict('--opset', v), 14)
    .option('--required-inputs', 'declare sequence_lens and the initial states as required inputs (for onnxruntime-node/web, which ignore feeds for inputs with defaults)')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (opts: { model: string; out: string; opset: number; requiredInputs?: boolean; json?: boolean }) => {
      const { model, path } = await readModelFile(opts.model);
      model.eval();
      const bytes = exportOnnx(model, { opset: opts.opset, docString: JSON.stringify(model.config), optionalInputs: !opts.requiredInputs });
      await writeFileAtomic(opts.out, bytes);
      const summary = { model: path, out: opts.out, bytes: bytes.length, opset: opts.opset, cell: model.config.cell };
      process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `wrote ${opts.out} (${bytes.length} bytes, opset ${opts.opset}, ${model.config.cell})\n`);
    });
}

export function parseIntStrict(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new Error(`${flag} must be an integer, got '${v}'`);
  return Number(v);
}
