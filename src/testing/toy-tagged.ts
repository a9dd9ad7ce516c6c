/**
 * A toy part-of-speech corpus for tests: sentences from a small grammar (determiners,
 * adjectives, nouns, names, verbs, adverbs, prepositions), with a word that is a noun or a verb
 * by context ("saw", "runs") and, on request, words never seen in training (new nouns ending in
 * -tion, new capitalised names) for the character features. Seeded; nothing read from disk.
 */
import { Rng } from '../random/rng.js';

const DET = ['the', 'a', 'this', 'every'];
const ADJ = ['big', 'small', 'red', 'old', 'happy'];
const NOUN = ['dog', 'cat', 'house', 'car', 'idea', 'teacher', 'saw', 'runs'];
const PROPN = ['Alice', 'Bob', 'Paris', 'Maria'];
const VERB = ['sees', 'likes', 'eats', 'saw', 'runs', 'finds'];
const ADV = ['quickly', 'often', 'today'];
const ADP = ['in', 'on', 'with'];
const NEW_NOUN = ['station', 'nation', 'motion', 'lotion', 'ration'];
const NEW_PROPN = ['Zorbek', 'Quintana', 'Vellora', 'Ixtapa'];

export interface ToyTagged {
  words: string[];
  tags: string[];
}

/** `n` sentences from `seed`; `unseen`: the share of nouns and names drawn from words outside the training lists. */
export function toyTaggedSentences(n: number, seed: number, unseen = 0): ToyTagged[] {
  const rng = new Rng(seed);
  const pick = (xs: readonly string[]) => xs[rng.int(xs.length)]!;
  const out: ToyTagged[] = [];
  for (let i = 0; i < n; i++) {
    const words: string[] = [], tags: string[] = [];
    const put = (w: string, t: string) => { words.push(w); tags.push(t); };
    const nounPhrase = () => {
      if (rng.uniform() < 0.25) { put(rng.uniform() < unseen ? pick(NEW_PROPN) : pick(PROPN), 'PROPN'); return; }
      put(pick(DET), 'DET');
      if (rng.uniform() < 0.5) put(pick(ADJ), 'ADJ');
      put(rng.uniform() < unseen ? pick(NEW_NOUN) : pick(NOUN), 'NOUN');
    };
    nounPhrase();
    put(pick(VERB), 'VERB');
    if (rng.uniform() < 0.3) put(pick(ADV), 'ADV');
    nounPhrase();
    if (rng.uniform() < 0.4) { put(pick(ADP), 'ADP'); nounPhrase(); }
    put('.', 'PUNCT');
    out.push({ words, tags });
  }
  return out;
}

/** Sentences as tagged TSV: token<TAB>tag lines, a blank line after each sentence. */
export function toyTsv(sentences: readonly ToyTagged[]): string {
  return sentences.map((s) => s.words.map((w, i) => `${w}\t${s.tags[i]}\n`).join('')).join('\n');
}

/** Sentences as CoNLL-U (a sent_id comment, UPOS in field 4, XPOS '_'). */
export function toyConllu(sentences: readonly ToyTagged[]): string {
  return sentences.map((s, k) => `# sent_id = ${k + 1}\n${s.words.map((w, i) => `${i + 1}\t${w}\t_\t${s.tags[i]}\t_\t_\t_\t_\t_\t_\n`).join('')}`).join('\n');
}
