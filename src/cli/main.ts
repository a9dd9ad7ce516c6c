/**
 * The `recur` command line. Each command lives in `commands/`; this file only wires them into
 * one commander program and turns errors into one-line messages with a non-zero exit code.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { registerClassify } from './commands/classify.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExport } from './commands/export.js';
import { registerForecast } from './commands/forecast.js';
import { registerInspect } from './commands/inspect.js';
import { registerLm } from './commands/lm.js';
import { registerSeq2seq } from './commands/seq2seq.js';
import { registerTag } from './commands/tag.js';
import { stdout } from './output.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('recur')
    .description('Recurrent neural networks (Elman RNN, LSTM, GRU) for TypeScript')
    .version(pkg.version)
    .configureOutput({
      writeOut: (text) => stdout.write(text), // help and version, quiet on a closed pipe
      // Commander's own errors (unknown option or command, missing argument) as one line too:
      // "error: unknown option '--x'\n(Did you mean --y?)\n" -> "recur: unknown option '--x' (did you mean --y?); ...".
      outputError: (text, write) => write(`${oneLineCommanderError(text)}\n`),
    })
    .exitOverride();
  registerClassify(program);
  registerDashboard(program);
  registerDoctor(program);
  registerExport(program);
  registerForecast(program);
  registerInspect(program);
  registerLm(program);
  registerSeq2seq(program);
  registerTag(program);
  return program;
}

/** A commander error message as recur's one line: `recur: what (did you mean ...?); run with --help for usage`. */
export function oneLineCommanderError(text: string): string {
  const [first = '', ...rest] = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const hint = rest.map((l) => l.replace(/^\((.*)\)$/, '$1')).map((l) => ` (${l.charAt(0).toLowerCase()}${l.slice(1)})`).join('');
  return `recur: ${first.replace(/^error: /, '')}${hint}; run with --help for usage`;
}

/** Runs `argv` through `program`: a command's exit code, or 1 with a one-line `recur: message` on stderr. */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0); // a command may set it (e.g. 130 after Ctrl-C)
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : e.exitCode || 1; // commander printed the message
    process.stderr.write(`recur: ${(e as Error).message}\n`);
    if (process.env.RECUR_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  return runCli(buildProgram(), argv);
}
