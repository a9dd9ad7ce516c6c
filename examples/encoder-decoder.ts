/**
 * Encoder-decoder (seq2seq, Sutskever et al. 2014) on sequence reversal with variable lengths:
 * "3 7 7 5" -> "5 7 7 3 <eos>". Symbols are 8 tokens; <pad>, <go> and <eos> are extra ids.
 *
 *   encoder: Embedding -> GRU over the right-padded batch [T, B] with `lengths`, so each
 *            sequence's final state is taken at its own last token, not at the padding;
 *   decoder: GRU whose initial state is the encoder's final state, fed <go> + the reversed
 *            tokens (teacher forcing) and trained to emit the reversed tokens + <eos>;
 *            Linear(H, V) logits; crossEntropy with ignoreIndex = <pad> skips the padding;
 *   inference: greedy decoding one token at a time with `Gru.step`, feeding back its own
 *            argmax, until <eos> or a maximum length. Output lengths are not given to the
 *            decoder: it decides them, and they differ across the batch.
 *
 * The whole source has to pass through one state vector of H numbers (no attention). The
 * held-out sequences are never trained on: a hash of the sequence puts one in five of all
 * possible sequences in the test split, and training batches reject them.
 *
 * Run: `npm run build && node dist/examples/encoder-decoder.js`.
 */
import { pathToFileURL } from 'node:url';
import {
  Adam, CosineAnnealingLR, Embedding, Gru, IntTensor, Linear, Module, Rng, Tape, clipGradNorm, createBackend,
  crossEntropy, reshape, type BackendName, type RecurrentState, type Tensor,
} from 'recur-nn';

export const PAD = 0;
export const GO = 1;
export const EOS = 2;
const FIRST_SYMBOL = 3;

export interface Seq2seqOptions {
  /** Distinct symbols besides <pad>, <go>, <eos> (default 8). */
  numSymbols?: number;
  /** Source lengths are uniform in [minLen, maxLen] (default 3..8). */
  minLen?: number;
  maxLen?: number;
  embeddingDim?: number;
  hiddenSize?: number;
  /** Adam steps on fresh batches, cosine-annealed lr (default 1500). */
  steps?: number;
  batchSize?: number;
  lr?: number;
  /** Held-out sequences to decode (default 1000). */
  testSize?: number;
  seed?: number;
  backend?: BackendName;
  verbose?: boolean;
}

export interface Seq2seqResult {
  /** Fraction of held-out sequences decoded exactly (all tokens, then <eos>). */
  exactMatch: number;
  /** Exact match by source length. */
  byLength: { length: number; exactMatch: number; count: number }[];
  /** Fraction of target positions (tokens and <eos>) decoded right, up to the target length. */
  tokenAccuracy: number;
  /** Exact match of guessing uniformly among the sequences of the right length: 8^-L. */
  chance: number;
  /** A few decoded examples (token strings). */
  examples: { source: string; decoded: string }[];
  steps: number;
  seconds: number;
}

/** FNV-1a of the token list; one in five of all sequences belong to the test split. */
function isTestSequence(tokens: readonly number[]): boolean {
  let h = 0x811c9dc5;
  for (const t of tokens) h = Math.imul(h ^ t, 0x01000193) >>> 0;
  return h % 5 === 0;
}

function randomSequence(rng: Rng, numSymbols: number, minLen: number, maxLen: number): number[] {
  const len = minLen + rng.int(maxLen - minLen + 1);
  return Array.from({ length: len }, () => FIRST_SYMBOL + rng.int(numSymbols));
}

/** Draws `count` sequences from the chosen split (rejection sampling on the hash). */
export function sampleSequences(rng: Rng, count: number, split: 'train' | 'test', o: Required<Pick<Seq2seqOptions, 'numSymbols' | 'minLen' | 'maxLen'>>): number[][] {
  const out: number[][] = [];
  while (out.length < count) {
    const s = randomSequence(rng, o.numSymbols, o.minLen, o.maxLen);
    if (isTestSequence(s) === (split === 'test')) out.push(s);
  }
  return out;
}

