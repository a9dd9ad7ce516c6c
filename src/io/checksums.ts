/**
 * The checksums recur writes into the metadata of its model and checkpoint files, so that a
 * damaged or hand-edited file is refused on load instead of sampling nonsense. CRC-32 (IEEE
 * 802.3, the value of zlib's and Python's `zlib.crc32`), table-driven, with no node:crypto:
 * browsers bundle this. A CRC finds accidents, not forgery (whoever edits a file can recompute
 * it), which is why loaders still check every shape against the config.
 *
 * Both keys hold a JSON object from name to CRC-32 as 8 hex digits, one entry per item:
 * - `recur.crc32` (model files and checkpoints): every tensor, over its raw data bytes as the
 *   file stores them (the `data_offsets` range; little-endian), e.g. `{"head.bias":"1c291ca3"}`.
 *   A file without it (PyTorch's `save_file`, recur before checksums) loads unchecked.
 * - `recur.metadata_crc32` (checkpoints): every other metadata entry, over its value's UTF-8.
 */
import type { IntTensor, Tensor } from '../tensor/tensor.js';
import { LITTLE_ENDIAN_HOST, type SafetensorsHeader, quote } from './safetensors-header.js';

export const TENSOR_CHECKSUMS_KEY = 'recur.crc32';
export const METADATA_CHECKSUMS_KEY = 'recur.metadata_crc32';

// Slicing-by-8 (eight tables of 256, table k advancing a byte k more places): three times the
// speed of the one-table loop, which matters when a checkpoint of 100 MB is written every minute.
const TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let i = 256; i < 8 * 256; i++) t[i] = (t[i - 256]! >>> 8) ^ t[t[i - 256]! & 0xff]!;
  return t;
})();

/** CRC-32 of `bytes`; pass a previous result as `crc` to continue it over more bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = 0;
  for (const end = bytes.length - 7; i < end; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]!
      ^ t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^ t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const hex = (crc: number) => crc.toString(16).padStart(8, '0');

/** The value of `recur.crc32` for tensors about to be encoded (their data as little-endian bytes). */
export function tensorChecksums(tensors: ReadonlyMap<string, Tensor | IntTensor>): string {
  // fromEntries, not assignment: a tensor may be named '__proto__'.
  return JSON.stringify(Object.fromEntries([...tensors].map(([name, t]) => [name, hex(crc32(littleEndian(t.data)))])));
}

/** The value of `recur.metadata_crc32` for `metadata`: every entry but that one. */
export function metadataChecksums(metadata: Readonly<Record<string, string>>): string {
  const utf8 = new TextEncoder();
  return JSON.stringify(Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== METADATA_CHECKSUMS_KEY).map(([k, v]) => [k, hex(crc32(utf8.encode(v)))])));
}

/**
 * What disagrees between a file's `recur.crc32` and its tensor data: a tensor whose bytes do not
 * match, a tensor without an entry, an entry without a tensor. [] when they agree, and for a
 * file that records no checksums.
 */
export function tensorChecksumProblems(bytes: Uint8Array, header: SafetensorsHeader): string[] {
  const items = [...header.tensors.values()].map((t) => [t.name, bytes.subarray(header.dataStart + t.dataOffsets[0], header.dataStart + t.dataOffsets[1])] as const);
  return checksumProblems(header.metadata, TENSOR_CHECKSUMS_KEY, items, 'tensor');
}

/** What disagrees between a file's `recur.metadata_crc32` and its other metadata entries (edited, added or removed ones). */
export function metadataChecksumProblems(metadata: Readonly<Record<string, string>>): string[] {
  const utf8 = new TextEncoder();
  const items = Object.entries(metadata).filter(([k]) => k !== METADATA_CHECKSUMS_KEY).map(([k, v]) => [k, utf8.encode(v)] as const);
  return checksumProblems(metadata, METADATA_CHECKSUMS_KEY, items, 'metadata');
}

function checksumProblems(metadata: Readonly<Record<string, string>>, key: string, items: readonly (readonly [string, Uint8Array])[], what: string): string[] {
  const text = metadata[key];
  if (text === undefined) return [];
  let recorded: Map<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
    recorded = new Map(Object.entries(parsed));
  } catch {
    return [`metadata '${key}' must be a JSON object of CRC-32s (8 hex digits) by ${what} name`];
  }
  const problems: string[] = [];
  for (const [name, data] of items) {
    const want = recorded.get(name);
    if (want === undefined) problems.push(`${what} ${quote(name)} has no CRC-32 in '${key}'`);
    else if (typeof want !== 'string' || !/^[0-9a-fA-F]{8}$/.test(want)) problems.push(`the CRC-32 of ${what} ${quote(name)} in '${key}' is not 8 hex digits`);
    else if (parseInt(want, 16) !== crc32(data)) problems.push(`${what} ${quote(name)} does not match the CRC-32 recorded in the file`);
  }
  const present = new Set(items.map(([name]) => name));
  for (const name of recorded.keys()) if (!present.has(name)) problems.push(`'${key}' lists ${what} ${quote(name)}, which the file does not hold`);
  return problems;
}

/** The bytes a safetensors file stores for `data` (little-endian on any host). */
function littleEndian(data: Float32Array | Int32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(4 * i, data[i]!, true);
    else view.setInt32(4 * i, data[i]!, true);
  }
  return out;
}
