/**
 * Renders training events of any task for a terminal: a progress bar (step, loss, validation
 * loss, throughput in the task's unit, ETA; cli-progress) with validation lines (loss and metrics
 * as the start event describes them) and samples printed above it when stdout is a TTY;
 * plain lines (validation, samples, checkpoints, a step line every 10 s) when it is not; or one
 * JSON object per event with --json. A divergence is a few lines on either: what diverged, the
 * first op that produced NaN or Inf, recent gradient norms, and what happened and what to try. It only reads events; it never touches the training loop.
 */
import cliProgress from 'cli-progress';
import { describeCause, formatFigure } from '../train/divergence.js';
import type { DivergenceEvent, MetricSpec, TrainEvent } from '../train/events.js';

export interface TrainRenderer {
  onEvent(event: TrainEvent): void;
  /** A line of its own (e.g. "interrupted, saving"), above the bar when there is one. */
  note(text: string): void;
  /** A failure: a JSON line `{ "type": "error", "message" }` under --json; otherwise nothing (the message goes to stderr). */
  error(message: string): void;
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

type Start = Extract<TrainEvent, { type: 'start' }>;

/** A metric's value as its spec says: `91.20% accuracy`, `2.164 bits`. */
function formatMetric(spec: MetricSpec, v: number): string {
  return spec.format === 'percent' ? `${(v * 100).toFixed(spec.digits)}% ${spec.label}` : `${v.toFixed(spec.digits)} ${spec.label}`;
}

/** The monitored figure: the loss in its unit, or a metric. */
function formatMonitored(start: Start | undefined, v: number): string {
  const m = start?.monitor;
  const spec = m && m.metric !== 'loss' ? start!.metrics.find((s) => s.name === m.metric) : undefined;
  return spec ? formatMetric(spec, v) : v.toFixed(4);
}

/** The unit of the throughput in the progress bar, short: `char/s`, `tok/s`, `seq/s`. */
const SHORT_UNIT: Record<string, string> = { characters: 'char', tokens: 'tok', sequences: 'seq' };

function describeStart(e: Start): string {
  const d = e.details;
  const limits = [
    e.maxSteps !== undefined ? `${int(e.maxSteps)} steps` : '', e.maxEpochs !== undefined ? `${int(e.maxEpochs)} epochs` : '',
    e.maxTimeMs !== undefined ? formatDuration(e.maxTimeMs) : '',
  ].filter(Boolean).join(' or ');
  const facts = d.facts.map(([k, v]) => `, ${k} ${typeof v === 'number' ? int(v) : v}`).join('');
  return `${e.resumed ? `resuming at step ${int(e.step)}` : 'training'}: ${d.model} (${int(e.parameters)} parameters) on ${d.data}\n` +
    `  ${int(d.trainItems)} training / ${int(d.validationItems)} validation ${e.unit}${facts}; ` +
    `batch ${d.batch}${e.accumulate > 1 ? ` × ${e.accumulate} accumulated` : ''}, lr ${d.lr}, ${d.backend}; until ${limits}${d.out ? `; checkpoints in ${d.out}` : ''}\n` +
    (d.notes ?? []).map((n) => `  ${n}\n`).join('');
}

function describeEval(e: Extract<TrainEvent, { type: 'eval' }>, start: Start | undefined): string {
  const metrics = (start?.metrics ?? []).filter((m) => e.metrics[m.name] !== undefined).map((m) => formatMetric(m, e.metrics[m.name]!));
  return `step ${int(e.step)}: validation loss ${e.valLoss.toFixed(4)} ${start?.details.lossUnit ?? ''}`.trimEnd() +
    `${metrics.length ? ` (${metrics.join(', ')})` : ''}${e.improved ? '' : `, best ${formatMonitored(start, e.best)}`} [${formatDuration(e.elapsedMs)}]\n`;
}

/**
 * A divergence in four lines: what diverged at which step, the first NaN or Inf the replay of the
 * step found, the gradient norms before it, and the rollback or the stop (what is kept on disk,
 * and which flags to try).
 */
export function describeDivergence(e: DivergenceEvent, start: Start | undefined): string {
  const norms = e.recentGradNorms.map(formatFigure).join(' ');
  const lines = [
    `step ${int(e.step)}: training diverged: ${describeCause(e)}`,
    `  first NaN/Inf: ${e.firstNonFinite ?? 'none in the step\'s forward and backward passes (the loss is finite, but grew)'}`,
    `  gradient norm${norms ? `, ${e.recentGradNorms.length === 1 ? 'last step' : `last ${e.recentGradNorms.length} steps`}: ${norms}` : ': no earlier step in this session'}` +
      `${e.gradNorm !== undefined ? `; this step ${formatFigure(e.gradNorm)}` : ''}`,
  ];
  if (e.action === 'rollback') {
    lines.push(`  rolled back to step ${int(e.restoredStep!)} (rollback ${e.rollbacks} of ${e.maxRollbacks}): the learning rate is ×${e.lrScale} from now on`);
  } else {
    const out = start?.details.out;
    const kept = e.checkpointStep === null ? 'no checkpoint had been written yet' : `the last checkpoint (step ${int(e.checkpointStep)}) is kept${out ? ` in ${out}` : ''}`;
    const tries = [`a lower --lr (this step's was ${formatFigure(e.lr)})`];
    if (e.clipNorm === undefined) tries.push('--clip-norm 1');
    if (e.rollbacks === 0 && e.maxRollbacks > 0) tries.push('--on-divergence rollback');
    lines.push(`  stopped${e.rollbacks > 0 ? ` after ${e.rollbacks} rollback${e.rollbacks > 1 ? 's' : ''}` : ''}: ${kept}; try ${tries.join(', or ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const END_REASON: Record<string, string> = {
  interrupted: 'interrupted', 'max-time': 'time budget reached', 'early-stopping': 'stopped early (no better validation)',
  'max-steps': 'done', 'max-epochs': 'done',
};

function describeEnd(e: Extract<TrainEvent, { type: 'end' }>, start: Start | undefined): string {
  const parts = [`${END_REASON[e.reason] ?? e.reason} at step ${int(e.step)} after ${formatDuration(e.elapsedMs)}`];
  if (e.loss !== undefined) parts.push(`training loss ${e.loss.toFixed(4)}`);
  if (e.valLoss !== undefined) {
    const best = e.best === undefined ? '' : ` (best ${formatMonitored(start, e.best)}${e.bestStep !== undefined && e.bestStep !== e.step ? ` at step ${int(e.bestStep)}` : ''})`;
    parts.push(`validation loss ${e.valLoss.toFixed(4)}${best}`);
  }
  return `${parts.join(', ')}\n`;
}

/** JSON lines: one event per line. */
function jsonRenderer(out: NodeJS.WritableStream): TrainRenderer {
  return {
    onEvent: (e) => out.write(`${JSON.stringify(e)}\n`),
    note: (text) => out.write(`${JSON.stringify({ type: 'note', text })}\n`),
    error: (message) => out.write(`${JSON.stringify({ type: 'error', message })}\n`),
    stop: () => {},
  };
}

/** Plain lines for logs and pipes. */
function lineRenderer(out: NodeJS.WritableStream): TrainRenderer {
  let lastLine = -Infinity;
  let start: Start | undefined;
  return {
    onEvent(e) {
      switch (e.type) {
        case 'start': start = e; out.write(describeStart(e)); break;
        case 'step':
          if (e.elapsedMs - lastLine >= 10_000 || e.step === e.totalSteps) {
            lastLine = e.elapsedMs;
            out.write(`step ${int(e.step)}${e.totalSteps ? `/${int(e.totalSteps)}` : ''}: loss ${e.loss.toFixed(4)}, ${int(e.itemsPerSecond)} ${start?.unit ?? 'items'}/s` +
              `${e.etaMs !== undefined ? `, ETA ${formatDuration(e.etaMs)}` : ''}\n`);
          }
          break;
        case 'eval': out.write(describeEval(e, start)); break;
        case 'sample': out.write(`${indent(e.text)}\n`); break;
        case 'checkpoint': out.write(`checkpoint (step ${int(e.step)}, ${e.reason}) written to ${e.path}\n`); break;
        case 'divergence': out.write(describeDivergence(e, start)); break;
        case 'end': out.write(describeEnd(e, start)); break;
      }
    },
    note: (text) => out.write(`${text}\n`),
    error: () => {},
    stop: () => {},
  };
}

/** The progress bar with log lines above it. */
function barRenderer(out: NodeJS.WriteStream): TrainRenderer {
  const multi = new cliProgress.MultiBar({
    stream: out, hideCursor: true, clearOnComplete: false, fps: 5, barsize: 24,
    format: ' {bar} step {value}/{total} | loss {loss} | val {val} | {speed} {unit}/s | {elapsed} elapsed, ETA {eta_text}',
  }, cliProgress.Presets.shades_classic);
  let bar: cliProgress.SingleBar | undefined;
  let val = '-';
  let start: Start | undefined;
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
          start = e;
          log(describeStart(e));
          bar = multi.create(Math.max(1, e.maxSteps ?? 1), e.step, { loss: '-', val, speed: '-', unit: SHORT_UNIT[e.unit] ?? e.unit, elapsed: '0s', eta_text: '?' });
          break;
        case 'step':
          if (e.totalSteps !== undefined && e.totalSteps !== bar?.getTotal()) bar?.setTotal(Math.max(e.step, e.totalSteps));
          bar?.update(e.step, {
            loss: e.loss.toFixed(3), val, speed: int(e.itemsPerSecond), elapsed: formatDuration(e.elapsedMs),
            eta_text: e.etaMs === undefined ? '?' : formatDuration(e.etaMs),
          });
          break;
        case 'eval': val = e.valLoss.toFixed(3); bar?.update({ val }); log(describeEval(e, start)); break;
        case 'sample': log(indent(e.text)); break;
        case 'checkpoint': log(`checkpoint (step ${int(e.step)}, ${e.reason}) written to ${e.path}`); break;
        case 'divergence': log(describeDivergence(e, start)); if (e.action === 'rollback') bar?.update(e.restoredStep!); break;
        case 'end': stop(); out.write(describeEnd(e, start)); break;
      }
    },
    note: log,
    error: () => {},
    stop,
  };
}

/** JSON lines with `json`; else a bar on a TTY, plain lines otherwise. */
export function createTrainRenderer(options: { json?: boolean; out?: NodeJS.WriteStream } = {}): TrainRenderer {
  const out = options.out ?? process.stdout;
  if (options.json) return jsonRenderer(out);
  return out.isTTY ? barRenderer(out) : lineRenderer(out);
}
