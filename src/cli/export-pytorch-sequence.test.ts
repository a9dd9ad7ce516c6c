// recur export pytorch for the two model kinds that are not a RecurrentModel: encoder-decoders
// (RecurSeq2seq: teacher-forced logits within 1e-5 and greedy decoding token for token, with the
// attention weights, as recur's decode) and taggers (RecurTagger: emissions within 1e-5, tags as
// recur's tagSentences, CRF and softmax), over attention kinds, input feeding, cells, directions
// and character features; run.py against recur's own commands; train_ddp.py of each in two
// processes (gloo), the result loaded and scored by recur. Skipped with the reason where no
// Python with torch is found (RECUR_PYTHON or .venv-torch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tape } from '../autograd/tape.js';
import { Tokenizer } from '../data/tokenizer.js';
import { loadModel, saveModel } from '../io/model-file.js';
import { createBackend } from '../kernels/index.js';
import type { SavedModule } from '../nn/model-kinds.js';
import { Rng } from '../random/rng.js';
import { IntTensor } from '../tensor/tensor.js';
import { decode } from '../tasks/seq2seq/decode.js';
import { EncoderDecoder, type EncoderDecoderConfigInput } from '../tasks/seq2seq/model.js';
import { generateDatePairs, writeDatePairsTsv } from '../tasks/seq2seq/dates.js';
import { makePairBatch } from '../tasks/seq2seq/batches.js';
import { EOS_TOKEN, GO_TOKEN, type Seq2seqMetadata, parsePairs, tokenizersOf } from '../tasks/seq2seq/prepare.js';
import { SEQ2SEQ_METADATA_KEY } from '../tasks/seq2seq/task.js';
import { makeTagBatch } from '../tasks/tag/batches.js';
import { Tagger, type TaggerConfigInput } from '../tasks/tag/model.js';
import { splitWords, tagSentences, taggerOf } from '../tasks/tag/predict.js';
import { TAG_METADATA_KEY, type TagMetadata, TagVocabulary, readTaggedFile } from '../tasks/tag/prepare.js';
import { toyConllu, toyTaggedSentences } from '../testing/toy-tagged.js';
import { tempDir } from '../testing/temp-dir.js';
import { lastLine, maxDiff, ok, recur, run, torchPython } from '../testing/export-pytorch-harness.js';

const dir = tempDir('recur-export-pytorch-seq-');

const { python, skip } = await torchPython();

const DRIVER = String.raw`
import importlib, json, os, sys
import torch

def fresh(path):
    for name in ("model", "load", "vocab"):
        sys.modules.pop(name, None)
    sys.path.insert(0, path)

flat = lambda t: [float(v) for v in t.reshape(-1).tolist()]
job = json.load(open(sys.argv[1]))
results, classes = {}, None
for case in job["cases"]:
    fresh(case["dir"])
    load = importlib.import_module("load")
    vocab = importlib.import_module("vocab")
    vocab._classes = classes  # the Unicode classes built once (the same in every package)
    model, metadata = load.load(os.path.join(case["dir"], "model.safetensors"), use_package=False)
    r = {"class": type(model).__name__}
    with torch.no_grad():
        if case["kind"] == "seq2seq":
            source, target, meta = vocab.seq2seq_vocab(metadata)
            ids = [vocab.encode_source(source, t, meta, model.config["maxSourceLength"]) for t in case["texts"]]
            src = torch.zeros(max(map(len, ids)), len(ids), dtype=torch.long)
            for b, s in enumerate(ids):
                src[: len(s), b] = torch.tensor(s)
            lengths = [len(s) for s in ids]
            r["ids"] = ids
            r["logits"] = flat(model(src, lengths, torch.tensor(case["inputs"])))
            r["tokens"], r["attention"] = model.greedy(src, lengths)
            r["texts"] = [target.decode(t) for t in r["tokens"]]
        else:
            v = vocab.tag_vocab(metadata)
            sentences = [vocab.split_words(s) for s in case["texts"]]
            words, chars, lengths = v.batch(sentences)
            emissions = model(words, chars, lengths)
            r["words"] = sentences
            r["word_ids"] = words.transpose(0, 1).tolist()
            r["emissions"] = flat(emissions)
            r["tags"] = [[v.tags[k] for k in path] for path in model.decode(emissions, lengths)]
            tags = torch.tensor(case["gold"])
            r["loss"] = float(model.loss(emissions, tags, lengths))
    # strict load of what save() writes, and the file recur reads back
    load.save(model, case["save"], metadata, step=3, use_package=False)
    again, _ = load.load(case["save"], use_package=False)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    cwd = os.getcwd()  # the README's Python, as written, in the package's directory
    os.chdir(case["dir"])
    exec(compile(case["snippet"], "README.md", "exec"), {})
    os.chdir(cwd)
    results[case["name"]] = r
    classes = vocab._classes
    sys.path.pop(0)
print(json.dumps(results))
`;

