/**
 * Reading IDX files from disk, plain or gzip-compressed (as MNIST is distributed), into the
 * arrays and image sequences of idx.ts. Node only (node:fs, node:zlib); the decoding is idx.ts.
 */
import { gunzipSync } from 'node:zlib';
import { readFileBytes } from './text-file.js';
import { idxImageSequences, parseIdx, type IdxArray, type IdxImageSequences } from './idx.js';

/**
 * `bytes` gunzipped when they start with the gzip magic (1f 8b), else `bytes` itself. A corrupt
 * or truncated gzip stream is an error naming `source`.
 */
export function gunzipIfGzip(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new Error(`${source}: corrupt gzip data (${(e as Error).message})`);
  }
}

/** Reads an IDX file (gunzipped first when it is gzip) and decodes it with `parseIdx`; errors name `path`. */
export async function loadIdx(path: string): Promise<IdxArray> {
  return parseIdx(gunzipIfGzip(await readFileBytes(path, 'IDX file'), path), path);
}

/** `loadIdx` of both files, then `idxImageSequences`: each image a sequence of its rows, pixels / 255. */
export async function loadIdxImageSequences(imagesPath: string, labelsPath: string): Promise<IdxImageSequences> {
  const [images, labels] = await Promise.all([loadIdx(imagesPath), loadIdx(labelsPath)]);
  return idxImageSequences(images, labels, { images: imagesPath, labels: labelsPath });
}
