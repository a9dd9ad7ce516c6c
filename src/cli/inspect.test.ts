// `recur inspect` and `--config` (issue 18): a file's kind, task, config, tensors and problems;
// and weights saved without recur metadata (as PyTorch's save_file of a state dict writes them)
// read by the task commands with --config, from the run they came from or from the JSON that
// `inspect --metadata` prints: the same output as the original model file.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors, readSafetensorsHeader } from '../io/safetensors.js';
import { tempDir } from '../testing/temp-dir.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const RHYMES = fileURLToPath(new URL('../../src/tasks/char-lm/fixtures/rhymes.txt', import.meta.url));
const dir = tempDir('recur-inspect-');
const recur = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const run = join(dir, 'run');
const bare = join(dir, 'bare.safetensors');

before(() => {
  const r = recur('lm', 'train', '--text', RHYMES, '--out', run, '--hidden-size', '12', '--embedding-dim', '6', '--batch-size', '4', '--seq-len', '16', '--max-steps', '3', '--eval-every', '0', '--threads', '1');
  assert.equal(r.status, 0, r.stderr);
  // The weights alone, under the same names, no metadata: what safetensors.torch.save_file(model.state_dict()) writes.
  const { tensors } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  writeFileSync(bare, encodeSafetensors(tensors, { format: 'pt' }));
});

test('inspect: a model file, a checkpoint and a run directory load as they are (exit 0); --json gives the same facts', () => {
  for (const target of [run, join(run, 'model.safetensors'), join(run, 'checkpoint.safetensors')]) {
    const r = recur('inspect', target);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /task: char-lm/);
    assert.match(r.stdout, /hiddenSize: 12/);
    assert.match(r.stdout, /rnn\.weight_ih_l0 +F32 +\[48, 6\]/);
    assert.match(r.stdout, /problems: none/);
    assert.match(r.stdout, target.endsWith('checkpoint.safetensors') ? /\nchecksums: CRC-32 of every tensor and metadata entry, all match\n/ : /\nchecksums: CRC-32 of every tensor, all match\n/);
  }
  const j = JSON.parse(recur('inspect', run, '--json').stdout) as { kind: string; task: string; vocabulary: number; tensors: unknown[]; checksums: string; problems: string[] };
  assert.equal(j.kind, 'model');
  assert.equal(j.checksums, 'match');
  assert.equal(j.task, 'char-lm');
  assert.ok(j.vocabulary > 10);
  assert.deepEqual(j.problems, []);
});

