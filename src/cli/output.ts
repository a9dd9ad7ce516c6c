/**
 * Standard output for every `recur` command: the one place that notices when the reader of a
 * pipe goes away (EPIPE, as in `recur lm sample | head -c 20`), so that a command ends quietly
 * instead of with a stack trace, and long-running work can stop. Not a logger: errors still go
 * to stderr through main.ts.
 */

/** What commands write through, and how they learn that nobody reads any more. */
export interface CommandOutput {
  /**
   * Writes `text` unless the reader has gone; returns false once it has, and from then on
   * writes nothing. Detection is synchronous: the write that meets EPIPE already returns false.
   */
  write(text: string): boolean;
  /** True once stdout can take no more output (the reader closed the pipe, or a write failed). */
  readonly closed: boolean;
  /** Aborts when `closed` becomes true: a long-running command passes it on and stops its work. */
  readonly closedSignal: AbortSignal;
}

/** The part of a Node writable stream this module uses (a real stdout, or a test's stand-in). */
export interface OutputStream {
  write(chunk: string): boolean;
  on(event: 'error', listener: (e: NodeJS.ErrnoException) => void): unknown;
  readonly errored?: Error | null;
}

/**
 * Wraps `stream` (listening for its 'error' events, so that EPIPE is never an unhandled error).
 * EPIPE closes quietly; any other write error closes with one line on `reportError`, and sets
 * the process's exit code to 1 unless a command already set one.
 */
export function createCommandOutput(stream: OutputStream, reportError: (line: string) => void): CommandOutput {
  const controller = new AbortController();
  const close = (e: NodeJS.ErrnoException | null | undefined): void => {
    if (controller.signal.aborted) return;
    if (e && e.code !== 'EPIPE') {
      reportError(`recur: cannot write to standard output: ${e.code ?? e.message}`);
      if (!process.exitCode) process.exitCode = 1;
    }
    controller.abort();
  };
  // Writes made around this module (by a progress bar, say) report EPIPE as an event.
  stream.on('error', close);
  return {
    write(text) {
      if (controller.signal.aborted) return false;
      stream.write(text);
      // A pipe write that meets EPIPE marks the stream errored at once; the 'error' event
      // comes a tick later, which a synchronous loop (sampling) would never reach.
      if (stream.errored) close(stream.errored as NodeJS.ErrnoException);
      return !controller.signal.aborted;
    },
    get closed() {
      return controller.signal.aborted;
    },
    closedSignal: controller.signal,
  };
}

/** Ignores EPIPE on stderr (nobody is left to tell); anything else stays an error. */
function guardStderr(): void {
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

guardStderr();

/** The process's stdout, guarded from the moment the CLI loads. */
export const stdout: CommandOutput = createCommandOutput(process.stdout, (line) => process.stderr.write(`${line}\n`));
