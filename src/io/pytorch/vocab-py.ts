/**
 * The template of vocab.py in a `recur export pytorch` package: text to token ids as recur reads
 * it. Characters for a char LM (the vocabulary list with U+FFFD for unknown characters, as
 * tasks/char-lm/vocab.ts); the Tokenizer JSON of data/tokenizer.ts for a word LM and a text
 * classifier (word or character level, lower-casing, accents, specials, [NUM], [URL], [UNK]).
 */

/** vocab.py; `keys` name the metadata entries of a word LM's and a classifier's tokenizer. */
export function vocabPy(keys: { words: string; classify: string }, sections: readonly string[] = []): string {
  return String.raw`"""Text -> token ids as recur reads it for this model (written by recur export pytorch).

    vocab = lm_vocab(metadata)                    # a language model: characters or words
    ids = vocab.encode("To be, or not")           # unknown symbols read as the unknown one
    tok = classify_tokenizer(metadata)            # a text classifier: recur's Tokenizer
    ids = tok.encode("a fine film")

Tokenizer follows recur's src/data/tokenizer.ts; its Unicode classes come from Python's
unicodedata, which may be a Unicode version behind or ahead of recur's Node.js for characters
added lately. An option it does not know raises an error rather than tokenizing differently.
"""
import json
import re
import unicodedata

UNKNOWN_CHAR = "\ufffd"  # the unknown symbol of character vocabularies
PAD_ID, UNK_ID = 0, 1  # [PAD] and [UNK] of word tokenizers
WORDS_KEY = "${keys.words}"  # metadata: a word LM's tokenizer
CLASSIFY_KEY = "${keys.classify}"  # metadata: a classifier's settings, its tokenizer among them


class CharVocab:
    """A character LM's vocabulary (metadata "recur.vocabulary"): one character per id."""

    level = "char"

    def __init__(self, vocabulary):
        self.vocabulary = list(vocabulary)
        self.ids = {s: i for i, s in enumerate(self.vocabulary)}
        self.unk_id = self.ids.get(UNKNOWN_CHAR)  # None for models trained before recur had one
        self.never = [] if self.unk_id is None else [self.unk_id]  # ids a sampler never draws

    def split(self, text):
        return list(text)

    def join(self, symbols):
        return "".join(symbols)

    def encode(self, text, unknown="unk"):
        """Ids of the text's symbols; those outside the vocabulary read as the unknown symbol
        (unknown="unk") or left out ("skip"), as recur lm eval --unknown."""
        if unknown == "unk" and self.unk_id is None:
            raise ValueError("this model has no unknown symbol; use unknown='skip'")
        ids = []
        for s in self.split(text):
            i = self.ids.get(s)
            if i is not None and i != self.unk_id:
                ids.append(i)
            elif unknown == "unk":
                ids.append(self.unk_id)
        return ids

    def decode(self, ids):
        return self.join(self.vocabulary[i] for i in ids)


# Punctuation written against the word before it / after it when words are joined into text.
CLOSING = re.compile(r"(?:[.,;:!?%)\]}’”'»…]+|-)")
OPENING = re.compile(r"(?:[(\[{“‘«¿¡]+|-)")


class WordVocab(CharVocab):
    """A word LM's vocabulary: recur's word Tokenizer ([PAD] [UNK] [NUM] [URL] ...)."""

    level = "word"

    def __init__(self, tokenizer):
        super().__init__(tokenizer.vocabulary)
        self.tokenizer = tokenizer
        self.unk_id = UNK_ID
        self.never = [PAD_ID, UNK_ID]

    def split(self, text):
        return self.tokenizer.tokenize(text)

    def join(self, symbols):
        out, glue = "", True  # no space before the first word, nor after an opening bracket
        for s in symbols:
            out += s if glue or CLOSING.fullmatch(s) else " " + s
            glue = OPENING.fullmatch(s) is not None
        return out


def lm_vocab(metadata):
    """The vocabulary of a language model file: words when it holds a word tokenizer, else characters."""
    if WORDS_KEY in metadata:
        return WordVocab(Tokenizer(json.loads(metadata[WORDS_KEY])))
    return CharVocab(json.loads(metadata["recur.vocabulary"]))


def classify_tokenizer(metadata):
    """The tokenizer of a text classifier file (None for one of vector sequences)."""
    saved = json.loads(metadata[CLASSIFY_KEY])["tokenizer"]
    return None if saved is None else Tokenizer(saved)


# Whitespace as JavaScript's \s reads it (Python's \s differs: \x1c-\x1f, \x85; no \ufeff).
WS = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_classes = None


def unicode_classes():
    """Regex class bodies of the Unicode general categories recur's patterns name (built once, ~0.1 s)."""
    global _classes
    if _classes is None:
        tests = {
            "punct": lambda c: c[0] in "PS",  # \p{P}\p{S}: punctuation and symbols
            "mark": lambda c: c[0] == "M",  # \p{M}
            "alnum": lambda c: c[0] in "LNM",  # \p{L}\p{N}\p{M}
            "open": lambda c: c == "Ps",  # \p{Ps}: opening brackets
        }
        spans = {name: [] for name in tests}
        # Characters are assigned below U+32400 and in U+E0000-E01FF; the rest is unassigned or private.
        for block in (range(0, 0x32400), range(0xE0000, 0xE0200)):
            start = dict.fromkeys(tests)  # where the current run of each class began
            for cp in range(block.start, block.stop + 1):  # one past the end closes every run
                cat = unicodedata.category(chr(cp)) if cp < block.stop else "Cn"
                for name, test in tests.items():
                    if test(cat) and start[name] is None:
                        start[name] = cp
                    elif not test(cat) and start[name] is not None:
                        a, b = re.escape(chr(start[name])), re.escape(chr(cp - 1))
                        spans[name].append(a if a == b else f"{a}-{b}")
                        start[name] = None
        _classes = {name: "".join(s) for name, s in spans.items()}
    return _classes


def word_patterns(numbers, urls):
    """recur's word-level token patterns: a URL, a number, a word (an apostrophe between letters
    stays inside), or one punctuation mark or symbol (an emoji with its modifiers)."""
    u = unicode_classes()
    P, M, LNM, PS = u["punct"], u["mark"], u["alnum"], u["open"]
    symbol_part = f"[{P}][{M}\U0001F3FB-\U0001F3FF]*"
    symbol = f"[\U0001F1E6-\U0001F1FF]{{2}}|{symbol_part}(?:\u200d{symbol_part})*"
    word = f"[^{WS}{P}]+(?:['’][^{WS}{P}]+)*"
    url = f"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\\.)[^{WS}]+?(?=[.,;:!?'\"’”)\\]}}>]*(?:[{WS}]|\\Z))"
    sign = f"(?<![^{WS}{PS}])[-+]"
    digits = f"(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:\\.[0-9]+)?|(?<![^{WS}{PS}+\\-])\\.[0-9]+"
    number = f"(?:{sign})?(?:{digits})%?(?![{LNM}])"
    parts = ([f"(?P<url>{url})"] if urls else []) + ([f"(?P<num>{number})"] if numbers else []) + [word, symbol]
    whole_number = re.compile(f"[-+]?(?:{digits})%?")
    whole_url = re.compile(f"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\\.)[^{WS}]")
    return re.compile("|".join(parts)), whole_number, whole_url


class Tokenizer:
    """recur's Tokenizer (src/data/tokenizer.ts) from its JSON: encode(text) gives recur's ids."""

    OPTIONS = {"lowercase", "splitPunctuation", "numbers", "urls", "specials", "minCount", "maxVocab", "stripAccents"}

    def __init__(self, saved):
        if saved.get("version") != 1 or saved.get("level") not in ("word", "char"):
            raise ValueError(f"tokenizer version {saved.get('version')!r}, level {saved.get('level')!r}: this vocab.py reads version 1, word or char")
        unknown = set(saved["options"]) - self.OPTIONS
        if unknown:
            raise ValueError(f"tokenizer options {sorted(unknown)} are not supported by this vocab.py")
        o = self.options = saved["options"]
        self.level = saved["level"]
        self.vocabulary = list(saved["vocabulary"])
        self.ids = {t: i for i, t in enumerate(self.vocabulary)}
        specials = sorted(o["specials"], key=len, reverse=True)  # longest first
        self.specials = re.compile("(" + "|".join(map(re.escape, specials)) + ")") if specials else None
        if self.level == "word":
            self.pattern, self.whole_number, self.whole_url = word_patterns(o["numbers"], o["urls"])

    def normalise(self, s):
        if self.options["stripAccents"]:
            s = "".join(ch for ch in unicodedata.normalize("NFD", s) if unicodedata.category(ch) != "Mn")
        return s.lower() if self.options["lowercase"] else s

    def plain(self, segment):
        """The tokens of text without specials."""
        if self.level == "char":
            return list(segment)
        o = self.options
        out = []
        if o["splitPunctuation"]:
            for m in self.pattern.finditer(segment):
                found = m.groupdict()  # the groups url and num exist when their options are on
                out.append("[URL]" if found.get("url") else "[NUM]" if found.get("num") else m.group(0))
            return out
        for chunk in re.split(f"[{WS}]+", segment):
            if chunk:
                out.append("[URL]" if o["urls"] and self.whole_url.match(chunk) else
                           "[NUM]" if o["numbers"] and self.whole_number.fullmatch(chunk) else chunk)
        return out

    def tokenize(self, text):
        """The token strings of text (specials first, then normalisation, then the level's rule)."""
        pieces = self.specials.split(text) if self.specials else [text]
        out = []
        for i, piece in enumerate(pieces):  # odd pieces: the specials matched
            if i % 2 == 1:
                out.append(piece)
            elif piece:
                out.extend(self.plain(self.normalise(piece)))
        return out

    def encode(self, text):
        """Ids of text's tokens, [UNK] (1) for tokens outside the vocabulary."""
        return [self.ids.get(t, UNK_ID) for t in self.tokenize(text)]

    def decode(self, ids):
        """Text of ids as recur's Tokenizer.decode: tokens joined by spaces (words) or nothing (characters), [PAD] left out."""
        return (" " if self.level == "word" else "").join(self.vocabulary[i] for i in ids if i != PAD_ID)
${sections.join('')}`;
}