const SOURCES = ['the cat sat on the mat', 'a dog ran', 'the big red dog sat on a cat today', 'mat', 'an unknown zebra sat'];
const TARGETS = ['le chat', 'un chien', 'le grand chien rouge', 'tapis', 'assis sur le tapis'];

/** Encoder-decoders spanning cells, attention kinds, input feeding, directions, bridges, reversal and layers. */
const SEQ2SEQ: [string, Partial<EncoderDecoderConfigInput>][] = [
  ['s-gru-dot-bi', { cell: 'gru', attention: 'dot', bidirectional: true, encoderHiddenSize: 4, decoderHiddenSize: 8 }],
  ['s-lstm-general-feed', { cell: 'lstm', attention: 'general', inputFeeding: true, reverseSource: true, numLayers: 2, encoderHiddenSize: 5, decoderHiddenSize: 6 }],
  ['s-gru-additive-feed', { cell: 'gru', attention: 'additive', inputFeeding: true, bidirectional: true, numLayers: 2, encoderHiddenSize: 5, decoderHiddenSize: 7, attentionSize: 4 }],
  ['s-lstm-additive', { cell: 'lstm', attention: 'additive', bidirectional: true, encoderHiddenSize: 3, decoderHiddenSize: 6 }],
  ['s-lstm-dot', { cell: 'lstm', attention: 'dot', encoderHiddenSize: 6, decoderHiddenSize: 6 }],
  ['s-gru-none', { cell: 'gru', attention: 'none', encoderHiddenSize: 6, decoderHiddenSize: 5 }],
  ['s-tanh-general', { cell: 'rnn-tanh', attention: 'general', inputFeeding: true, encoderHiddenSize: 5, decoderHiddenSize: 4 }],
];

const TAG_TRAIN = ['The cat sat on the mat .', 'A dog ran quickly to Paris !', 'Every old teacher likes a red car'];
const TAG_TEXTS = ['The dog sat on the mat.', "It's a Zorbekian car, isn't it?", 'Bob   ran to Supercalifragilisticexpialidociouslyness today', 'mat'];
const TAGS = ['DET', 'NOUN', 'VERB', 'ADP', 'PUNCT', 'ADV', 'PROPN', 'ADJ'];
/** Taggers: CRF and softmax, character features or none, cells, layers and directions. */
const TAGGERS: [string, Partial<TaggerConfigInput>, boolean][] = [
  ['t-lstm-crf-chars', { cell: 'lstm', crf: true, charEmbeddingDim: 4, charHiddenSize: 3 }, true],
  ['t-gru-softmax-chars', { cell: 'gru', numLayers: 2, charEmbeddingDim: 5, charHiddenSize: 4 }, true],
  ['t-tanh-crf-uni', { cell: 'rnn-tanh', crf: true, bidirectional: false }, false],
  ['t-lstm-softmax', { cell: 'lstm' }, false],
];

