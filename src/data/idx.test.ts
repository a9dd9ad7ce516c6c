import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { idxImageSequences, parseIdx, type IdxArray, type IdxType } from './idx.js';
import { loadIdx, loadIdxImageSequences } from './idx-file.js';
import { tempDir } from '../testing/temp-dir.js';

const FIXTURES = fileURLToPath(new URL('../../src/data/fixtures/', import.meta.url));

const CODES: Record<IdxType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
const SIZES: Record<IdxType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** IDX bytes written independently of parseIdx: magic, dims and big-endian values. */
function idxBytes(type: IdxType, dims: number[], values: number[]): Uint8Array {
  const header = 4 + 4 * dims.length;
  const bytes = new Uint8Array(header + values.length * SIZES[type]);
  const view = new DataView(bytes.buffer);
  bytes[2] = CODES[type];
  bytes[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  const put = {
    uint8: (o: number, v: number) => view.setUint8(o, v), int8: (o: number, v: number) => view.setInt8(o, v),
    int16: (o: number, v: number) => view.setInt16(o, v, false), int32: (o: number, v: number) => view.setInt32(o, v, false),
    float32: (o: number, v: number) => view.setFloat32(o, v, false), float64: (o: number, v: number) => view.setFloat64(o, v, false),
  }[type];
  values.forEach((v, k) => put(header + k * SIZES[type], v));
  return bytes;
}

/**
 * The shipped tiny fixture: 24 images of 4 rows × 3 columns; class 0 has bright top rows
 * (pixels 200..240), class 1 bright bottom rows, the dark rows 20..60, noise from the index.
 */
const TINY = { count: 24, rows: 4, cols: 3, label: (i: number) => (i ^ (i >> 1)) & 1 };
function tinyPixels(): number[] {
  const px: number[] = [];
  for (let i = 0; i < TINY.count; i++) {
    for (let r = 0; r < TINY.rows; r++) {
      for (let c = 0; c < TINY.cols; c++) px.push(((r < 2) === (TINY.label(i) === 0) ? 200 : 20) + ((i * 37 + r * 11 + c * 7) % 41));
    }
  }
  return px;
}
const tinyLabels = () => Array.from({ length: TINY.count }, (_, i) => TINY.label(i));

test('parseIdx: uint8 images, dims and data in row-major order', () => {
  const a = parseIdx(idxBytes('uint8', [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
  assert.equal(a.type, 'uint8');
  assert.deepEqual(a.dims, [2, 2, 3]);
  assert.ok(a.data instanceof Uint8Array);
  assert.deepEqual(Array.from(a.data), [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
});

test('parseIdx: big-endian int8, int16, int32, float32 and float64, each into its typed array', () => {
  // Written by hand, so that a little-endian reader would get other numbers: int16 0x0102 = 258, 0xFFFE = -2.
  const int16 = parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 3, 0x01, 0x02, 0xff, 0xfe, 0x7f, 0xff]));
  assert.equal(int16.type, 'int16');
  assert.ok(int16.data instanceof Int16Array);
  assert.deepEqual(Array.from(int16.data), [258, -2, 32767]);
  // float32 1.5 is 3F C0 00 00 big-endian.
  const float32 = parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]));
  assert.ok(float32.data instanceof Float32Array);
  assert.deepEqual(Array.from(float32.data), [1.5]);
  const cases: [IdxType, number[], Function][] = [
    ['int8', [-128, -1, 0, 127], Int8Array],
    ['int32', [-2147483648, -7, 65536, 2147483647], Int32Array],
    ['float32', [Math.fround(-0.1), 3.25, Math.fround(1e30), 0], Float32Array],
    ['float64', [-0.1, Math.PI, 1e300, -0], Float64Array],
  ];
  for (const [type, values, Kind] of cases) {
    const a = parseIdx(idxBytes(type, [2, 2], values), type);
    assert.equal(a.type, type);
    assert.deepEqual(a.dims, [2, 2]);
    assert.ok(a.data instanceof Kind, type);
    assert.deepEqual(Array.from(a.data), values, type);
  }
  // A view into a larger buffer (as readFile can return) decodes from its own offset.
  const inner = idxBytes('int16', [2], [-300, 300]);
  const outer = new Uint8Array(inner.length + 5);
  outer.set(inner, 5);
  assert.deepEqual(Array.from(parseIdx(outer.subarray(5)).data), [-300, 300]);
});

