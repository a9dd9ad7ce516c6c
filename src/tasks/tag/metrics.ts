/**
 * Metrics of a sequence tagger (part-of-speech, chunking, named entities) from gold and predicted
 * string tags, one array per sentence: token accuracy (overall and on words unseen in training),
 * per-tag precision / recall / F1 with their macro average, and, when the gold tags are chunk
 * tags (IOB, IOBES, BILOU), entity-level precision / recall / F1 as conlleval.pl and seqeval
 * count them. Pure functions of arrays; nothing here runs a model.
 *
 * Ratios follow scikit-learn's `zero_division=0`: a precision or recall with nothing to divide by
 * is 0, and F1 is 0 when precision + recall is 0. An accuracy over no tokens is NaN. Inputs of
 * different shapes throw, naming the sentence and both lengths.
 */

/** Token-level scores of one tag. */
export interface TagScore {
  tag: string;
  precision: number;
  recall: number;
  f1: number;
  /** Gold count. */
  support: number;
  /** Predicted count. */
  predicted: number;
}

/** Entity-level scores of one chunk type. */
export interface ChunkTypeScore {
  type: string;
  precision: number;
  recall: number;
  f1: number;
  /** Chunks of this type in the gold tags. */
  gold: number;
  /** Chunks of this type in the predictions. */
  predicted: number;
  /** Predicted chunks of this type whose start, end and type match a gold chunk. */
  correct: number;
}

/** Entity (chunk) level scores, pooled over all types (micro), and per type sorted by type name. */
export interface ChunkMetrics {
  precision: number;
  recall: number;
  f1: number;
  gold: number;
  predicted: number;
  correct: number;
  perType: ChunkTypeScore[];
}

export interface TaggingMetrics {
  tokens: number;
  correct: number;
  /** correct / tokens; NaN when there are no tokens. */
  accuracy: number;
  /** Tokens whose word was not seen in training (given by the caller's `unseen` mask), and accuracy on them (NaN when there are none). */
  unseenTokens: number;
  unseenAccuracy: number;
  /** Per tag, token level, sorted by tag name; F1 0 when precision + recall is 0. */
  perTag: TagScore[];
  /** Mean F1 over the tags that occur in gold or predictions (every row of `perTag`); NaN when there are none. */
  macroF1: number;
  /** Entity (chunk) level, present only when every gold tag is a chunk tag (see `isChunkScheme`). */
  chunks?: ChunkMetrics;
}

/** A chunk of one sentence: tokens [start, end) of one type. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

type Sentences<T> = readonly (readonly T[])[];

/** Throws unless `other` has as many sentences as `gold`, each as long as the gold one. */
function checkShape(where: string, gold: Sentences<unknown>, other: Sentences<unknown>, what: { sentences: string; items: string }): void {
  if (gold.length !== other.length) throw new Error(`${where}: ${gold.length} gold sentences but ${other.length} ${what.sentences}`);
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!.length, o = other[s]!.length;
    if (g !== o) throw new Error(`${where}: sentence ${s} has ${g} gold tags but ${o} ${what.items}`);
  }
}

const PREDICTED = { sentences: 'predicted sentences', items: 'predicted tags' };
const UNSEEN = { sentences: 'sentences in the unseen mask', items: 'unseen flags' };