/**
 * A padded, time-major batch: src [Ts, B] with lengths, decoder input [Ts + 1, B] = <go> + reversed,
 * decoder target [Ts + 1, B] = reversed + <eos>, padding <pad> everywhere past each length.
 */
export function makeBatch(seqs: readonly number[][]): { src: IntTensor; srcLengths: number[]; decIn: IntTensor; decOut: IntTensor; decLengths: number[] } {
  const B = seqs.length;
  const Ts = Math.max(...seqs.map((s) => s.length));
  const src = IntTensor.zeros([Ts, B]); // zeros = <pad>
  const decIn = IntTensor.zeros([Ts + 1, B]);
  const decOut = IntTensor.zeros([Ts + 1, B]);
  seqs.forEach((s, b) => {
    const rev = [...s].reverse();
    s.forEach((tok, t) => { src.data[t * B + b] = tok; });
    [GO, ...rev].forEach((tok, t) => { decIn.data[t * B + b] = tok; });
    [...rev, EOS].forEach((tok, t) => { decOut.data[t * B + b] = tok; });
  });
  return { src, srcLengths: seqs.map((s) => s.length), decIn, decOut, decLengths: seqs.map((s) => s.length + 1) };
}

class Seq2seq extends Module {
  readonly embed: Embedding;
  readonly encoder: Gru;
  readonly decoder: Gru;
  readonly head: Linear;
  constructor(vocab: number, embeddingDim: number, hiddenSize: number, rng: Rng) {
    super();
    // One table for source and target tokens: they are the same symbols.
    this.embed = this.registerModule('embed', new Embedding(vocab, embeddingDim, { rng, paddingIdx: PAD }));
    this.encoder = this.registerModule('encoder', new Gru({ inputSize: embeddingDim, hiddenSize, rng }));
    this.decoder = this.registerModule('decoder', new Gru({ inputSize: embeddingDim, hiddenSize, rng }));
    this.head = this.registerModule('head', new Linear(hiddenSize, vocab, { rng }));
  }

  /** src [Ts, B] -> the encoder's final state [1, B, H], taken at each sequence's own length. */
  encode(tape: Tape, src: IntTensor, lengths: number[]): RecurrentState {
    return this.encoder.forward(tape, this.embed.forward(tape, src), { lengths }).state;
  }

  /** Teacher forcing: decIn [Td, B] -> logits [Td, B, V]. */
  decode(tape: Tape, state: RecurrentState, decIn: IntTensor, lengths: number[]): Tensor {
    const { output } = this.decoder.forward(tape, this.embed.forward(tape, decIn), { initialState: state, lengths });
    return this.head.forward(tape, output);
  }

  /** Greedy decoding, one `step` at a time; each row stops at its first <eos> (or maxSteps). */
  greedy(tape: Tape, src: IntTensor, lengths: number[], maxSteps: number): number[][] {
    const B = src.shape[1]!;
    let state = this.encode(tape, src, lengths);
    let prev = IntTensor.from(new Array(B).fill(GO));
    const out: number[][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    for (let t = 0; t < maxSteps && done.includes(false); t++) {
      const r = this.decoder.step(tape, this.embed.forward(tape, prev), state);
      state = r.state;
      const logits = this.head.forward(tape, r.y); // [B, V]
      const V = logits.shape[1]!;
      const next = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        let best = 0;
        for (let v = 1; v < V; v++) if (logits.data[b * V + v]! > logits.data[b * V + best]!) best = v;
        next[b] = best;
        if (done[b]) continue;
        if (best === EOS) done[b] = true;
        else out[b]!.push(best);
      }
      prev = new IntTensor(next, [B]);
    }
    // A row that never emitted <eos> is marked by a trailing -1 so it cannot count as exact.
    return out.map((o, b) => (done[b] ? o : [...o, -1]));
  }
}

const show = (tokens: readonly number[]) => tokens.map((t) => (t < 0 ? '…' : t === EOS ? '<eos>' : String.fromCharCode(97 + t - FIRST_SYMBOL))).join(' ');

