/**
 * IDX arrays (the MNIST / Fashion-MNIST file layout) decoded from bytes, and image files turned
 * into labelled sequences (each image a sequence of its rows). Pure: no file system and no
 * gzip, so it also runs in a browser; reading and gunzipping files is idx-file.ts.
 */

/** The element types an IDX file can hold. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A decoded IDX array: row-major `data` of `dims` (product of dims elements), in native byte order. */
export interface IdxArray {
  type: IdxType;
  /** Sizes, outermost first: [count, rows, cols] for an image file, [count] for a label file. */
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Images as sequences: image i is `steps` (rows) steps of `features` (cols) values, step-major. */
export interface IdxImageSequences {
  /** One Float32Array of steps × features per image (views of one buffer). */
  inputs: Float32Array[];
  features: number;
  steps: number;
  /** A class id per image. */
  labels: Int32Array;
}

/** Type code (third magic byte) -> element type. */
const TYPES: Record<number, IdxType> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };
/** Bytes per element. */
const SIZES: Record<IdxType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

const hex = (b: number | undefined) => (b === undefined ? 'none' : `0x${b.toString(16).padStart(2, '0')}`);

/**
 * Decodes an IDX array: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C
 * int32, 0x0D float32, 0x0E float64), the number of dimensions, each dimension as a big-endian
 * uint32, then the elements big-endian, row-major. Throws one line naming `source` when the
 * bytes are too short, the magic is wrong (gzip bytes get a hint), the type code is unknown,
 * there are no dimensions or one is 0, or the data length does not match the dimensions.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new Error(`${source}: too short for an IDX file (${bytes.length} bytes; the header alone is at least 4)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (these are gzip bytes: gunzip first, or use loadIdx)' : '';
    throw new Error(`${source}: not an IDX file (magic starts ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00)${gzip}`);
  }
  const code = bytes[2]!;
  const type = TYPES[code];
  if (type === undefined) throw new Error(`${source}: unknown IDX type code ${hex(code)} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`);
  const rank = bytes[3]!;
  if (rank === 0) throw new Error(`${source}: the IDX header gives zero dimensions`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new Error(`${source}: too short for an IDX file with ${rank} dimensions (${bytes.length} bytes; the header alone is ${headerBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const zero = dims.indexOf(0);
  if (zero >= 0) throw new Error(`${source}: dimension ${zero + 1} of [${dims.join(', ')}] is 0`);
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * SIZES[type];
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new Error(`${source}: ${type} data of dims [${dims.join(', ')}] needs ${expected} bytes after the ${headerBytes}-byte header, got ${actual}`);
  }
  return { type, dims, data: decode(type, view, headerBytes, count) };
}

/** The `count` big-endian elements from byte `offset` of `view`, in a typed array of their own. */
function decode(type: IdxType, view: DataView, offset: number, count: number): IdxArray['data'] {
  const start = view.byteOffset + offset;
  switch (type) {
    case 'uint8': return new Uint8Array(view.buffer.slice(start, start + count));
    case 'int8': return new Int8Array(view.buffer.slice(start, start + count));
    case 'int16': return fill(new Int16Array(count), (i) => view.getInt16(offset + 2 * i, false));
    case 'int32': return fill(new Int32Array(count), (i) => view.getInt32(offset + 4 * i, false));
    case 'float32': return fill(new Float32Array(count), (i) => view.getFloat32(offset + 4 * i, false));
    case 'float64': return fill(new Float64Array(count), (i) => view.getFloat64(offset + 8 * i, false));
  }
}

function fill<A extends Int16Array | Int32Array | Float32Array | Float64Array>(out: A, at: (i: number) => number): A {
  for (let i = 0; i < out.length; i++) out[i] = at(i);
  return out;
}

/**
 * Images as sequences without labels (images to classify): image i of `images` ([count, rows,
 * cols]) becomes `rows` steps of `cols` features, row by row; uint8 pixels are scaled to [0, 1]
 * (/ 255), other types are kept as they are. `name` says which file the array came from.
 */
export function idxImages(images: IdxArray, name = 'images'): Omit<IdxImageSequences, 'labels'> {
  if (images.dims.length !== 3) throw new Error(`idxImages: ${name} must be 3-D [images, rows, cols], got dims [${images.dims.join(', ')}]`);
  const [count, rows, cols] = images.dims as [number, number, number];
  const size = rows * cols;
  const all = new Float32Array(count * size);
  if (images.type === 'uint8') for (let k = 0; k < all.length; k++) all[k] = images.data[k]! / 255;
  else all.set(images.data);
  const inputs: Float32Array[] = [];
  for (let i = 0; i < count; i++) inputs.push(all.subarray(i * size, (i + 1) * size));
  return { inputs, features: cols, steps: rows };
}

/**
 * Images and their labels as sequences for a recurrent classifier: image i of `images`
 * ([count, rows, cols]) becomes `rows` steps of `cols` features, row by row; uint8 pixels are
 * scaled to [0, 1] (/ 255), other types are kept as they are. `labels` ([count]) must hold
 * class ids (integers >= 0). `names` say which files the arrays came from in error messages.
 */
export function idxImageSequences(images: IdxArray, labels: IdxArray, names: { images?: string; labels?: string } = {}): IdxImageSequences {
  const imagesName = names.images ?? 'images';
  const labelsName = names.labels ?? 'labels';
  const fn = 'idxImageSequences';
  if (images.dims.length !== 3) throw new Error(`${fn}: ${imagesName} must be 3-D [images, rows, cols], got dims [${images.dims.join(', ')}]`);
  if (labels.dims.length !== 1) throw new Error(`${fn}: ${labelsName} must be 1-D [labels], got dims [${labels.dims.join(', ')}]`);
  const count = images.dims[0]!;
  if (labels.dims[0] !== count) throw new Error(`${fn}: ${count} images in ${imagesName} but ${labels.dims[0]} labels in ${labelsName}`);
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = labels.data[i]!;
    if (!Number.isInteger(y) || y < 0 || y > 0x7fffffff) throw new Error(`${fn}: label ${i} of ${labelsName} is ${y}, not a class id (an integer >= 0)`);
    ids[i] = y;
  }
  return { ...idxImages(images, imagesName), labels: ids };
}
