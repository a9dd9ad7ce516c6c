/**
 * What the `recur export pytorch` tests share (not a test file itself): the CLI and other
 * commands run without a shell, the Python with torch (or why the round trips are skipped),
 * and the largest difference of two arrays.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { findTorchPython } from '../bench/peers/python.js';
import { type CommandResult, runCommand } from './run-command.js';

export type Run = CommandResult;
const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

export const run = (cmd: string, args: string[], options: { cwd?: string } = {}): Promise<Run> => runCommand(cmd, args, options);
export const recur = (...args: string[]): Promise<Run> => run(process.execPath, [bin, ...args]);
export const ok = (r: Run, what: string): void => assert.equal(r.status, 0, `${what}: ${r.stderr || r.stdout}`);
export const lastLine = (s: string): string => s.trim().split('\n').at(-1) ?? '';

/** The Python that imports torch: `python`, or `skip` saying why the round trips are skipped (printed once per file that asks). */
export async function torchPython(): Promise<{ python: string; skip: string | false }> {
  const torch = await findTorchPython();
  const skip = 'skip' in torch ? `PyTorch round trips skipped: ${torch.skip}` : false;
  if (skip) console.log(`# ${skip}`);
  return { python: 'python' in torch ? torch.python : '', skip };
}

/** The largest |a - b| over two arrays of the same length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
