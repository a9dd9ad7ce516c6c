/**
 * `recur export onnx`: writes a trained model as an ONNX inference graph; an encoder-decoder
 * (recur seq2seq) as two graphs, the encoder and one decoder step.
 */
import type { Command } from 'commander';
import { resolveModelPath } from '../model-path.js';
import { loadModel } from '../../io/model-file.js';
import { RecurrentModel } from '../../nn/recurrent-model.js';
import { EncoderDecoder } from '../../tasks/seq2seq/model.js';
import { exportEncoderDecoderOnnx } from '../../tasks/seq2seq/onnx.js';
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
    .requiredOption('--out <file>', 'ONNX file to write (never the model itself; an existing file only with --force); for an encoder-decoder, FILE.encoder.onnx and FILE.decoder-step.onnx')
    .option('--opset <n>', `ONNX opset version, ${OPSETS}: the opsets ONNX Runtime 1.30 loads`, parseOpset, ONNX_OPSETS.min)
    .option('--force', 'overwrite --out if it exists')
    .option('--required-inputs', 'declare sequence_lens and the initial states as required inputs (for onnxruntime-node/web, which ignore feeds for inputs with defaults)')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (opts: { model: string; out: string; opset: number; force?: boolean; requiredInputs?: boolean; json?: boolean }) => {
      const modelPath = await resolveModelPath(opts.model);
      const { model } = await loadModel(modelPath, { kind: 'any' });
      model.eval();
      const docString = JSON.stringify(model.config);
      let files: { path: string; bytes: Uint8Array }[];
      if (model instanceof EncoderDecoder) {
        // Two graphs beside each other: <out>.encoder.onnx and <out>.decoder-step.onnx.
        const stem = opts.out.replace(/\.onnx$/i, '');
        const g = exportEncoderDecoderOnnx(model, { opset: opts.opset, docString });
        files = [{ path: `${stem}.encoder.onnx`, bytes: g.encoder }, { path: `${stem}.decoder-step.onnx`, bytes: g.decoderStep }];
      } else if (model instanceof RecurrentModel) {
        files = [{ path: opts.out, bytes: exportOnnx(model, { opset: opts.opset, docString, optionalInputs: !opts.requiredInputs }) }];
      } else {
        throw new Error(`${modelPath}: ONNX export of a '${(model as { config: { kind: string } }).config.kind}' model is not supported`);
      }
      for (const f of files) await checkOutFile(f.path, { inputs: [{ path: modelPath, name: 'model' }], force: opts.force === true });
      for (const f of files) {
        try {
          await writeFileAtomic(f.path, f.bytes);
        } catch (e) {
          throw new Error(`--out ${f.path} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
      const cell = (model.config as { cell?: string }).cell;
      const summary = { model: modelPath, out: files.map((f) => f.path).join(', '), files: files.map((f) => ({ path: f.path, bytes: f.bytes.length })), bytes: files.reduce((n, f) => n + f.bytes.length, 0), opset: opts.opset, cell };
      stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${files.map((f) => `wrote ${f.path} (${f.bytes.length} bytes, opset ${opts.opset}, ${cell})`).join('\n')}\n`);
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