export async function run(options: Seq2seqOptions = {}): Promise<Seq2seqResult> {
  const {
    numSymbols = 8, minLen = 3, maxLen = 8, embeddingDim = 16, hiddenSize = 128, steps = 1500, batchSize = 64, lr = 1e-2,
    testSize = 1000, seed = 1, verbose = false,
  } = options;
  const split = { numSymbols, minLen, maxLen };
  const backend = await createBackend(options.backend ?? 'wasm');
  const rng = new Rng(seed);
  const model = new Seq2seq(FIRST_SYMBOL + numSymbols, embeddingDim, hiddenSize, rng.fork()).to(backend);
  const opt = new Adam(model.parameters(), { lr });
  const schedule = new CosineAnnealingLR(opt, { tMax: steps });
  const dataRng = rng.fork();
  const testSeqs = sampleSequences(rng.fork(), testSize, 'test', split);
  const V = FIRST_SYMBOL + numSymbols;

  const started = performance.now();
  const tape = new Tape(backend);
  for (let step = 1; step <= steps; step++) {
    const batch = makeBatch(sampleSequences(dataRng, batchSize, 'train', split));
    tape.reset();
    opt.zeroGrad();
    const state = model.encode(tape, batch.src, batch.srcLengths);
    const logits = model.decode(tape, state, batch.decIn, batch.decLengths);
    const Td = batch.decOut.shape[0]!;
    const loss = crossEntropy(tape, reshape(tape, logits, [Td * batchSize, V]), batch.decOut.reshape([Td * batchSize]), { ignoreIndex: PAD });
    tape.backward(loss);
    clipGradNorm(model.parameters(), 1);
    opt.step();
    schedule.step();
    if (verbose && (step === 1 || step % 500 === 0)) console.log(`step ${String(step).padStart(5)}  loss ${loss.item().toFixed(4)}`);
  }
  const seconds = (performance.now() - started) / 1000;

  // Held-out evaluation, greedy, in batches of 250.
  model.eval();
  const evalTape = Tape.inference(backend);
  const decoded: number[][] = [];
  for (let i = 0; i < testSeqs.length; i += 250) {
    evalTape.reset();
    const chunk = testSeqs.slice(i, i + 250);
    const { src, srcLengths } = makeBatch(chunk);
    decoded.push(...model.greedy(evalTape, src, srcLengths, maxLen + 2));
  }
  let exact = 0, tokensRight = 0, tokensTotal = 0;
  const perLen = new Map<number, { right: number; count: number }>();
  testSeqs.forEach((s, i) => {
    const want = [...[...s].reverse(), EOS];
    const got = [...decoded[i]!, EOS];
    const ok = want.length === got.length && want.every((t, j) => t === got[j]);
    exact += ok ? 1 : 0;
    want.forEach((t, j) => { tokensRight += got[j] === t ? 1 : 0; });
    tokensTotal += want.length;
    const e = perLen.get(s.length) ?? { right: 0, count: 0 };
    e.right += ok ? 1 : 0;
    e.count += 1;
    perLen.set(s.length, e);
  });
  const byLength = [...perLen.entries()].sort((a, b) => a[0] - b[0]).map(([length, e]) => ({ length, exactMatch: e.right / e.count, count: e.count }));
  const chance = byLength.reduce((acc, r) => acc + (r.count / testSeqs.length) * numSymbols ** -r.length, 0);
  const examples = testSeqs.slice(0, 6).map((s, i) => ({ source: show(s), decoded: show([...decoded[i]!, EOS]) }));
  const result: Seq2seqResult = {
    exactMatch: exact / testSeqs.length, byLength, tokenAccuracy: tokensRight / tokensTotal, chance, examples, steps, seconds,
  };
  if (verbose) {
    console.log(`\nheld-out exact match ${(100 * result.exactMatch).toFixed(1)}% of ${testSeqs.length} (chance ${result.chance.toExponential(1)}); token accuracy ${(100 * result.tokenAccuracy).toFixed(1)}%`);
    console.log(`by source length: ${byLength.map((r) => `${r.length}: ${(100 * r.exactMatch).toFixed(1)}%`).join('  ')}`);
    for (const e of examples) console.log(`  ${e.source.padEnd(16)} -> ${e.decoded}`);
    console.log(`${steps} steps in ${seconds.toFixed(1)} s (${backend.name})`);
  }
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run({ verbose: true });
}
