/**
 * The Python of the two model kinds that are not a `RecurrentModel`, for a `recur export pytorch`
 * package: the classes model.py gains (`RecurSeq2seq` for an encoder-decoder of recur seq2seq,
 * `RecurTagger` for a tagger of recur tag, under recur's parameter names), what vocab.py gains
 * (both tokenizers of a seq2seq file; the word, character and tag vocabularies of a tagger with
 * recur tag's splitting of plain English), and the bodies of their run.py (translate greedily;
 * tag sentences). The numbers follow src/tasks/seq2seq/model.ts + decode.ts (greedy) and
 * src/tasks/tag/model.ts + autograd/ops/crf.ts (Viterbi); the tests compare them with recur's.
 */

/** model.py's section of an encoder-decoder: `RecurSeq2seq`, registered in MODELS. */
export function seq2seqModelPy(): string {
  return String.raw`

class AdditiveAttention(nn.Module):
    """score(s, h) = score . tanh(key s + query h) (recur's 'additive', OpenNMT's "mlp")."""

    def __init__(self, memory_size, hidden_size, attention_size):
        super().__init__()
        self.key = nn.Linear(memory_size, attention_size, bias=False)
        self.query = nn.Linear(hidden_size, attention_size)
        self.score = nn.Linear(attention_size, 1, bias=False)


class GeneralAttention(nn.Module):
    """score(s, h) = s . (query h) (Luong's 'general')."""

    def __init__(self, memory_size, hidden_size):
        super().__init__()
        self.query = nn.Linear(hidden_size, memory_size, bias=False)


class RecurSeq2seq(nn.Module):
    """recur's encoder-decoder (recur seq2seq) from its config (metadata "recur.config"):

        source embedding -> encoder (GRU / LSTM / RNN stack, optionally bidirectional, optionally
        reading each source back to front) -> bridge (the final state of each layer, both
        directions concatenated; tanh(Linear) when its width is not the decoder's) -> decoder
        stepped one token at a time (the previous token's embedding, with input feeding also the
        previous attentional vector) -> attention over the valid source steps ('dot', 'general',
        'additive'), h~ = tanh(combine [context; h]) -> output logits.

    Time-major: sources [Ts, B] right-padded with 0, lengths [B]; memory [Ts, B, E]; states
    [layers, B, Hd] (an LSTM's a (h, c) pair)."""

    def __init__(self, config):
        super().__init__()
        c = self.config = config
        if c.get("kind") != "encoder-decoder":
            raise ValueError(f"RecurSeq2seq reads encoder-decoders; this config is a {c.get('kind', 'recurrent')!r} model")
        D = 2 if c["bidirectional"] else 1
        E, Hd, emb, L = D * c["encoderHiddenSize"], c["decoderHiddenSize"], c["embeddingDim"], c["numLayers"]
        between = c["dropout"] if L > 1 else 0.0  # dropout between stacked layers (training only)
        self.src_embed = nn.Embedding(c["sourceVocabSize"], emb, padding_idx=0)
        self.encoder = make_rnn(c["cell"], emb, c["encoderHiddenSize"], num_layers=L, dropout=between, bidirectional=c["bidirectional"])
        if E != Hd:
            self.bridge_h = nn.Linear(E, Hd)
            if c["cell"] == "lstm":
                self.bridge_c = nn.Linear(E, Hd)
        self.tgt_embed = nn.Embedding(c["targetVocabSize"], emb, padding_idx=0)
        self.decoder = make_rnn(c["cell"], emb + (Hd if c["inputFeeding"] else 0), Hd, num_layers=L, dropout=between)
        if c["attention"] == "general":
            self.attention = GeneralAttention(E, Hd)
        elif c["attention"] == "additive":
            self.attention = AdditiveAttention(E, Hd, c["attentionSize"])
        if c["attention"] != "none":
            self.combine = nn.Linear(E + Hd, Hd, bias=False)
        self.output = nn.Linear(Hd, c["targetVocabSize"])
        self.dropout = nn.Dropout(c["dropout"])  # on embeddings and on h~ (training mode only)

    def encode(self, src, lengths):
        """src [Ts, B] source ids in source order (right-padded with 0), lengths [B] (1..Ts) ->
        the encoded batch: {"memory" [Ts, B, E], "keys" (additive attention's, or None),
        "lengths", "state" (the decoder's initial state)}."""
        lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
        if self.config["reverseSource"]:
            src = src.clone()
            for b, n in enumerate(lengths.tolist()):
                src[:n, b] = src[:n, b].flip(0)
        memory, state = run_rnn(self.encoder, self.dropout(self.src_embed(src)), lengths)
        keys = self.attention.key(memory) if isinstance(getattr(self, "attention", None), AdditiveAttention) else None
        return {"memory": memory, "keys": keys, "lengths": lengths, "state": self.bridge(state)}

    def bridge(self, state):
        """The encoder's final state [layers * directions, B, He] as the decoder's [layers, B, Hd]."""
        L = self.config["numLayers"]
        merge = lambda t: t if not self.config["bidirectional"] else torch.stack([torch.cat([t[2 * l], t[2 * l + 1]], -1) for l in range(L)])
        if isinstance(state, tuple):
            h, c = merge(state[0]), merge(state[1])
            return (torch.tanh(self.bridge_h(h)), torch.tanh(self.bridge_c(c))) if hasattr(self, "bridge_h") else (h, c)
        h = merge(state)
        return torch.tanh(self.bridge_h(h)) if hasattr(self, "bridge_h") else h

    def step(self, enc, prev, state, feed=None):
        """One decoder step: prev [B] token ids ([GO] first), the decoder state, with input feeding
        the previous attentional vector [B, Hd] (zeros when None) -> (logits [B, V], vector [B, Hd]
        (the next step's feed), state, attention weights [Ts, B] or None)."""
        c = self.config
        x = self.dropout(self.tgt_embed(prev))
        if c["inputFeeding"]:
            x = torch.cat([x, x.new_zeros(x.shape[0], c["decoderHiddenSize"]) if feed is None else feed], -1)
        out, state = run_rnn(self.decoder, x.unsqueeze(0), None, state)
        h = out[0]
        if c["attention"] == "none":
            vector = self.dropout(h)
            return self.output(vector), vector, state, None
        memory = enc["memory"]
        if c["attention"] == "additive":
            scores = self.attention.score(torch.tanh(enc["keys"] + self.attention.query(h))).squeeze(-1)
        elif c["attention"] == "general":
            scores = (memory * self.attention.query(h)).sum(-1)
        else:  # dot
            scores = (memory * h).sum(-1)
        valid = torch.arange(memory.shape[0])[:, None] < enc["lengths"][None, :]
        weights = torch.softmax(scores.masked_fill(~valid, float("-inf")), 0)  # [Ts, B]
        context = (weights.unsqueeze(-1) * memory).sum(0)
        vector = self.dropout(torch.tanh(self.combine(torch.cat([context, h], -1))))
        return self.output(vector), vector, state, weights

    def forward(self, src, lengths, inputs):
        """Teacher-forced decoding: inputs [Td, B] ([GO] then the target, padded with 0) ->
        logits [Td, B, V] (train against the target followed by [EOS], ignoring padding)."""
        enc = self.encode(src, lengths)
        state, feed, logits = enc["state"], None, []
        for t in range(inputs.shape[0]):
            step_logits, feed, state, _ = self.step(enc, inputs[t], state, feed)
            logits.append(step_logits)
        return torch.stack(logits)

    @torch.no_grad()
    def greedy(self, src, lengths, max_len=None):
        """Greedy decoding as recur's (decode(..., {method: 'greedy'})): per source, the target
        ids without [EOS] (never [PAD]), and per output token (and [EOS]) the attention weights
        over its source tokens in source order (None without attention). max_len: most tokens
        per source, [EOS] not counted (default the longest training target + 10). Call eval() first."""
        c = self.config
        max_len = c["maxTargetLength"] + 10 if max_len is None else max_len
        enc = self.encode(src, lengths)
        n = enc["lengths"].tolist()
        B = len(n)
        state, feed = enc["state"], None
        prev = torch.full((B,), c["goId"], dtype=torch.long)
        tokens = [[] for _ in range(B)]
        attention = [None if c["attention"] == "none" else [] for _ in range(B)]
        done = [False] * B
        for _ in range(max_len):
            if all(done):
                break
            logits, feed, state, weights = self.step(enc, prev, state, feed)
            prev = logits[:, 1:].argmax(-1) + 1  # the first of equal best, never [PAD] (0)
            for b in range(B):
                if done[b]:
                    continue
                if weights is not None:
                    w = weights[: n[b], b].tolist()
                    attention[b].append(w[::-1] if c["reverseSource"] else w)
                if int(prev[b]) == c["eosId"]:
                    done[b] = True
                else:
                    tokens[b].append(int(prev[b]))
        return tokens, attention


MODELS["encoder-decoder"] = RecurSeq2seq
`;
}

