// Every command whose reader goes away (`recur lm sample | head -c 20`) ends quietly: real
// pipes, closed by this process after N bytes, and nothing on stderr, exit code 0. A streaming
// sample also stops generating rather than running to its --length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveModel } from '../io/model-file.js';
import { RecurrentModel } from '../nn/recurrent-model.js';
import { Rng } from '../random/rng.js';
import { tempDir } from '../testing/temp-dir.js';
import { createCommandOutput } from './output.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const dir = tempDir('recur-closed-stdout-');
const VOCABULARY = [...'\n !,.?abcdefghijklmnopqrstuvwxyz'];

interface Closed { code: number | null; signal: NodeJS.Signals | null; received: number; stderr: string; ms: number }

/** Runs the CLI with stdout a pipe that this process closes once it has read `bytes` bytes (0: at once). */
function runClosingStdoutAfter(bytes: number, args: string[], timeoutMs = 60_000): Promise<Closed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let received = 0, stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`recur ${args.join(' ')} still running after ${timeoutMs} ms`)); }, timeoutMs);
    if (bytes === 0) child.stdout.destroy();
    else {
      child.stdout.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes) child.stdout.destroy();
      });
    }
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, received, stderr, ms: performance.now() - t0 });
    });
  });
}

function assertQuiet(r: Closed, what: string): void {
  assert.equal(r.stderr, '', `${what}: nothing on stderr`);
  assert.equal(r.signal, null, `${what}: not killed by a signal`);
  assert.equal(r.code, 0, `${what}: exit code 0`);
}

const model = join(dir, 'model.safetensors');
await saveModel(model, new RecurrentModel({
  input: { kind: 'embedding', vocabSize: VOCABULARY.length, embeddingDim: 4 }, cell: 'lstm', hiddenSize: 8, numLayers: 1, outputSize: VOCABULARY.length,
}, { rng: new Rng(5) }), { vocabulary: VOCABULARY });
const text = join(dir, 'text.txt');
writeFileSync(text, 'the cat sat on the mat. the dog sat on the log.\n'.repeat(40));

test('lm sample streaming into a pipe closed after 20 bytes stops generating and exits quietly', async () => {
  // 10 million characters take minutes to generate: ending within the timeout means it stopped.
  const r = await runClosingStdoutAfter(20, ['lm', 'sample', '--model', model, '--length', '10000000', '--seed', '1']);
  assertQuiet(r, 'lm sample');
  assert.ok(r.received >= 20);
});

test('--help, lm eval, lm explain, lm sample --json and export onnx into a pipe closed before they write: quiet', async () => {
  const runs: [string, string[]][] = [
    ['lm sample --help', ['lm', 'sample', '--help']],
    ['--version', ['--version']],
    ['lm eval --json', ['lm', 'eval', '--model', model, '--text', text, '--json']],
    ['lm explain', ['lm', 'explain', '--model', model, '--text', 'the cat sat on the mat']],
    ['lm sample --json', ['lm', 'sample', '--model', model, '--length', '50', '--json']],
  ];
  for (const [what, args] of runs) assertQuiet(await runClosingStdoutAfter(0, args), what);
  const onnx = join(dir, 'model.onnx');
  assertQuiet(await runClosingStdoutAfter(0, ['export', 'onnx', '--model', model, '--out', onnx]), 'export onnx');
  assert.ok(existsSync(onnx), 'the export itself is done; only its summary line is lost');
});

test('lm explain into a pipe closed mid-way stops quietly', async () => {
  const r = await runClosingStdoutAfter(100, ['lm', 'explain', '--model', model, '--text', 'the cat sat on the mat. '.repeat(60)]);
  assertQuiet(r, 'lm explain');
});

test('CommandOutput: EPIPE closes quietly and aborts closedSignal; another write error is one line and exit code 1', () => {
  const fake = (fail: NodeJS.ErrnoException | null) => {
    const written: string[] = [];
    let errored: Error | null = null;
    let onError: ((e: NodeJS.ErrnoException) => void) | undefined;
    return {
      written,
      emitError: (e: NodeJS.ErrnoException) => onError?.(e),
      stream: {
        write(chunk: string) { if (fail && written.length === 1) errored = fail; else written.push(chunk); return true; },
        on(_event: 'error', listener: (e: NodeJS.ErrnoException) => void) { onError = listener; },
        get errored() { return errored; },
      },
    };
  };
  const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
  const lines: string[] = [];
  const f = fake(epipe);
  const out = createCommandOutput(f.stream, (l) => lines.push(l));
  let aborted = 0;
  out.closedSignal.addEventListener('abort', () => aborted++);
  assert.equal(out.write('a'), true);
  assert.equal(out.closed, false);
  assert.equal(out.write('b'), false, 'the write that meets EPIPE reports it at once');
  assert.equal(out.closed, true);
  assert.equal(out.closedSignal.aborted, true);
  assert.equal(out.write('c'), false);
  f.emitError(epipe); // the event that follows changes nothing
  assert.deepEqual(f.written, ['a']);
  assert.deepEqual(lines, []);
  assert.equal(aborted, 1);

  const saved = process.exitCode;
  try {
    process.exitCode = undefined;
    const g = fake(null);
    const reported: string[] = [];
    const out2 = createCommandOutput(g.stream, (l) => reported.push(l));
    g.emitError(Object.assign(new Error('write EIO'), { code: 'EIO' })); // e.g. from a write made around the module
    assert.equal(out2.closed, true);
    assert.deepEqual(reported, ['recur: cannot write to standard output: EIO']);
    assert.equal(process.exitCode, 1);
  } finally {
    process.exitCode = saved;
  }
});