test('inspect names the problems: bare weights, a flipped byte in a checkpoint, a tensor of the wrong shape, not safetensors', () => {
  const b = recur('inspect', bare);
  assert.equal(b.status, 1);
  assert.match(b.stdout, /weights without recur metadata/);
  assert.match(b.stdout, /no recur metadata .* --config FILE/);
  assert.match(b.stdout, /\nchecksums: none \(saved without recur's CRC-32s, e\.g\. by PyTorch\): damaged tensor data cannot be detected\n/);

  // A flipped byte in the data of a checkpoint and of a model file, and a checkpoint's step edited by hand.
  for (const name of ['checkpoint.safetensors', 'model.safetensors']) {
    const bytes = readFileSync(join(run, name));
    const header = readSafetensorsHeader(bytes);
    const t = [...header.tensors.values()].find((x) => x.name.endsWith('rnn.weight_hh_l0'))!;
    bytes[header.dataStart + t.dataOffsets[0] + 5]! ^= 0x40;
    writeFileSync(join(dir, `flipped-${name}`), bytes);
    const f = recur('inspect', join(dir, `flipped-${name}`));
    assert.equal(f.status, 1);
    assert.match(f.stdout, new RegExp(`\\nchecksums: CRC-32s recorded, some do not match \\(see problems\\)\\n[^]*problems:\\n {2}- tensor '${t.name.replace(/\./g, '\\.')}' does not match the CRC-32 recorded in the file \\(the file is corrupted or was edited\\)\\n`));
  }
  const ckpt = readFileSync(join(run, 'checkpoint.safetensors'));
  const at = ckpt.indexOf('\\"char-lm\\",\\"step\\":3,'); // in 'recur.training'
  assert.ok(at > 0);
  ckpt.write('4', at + '\\"char-lm\\",\\"step\\":'.length);
  writeFileSync(join(dir, 'edited.safetensors'), ckpt);
  const e = recur('inspect', join(dir, 'edited.safetensors'));
  assert.equal(e.status, 1);
  assert.match(e.stdout, /problems:\n {2}- metadata 'recur\.training' does not match the CRC-32 recorded in the file \(the file is corrupted or was edited\)\n/);

  const { tensors, metadata } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  const head = tensors.get('head.bias')!;
  tensors.set('head.bias', head.reshape([1, head.shape[0]!]));
  writeFileSync(join(dir, 'shape.safetensors'), encodeSafetensors(tensors, metadata));
  const s = recur('inspect', join(dir, 'shape.safetensors'));
  assert.equal(s.status, 1);
  assert.match(s.stdout, /tensor 'head\.bias' is \[1, \d+\] but the config needs \[\d+\]/);

  writeFileSync(join(dir, 'text.safetensors'), 'hello');
  const t = recur('inspect', join(dir, 'text.safetensors'));
  assert.equal(t.status, 1);
  assert.match(t.stderr, /is not a safetensors file/);
});

test('--config: bare weights sample exactly as the model file does, with the run\'s file or inspect --metadata\'s JSON as their metadata', () => {
  const args = ['--prime', 'Mary', '--length', '40', '--seed', '5', '--json'];
  const text = (r: { stdout: string }) => (JSON.parse(r.stdout) as { text: string }).text;
  const want = recur('lm', 'sample', '--model', run, ...args);
  assert.equal(want.status, 0, want.stderr);
  const refused = recur('lm', 'sample', '--model', bare, ...args);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /no recur config in its metadata/);
  const fromRun = recur('lm', 'sample', '--model', bare, '--config', join(run, 'model.safetensors'), ...args);
  assert.equal(fromRun.status, 0, fromRun.stderr);
  assert.equal(text(fromRun), text(want));
  const meta = recur('inspect', run, '--metadata');
  assert.equal(meta.status, 0, meta.stderr);
  writeFileSync(join(dir, 'meta.json'), meta.stdout);
  const printed = JSON.parse(meta.stdout) as Record<string, string>;
  assert.ok(printed['recur.config'] && !('recur.crc32' in printed) && !('recur.metadata_crc32' in printed), 'no checksum of another file');
  const fromJson = recur('lm', 'sample', '--model', bare, '--config', join(dir, 'meta.json'), ...args);
  assert.equal(fromJson.status, 0, fromJson.stderr);
  assert.equal(text(fromJson), text(want));
  // eval and export read it too.
  assert.equal(recur('lm', 'eval', '--model', bare, '--config', join(dir, 'meta.json'), '--text', RHYMES).status, 0);
  const onnx = recur('export', 'onnx', '--model', bare, '--config', join(dir, 'meta.json'), '--out', join(dir, 'bare.onnx'));
  assert.equal(onnx.status, 0, onnx.stderr);
});

test('--config errors name the file and the problem', () => {
  writeFileSync(join(dir, 'bad.json'), '{"config": ');
  writeFileSync(join(dir, 'empty.json'), '{"other": 1}');
  const other = JSON.parse(recur('inspect', run, '--metadata').stdout) as Record<string, string>;
  const cfg = JSON.parse(other['recur.config']!) as { hiddenSize: number };
  cfg.hiddenSize = 99;
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ ...other, 'recur.config': JSON.stringify(cfg) }));
  const cases: [string[], RegExp][] = [
    [['--config', join(dir, 'nope.json')], /--config .*nope\.json: no such file/],
    [['--config', join(dir, 'bad.json')], /--config .*bad\.json: not valid JSON/],
    [['--config', join(dir, 'empty.json')], /neither 'recur\.config' \(a metadata map\) nor 'config'/],
    [['--config', bare], /--config .*bare\.safetensors: this model file has no recur metadata either/],
    [['--config', join(dir, 'other.json')], /tensor 'rnn\.weight_hh_l0' is \[48, 12\] but the config needs \[396, 99\]|hiddenSize/],
  ];
  for (const [flags, message] of cases) {
    const r = recur('lm', 'sample', '--model', bare, ...flags, '--length', '5');
    assert.notEqual(r.status, 0, flags.join(' '));
    assert.match(r.stderr, message, flags.join(' '));
  }
  // A recur file with its own config: a given config must agree.
  const r = recur('lm', 'sample', '--model', run, '--config', join(dir, 'other.json'), '--length', '5');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /disagrees with the file's own config .*hiddenSize/);
});