/** model.py's section of a tagger: `RecurTagger` (and its CRF), registered in MODELS. */
export function taggerModelPy(): string {
  return String.raw`

class CRF(nn.Module):
    """A linear-chain CRF's scores (pytorch-crf's names: transitions[i, j] from tag i to tag j,
    start_transitions, end_transitions) and its Viterbi decoding as recur's (in float64)."""

    def __init__(self, tags):
        super().__init__()
        self.transitions = nn.Parameter(torch.empty(tags, tags).uniform_(-0.1, 0.1))
        self.start_transitions = nn.Parameter(torch.empty(tags).uniform_(-0.1, 0.1))
        self.end_transitions = nn.Parameter(torch.empty(tags).uniform_(-0.1, 0.1))

    @torch.no_grad()
    def viterbi(self, emissions, lengths):
        """emissions [T, B, K], lengths [B] -> the best tag path of each sentence (lists of ids)."""
        e, tr = emissions.double(), self.transitions.double()
        start, end = self.start_transitions.double(), self.end_transitions.double()
        paths = []
        for b, n in enumerate(torch.as_tensor(lengths).tolist()):
            score, back = start + e[0, b], []
            for t in range(1, n):
                best, index = (score[:, None] + tr).max(0)
                score = best + e[t, b]
                back.append(index)
            path = [int((score + end).argmax())]
            for index in reversed(back):
                path.append(int(index[path[-1]]))
            paths.append(path[::-1])
        return paths

    def nll(self, emissions, tags, lengths):
        """The negative log-likelihood of the gold paths tags [T, B] (summed over sentences)."""
        T, B, K = emissions.shape
        valid = torch.arange(T)[:, None] < torch.as_tensor(lengths)[None, :]
        tags = tags.clamp(min=0)
        score = self.start_transitions[tags[0]] + emissions[0].gather(1, tags[0][:, None]).squeeze(1)
        alpha = self.start_transitions + emissions[0]  # [B, K]
        for t in range(1, T):
            m = valid[t]
            gold = self.transitions[tags[t - 1], tags[t]] + emissions[t].gather(1, tags[t][:, None]).squeeze(1)
            score = score + gold * m
            nxt = torch.logsumexp(alpha[:, :, None] + self.transitions[None] + emissions[t][:, None, :], 1)
            alpha = torch.where(m[:, None], nxt, alpha)
        last = tags.gather(0, (torch.as_tensor(lengths) - 1)[None, :]).squeeze(0)
        score = score + self.end_transitions[last]
        return (torch.logsumexp(alpha + self.end_transitions, 1) - score).sum()


class RecurTagger(nn.Module):
    """recur's tagger (recur tag) from its config (metadata "recur.config"):

        word embedding [T, B, Ew] + each word's character BiLSTM final states [T, B, 2 Hc]
        -> (bi)recurrent encoder over the valid tokens -> Linear -> emissions [T, B, K]
        -> argmax per token, or a CRF's Viterbi path.

    Time-major: words [T, B] right-padded with 0, chars [T, B, C] (each word's character ids,
    padded with 0), lengths [B]."""

    def __init__(self, config):
        super().__init__()
        c = self.config = config
        if c.get("kind") != "tagger":
            raise ValueError(f"RecurTagger reads taggers; this config is a {c.get('kind', 'recurrent')!r} model")
        size = c["wordEmbeddingDim"]
        self.word_embed = nn.Embedding(c["wordVocabSize"], size, padding_idx=0)
        if c["charVocabSize"] > 0:
            self.char_embed = nn.Embedding(c["charVocabSize"], c["charEmbeddingDim"], padding_idx=0)
            self.char_encoder = nn.LSTM(c["charEmbeddingDim"], c["charHiddenSize"], bidirectional=True)
            size += 2 * c["charHiddenSize"]
        L = c["numLayers"]
        self.encoder = make_rnn(c["cell"], size, c["hiddenSize"], num_layers=L, dropout=c["dropout"] if L > 1 else 0.0, bidirectional=c["bidirectional"])
        self.output = nn.Linear((2 if c["bidirectional"] else 1) * c["hiddenSize"], c["tagCount"])
        if c["crf"]:
            self.crf = CRF(c["tagCount"])
        self.dropout = nn.Dropout(c["dropout"])  # on the encoder's input and output (training mode only)

    def char_features(self, chars):
        """chars [T, B, C] -> [T, B, 2 Hc]: the character BiLSTM's two final states of each word."""
        T, B, C = chars.shape
        flat = chars.reshape(T * B, C).transpose(0, 1)  # [C, T * B]
        lengths = (flat != 0).sum(0).clamp(min=1)  # padding tokens read one [PAD]: their features are never used
        _, (h, _) = run_rnn(self.char_encoder, self.char_embed(flat), lengths)
        return torch.cat([h[0], h[1]], -1).reshape(T, B, -1)

    def forward(self, words, chars, lengths):
        """words [T, B], chars [T, B, C] (ignored without character features), lengths [B] ->
        emissions [T, B, K] (a softmax's logits, or the CRF's emissions)."""
        lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
        x = self.word_embed(words)
        if hasattr(self, "char_encoder"):
            x = torch.cat([x, self.char_features(chars)], -1)
        out, _ = run_rnn(self.encoder, self.dropout(x), lengths)
        return self.output(self.dropout(out))

    @torch.no_grad()
    def decode(self, emissions, lengths):
        """The best tags of each sentence (lists of tag ids): the CRF's Viterbi path, or the
        argmax of each token (the first of equal best)."""
        if hasattr(self, "crf"):
            return self.crf.viterbi(emissions, lengths)
        best = emissions.argmax(-1)  # [T, B]
        return [best[:n, b].tolist() for b, n in enumerate(torch.as_tensor(lengths).tolist())]

    def loss(self, emissions, tags, lengths):
        """Training loss per token: cross-entropy over the valid tokens (tags [T, B], -1 ignored),
        or the CRF's negative log-likelihood over the number of tokens (as recur trains)."""
        if hasattr(self, "crf"):
            return self.crf.nll(emissions, tags, lengths) / int(torch.as_tensor(lengths).sum())
        return F.cross_entropy(emissions.reshape(-1, emissions.shape[-1]), tags.reshape(-1), ignore_index=-1)


MODELS["tagger"] = RecurTagger
`;
}

