/**
 * Loading a training or evaluation text: the file must exist, be non-empty, be UTF-8 and not
 * look binary. Every failure is one sentence naming the file and the problem (and the byte
 * offset for bad encodings). Not a corpus format reader: the text comes back as one string.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';

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
    throw readError(e, path, kind);
  }
}

/** Reads a UTF-8 text file with the checks of `decodeText`; a missing file or a directory is an error too. */
export async function loadTextFile(path: string): Promise<string> {
  return decodeText(await readFileBytes(path, 'text file'), path);
}

/**
 * Reads a UTF-8 text file piece by piece with the checks of `decodeText` (at exact byte
 * offsets), for files larger than one string can hold (V8 strings end below 1 GiB, and
 * glove.6B.300d.txt is 1 GB). Each piece ends on a character boundary, not necessarily a line's;
 * a byte-order mark is dropped. `what` names the file in not-found errors ('text file').
 */
export async function* readTextChunks(path: string, what = 'text file', chunkBytes = 1 << 20): AsyncGenerator<string> {
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 4)) throw new Error(`readTextChunks: chunkBytes must be an integer >= 4, got ${chunkBytes}`);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw readError(e, path, what);
  }
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    const buffer = new Uint8Array(chunkBytes);
    let carry = new Uint8Array(0); // an incomplete character at the end of the previous piece
    let base = 0; // file offset of carry[0]
    let any = false;
    for (;;) {
      let read: number;
      try {
        ({ bytesRead: read } = await handle.read(buffer, 0, chunkBytes, null));
      } catch (e) {
        throw readError(e, path, what);
      }
      if (read === 0) break;
      const nul = buffer.subarray(0, read).indexOf(0);
      if (nul >= 0) throw new Error(`${path} looks binary (NUL byte at offset ${base + carry.length + nul}); expected UTF-8 text`);
      const bytes = new Uint8Array(carry.length + read);
      bytes.set(carry);
      bytes.set(buffer.subarray(0, read), carry.length);
      const end = incompleteTail(bytes);
      const bad = firstInvalidUtf8(bytes.subarray(0, end));
      if (bad >= 0) throw new Error(`${path} is not UTF-8 text (invalid byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${base + bad})`);
      const text = decoder.decode(bytes.subarray(0, end), { stream: true });
      carry = bytes.slice(end);
      base += end;
      if (text.length > 0) { any = true; yield text; }
    }
    if (carry.length > 0) throw new Error(`${path} is not UTF-8 text (invalid byte 0x${carry[0]!.toString(16).padStart(2, '0')} at offset ${base})`);
    if (!any) throw new Error(base === 0 ? `${path} is empty` : `${path} is empty (only a byte-order mark)`);
  } finally {
    await handle.close();
  }
}

/** Where a character cut off by the end of `bytes` starts (bytes.length when none is). */
function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const b = bytes[n - k]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? n - k : n;
  }
  return n;
}

/** The one-line error for a file that cannot be opened or read; `what` names the kind ('text file'). */
function readError(e: unknown, path: string, what: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`${what} not found: ${path}`);
  if (code === 'EISDIR') return new Error(`${path} is a directory, not ${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`);
  return new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
}
