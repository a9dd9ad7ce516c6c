/** `recur export onnx`: writes a trained model as an ONNX inference graph. */
import type { Command } from 'commander';
import { readModelFile, resolveModelPath } from '../model-path.js';
import { checkOutFile } from '../check-out-file.js';
import { stdout } from '../output.js';
import { exportOnnx } from '../../io/onnx/export.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

export function registerExport(program: Command): void {
  const exp = program.command('export').description('export a model to another format');
  exp.command('onnx')
    .description('write an ONNX inference graph (RNN/LSTM/GRU operators, opset >= 14) verified by ONNX Runtime in the tests')
    .requiredOption('--model <path>', 'model file (.safetensors) or model directory')
    .requiredOption('--out <file>', 'ONNX file to write (never the model itself; an existing file only with --force)')
    .option('--opset <n>', 'ONNX opset version (>= 14)', (v) => parseIntStrict('--opset', v), 14)
    .option('--force', 'overwrite --out if it exists')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (opts: { model: string; out: string; opset: number; force?: boolean; json?: boolean }) => {
      const modelPath = await resolveModelPath(opts.model);
      await checkOutFile(opts.out, { inputs: [{ path: modelPath, name: 'model' }], force: opts.force === true });
      const { model, path } = await readModelFile(modelPath);
      model.eval();
      const bytes = exportOnnx(model, { opset: opts.opset, docString: JSON.stringify(model.config) });
      try {
        await writeFileAtomic(opts.out, bytes);
      } catch (e) {
        throw new Error(`--out ${opts.out} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const summary = { model: path, out: opts.out, bytes: bytes.length, opset: opts.opset, cell: model.config.cell };
      stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `wrote ${opts.out} (${bytes.length} bytes, opset ${opts.opset}, ${model.config.cell})\n`);
    });
}

export function parseIntStrict(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new Error(`${flag} must be an integer, got '${v}'`);
  return Number(v);
}
