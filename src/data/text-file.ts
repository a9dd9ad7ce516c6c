/**
 * Loading a training or evaluation text: the file must exist, be non-empty, be UTF-8 and not
 * look binary. Every failure is one sentence naming the file and the problem (and the byte
 * offset for bad encodings). Not a corpus format reader: the text comes back as one string.
 */
import { readFile } from 'node:fs/promises';

/**
 * Offset of the first byte that is not part of a well-formed UTF-8 sequence (overlong forms,
 * surrogates and code points above U+10FFFF are malformed), or -1 when all of `bytes` is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) { i++; continue; }
    let need: number, min: number, cp: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; cp = b & 0x0f; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; cp = b & 0x07; }
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i; // truncated or broken sequence
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Decodes file bytes as text, or throws naming `source`: empty, NUL bytes (binary), not UTF-8.
 * A UTF-8 byte-order mark is dropped; line endings are kept as they are.
 */
export function decodeText(bytes: Uint8Array, source: string): string {
  if (bytes.length === 0) throw new Error(`${source} is empty`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new Error(`${source} looks binary (NUL byte at offset ${nul}); expected UTF-8 text`);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) throw new Error(`${source} is not UTF-8 text (invalid byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad})`);
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  if (text.length === 0) throw new Error(`${source} is empty (only a byte-order mark)`);
  return text;
}

/**
 * The bytes of a file, or an error naming it: missing, a directory, unreadable. `kind` says what
 * the file was meant to be in those messages ('text file', 'IDX file').
 */
export async function readFileBytes(path: string, kind: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${kind} not found: ${path}`);
    if (code === 'EISDIR') throw new Error(`${path} is a directory, not ${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`);
    throw new Error(`cannot read ${kind} ${path}: ${(e as Error).message}`);
  }
}

/** Reads a UTF-8 text file with the checks of `decodeText`; a missing file or a directory is an error too. */
export async function loadTextFile(path: string): Promise<string> {
  return decodeText(await readFileBytes(path, 'text file'), path);
}
