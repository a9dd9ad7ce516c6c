import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeText, firstInvalidUtf8, loadTextFile } from './text-file.js';
import { tempDir } from '../testing/temp-dir.js';

test('firstInvalidUtf8 agrees with a fatal TextDecoder and finds the offset', () => {
  const cases: [number[], number][] = [
    [[0x61, 0x62], -1], [[0xc3, 0xa9], -1], [[0xf0, 0x9f, 0x98, 0x80], -1],
    [[0x61, 0xff], 1], [[0xc0, 0x80], 0], [[0xe0, 0x80, 0x80], 0], [[0xed, 0xa0, 0x80], 0],
    [[0x61, 0xc3], 1], [[0xf4, 0x90, 0x80, 0x80], 0], [[0x61, 0x80], 1],
  ];
  for (const [bytes, want] of cases) {
    const b = Uint8Array.from(bytes);
    assert.equal(firstInvalidUtf8(b), want, JSON.stringify(bytes));
    let ok = true;
    try { new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { ok = false; }
    assert.equal(ok, want === -1);
  }
});

test('loadTextFile: one-line errors for missing, empty, binary and non-UTF-8 files', async () => {
  const dir = tempDir('recur-text-');
  const f = (name: string, data: Uint8Array | string) => { writeFileSync(join(dir, name), data); return join(dir, name); };
  await assert.rejects(loadTextFile(join(dir, 'nope.txt')), { message: `text file not found: ${join(dir, 'nope.txt')}` });
  await assert.rejects(loadTextFile(dir), /is a directory, not a text file/);
  await assert.rejects(loadTextFile(f('empty.txt', '')), /empty\.txt is empty$/);
  await assert.rejects(loadTextFile(f('bin.dat', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0]))), /looks binary \(NUL byte at offset 4\)/);
  await assert.rejects(loadTextFile(f('latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))), /is not UTF-8 text \(invalid byte 0xe9 at offset 3\)/);
  assert.equal(await loadTextFile(f('bom.txt', Uint8Array.from([0xef, 0xbb, 0xbf, 0x68, 0x69]))), 'hi');
  assert.throws(() => decodeText(Uint8Array.from([0xef, 0xbb, 0xbf]), 'x'), /only a byte-order mark/);
});