/** Precision, recall and F1 from counts, 0 where a ratio is undefined. */
function prf(correct: number, predicted: number, gold: number): { precision: number; recall: number; f1: number } {
  const precision = predicted ? correct / predicted : 0, recall = gold ? correct / gold : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

const CHUNK_TAG = /^[BIESLU]-.+$/;

/**
 * True when every tag is 'O' or PREFIX-TYPE with PREFIX one of B, I, E, S (IOB1, IOB2, IOE,
 * IOBES) or L, U (BILOU) and a non-empty TYPE, and at least one is not 'O'. Part-of-speech tags
 * (NOUN, VBZ, ...) are not chunk tags; neither is a corpus tagged 'O' throughout.
 */
export function isChunkScheme(tags: Iterable<string>): boolean {
  let chunkTags = false;
  for (const t of tags) {
    if (t === 'O') continue;
    if (!CHUNK_TAG.test(t)) return false;
    chunkTags = true;
  }
  return chunkTags;
}

/**
 * A tag split as conlleval.pl splits it (2004-01-26: the prefix is what precedes the first '-',
 * the type all that follows, so types may hold hyphens; no '-' means no type), with BILOU's L
 * and U read as IOBES's E and S.
 */
function splitTag(tag: string): { prefix: string; type: string } {
  const dash = tag.indexOf('-');
  const prefix = dash < 0 ? tag : tag.slice(0, dash);
  return { prefix: prefix === 'L' ? 'E' : prefix === 'U' ? 'S' : prefix, type: dash < 0 ? '' : tag.slice(dash + 1) };
}

// The two rules below are seqeval's `end_of_chunk` / `start_of_chunk` (seqeval/metrics/
// sequence_labeling.py, the default non-strict mode), which are conlleval.pl's `endOfChunk` /
// `startOfChunk` (CoNLL-2000 script, version 2004-01-26, by Erik Tjong Kim Sang) plus IOBES:
//   conlleval ends a chunk on B→B, B→O, I→B, I→O, E→E, E→I, E→O and on a type change after a
//   tag that is not O; seqeval adds: after every E or S, and on B→S, I→S.
//   conlleval starts a chunk on B→B, I→B, O→B, O→I, E→E, E→I, O→E and on a type change at a tag
//   that is not O; seqeval adds: at every B and S, and on S→E, S→I.
// So an I- after O or after another type starts a chunk (IOB1), B- always starts one, E- and S-
// close theirs. The one place where the two differ on IOBES tags without S is E-X B-X:
// conlleval.pl has neither an end nor a start there and merges the two chunks; seqeval (and
// this file) keep them apart. The '.' exceptions are conlleval's, for its open/close bracket
// representation; they are kept so that the rules read as the sources do.

/** True when a chunk ended between the previous token and this one. */
function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

/** True when a chunk started at this token. */
function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * The chunks of one sentence as conlleval.pl finds them (see the rules above): each is tokens
 * [start, end) of one type, in order. The sentence is read as if followed by 'O', so a chunk
 * open at the last token ends there. Example: ['B-PER', 'I-PER', 'O', 'I-LOC'] gives PER [0, 2)
 * and LOC [3, 4). Tags outside the chunk schemes are read by the same rules (their prefix is
 * neither B, I, E nor S, so only type changes start and end chunks), as conlleval reads them.
 */
export function extractChunks(tags: readonly string[]): Chunk[] {
  const chunks: Chunk[] = [];
  let prevTag = 'O', prevType = '', start = -1;
  for (let i = 0; i <= tags.length; i++) {
    const { prefix: tag, type } = i < tags.length ? splitTag(tags[i]!) : { prefix: 'O', type: '' };
    // `start >= 0` only guards malformed tags: with O/B/I/E/S prefixes a chunk is always open
    // when endOfChunk fires.
    if (start >= 0 && endOfChunk(prevTag, tag, prevType, type)) {
      chunks.push({ type: prevType, start, end: i });
      start = -1;
    }
    if (startOfChunk(prevTag, tag, prevType, type)) start = i;
    prevTag = tag;
    prevType = type;
  }
  return chunks;
}

/** Chunk metrics without the shape check (the callers check it). */
function chunkMetricsOf(gold: Sentences<string>, predicted: Sentences<string>): ChunkMetrics {
  const counts = new Map<string, { gold: number; predicted: number; correct: number }>();
  const countsOf = (type: string) => {
    let c = counts.get(type);
    if (!c) counts.set(type, (c = { gold: 0, predicted: 0, correct: 0 }));
    return c;
  };
  for (let s = 0; s < gold.length; s++) {
    const goldKeys = new Set<string>();
    for (const c of extractChunks(gold[s]!)) {
      goldKeys.add(`${c.start}:${c.end}:${c.type}`);
      countsOf(c.type).gold++;
    }
    for (const c of extractChunks(predicted[s]!)) {
      const n = countsOf(c.type);
      n.predicted++;
      if (goldKeys.has(`${c.start}:${c.end}:${c.type}`)) n.correct++;
    }
  }
  let g = 0, p = 0, k = 0;
  const perType: ChunkTypeScore[] = [...counts.keys()].sort().map((type) => {
    const c = counts.get(type)!;
    g += c.gold;
    p += c.predicted;
    k += c.correct;
    return { type, ...prf(c.correct, c.predicted, c.gold), gold: c.gold, predicted: c.predicted, correct: c.correct };
  });
  return { ...prf(k, p, g), gold: g, predicted: p, correct: k, perType };
}

/**
 * Entity-level metrics: chunks extracted from each sentence by `extractChunks`; a predicted chunk
 * is correct when a gold chunk of the same sentence has its start, end and type. Precision =
 * correct / predicted, recall = correct / gold, both pooled over types (conlleval's "overall",
 * seqeval's default micro average); `perType` lists every type found in gold or predictions.
 */
export function chunkMetrics(gold: Sentences<string>, predicted: Sentences<string>): ChunkMetrics {
  checkShape('chunkMetrics', gold, predicted, PREDICTED);
  return chunkMetricsOf(gold, predicted);
}

function* flatten<T>(sentences: Sentences<T>): Generator<T> {
  for (const s of sentences) yield* s;
}

/**
 * Token accuracy, accuracy on unseen words, per-tag and macro F1 and, when the gold tags are
 * chunk tags, chunk metrics. `unseen[s][i]` marks the tokens whose word the tagger did not see in
 * training; without it, `unseenTokens` is 0 and `unseenAccuracy` NaN.
 */
export function taggingMetrics(gold: Sentences<string>, predicted: Sentences<string>, unseen?: Sentences<boolean>): TaggingMetrics {
  checkShape('taggingMetrics', gold, predicted, PREDICTED);
  if (unseen) checkShape('taggingMetrics', gold, unseen, UNSEEN);
  const perTagCounts = new Map<string, { support: number; predicted: number; correct: number }>();
  const countsOf = (tag: string) => {
    let c = perTagCounts.get(tag);
    if (!c) perTagCounts.set(tag, (c = { support: 0, predicted: 0, correct: 0 }));
    return c;
  };
  let tokens = 0, correct = 0, unseenTokens = 0, unseenCorrect = 0;
  for (let s = 0; s < gold.length; s++) {
    const g = gold[s]!, p = predicted[s]!, u = unseen?.[s];
    for (let i = 0; i < g.length; i++) {
      const ok = g[i] === p[i];
      tokens++;
      countsOf(g[i]!).support++;
      countsOf(p[i]!).predicted++;
      if (ok) { correct++; countsOf(g[i]!).correct++; }
      if (u?.[i]) { unseenTokens++; if (ok) unseenCorrect++; }
    }
  }
  const perTag: TagScore[] = [...perTagCounts.keys()].sort().map((tag) => {
    const c = perTagCounts.get(tag)!;
    return { tag, ...prf(c.correct, c.predicted, c.support), support: c.support, predicted: c.predicted };
  });
  const metrics: TaggingMetrics = {
    tokens, correct, accuracy: tokens ? correct / tokens : NaN,
    unseenTokens, unseenAccuracy: unseenTokens ? unseenCorrect / unseenTokens : NaN,
    perTag, macroF1: perTag.length ? perTag.reduce((a, t) => a + t.f1, 0) / perTag.length : NaN,
  };
  if (isChunkScheme(flatten(gold))) metrics.chunks = chunkMetricsOf(gold, predicted);
  return metrics;
}
