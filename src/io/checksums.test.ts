import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, metadataChecksumProblems, metadataChecksums, tensorChecksums } from './checksums.js';
import { Tensor } from '../tensor/tensor.js';

const ascii = (s: string) => new TextEncoder().encode(s);

test('crc32 gives zlib\'s CRC-32 (the check value, empty input, every length around the 8-byte step) and continues over parts', () => {
  assert.equal(crc32(ascii('123456789')), 0xcbf43926); // the catalogue's check value for CRC-32/ISO-HDLC
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339); // Python's zlib.crc32 of the same bytes
  const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff);
  for (let n = 0; n <= bytes.length; n++) {
    // Byte by byte (the one-table loop only) against the 8-byte slices.
    let c = 0;
    for (const b of bytes.subarray(0, n)) c = crc32(Uint8Array.of(b), c);
    assert.equal(crc32(bytes.subarray(0, n)), c, `length ${n}`);
  }
  assert.equal(crc32(bytes.subarray(13), crc32(bytes.subarray(0, 13))), crc32(bytes));
});

test('tensorChecksums records 8 hex digits per tensor over its little-endian float32 bytes', () => {
  const sums = JSON.parse(tensorChecksums(new Map([['w', Tensor.from([1, -2], [2])], ['__proto__', Tensor.zeros([0])]]))) as Record<string, string>;
  // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0.
  assert.equal(sums.w, crc32(Uint8Array.of(0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0)).toString(16).padStart(8, '0'));
  assert.match(sums.w!, /^[0-9a-f]{8}$/);
  assert.ok(Object.hasOwn(sums, '__proto__'));
  assert.equal(sums['__proto__'], '00000000');
});

test('metadataChecksums covers every other entry; an edited, added or removed entry is named', () => {
  const meta = { format: 'pt', 'recur.training': '{"step":7}' };
  const sealed = { ...meta, 'recur.metadata_crc32': metadataChecksums(meta) };
  assert.deepEqual(metadataChecksumProblems(sealed), []);
  assert.deepEqual(metadataChecksumProblems({ ...sealed, 'recur.training': '{"step":8}' }), ["metadata 'recur.training' does not match the CRC-32 recorded in the file"]);
  assert.deepEqual(metadataChecksumProblems({ ...sealed, 'recur.x': '' }), ["metadata 'recur.x' has no CRC-32 in 'recur.metadata_crc32'"]);
  const { format: _, ...removed } = sealed;
  assert.deepEqual(metadataChecksumProblems(removed), ["'recur.metadata_crc32' lists metadata 'format', which the file does not hold"]);
  assert.deepEqual(metadataChecksumProblems(meta), [], 'no checksums: nothing to check (a caller that requires them says so)');
});
