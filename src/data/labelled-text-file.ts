/**
 * Reading classification inputs from disk: a labelled table, a folder (or list) of class files,
 * a JSON Lines file of sequences. Each file is read as UTF-8 with the checks of `loadTextFile`
 * and parsed by the pure readers (labelled-text.ts, sequence-jsonl.ts). Node only.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTextFile } from './text-file.js';
import { parseClassFiles, parseLabelledTable, type LabelledTableOptions, type LabelledTexts } from './labelled-text.js';
import { parseSequenceJsonl, type LabelledSequences } from './sequence-jsonl.js';

/** Reads a labelled table (UTF-8, not binary, not empty) and parses it; errors name `path` unless `options.source` is given. */
export async function loadLabelledTable(path: string, options: LabelledTableOptions = {}): Promise<LabelledTexts> {
  return parseLabelledTable(await loadTextFile(path), { ...options, source: options.source ?? path });
}

/** The regular `*.txt` files of `dir` (links followed), sorted by name; none is an error naming `dir`. */
async function classFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.txt')).sort();
  const files: string[] = [];
  for (const name of names) {
    if ((await stat(join(dir, name)).catch(() => null))?.isFile()) files.push(join(dir, name));
  }
  if (files.length === 0) throw new Error(`no class files (*.txt) in directory ${dir}`);
  return files;
}

/**
 * Reads one file of examples per class (`parseClassFiles`: one example a line, the label is the
 * file name without extension). `paths` is a list of files, or one directory whose regular
 * `*.txt` files are read in name order (other files are ignored), or one file. `source` is
 * the directory, or the files joined with ', '.
 */
export async function loadClassFiles(paths: string[] | string, options: { strict?: boolean } = {}): Promise<LabelledTexts> {
  let files: string[];
  let source: string;
  if (typeof paths === 'string') {
    const info = await stat(paths).catch(() => null);
    if (info === null) throw new Error(`class files not found: ${paths}`);
    files = info.isDirectory() ? await classFilesIn(paths) : [paths];
    source = paths;
  } else {
    files = paths;
    source = paths.join(', ');
  }
  const texts = await Promise.all(files.map(loadTextFile));
  return parseClassFiles(files.map((name, i) => ({ name, text: texts[i]! })), { ...options, source });
}

/** Reads a JSON Lines file of labelled sequences (UTF-8, not binary, not empty) with `parseSequenceJsonl`; errors name `path`. */
export async function loadSequenceJsonl(path: string): Promise<LabelledSequences> {
  return parseSequenceJsonl(await loadTextFile(path), path);
}
