#!/usr/bin/env node
/**
 * The toy copy task behind the shared train command, as a task's command file would register it:
 * `node cli.js copy train [--delay n] [shared train flags]`. For the framework's tests.
 */
import { Command } from 'commander';
import { integerFlag } from '../../cli/flag-parsers.js';
import { runCli } from '../../cli/main.js';
import { registerTrainCommand } from '../../cli/train-command.js';
import { type CopyConfig, copyTask } from './task.js';

const program = new Command('recur').exitOverride();
registerTrainCommand<CopyConfig, undefined, { delay?: number }>(program.command('copy'), {
  task: copyTask, description: 'learn to copy tokens with a delay', defaultOut: 'copy-run',
  flags: (cmd) => cmd.option('--delay <n>', 'steps between a token and its copy', integerFlag('--delay', 1)),
  config: (f) => ({ delay: f.delay }),
  input: () => undefined,
});
process.exitCode = await runCli(program, process.argv.slice(2));
