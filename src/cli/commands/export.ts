/** `recur export onnx`: writes a trained model as an ONNX inference graph. */
import type { Command } from 'commander';
import { readModelFile, resolveModelPath } from '../model-path.js';
import { checkOutFile } from '../check-out-file.js';
import { stdout } from '../output.js';
import { ONNX_OPSETS, exportOnnx } from '../../io/onnx/export.js';
import { writeFileAtomic } from '../../io/atomic-write.js';

const OPSETS = `${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}`;

export function registerExport(program: Command): void {
  const exp = program.command('export').description('export a model to another format');
  exp.command('onnx')
    .description(`write an ONNX inference graph (RNN/LSTM/GRU operators, opset ${OPSETS}) verified by ONNX Runtime in the tests`)
    .requiredOption('--model <path>', 'model file (.safetensors) or model directory')
    .requiredOption('--out <file>', 'ONNX file to write (never the model itself; an existing file only with --force)')
    .option('--opset <n>', `ONNX opset version, ${OPSETS}: the opsets ONNX Runtime 1.30 loads`, parseOpset, ONNX_OPSETS.min)
    .option('--force', 'overwrite --out if it exists')
    .option('--required-inputs', 'declare sequence_lens and the initial states as required inputs (for onnxruntime-node/web, which ignore feeds for inputs with defaults)')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (opts: { model: string; out: string; opset: number; force?: boolean; requiredInputs?: boolean; json?: boolean }) => {
      const modelPath = await resolveModelPath(opts.model);
      await checkOutFile(opts.out, { inputs: [{ path: modelPath, name: 'model' }], force: opts.force === true });
      const { model, path } = await readModelFile(modelPath);
      model.eval();
      const bytes = exportOnnx(model, { opset: opts.opset, docString: JSON.stringify(model.config), optionalInputs: !opts.requiredInputs });
      try {
        await writeFileAtomic(opts.out, bytes);
      } catch (e) {
        throw new Error(`--out ${opts.out} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const summary = { model: path, out: opts.out, bytes: bytes.length, opset: opts.opset, cell: model.config.cell };
      stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `wrote ${opts.out} (${bytes.length} bytes, opset ${opts.opset}, ${model.config.cell})\n`);
    });
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
