/**
 * `recur inspect FILE`: what a .safetensors file is (a recur model file, a training checkpoint,
 * weights saved elsewhere without recur metadata), its task, config, vocabulary, metadata and
 * tensors, and every problem a loader would meet, each in one line. `--metadata` prints the
 * file's recur metadata as JSON, which `--config FILE` accepts for weights saved without it.
 * Reads the header first; the tensor bytes are checked against the file's CRC-32s whatever else
 * is wrong, and decoded in full only for a file that claims to be whole.
 */
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { METADATA_CHECKSUMS_KEY, TENSOR_CHECKSUMS_KEY, metadataChecksumProblems, tensorChecksumProblems } from '../../io/checksums.js';
import { decodeModelFile } from '../../io/model-file.js';
import { joinProblems, parameterProblems } from '../../io/model-file-checks.js';
import { type SafetensorsHeader, readSafetensorsHeader } from '../../io/safetensors.js';
import { modelKindOf } from '../../nn/model-kinds.js';
import { decodeCheckpoint } from '../../train/checkpoint.js';
import '../../tasks/all-model-kinds.js';
import { stdout } from '../output.js';

export interface Inspection {
  path: string;
  bytes: number;
  kind: 'model' | 'checkpoint' | 'weights';
  task: string | null;
  modelKind: string | null;
  config: Record<string, unknown> | null;
  vocabulary: number | null;
  parameters: number;
  tensors: { name: string; dtype: string; shape: number[] }[];
  /** recur.* metadata besides the config, vocabulary and checksums, values shortened. */
  metadata: Record<string, string>;
  /** The file's CRC-32s (of its tensors, and of its metadata for a checkpoint): none recorded, all match, or some do not (named in `problems`). */
  checksums: 'none' | 'match' | 'mismatch';
  problems: string[];
}

const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const short = (v: string) => (v.length > 80 ? `${v.slice(0, 77)}... (${v.length.toLocaleString('en-US')} characters)` : v);