/** vocab.py's section of a seq2seq file: both tokenizers. */
export function seq2seqVocabPy(key: string): string {
  return String.raw`

SEQ2SEQ_KEY = "${key}"  # metadata: a seq2seq model's tokenizers and settings


def seq2seq_vocab(metadata):
    """(source Tokenizer, target Tokenizer, settings) of an encoder-decoder's file; the target's
    [GO] and [EOS] ids are the model config's goId and eosId."""
    meta = json.loads(metadata[SEQ2SEQ_KEY])
    return Tokenizer(meta["source"]), Tokenizer(meta["target"]), meta


def encode_source(source, text, meta, max_length):
    """Source ids as recur seq2seq translate reads text (--unknown auto, --truncate): tokens outside
    the vocabulary read as [UNK] when training had any, else are left out; cut to max_length."""
    ids = source.encode(text)
    if not meta.get("unknownInTraining"):
        ids = [i for i in ids if i != UNK_ID]
    if not ids:
        raise ValueError(f"{text!r}: no source token is in the model's vocabulary")
    return ids[:max_length]
`;
}

/** vocab.py's section of a tagger file: words, characters and tags, and recur tag's word splitting. */
export function tagVocabPy(key: string): string {
  return String.raw`

TAG_KEY = "${key}"  # metadata: a tagger's vocabularies
MAX_FORM_CHARS = 30  # longer words keep their first and last 15 characters for the character encoder
CLITIC = re.compile(r"^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$", re.IGNORECASE)


class TagVocab:
    """A tagger's word, character and tag vocabularies (recur's TagVocabulary)."""

    def __init__(self, meta):
        self.words = Tokenizer(meta["words"])
        self.chars = Tokenizer(meta["chars"]) if meta.get("chars") else None
        self.tags = list(meta["tags"])

    def word_id(self, word):
        """The word's id ([UNK] when outside the vocabulary; whitespace inside a word reads as _)."""
        ids = self.words.encode(re.sub(f"[{WS}]+", "_", word))
        return ids[0] if len(ids) == 1 else UNK_ID

    def form_chars(self, word):
        if self.chars is None:
            return []
        cs = list(word)
        if len(cs) > MAX_FORM_CHARS:
            cs = cs[: MAX_FORM_CHARS // 2] + cs[-MAX_FORM_CHARS // 2 :]
        return self.chars.encode("".join(cs)) or [UNK_ID]

    def batch(self, sentences):
        """Sentences (lists of words) -> (words [T, B], chars [T, B, C], lengths), what RecurTagger reads."""
        import torch

        lengths = [len(s) for s in sentences]
        if min(lengths) < 1:
            raise ValueError("every sentence needs at least one word")
        forms = [[self.form_chars(w) for w in s] for s in sentences]
        C = max([1] + [len(f) for fs in forms for f in fs])
        words = torch.zeros(max(lengths), len(sentences), dtype=torch.long)
        chars = torch.zeros(max(lengths), len(sentences), C, dtype=torch.long)
        for b, s in enumerate(sentences):
            for t, w in enumerate(s):
                words[t, b] = self.word_id(w)
                if forms[b][t]:
                    chars[t, b, : len(forms[b][t])] = torch.tensor(forms[b][t])
        return words, chars, lengths


def tag_vocab(metadata):
    return TagVocab(json.loads(metadata[TAG_KEY]))


def split_words(text):
    """A plain English sentence split into words as recur tag does (punctuation apart, case kept,
    clitics apart: can't -> ca n't, it's -> it 's)."""
    splitter = Tokenizer({"version": 1, "level": "word", "vocabulary": ["[PAD]", "[UNK]"], "options": {
        "lowercase": False, "splitPunctuation": True, "numbers": False, "urls": False, "specials": [], "minCount": 1, "stripAccents": False}})
    out = []
    for w in splitter.tokenize(text):
        m = CLITIC.match(w)
        out.extend([m.group(1), m.group(2)] if m else [w])
    return out
`;
}