test('parseIdx: one-line errors naming the source', () => {
  const fails = (bytes: number[] | Uint8Array, message: string) => assert.throws(() => parseIdx(Uint8Array.from(bytes), 'x.idx'), { message });
  fails([0, 0, 8], 'x.idx: too short for an IDX file (3 bytes; the header alone is at least 4)');
  fails([0, 0, 8, 2, 0, 0, 0, 1], 'x.idx: too short for an IDX file with 2 dimensions (8 bytes; the header alone is 12)');
  fails([1, 0, 8, 1, 0, 0, 0, 0], 'x.idx: not an IDX file (magic starts 0x01 0x00, expected 0x00 0x00)');
  fails(gzipSync(idxBytes('uint8', [1], [1])), 'x.idx: not an IDX file (magic starts 0x1f 0x8b, expected 0x00 0x00) (these are gzip bytes: gunzip first, or use loadIdx)');
  fails([0, 0, 0x0a, 1, 0, 0, 0, 1, 0], 'x.idx: unknown IDX type code 0x0a (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)');
  fails([0, 0, 8, 0], 'x.idx: the IDX header gives zero dimensions');
  fails(idxBytes('uint8', [3, 0, 2], []), 'x.idx: dimension 2 of [3, 0, 2] is 0');
  fails(idxBytes('uint8', [2, 3], [1, 2, 3, 4, 5]), 'x.idx: uint8 data of dims [2, 3] needs 6 bytes after the 12-byte header, got 5');
  fails(idxBytes('int16', [3], [1, 2, 3, 4]), 'x.idx: int16 data of dims [3] needs 6 bytes after the 8-byte header, got 8');
  assert.throws(() => parseIdx(Uint8Array.from([1, 2, 3, 4])), /^Error: IDX data: not an IDX file/);
});

test('idxImageSequences: each image is rows steps of cols features, uint8 scaled by 1/255, others kept', () => {
  const images = parseIdx(idxBytes('uint8', [2, 2, 3], [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 51]));
  const labels = parseIdx(idxBytes('uint8', [2], [7, 0]));
  const s = idxImageSequences(images, labels);
  assert.equal(s.steps, 2);
  assert.equal(s.features, 3);
  assert.deepEqual(Array.from(s.labels), [7, 0]);
  assert.ok(s.labels instanceof Int32Array);
  assert.equal(s.inputs.length, 2);
  assert.deepEqual(Array.from(s.inputs[0]!), [0, 0.2, 0.4, 0.6, 0.8, 1].map(Math.fround));
  assert.deepEqual(Array.from(s.inputs[1]!), [1, 0, 0, 0, 0, 0.2].map(Math.fround));
  const floats = parseIdx(idxBytes('float32', [1, 1, 2], [-3.5, 300]));
  assert.deepEqual(Array.from(idxImageSequences(floats, parseIdx(idxBytes('int32', [1], [2]))).inputs[0]!), [-3.5, 300]);
  // Whole numbers in a float label file are class ids too.
  assert.deepEqual(Array.from(idxImageSequences(floats, parseIdx(idxBytes('float64', [1], [4]))).labels), [4]);
});

test('idxImageSequences: errors for shapes, counts and labels that are not class ids', () => {
  const arr = (type: IdxType, dims: number[], values?: number[]): IdxArray =>
    parseIdx(idxBytes(type, dims, values ?? new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0)));
  const names = { images: 'im.gz', labels: 'lb.gz' };
  assert.throws(() => idxImageSequences(arr('uint8', [12, 4]), arr('uint8', [12]), names), { message: 'idxImageSequences: im.gz must be 3-D [images, rows, cols], got dims [12, 4]' });
  assert.throws(() => idxImageSequences(arr('uint8', [12, 2, 2]), arr('uint8', [12, 1]), names), { message: 'idxImageSequences: lb.gz must be 1-D [labels], got dims [12, 1]' });
  assert.throws(() => idxImageSequences(arr('uint8', [12, 2, 2]), arr('uint8', [10])), { message: 'idxImageSequences: 12 images in images but 10 labels in labels' });
  assert.throws(() => idxImageSequences(arr('uint8', [2, 1, 1]), arr('float32', [2], [1, 1.5]), names), { message: 'idxImageSequences: label 1 of lb.gz is 1.5, not a class id (an integer >= 0)' });
  assert.throws(() => idxImageSequences(arr('uint8', [2, 1, 1]), arr('int8', [2], [-1, 0]), names), /label 0 of lb\.gz is -1, not a class id/);
});

