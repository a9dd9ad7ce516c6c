/**
 * A command run without a shell, stdin closed, stdout and stderr collected; killed after
 * `timeoutMs` (default 120 s). Never rejects: a command that cannot start answers status -1 with
 * the reason in stderr. For tests that drive Python and the CLI side by side.
 */
import { spawn } from 'node:child_process';

export interface CommandResult { status: number; stdout: string; stderr: string }

export function runCommand(cmd: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 120_000);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => { clearTimeout(timer); resolve({ status: -1, stdout, stderr: e.message }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ status: code ?? -1, stdout, stderr: signal ? `${stderr}\nkilled by ${signal}` : stderr }); });
  });
}