/** run.py's body for an encoder-decoder: greedy translation. */
export const SEQ2SEQ_RUN = String.raw`from vocab import encode_source, seq2seq_vocab


def main():
    ap = argparse.ArgumentParser(description="translate sentences greedily with the encoder-decoder")
    ap.add_argument("model", help="the .safetensors file")
    ap.add_argument("texts", nargs="+", help="source sentences")
    ap.add_argument("--max-length", type=int, help="most output tokens (default the longest training target + 10)")
    ap.add_argument("--attention", action="store_true", help="print JSON lines with each output token's attention over the source")
    args = ap.parse_args()
    model, metadata = load(args.model)
    source, target, meta = seq2seq_vocab(metadata)
    seqs = [encode_source(source, t, meta, model.config["maxSourceLength"]) for t in args.texts]
    x = torch.zeros(max(map(len, seqs)), len(seqs), dtype=torch.long)  # [Ts, B] padded with [PAD]
    for b, s in enumerate(seqs):
        x[: len(s), b] = torch.tensor(s)
    tokens, attention = model.greedy(x, [len(s) for s in seqs], args.max_length)
    for text, ids, weights in zip(args.texts, tokens, attention):
        out = target.decode(ids)
        print(json.dumps({"source": text, "translation": out, "attention": weights}) if args.attention else out)
`;

/** run.py's body for a tagger. */
export const TAG_RUN = String.raw`from vocab import split_words, tag_vocab


def main():
    ap = argparse.ArgumentParser(description="tag sentences: word/TAG per word")
    ap.add_argument("model", help="the .safetensors file")
    ap.add_argument("sentences", nargs="+", help="plain sentences (split into words as recur tag does for English)")
    ap.add_argument("--pre-split", action="store_true", help="the sentences' words are separated by spaces already")
    args = ap.parse_args()
    model, metadata = load(args.model)
    vocab = tag_vocab(metadata)
    sentences = [s.split() if args.pre_split else split_words(s) for s in args.sentences]
    words, chars, lengths = vocab.batch(sentences)
    with torch.no_grad():
        tags = model.decode(model(words, chars, lengths), lengths)
    for s, t in zip(sentences, tags):
        print(" ".join(f"{w}/{vocab.tags[k]}" for w, k in zip(s, t)))
`;
