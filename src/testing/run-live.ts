/**
 * Runs a CLI entry point as a child process and hands each JSON line of its stdout to a callback
 * as it arrives (to send Ctrl-C at a given step, say). For tests only.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export async function runLive<E>(bin: string, args: string[], onLine: (e: E, child: ChildProcess) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', pending = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  child.stdout!.on('data', (d) => {
    stdout += d;
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.trim()) onLine(JSON.parse(l) as E, child);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