test('recur export pytorch: encoder-decoders and taggers in PyTorch compute, decode and tag as recur does', { skip }, async () => {
  const started = Date.now();
  const backend = await createBackend('wasm', { threads: 1 });
  const cases: Record<string, unknown>[] = [];
  mkdirSync(join(dir, 'models'), { recursive: true });
  const expected: Record<string, { kind: 'seq2seq' | 'tag'; model: SavedModule; extra: Record<string, unknown> }> = {};

  // Encoder-decoders, with real tokenizers in their metadata (source words with [UNK] learned; target with [GO] and [EOS]).
  const source = Tokenizer.fit(SOURCES.slice(0, 4), { level: 'word', lowercase: true, numbers: false, urls: false });
  const target = Tokenizer.fit(TARGETS, { level: 'word', lowercase: true, numbers: false, urls: false, specials: [GO_TOKEN, EOS_TOKEN] });
  const seqMeta = { source: source.toJSON(), target: target.toJSON(), sharedVocabulary: false, sourceColumn: 1, targetColumn: 2, split: { seed: 1, fraction: 0.1 }, unknownInTraining: 3 };
  let seed = 10;
  for (const [name, cfg] of SEQ2SEQ) {
    const model = new EncoderDecoder({
      kind: 'encoder-decoder', sourceVocabSize: source.size, targetVocabSize: target.size, embeddingDim: 5, goId: target.idOf(GO_TOKEN)!, eosId: target.idOf(EOS_TOKEN)!,
      maxSourceLength: 20, maxTargetLength: 6, cell: 'gru', encoderHiddenSize: 4, decoderHiddenSize: 4, ...cfg,
    } as EncoderDecoderConfigInput, { rng: new Rng(seed++) });
    // An [EOS] bias that ends the greedy outputs at different lengths (an untrained model seldom ends them).
    const ids0 = SOURCES.map((s) => Array.from(source.encode(s)));
    const eos = model.config.eosId;
    const bias = model.output.bias!.data;
    const base = bias[eos]!;
    let best = [0, 0];
    for (let shift = 0; shift < 3 && best[1]! < 4; shift += 0.02) {
      bias[eos] = base + shift;
      const lengths = new Set(decode(model, backend, ids0, { method: 'greedy' }).map((h) => h[0]!.tokens.length));
      if (lengths.size > best[1]!) best = [shift, lengths.size];
    }
    bias[eos] = base + best[0]!;
    const file = join(dir, 'models', `${name}.safetensors`);
    await saveModel(file, model, { task: 'seq2seq', extra: { [SEQ2SEQ_METADATA_KEY]: JSON.stringify(seqMeta) } });
    const ids = SOURCES.map((s) => Array.from(source.encode(s)));
    // Teacher-forced inputs [Td, B]: [GO] then arbitrary target ids, padded with 0 in some rows.
    const Td = 4, B = ids.length;
    const inputs = Array.from({ length: Td }, (_, t) => Array.from({ length: B }, (_, b) => (t === 0 ? model.config.goId : t + b > 5 ? 0 : 2 + ((t * 3 + b) % (target.size - 2)))));
    expected[name] = { kind: 'seq2seq', model, extra: { ids, inputs } };
    cases.push({ name, kind: 'seq2seq', file, texts: SOURCES, inputs });
  }
  // Taggers, with a TagVocabulary fitted as recur tag fits it.
  const trainWords = TAG_TRAIN.map((s) => s.split(' '));
  const words = Tokenizer.fit(trainWords.flat(), { level: 'word', splitPunctuation: false, lowercase: true, numbers: true, urls: true });
  const chars = Tokenizer.fit(trainWords.flat(), { level: 'char', lowercase: false });
  for (const [name, cfg, withChars] of TAGGERS) {
    const model = new Tagger({ wordVocabSize: words.size, wordEmbeddingDim: 6, hiddenSize: 5, tagCount: TAGS.length, cell: 'lstm',
      ...(withChars ? { charVocabSize: chars.size } : {}), ...cfg } as TaggerConfigInput, { rng: new Rng(seed++) });
    const meta: TagMetadata = { words: words.toJSON(), chars: withChars ? chars.toJSON() : null, tags: TAGS, format: 'tsv' };
    const file = join(dir, 'models', `${name}.safetensors`);
    await saveModel(file, model, { task: 'tag', extra: { [TAG_METADATA_KEY]: JSON.stringify(meta) } });
    const sentences = TAG_TEXTS.map(splitWords);
    const T = Math.max(...sentences.map((s) => s.length));
    const gold = Array.from({ length: T }, (_, t) => sentences.map((s, b) => (t < s.length ? (t + b) % TAGS.length : -1)));
    expected[name] = { kind: 'tag', model, extra: { sentences, meta, gold } };
    cases.push({ name, kind: 'tag', file, texts: TAG_TEXTS, gold });
  }

  const exported = await Promise.all(cases.map((c) => recur('export', 'pytorch', '--model', c.file as string, '--out', join(dir, 'pk', c.name as string), '--json')));
  cases.forEach((c, i) => ok(exported[i]!, `export ${String(c.name)}`));
  const summary = JSON.parse(exported[0]!.stdout) as { files: string[]; notes: string[]; kind: string };
  assert.deepEqual(summary.files, ['model.py', 'load.py', 'vocab.py', 'run.py', 'train_ddp.py', 'README.md', 'model.safetensors']);
  assert.equal(summary.kind, 'encoder-decoder');
  assert.deepEqual(summary.notes, []);
  assert.deepEqual(JSON.parse(exported.at(-1)!.stdout).notes, []);
  for (const c of cases) {
    c.dir = join(dir, 'pk', c.name as string);
    c.save = join(dir, `${String(c.name)}.from-python.safetensors`);
    c.snippet = [...readFileSync(join(c.dir as string, 'README.md'), 'utf8').matchAll(/```python\n([\s\S]*?)```/g)][0]![1];
  }
  const jobFile = join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify({ cases }));
  writeFileSync(join(dir, 'driver.py'), DRIVER);
  const exportedAt = Date.now();
  const py = await run(python, [join(dir, 'driver.py'), jobFile]);
  const drivenAt = Date.now();
  ok(py, 'the Python driver');
  const results = JSON.parse(lastLine(py.stdout)) as Record<string, Record<string, unknown>>;

  const report: string[] = [];
  let worstLogits = 0, worstEmissions = 0, worstAttention = 0;
  for (const c of cases) {
    const name = c.name as string;
    const e = expected[name]!;
    const r = results[name]!;
    e.model.to(backend);
    (e.model as EncoderDecoder | Tagger).eval();
    const tape = Tape.inference(backend);
    if (e.kind === 'seq2seq') {
      const model = e.model as EncoderDecoder;
      assert.equal(r.class, 'RecurSeq2seq');
      const ids = e.extra.ids as number[][];
      assert.deepEqual(r.ids, ids, `${name}: source ids`);
      const inputs = e.extra.inputs as number[][];
      const enc = model.encode(tape, ids);
      const logits = model.forwardTeacher(tape, enc, IntTensor.from(inputs.flat()).reshape([inputs.length, ids.length]));
      const d = maxDiff(r.logits as number[], logits.data, `${name} logits`);
      assert.ok(d < 1e-5, `${name}: teacher-forced logits differ by ${d}`);
      worstLogits = Math.max(worstLogits, d);
      const hyps = decode(model, backend, ids, { method: 'greedy', attention: true });
      assert.deepEqual(r.tokens, hyps.map((h) => h[0]!.tokens), `${name}: greedy tokens`);
      const att = r.attention as (number[][] | null)[];
      let da = 0;
      hyps.forEach((h, b) => {
        if (model.config.attention === 'none') { assert.equal(att[b], null); return; }
        assert.equal(att[b]!.length, h[0]!.attention!.length, `${name}: attention steps of source ${b}`);
        att[b]!.forEach((row, t) => { da = Math.max(da, maxDiff(row, h[0]!.attention![t]!, `${name} attention`)); });
      });
      assert.ok(da < 1e-5, `${name}: attention weights differ by ${da}`);
      worstAttention = Math.max(worstAttention, da);
      assert.deepEqual(r.texts, hyps.map((h) => target.decode(h[0]!.tokens)));
      report.push(`${name}: logits ${d.toExponential(1)}, attention ${da.toExponential(1)}, ${hyps.map((h) => h[0]!.tokens.length).join('/')} tokens`);
    } else {
      const model = e.model as Tagger;
      assert.equal(r.class, 'RecurTagger');
      const sentences = e.extra.sentences as string[][];
      assert.deepEqual(r.words, sentences, `${name}: split_words`);
      const loaded = taggerOf(await loadModel<SavedModule>(c.file as string, { kind: 'any' }), name);
      const vocab = TagVocabulary.fromMetadata(e.extra.meta as TagMetadata, name);
      const set = vocab.encode(sentences.map((w) => ({ words: w, tags: w.map(() => undefined), lines: [] })), false);
      assert.deepEqual(r.word_ids, set.words.map((w) => Array.from({ length: Math.max(...sentences.map((s) => s.length)) }, (_, t) => w[t] ?? 0)), `${name}: word ids`);
      const batch = makeTagBatch(set, sentences.map((_, i) => i));
      const emissions = model.emissions(tape, batch);
      const d = maxDiff(r.emissions as number[], emissions.data, `${name} emissions`);
      assert.ok(d < 1e-5, `${name}: emissions differ by ${d}`);
      worstEmissions = Math.max(worstEmissions, d);
      loaded.model.to(backend).eval();
      const tagged = tagSentences(loaded, backend, sentences.map((w) => ({ words: w, tags: w.map(() => undefined), lines: [] })));
      assert.deepEqual(r.tags, tagged.tags, `${name}: tags`);
      // The training loss as recur's (cross-entropy per token, or the CRF's NLL per token).
      const gold = e.extra.gold as number[][];
      tape.reset();
      const withTags = { ...batch, tags: IntTensor.from(gold.flat()).reshape([gold.length, sentences.length]) };
      const loss = model.loss(tape, withTags).data[0]!;
      const dl = Math.abs((r.loss as number) - loss);
      assert.ok(dl < 1e-5, `${name}: loss ${r.loss as number} vs recur ${loss}`);
      report.push(`${name}: emissions ${d.toExponential(1)}, loss ${dl.toExponential(1)}, tags ${tagged.tags.map((t) => t.join(' ')).join(' | ')}`);
    }
    // The file Python saved: recur loads it (strict names and shapes) with its task metadata.
    const back = await loadModel<SavedModule>(c.save as string, { kind: 'any' });
    assert.equal(back.task, e.kind);
    assert.equal(back.extra?.['recur.step'], '3');
    assert.deepEqual(Object.keys(JSON.parse(back.metadata['recur.crc32']!) as object).sort(), [...back.model.stateDict().keys()].sort(), 'Python wrote each tensor\'s CRC-32');
  }

  // run.py, as the README says, against recur's own command line.
  const seqPk = join(dir, 'pk', SEQ2SEQ[1]![0]);
  const [pyTr, reTr] = await Promise.all([
    run(python, ['run.py', 'model.safetensors', ...SOURCES], { cwd: seqPk }),
    recur('seq2seq', 'translate', '--model', join(seqPk, 'model.safetensors'), '--decode', 'greedy', ...SOURCES),
  ]);
  ok(pyTr, 'run.py (seq2seq)');
  ok(reTr, 'recur seq2seq translate');
  assert.deepEqual(pyTr.stdout.trim().split('\n'), reTr.stdout.trim().split('\n'));
  const tagPk = join(dir, 'pk', TAGGERS[0]![0]);
  const [pyTag, reTag] = await Promise.all([
    run(python, ['run.py', 'model.safetensors', ...TAG_TEXTS], { cwd: tagPk }),
    recur('tag', 'predict', '--model', join(tagPk, 'model.safetensors'), ...TAG_TEXTS),
  ]);
  ok(pyTag, 'run.py (tag)');
  ok(reTag, 'recur tag predict');
  assert.deepEqual(pyTag.stdout.trim().split('\n'), reTag.stdout.trim().split('\n'));
  console.log(`# ${report.join('\n# ')}\n# largest differences: seq2seq logits ${worstLogits.toExponential(2)}, attention ${worstAttention.toExponential(2)}; tagger emissions ${worstEmissions.toExponential(2)} (${((Date.now() - started) / 1000).toFixed(1)} s: export ${((exportedAt - started) / 1000).toFixed(1)} s, Python ${((drivenAt - exportedAt) / 1000).toFixed(1)} s)`);
});

