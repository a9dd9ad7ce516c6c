/**
 * Renders training events for a terminal: a progress bar (step, loss, validation loss, tokens/s,
 * ETA; cli-progress) with validation lines and samples printed above it when stdout is a TTY;
 * plain lines (validation, samples, checkpoints, a step line every 10 s) when it is not; or one
 * JSON object per event with --json. It only reads events; it never touches the training loop.
 */
import cliProgress from 'cli-progress';
import type { TrainEvent } from '../train/events.js';

export interface TrainRenderer {
  onEvent(event: TrainEvent): void;
  /** A line of its own (e.g. "interrupted, saving"), above the bar when there is one. */
  note(text: string): void;
  stop(): void;
}

/** 1h 02m, 4m 05s, 12s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const indent = (text: string) => text.split('\n').map((l) => `    ${l}`).join('\n');

function describeStart(e: Extract<TrainEvent, { type: 'start' }>): string {
  const d = e.details as Record<string, string | number | null>;
  const limits = [e.maxSteps !== undefined ? `${int(e.maxSteps)} steps` : '', e.maxTimeMs !== undefined ? formatDuration(e.maxTimeMs) : ''].filter(Boolean).join(' or ');
  return `${e.resumed ? `resuming at step ${int(e.step)}` : 'training'}: ${d.model} (${int(e.parameters)} parameters) on ${d.text}\n` +
    `  ${int(Number(d.trainChars))} training / ${int(Number(d.validationChars))} validation characters, vocabulary ${d.vocabulary}; ` +
    `batch ${d.batchSize} × ${d.seqLen}, lr ${d.lr}, ${d.backend}; until ${limits}${d.out ? `; checkpoints in ${d.out}` : ''}\n`;
}

function describeEval(e: Extract<TrainEvent, { type: 'eval' }>): string {
  return `step ${int(e.step)}: validation loss ${e.valLoss.toFixed(4)} nats/char (${(e.valLoss / Math.LN2).toFixed(3)} bits)` +
    `${e.improved ? '' : `, best ${e.bestValLoss.toFixed(4)}`} [${formatDuration(e.elapsedMs)}]\n`;
}

function describeEnd(e: Extract<TrainEvent, { type: 'end' }>): string {
  const why = e.reason === 'interrupted' ? 'interrupted' : e.reason === 'max-time' ? 'time budget reached' : 'done';
  const parts = [`${why} at step ${int(e.step)} after ${formatDuration(e.elapsedMs)}`];
  if (e.loss !== undefined) parts.push(`training loss ${e.loss.toFixed(4)}`);
  if (e.valLoss !== undefined) parts.push(`validation loss ${e.valLoss.toFixed(4)} (best ${e.bestValLoss!.toFixed(4)})`);
  return `${parts.join(', ')}\n`;
}

/** JSON lines: one event per line. */
function jsonRenderer(out: NodeJS.WritableStream): TrainRenderer {
  return {
    onEvent: (e) => out.write(`${JSON.stringify(e)}\n`),
    note: (text) => out.write(`${JSON.stringify({ type: 'note', text })}\n`),
    stop: () => {},
  };
}

/** Plain lines for logs and pipes. */
function lineRenderer(out: NodeJS.WritableStream): TrainRenderer {
  let lastLine = -Infinity;
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start': out.write(describeStart(e)); break;
        case 'step':
          if (e.elapsedMs - lastLine >= 10_000 || e.step === e.totalSteps) {
            lastLine = e.elapsedMs;
            out.write(`step ${int(e.step)}${e.totalSteps ? `/${int(e.totalSteps)}` : ''}: loss ${e.loss.toFixed(4)}, ${int(e.tokensPerSecond)} tokens/s` +
              `${e.etaMs !== undefined ? `, ETA ${formatDuration(e.etaMs)}` : ''}\n`);
          }
          break;
        case 'eval': out.write(describeEval(e)); break;
        case 'sample': out.write(`${indent(e.text)}\n`); break;
        case 'checkpoint': out.write(`checkpoint (step ${int(e.step)}, ${e.reason}) written to ${e.path}\n`); break;
        case 'end': out.write(describeEnd(e)); break;
      }
    },
    note: (text) => out.write(`${text}\n`),
    stop: () => {},
  };
}

/** The progress bar with log lines above it. */
function barRenderer(out: NodeJS.WriteStream): TrainRenderer {
  const multi = new cliProgress.MultiBar({
    stream: out, hideCursor: true, clearOnComplete: false, fps: 5, barsize: 24,
    format: ' {bar} step {value}/{total} | loss {loss} | val {val} | {speed} tok/s | {elapsed} elapsed, ETA {eta_text}',
  }, cliProgress.Presets.shades_classic);
  let bar: cliProgress.SingleBar | undefined;
  let val = '-';
  const log = (text: string) => multi.log(text.endsWith('\n') ? text : `${text}\n`);
  const stop = () => {
    if (!multi.isActive) return;
    multi.update(); // flushes the lines logged since the last redraw
    multi.stop();
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start':
          log(describeStart(e));
          bar = multi.create(Math.max(1, e.maxSteps ?? 1), e.step, { loss: '-', val, speed: '-', elapsed: '0s', eta_text: '?' });
          break;
        case 'step':
          if (e.totalSteps !== undefined && e.totalSteps !== bar?.getTotal()) bar?.setTotal(Math.max(e.step, e.totalSteps));
          bar?.update(e.step, {
            loss: e.loss.toFixed(3), val, speed: int(e.tokensPerSecond), elapsed: formatDuration(e.elapsedMs),
            eta_text: e.etaMs === undefined ? '?' : formatDuration(e.etaMs),
          });
          break;
        case 'eval': val = e.valLoss.toFixed(3); bar?.update({ val }); log(describeEval(e)); break;
        case 'sample': log(indent(e.text)); break;
        case 'checkpoint': log(`checkpoint (step ${int(e.step)}, ${e.reason}) written to ${e.path}`); break;
        case 'end': stop(); out.write(describeEnd(e)); break;
      }
    },
    note: log,
    stop,
  };
}

/** JSON lines with `json`; else a bar on a TTY, plain lines otherwise. */
export function createTrainRenderer(options: { json?: boolean; out?: NodeJS.WriteStream } = {}): TrainRenderer {
  const out = options.out ?? process.stdout;
  if (options.json) return jsonRenderer(out);
  return out.isTTY ? barRenderer(out) : lineRenderer(out);
}