test('loadIdx: plain and gzip files decode alike; corrupt gzip and missing files name the path', async () => {
  const dir = tempDir('recur-idx-');
  const bytes = idxBytes('int16', [2, 2], [1, -2, 300, -400]);
  const plain = join(dir, 'a-idx2-short');
  const gz = join(dir, 'a-idx2-short.gz');
  writeFileSync(plain, bytes);
  writeFileSync(gz, gzipSync(bytes));
  for (const path of [plain, gz]) {
    const a = await loadIdx(path);
    assert.deepEqual([a.type, a.dims, Array.from(a.data)], ['int16', [2, 2], [1, -2, 300, -400]], path);
  }
  const zipped = gzipSync(bytes);
  const corrupt = join(dir, 'corrupt.gz');
  writeFileSync(corrupt, Uint8Array.from([...zipped.subarray(0, 10), 0xff, 0xff, 0xff, 0xff]));
  await assert.rejects(loadIdx(corrupt), (e: Error) => e.message.startsWith(`${corrupt}: corrupt gzip data (`) && !e.message.includes('\n'));
  const truncated = join(dir, 'truncated.gz');
  writeFileSync(truncated, zipped.subarray(0, zipped.length - 12));
  await assert.rejects(loadIdx(truncated), { message: `${truncated}: corrupt gzip data (unexpected end of file)` });
  const shortData = join(dir, 'short.gz');
  writeFileSync(shortData, gzipSync(bytes.subarray(0, bytes.length - 1)));
  await assert.rejects(loadIdx(shortData), { message: `${shortData}: int16 data of dims [2, 2] needs 8 bytes after the 12-byte header, got 7` });
  await assert.rejects(loadIdx(join(dir, 'nope.gz')), { message: `IDX file not found: ${join(dir, 'nope.gz')}` });
  await assert.rejects(loadIdx(dir), { message: `${dir} is a directory, not an IDX file` });
});

test('the shipped tiny fixtures: the documented images and labels, learnable (bright top rows = class 0), and a bad count', async () => {
  const images = join(FIXTURES, 'tiny-images-idx3-ubyte.gz');
  const labels = join(FIXTURES, 'tiny-labels-idx1-ubyte.gz');
  // The files are exactly what the generator above writes (compared after gunzip: gzip bytes may differ between zlib versions).
  assert.deepEqual(gunzipSync(readFileSync(images)), Buffer.from(idxBytes('uint8', [TINY.count, TINY.rows, TINY.cols], tinyPixels())));
  assert.deepEqual(gunzipSync(readFileSync(labels)), Buffer.from(idxBytes('uint8', [TINY.count], tinyLabels())));
  const s = await loadIdxImageSequences(images, labels);
  assert.deepEqual([s.inputs.length, s.steps, s.features], [24, 4, 3]);
  assert.deepEqual(Array.from(s.labels), tinyLabels());
  assert.deepEqual([0, 1].map((c) => tinyLabels().filter((y) => y === c).length), [12, 12]);
  s.inputs.forEach((x, i) => {
    const top = x.subarray(0, 6).reduce((a, b) => a + b, 0) / 6;
    const bottom = x.subarray(6).reduce((a, b) => a + b, 0) / 6;
    assert.equal(top > bottom, s.labels[i] === 0, `image ${i}`);
    assert.ok(x.every((v) => v >= 0 && v <= 1));
  });
  const bad = join(FIXTURES, 'tiny-labels-bad-count-idx1-ubyte.gz');
  await assert.rejects(loadIdxImageSequences(images, bad), { message: `idxImageSequences: 24 images in ${images} but 20 labels in ${bad}` });
});