test('recur export pytorch: train_ddp.py of an encoder-decoder and a tagger trains in 2 processes (gloo), recur loads the result and scores it as Python did', { skip }, async () => {
  const started = Date.now();
  const root = join(dir, 'ddp');
  mkdirSync(root, { recursive: true });
  const pairsFile = join(root, 'dates.tsv'), conllu = join(root, 'toy.conllu');
  writeFileSync(pairsFile, writeDatePairsTsv(generateDatePairs(40, 3)));
  writeFileSync(conllu, toyConllu(toyTaggedSentences(40, 5)));
  const common = ['--max-steps', '2', '--batch-size', '8', '--eval-every', '0', '--threads', '1'];
  const [s2sRun, tagRun] = [join(root, 's2s'), join(root, 'tag')];
  const trained = await Promise.all([
    recur('seq2seq', 'train', '--data', pairsFile, '--tokenizer', 'char', '--hidden-size', '16', '--embedding-dim', '8', '--label-smoothing', '0.2', ...common, '--out', s2sRun),
    recur('tag', 'train', '--data', conllu, '--crf', '--hidden-size', '8', '--embedding-dim', '8', '--char-embedding-dim', '4', '--char-hidden-size', '4', ...common, '--out', tagRun),
  ]);
  ok(trained[0]!, 'seq2seq train');
  ok(trained[1]!, 'tag train');
  const [s2sPk, tagPk] = [join(root, 'pk-s2s'), join(root, 'pk-tag')];
  const exported = await Promise.all([recur('export', 'pytorch', '--model', s2sRun, '--out', s2sPk, '--json'), recur('export', 'pytorch', '--model', tagRun, '--out', tagPk, '--json')]);
  exported.forEach((e, i) => ok(e, `export ${i}`));
  const s2sSummary = JSON.parse(exported[0]!.stdout) as { files: string[]; training: { lr: number; labelSmoothing?: number; from: string } };
  assert.ok(s2sSummary.files.includes('train_ddp.py'));
  assert.equal(s2sSummary.training.labelSmoothing, 0.2, 'label smoothing from the run\'s checkpoint');
  assert.match(s2sSummary.training.from, /checkpoint/);
  assert.match(readFileSync(join(s2sPk, 'README.md'), 'utf8'), /train_ddp\.py --data pairs\.tsv/);
  assert.match(readFileSync(join(tagPk, 'README.md'), 'utf8'), /train_ddp\.py --data train\.conllu/);

  const ddpArgs = (data: string) => ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', 'train_ddp.py', '--data', data, '--out', 'trained.safetensors', '--steps', '4'];
  const [pyS2s, pyTag] = await Promise.all([run(python, ddpArgs(pairsFile), { cwd: s2sPk }), run(python, ddpArgs(conllu), { cwd: tagPk })]);
  ok(pyS2s, 'train_ddp.py (seq2seq)');
  ok(pyTag, 'train_ddp.py (tag)');
  type Ddp = { processes: number; steps: number; first_loss: number; last_loss: number; check_loss: number };
  const [ds, dt] = [JSON.parse(lastLine(pyS2s.stdout)) as Ddp, JSON.parse(lastLine(pyTag.stdout)) as Ddp];
  for (const [what, d] of [['seq2seq', ds], ['tag', dt]] as const) {
    assert.equal(d.processes, 2, what);
    assert.equal(d.steps, 4, what);
    assert.ok(Number.isFinite(d.last_loss) && d.last_loss !== d.first_loss, `${what}: loss ${d.first_loss} -> ${d.last_loss}`);
  }

  // recur loads the files Python saved, translates and tags with them.
  const [translated, tagged] = await Promise.all([
    recur('seq2seq', 'translate', '--model', join(s2sPk, 'trained.safetensors'), '--decode', 'greedy', 'may 20 2008'),
    recur('tag', 'predict', '--model', join(tagPk, 'trained.safetensors'), 'the old car likes Alice .'),
  ]);
  ok(translated, 'recur seq2seq translate of the trained file');
  ok(tagged, 'recur tag predict of the trained file');

  // recur's loss on Python's check batch (the first batch-size = 8 items of --data, eval mode).
  const backend = await createBackend('wasm', { threads: 1 });
  const B = 8;
  const s2sLoaded = await loadModel<SavedModule>(join(s2sPk, 'trained.safetensors'), { kind: 'any' });
  assert.equal(s2sLoaded.extra?.['recur.step'], '6');
  const s2s = (s2sLoaded.model as EncoderDecoder).to(backend);
  s2s.eval();
  const meta = JSON.parse(s2sLoaded.extra![SEQ2SEQ_METADATA_KEY]!) as Seq2seqMetadata;
  const tok = tokenizersOf(meta, 'trained');
  const raw = parsePairs(readFileSync(pairsFile, 'utf8'), pairsFile, meta);
  const set = { sources: raw.sources.slice(0, B).map((t) => tok.source.encode(t)), targets: raw.targets.slice(0, B).map((t) => tok.target.encode(t)) };
  const pb = makePairBatch(set, Array.from({ length: B }, (_, i) => i), tok.goId, tok.eosId);
  const tape = Tape.inference(backend);
  const s2sLoss = s2s.teacherLoss(tape, s2s.encode(tape, pb.sources), pb.decoderInputs, pb.decoderTargets).item();
  tape.reset();
  const sd = Math.abs(s2sLoss - ds.check_loss);
  assert.ok(sd < 1e-4, `seq2seq check loss: recur ${s2sLoss}, Python ${ds.check_loss}`);

  const tagLoaded = taggerOf(await loadModel<SavedModule>(join(tagPk, 'trained.safetensors'), { kind: 'any' }), 'trained');
  assert.equal(tagLoaded.model.config.crf, true);
  tagLoaded.model.to(backend).eval();
  const doc = readTaggedFile(readFileSync(conllu, 'utf8'), conllu, { format: 'auto' });
  const tset = tagLoaded.vocab.encode(doc.sentences.slice(0, B), true);
  const tagLoss = tagLoaded.model.loss(tape, makeTagBatch(tset, Array.from({ length: B }, (_, i) => i))).item();
  const td = Math.abs(tagLoss - dt.check_loss);
  assert.ok(td < 1e-4, `tagger check loss: recur ${tagLoss}, Python ${dt.check_loss}`);
  console.log(`# DDP (2 processes, gloo, 4 steps): seq2seq loss ${ds.first_loss.toFixed(4)} -> ${ds.last_loss.toFixed(4)}, check recur ${s2sLoss.toFixed(6)} Python ${ds.check_loss.toFixed(6)} |diff| ${sd.toExponential(2)}; CRF tagger loss ${dt.first_loss.toFixed(4)} -> ${dt.last_loss.toFixed(4)}, check recur ${tagLoss.toFixed(6)} Python ${dt.check_loss.toFixed(6)} |diff| ${td.toExponential(2)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
});