/** Inspects `arg` (a file, or a run directory's model.safetensors). */
export async function inspectFile(arg: string): Promise<{ inspection: Inspection; rawMetadata: Record<string, string> }> {
  let path = arg;
  try {
    if ((await stat(arg)).isDirectory()) path = join(arg, 'model.safetensors');
  } catch {
    throw new Error(`inspect: ${arg}: no such file or directory`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`inspect: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(bytes, { maxHeaderBytes: MAX_HEADER_BYTES, maxTensors: 1 << 20 });
  } catch (e) {
    throw new Error(`inspect: ${path} is not a safetensors file: ${(e as Error).message}`);
  }
  const meta = header.metadata;
  const problems: string[] = [];
  const kind: Inspection['kind'] = meta['recur.checkpoint_version'] !== undefined ? 'checkpoint' : meta['recur.config'] !== undefined ? 'model' : 'weights';
  let config: Record<string, unknown> | null = null;
  let modelKind: string | null = null;
  if (meta['recur.config'] !== undefined) {
    try {
      const raw = JSON.parse(meta['recur.config']) as unknown;
      const k = modelKindOf(raw);
      const normalized = k.normalize(raw);
      config = normalized as unknown as Record<string, unknown>;
      modelKind = k.kind;
      // Checkpoints hold the weights under a prefix; model files at the top.
      const prefix = kind === 'checkpoint' ? 'model.' : '';
      problems.push(...parameterProblems(header.tensors, normalized, prefix));
    } catch (e) {
      problems.push(`its config cannot be read: ${(e as Error).message}`);
    }
  } else {
    problems.push('no recur metadata (weights saved elsewhere, e.g. by PyTorch): a recur command reads it with --config FILE, a recur model file or JSON giving the config, task and vocabulary; `recur train --init-from` takes it as it is');
  }
  // The checksums whatever else is wrong: a damaged file should say so first.
  const recorded = meta[TENSOR_CHECKSUMS_KEY] !== undefined || meta[METADATA_CHECKSUMS_KEY] !== undefined;
  const damaged = [...metadataChecksumProblems(meta), ...tensorChecksumProblems(bytes, header)];
  if (damaged.length) problems.unshift(`${joinProblems(damaged)} (the file is corrupted or was edited)`);
  // A file that claims to be whole is decoded in full, so every check a loader makes runs.
  if (problems.length === 0) {
    try {
      if (kind === 'checkpoint') decodeCheckpoint(bytes, path);
      else decodeModelFile(bytes, { kind: 'any', source: path });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  let vocabulary: number | null = null;
  if (meta['recur.vocabulary'] !== undefined) {
    try {
      vocabulary = (JSON.parse(meta['recur.vocabulary']) as unknown[]).length;
    } catch {
      problems.push("metadata 'recur.vocabulary' is not JSON");
    }
  }
  const tensors = [...header.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] }));
  const parameters = tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  const hidden = ['recur.config', 'recur.vocabulary', TENSOR_CHECKSUMS_KEY, METADATA_CHECKSUMS_KEY];
  const shown = Object.fromEntries(Object.entries(meta).filter(([k]) => !hidden.includes(k)).map(([k, v]) => [k, short(v)]));
  const checksums = !recorded ? 'none' : damaged.length ? 'mismatch' : 'match';
  return {
    inspection: {
      path, bytes: bytes.length, kind, task: meta['recur.task'] ?? null, modelKind, config, vocabulary, parameters, tensors, metadata: shown, checksums, problems,
    },
    rawMetadata: Object.fromEntries(Object.entries(meta).filter(([k]) => k.startsWith('recur.'))),
  };
}

function render(i: Inspection): string {
  const what = { model: 'a recur model file', checkpoint: 'a recur training checkpoint', weights: 'weights without recur metadata' }[i.kind];
  const lines = [`${i.path}: ${what}, ${i.bytes.toLocaleString('en-US')} bytes`];
  if (i.task) lines.push(`task: ${i.task}`);
  if (i.modelKind) lines.push(`model kind: ${i.modelKind}`);
  if (i.config) {
    lines.push('config:');
    for (const [k, v] of Object.entries(i.config)) lines.push(`  ${k}: ${short(JSON.stringify(v))}`);
  }
  if (i.vocabulary !== null) lines.push(`vocabulary: ${i.vocabulary.toLocaleString('en-US')} symbols`);
  const meta = Object.entries(i.metadata);
  if (meta.length) {
    lines.push('metadata:');
    for (const [k, v] of meta) lines.push(`  ${k}: ${v}`);
  }
  lines.push(`checksums: ${{
    none: 'none (saved without recur\'s CRC-32s, e.g. by PyTorch): damaged tensor data cannot be detected',
    match: `CRC-32 of every tensor${i.kind === 'checkpoint' ? ' and metadata entry' : ''}, all match`,
    mismatch: 'CRC-32s recorded, some do not match (see problems)',
  }[i.checksums]}`);
  lines.push(`tensors: ${i.tensors.length}, ${i.parameters.toLocaleString('en-US')} values`);
  const w = Math.max(...i.tensors.map((t) => t.name.length), 4);
  for (const t of i.tensors) lines.push(`  ${t.name.padEnd(w)}  ${t.dtype.padEnd(4)}  [${t.shape.join(', ')}]`);
  lines.push(i.problems.length ? `problems:\n${i.problems.map((p) => `  - ${p}`).join('\n')}` : 'problems: none');
  return lines.join('\n');
}

export function registerInspect(program: Command): void {
  program.command('inspect')
    .description('show what a .safetensors file holds (recur model, checkpoint or bare weights): task, config, vocabulary, metadata, tensors and shapes, and any problem a loader would meet')
    .argument('<file>', 'a .safetensors file, or a run directory (its model.safetensors)')
    .option('--metadata', 'print only the file\'s recur metadata as JSON (what --config FILE reads, for weights saved without it)')
    .option('--json', 'print a JSON object instead of text')
    .addHelpText('after', '\nExit code 0 when the file loads as it is, 1 when a problem is listed or the file cannot be read.')
    .action(async (file: string, f: { metadata?: boolean; json?: boolean }) => {
      const { inspection, rawMetadata } = await inspectFile(file);
      if (f.metadata) {
        if (rawMetadata['recur.config'] === undefined) throw new Error(`inspect: ${inspection.path} has no recur metadata to print`);
        // The checksums and training state describe this file, not weights saved elsewhere.
        const { [TENSOR_CHECKSUMS_KEY]: _sum, [METADATA_CHECKSUMS_KEY]: _meta, 'recur.training': _t, 'recur.optimizer': _o, 'recur.checkpoint_version': _v, ...rest } = rawMetadata;
        stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
        return;
      }
      stdout.write(f.json ? `${JSON.stringify(inspection)}\n` : `${render(inspection)}\n`);
      if (inspection.problems.length) process.exitCode = 1;
    });
}
