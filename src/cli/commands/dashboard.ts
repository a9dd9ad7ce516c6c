/**
 * `recur dashboard RUN_DIR...`: serves the local web page that shows the training runs in these
 * directories (their events.jsonl), live while they train. Safe by default: it listens on
 * 127.0.0.1 only and the printed URL carries a random token that every request needs.
 */
import type { Command } from 'commander';
import { isLoopback, startDashboard } from '../../dashboard/server.js';
import { stdout } from '../output.js';
import { type BackendChoice, chooseBackend, parseBackendFlag } from '../backend-option.js';

export function registerDashboard(program: Command): void {
  program.command('dashboard')
    .description('serve a local web page showing training runs (loss, learning rate, gradient norm, samples) live while they train, what each model does inside and on typed input, and a playground that trains in the browser')
    .argument('[RUN_DIR...]', 'run directories, each holding an events.jsonl written by a train command')
    .option('--port <n>', 'port to listen on, 0 to 65535 (0: a free port)', parsePort, 0)
    .option('--host <address>', 'address to listen on; anything but a loopback address lets other machines connect (with the token)', '127.0.0.1')
    .option('--backend <name>', 'kernels the page\'s model views run on (one thread): native, wasm, reference or auto (default: RECUR_BACKEND if set, else auto); recur doctor lists what runs here',
      parseBackendFlag)
    .addHelpText('after', `
Safe by default: the server listens on 127.0.0.1 only, and the URL it prints carries a random
token (as Jupyter's does) without which the page and its data are refused. Requests naming
another Host or coming from another site's page are refused too, and only each run's
events.jsonl and model.safetensors are ever read. Open the printed URL in a browser; Ctrl-C
stops the server.

The page: training curves of every run overlaid; inside the network (a language model's hidden
states, gates, next-symbol probabilities and gradient through time on a typed text); a task
view per run (autocomplete, class probabilities and confusion matrix, forecast with its band,
translation with attention, tagged sentence); and a playground link that trains a model in
the browser's own Web Worker.

Example:
  recur lm train --text input.txt --out runs/shakespeare &
  recur dashboard runs/shakespeare`)
    .action(async (dirs: string[], opts: { port: number; host: string; backend?: BackendChoice }) => {
      if (dirs.length === 0) throw new Error('give one or more run directories (each holds an events.jsonl written by a train command)');
      if (opts.host.trim() === '') throw new Error("--host must be an address, got ''");
      // Chosen (and created) before listening: an unavailable backend is an error now, not on the first view.
      const { backend } = await chooseBackend(opts.backend, { threads: 1 });
      const dashboard = await startDashboard({ runs: dirs, host: opts.host, port: opts.port, modelBackend: () => Promise.resolve(backend) });
      if (!isLoopback(opts.host)) process.stderr.write(`warning: listening on ${opts.host}: anyone who can reach this address and has the URL's token can read these runs\n`);
      stdout.write(`recur dashboard: ${dashboard.url}\n`);
      process.stderr.write(`serving ${dirs.length} run${dirs.length === 1 ? '' : 's'}; Ctrl-C to stop\n`);
      await new Promise<void>((ok) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          ok();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await dashboard.close();
    });
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n > 65535) throw new Error(`--port must be an integer from 0 to 65535, got '${v}'`);
  return n;
}
