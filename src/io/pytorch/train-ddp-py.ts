/**
 * The template of train_ddp.py in a `recur export pytorch` package: continues training the
 * exported model with DistributedDataParallel (gloo, on CPU) under torchrun, on the
 * data format recur reads for the task (a language model: a text file read as parallel streams
 * in windows with the state carried; a classifier: a TSV/CSV table of text and label, or JSON
 * Lines of vector sequences; an encoder-decoder: a TSV of source<TAB>target pairs; a tagger:
 * CoNLL-U or tagged TSV), Adam at the run's learning rate, and saves (rank 0) a model file recur
 * loads. One loop (MAIN) for every task; each task's section defines batches(), check_batch(),
 * train_loss(), check_loss() and carry(). A forecaster reads the CSV it was trained on (the
 * columns of its `recur.forecast` metadata; complete series only: no fill), cuts windows for its
 * layout (direct, recursive, shifted) normalised by its stored pipeline (not refitted), and
 * trains on its head's loss (pinball, Gaussian NLL, squared error). A forecast ensemble trains as
 * recur trains it: each member on batches of its own windows, the loss the sum of theirs, all
 * members in one DistributedDataParallel forward (MembersLoss).
 */
import type { PytorchTask, PytorchTraining } from './package.js';

const COMMON_HEAD = String.raw`"""Continues training the exported recur model with DistributedDataParallel (written by recur export pytorch).

    python -m torch.distributed.run --standalone --nproc_per_node 2 train_ddp.py --data FILE --out trained.safetensors --steps 100

(torchrun is the same launcher; without it, one process trains alone.) Each process reads its own
share of the data; gradients are averaged across processes (gloo backend, on CPU: this script
moves nothing to a GPU); Adam at constant rate --lr (recur's run warms up and decays; this does not), gradients clipped
to --clip-norm. Rank 0 saves the model with recur's metadata, so recur loads it back, and prints
one JSON line: the losses, and the saved model's loss on a check batch recur can recompute.
"""
import argparse
import json
import os
import random

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from load import load, save


def shuffled_batches(n, what, make, args, rank, world):
    """Batches make(indices) of this process's share of n items, shuffled each epoch (seeded: the
    same order in every process, each taking every world-th item), whole batches only; yields
    (batch, new epoch)."""
    if n < world:
        raise SystemExit(f"--data has {n} {what}, fewer than the {world} processes")
    for epoch in range(10**9):
        order = list(range(n))
        random.Random(args.seed + epoch).shuffle(order)
        mine = order[rank::world]
        size = min(args.batch_size, len(mine))
        for i in range(0, len(mine) - size + 1, size):
            yield make(mine[i : i + size]), i == 0


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_module(model, metadata):
    """What one training forward runs (DistributedDataParallel wraps it): the model itself; a task
    section below may define a module around it (the forecaster's members)."""
    return model
`;

/** The loss of a RecurrentModel (language models and classifiers). */
const RECURRENT_LOSS = String.raw`

def loss_of(model, x, y, lengths, state):
    """Mean cross-entropy of a batch (every step of a language model's window, or one class per
    sequence), and the state to carry into the next window."""
    batch_first = getattr(model, "module", model).config.get("batchFirst", False)
    if batch_first:
        x = x.transpose(0, 1)
        y = y.transpose(0, 1) if y.dim() == 2 else y
    logits, state = model(x, lengths=lengths, state=state)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def train_loss(model, batch, state, args):
    x, y, lengths = batch
    return loss_of(model, x, y, lengths, state)


def check_loss(model, batch):
    x, y, lengths = batch
    return loss_of(model, x, y, lengths, None)[0]
`;

const LM = String.raw`from vocab import lm_vocab


def lm_batches(ids, batch, seq_len, rank, world):
    """recur's stream batching: the text cut into batch * world contiguous streams (this process
    reads its batch of them), read side by side in windows of seq_len steps, so each window
    continues the last one and the state is carried. Yields (inputs, targets [T, B], new epoch)."""
    streams = batch * world
    length = (len(ids) - 1) // streams  # predictions per stream
    windows = length // seq_len
    if windows == 0:
        raise SystemExit(f"--data is too short: {len(ids)} tokens cannot fill one window of {streams} streams x {seq_len} steps; use a longer text, a smaller --batch-size or --seq-len")
    starts = torch.arange(rank * batch, (rank + 1) * batch) * length
    while True:
        for w in range(windows):
            at = starts[None, :] + w * seq_len + torch.arange(seq_len)[:, None]  # [T, B]
            yield ids[at], ids[at + 1], w == 0


def batches(args, metadata, rank, world):
    """Windows of --data's token ids, epoch after epoch: ((inputs, targets, no lengths), new epoch)."""
    with open(args.data, encoding="utf-8") as f:
        ids = torch.tensor(lm_vocab(metadata).encode(f.read()), dtype=torch.long)
    for x, y, new_epoch in lm_batches(ids, args.batch_size, args.seq_len, rank, world):
        yield (x, y, None), new_epoch


def check_batch(args, metadata):
    """The check batch: the first seq_len + 1 tokens of --data as one stream from a zero state."""
    with open(args.data, encoding="utf-8") as f:
        ids = torch.tensor(lm_vocab(metadata).encode(f.read())[: args.seq_len + 1], dtype=torch.long)
    return ids[:-1, None], ids[1:, None], None


def carry(state):
    """The state carried into the next window, cut from the graph (truncated backpropagation through time)."""
    return detach(state)
`;

const CLASSIFY = String.raw`import csv
import io

from vocab import CLASSIFY_KEY, classify_tokenizer


def read_table(path, data):
    """(texts, labels) of a TSV/CSV table as recur classify train reads it: TAB or comma
    (auto: TAB when the first line has one), a header row when asked or when it names the text
    or label column, columns by header name or 1-based index (default: text, then label)."""
    with open(path, encoding="utf-8-sig") as f:
        content = f.read()
    sep = {"tab": "\t", "comma": ","}.get(data["separator"], "\t" if "\t" in content.split("\n", 1)[0] else ",")
    if sep == "\t":
        rows = [line.rstrip("\r").split("\t") for line in content.split("\n") if "\t" in line or line.strip()]
    else:
        rows = [r for r in csv.reader(io.StringIO(content)) if r and any(cell.strip() for cell in r)]
    first = rows[0]
    request = lambda v: None if v is None else ("index", int(v) - 1) if str(v).strip().isdigit() else ("name", v)
    text_col, label_col = request(data.get("textColumn")), request(data.get("labelColumn"))
    named = any(r and r[0] == "name" for r in (text_col, label_col))
    cell = lambda r, default: (first[r[1]] if r and r[0] == "index" and r[1] < len(first) else first[default] if not r and default < len(first) else "").strip().lower()
    header = {"yes": True, "no": False}.get(data["header"], named or cell(text_col, 0) in ("text", "label") or cell(label_col, 1) in ("text", "label"))

    def column(r, loose):
        if r is None:
            found = [i for i, h in enumerate(first) if h.strip().lower() == loose]
            return found[0] if header and found else -1
        return r[1] if r[0] == "index" else first.index(r[1])

    t, label = column(text_col, "text"), column(label_col, "label")
    t = t if t >= 0 else (1 if label == 0 else 0)
    label = label if label >= 0 else (1 if t == 0 else 0)
    rows = [r for r in rows[1 if header else 0 :] if r[t].strip()]  # rows of empty text are skipped
    return [r[t] for r in rows], [r[label].strip() for r in rows]


def read_jsonl(path):
    """(sequences, labels) of JSON Lines of {"sequence": [[...], ...], "label": ...}."""
    label = lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
    seqs, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                o = json.loads(line)
                if isinstance(o["label"], list):
                    raise SystemExit("multi-label examples: not supported by this train_ddp.py yet")
                seqs.append(o["sequence"])
                labels.append(label(o["label"]))
    return seqs, labels


def classify_examples(path, metadata):
    """(inputs: token ids or vector sequences, class ids) of --data, as recur encodes them."""
    meta = json.loads(metadata[CLASSIFY_KEY])
    if meta["multiLabel"]:
        raise SystemExit("a multi-label classifier: not supported by this train_ddp.py yet")
    tokenizer = classify_tokenizer(metadata)
    fmt = meta["data"]["format"]
    if tokenizer is None:
        if fmt not in ("auto", "jsonl") or not path.endswith((".jsonl", ".ndjson")):
            raise SystemExit("this model reads vector sequences: give --data as a .jsonl file (IDX images: not supported here)")
        inputs, labels = read_jsonl(path)
    else:
        if fmt not in ("auto", "table") or path.endswith((".txt", ".jsonl", ".gz")) or os.path.isdir(path):
            raise SystemExit("--data must be a TSV/CSV table (files of one class each: not supported by this train_ddp.py)")
        texts, labels = read_table(path, meta["data"])
        inputs = [tokenizer.encode(t) or [1] for t in texts]  # an empty text reads as one [UNK]
    if meta["maxLength"]:
        inputs = [s[: meta["maxLength"]] for s in inputs]
    classes = {c: i for i, c in enumerate(meta["classes"])}
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise SystemExit(f"--data has labels the model does not know: {unknown[:5]} (its classes: {meta['classes'][:10]})")
    return inputs, [classes[label] for label in labels], meta["features"]


def padded(seqs, features):
    """A right-padded time-major batch [T, B] (or [T, B, F]) and the lengths."""
    x = torch.zeros((max(map(len, seqs)), len(seqs)) + ((features,) if features else ()), dtype=torch.float32 if features else torch.long)
    for b, s in enumerate(seqs):
        x[: len(s), b] = torch.tensor(s)
    return x, torch.tensor([len(s) for s in seqs])


def batches(args, metadata, rank, world):
    """Batches (inputs, class ids, lengths) of this process's share of the examples, shuffled each epoch."""
    inputs, labels, features = classify_examples(args.data, metadata)

    def make(batch):
        x, lengths = padded([inputs[j] for j in batch], features)
        return x, torch.tensor([labels[j] for j in batch]), lengths

    return shuffled_batches(len(inputs), "examples", make, args, rank, world)


def check_batch(args, metadata):
    """The check batch: the first examples of --data, padded, with their lengths."""
    inputs, labels, features = classify_examples(args.data, metadata)
    x, lengths = padded(inputs[: args.batch_size], features)
    return x, torch.tensor(labels[: args.batch_size]), lengths


def carry(state):
    return None  # every batch starts from a zero state
`;

const SEQ2SEQ = String.raw`
from vocab import seq2seq_vocab


def read_pairs(path, meta):
    """(sources, targets) of a TSV of source<TAB>target lines as recur seq2seq train reads it: the
    run's columns (other columns ignored), blank lines skipped, an empty cell an error."""
    sc, tc = meta["sourceColumn"], meta["targetColumn"]
    sources, targets = [], []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for i, line in enumerate(f.read().split("\n")):
            line = line[:-1] if line.endswith("\r") else line
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) < max(sc, tc):
                raise SystemExit(f"{path}: line {i + 1} has {'no TAB' if len(cells) == 1 else f'{len(cells)} columns'}; each line must be source<TAB>target (columns {sc} and {tc})")
            s, t = cells[sc - 1].strip(), cells[tc - 1].strip()
            if not s or not t:
                raise SystemExit(f"{path}: line {i + 1} has an empty {'source' if not s else 'target'}")
            sources.append(s)
            targets.append(t)
    if not sources:
        raise SystemExit(f"{path}: holds no pairs (each line must be source<TAB>target)")
    return sources, targets


def seq2seq_pairs(path, metadata):
    """(source ids, target ids) of --data's pairs, tokenized with the model's tokenizers; pairs
    with a side that has no tokens are left out, as recur's training leaves them out."""
    source, target, meta = seq2seq_vocab(metadata)
    sources, targets = read_pairs(path, meta)
    pairs = [(source.encode(s), target.encode(t)) for s, t in zip(sources, targets)]
    pairs = [p for p in pairs if p[0] and p[1]]
    if not pairs:
        raise SystemExit(f"{path}: no pair has tokens on both sides")
    return pairs


def pair_batch(pairs, go, eos):
    """Sources [Ts, B] and lengths; decoder inputs [Td, B] ([GO] then the target) and targets
    [Td, B] (the target then [EOS]), 0 past each length, as recur's makePairBatch."""
    B = len(pairs)
    src = torch.zeros(max(len(s) for s, _ in pairs), B, dtype=torch.long)
    Td = max(len(t) for _, t in pairs) + 1
    inputs, targets = torch.zeros(Td, B, dtype=torch.long), torch.zeros(Td, B, dtype=torch.long)
    for b, (s, t) in enumerate(pairs):
        src[: len(s), b] = torch.tensor(s)
        inputs[0, b] = go
        inputs[1 : len(t) + 1, b] = torch.tensor(t)
        targets[: len(t), b] = torch.tensor(t)
        targets[len(t), b] = eos
    return src, torch.tensor([len(s) for s, _ in pairs]), inputs, targets


def batches(args, metadata, rank, world):
    """Batches of this process's share of the pairs, shuffled each epoch (not bucketed by length as recur's)."""
    pairs = seq2seq_pairs(args.data, metadata)
    _, target, _ = seq2seq_vocab(metadata)
    go, eos = target.vocabulary.index("[GO]"), target.vocabulary.index("[EOS]")
    return shuffled_batches(len(pairs), "pairs", lambda batch: pair_batch([pairs[j] for j in batch], go, eos), args, rank, world)


def check_batch(args, metadata):
    """The check batch: the first batch-size pairs of --data."""
    _, target, _ = seq2seq_vocab(metadata)
    return pair_batch(seq2seq_pairs(args.data, metadata)[: args.batch_size], target.vocabulary.index("[GO]"), target.vocabulary.index("[EOS]"))


def teacher_loss(model, batch, smoothing):
    """Teacher-forced cross-entropy per target token ([EOS] included, padding ignored), with label smoothing."""
    src, lengths, inputs, targets = batch
    logits = model(src, lengths, inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=0, label_smoothing=smoothing)


def train_loss(model, batch, state, args):
    return teacher_loss(model, batch, args.label_smoothing), None


def check_loss(model, batch):
    return teacher_loss(model, batch, 0.0)  # recur's validation loss: no label smoothing


def carry(state):
    return None
`;

const TAG = String.raw`
from vocab import TAG_KEY, tag_vocab

CONLLU_FIELDS = {"upos": 4, "xpos": 5, "deprel": 8}


def read_tagged(path, meta):
    """(sentences of words, their tags) of --data as recur tag train reads it: CoNLL-U (when the
    file ends in .conllu or its first line that is not a comment has 10 TAB-separated fields; word
    lines only: comments, multi-word tokens 3-4 and empty nodes 8.1 are skipped) or TSV (token,
    then tag columns; a blank line ends a sentence), the run's tag column. Every word needs a tag."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        lines = [line[:-1] if line.endswith("\r") else line for line in f.read().split("\n")]
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    fields = first.split("\t")
    conllu = path.lower().endswith(".conllu") or (len(fields) == 10 and fields[0].replace("-", "").replace(".", "").isdigit())
    spec = str(meta.get("tagColumn") or ("upos" if conllu else "2")).strip().lower()
    if spec.isdigit():
        column = int(spec)
    elif conllu and spec in CONLLU_FIELDS:
        column = CONLLU_FIELDS[spec]
    else:
        raise SystemExit(f"tag column {spec!r}: not supported by this train_ddp.py (CoNLL-U: upos, xpos, deprel or a field number; TSV: a column number)")
    sentences, tags, words, wtags = [], [], [], []
    for n, line in enumerate(lines + [""], 1):
        if not line.strip():
            if words:
                sentences.append(words)
                tags.append(wtags)
            words, wtags = [], []
            continue
        cells = line.split("\t")
        if conllu:
            if line.startswith("#"):
                continue
            if len(cells) != 10:
                raise SystemExit(f"{path} line {n}: expected 10 TAB-separated CoNLL-U fields, got {len(cells)}")
            if not cells[0].isdigit():
                continue  # a multi-word token or an empty node
            tag = cells[column - 1].strip() if column <= 10 else ""
            tag = "" if tag == "_" else tag
        else:
            tag = cells[column - 1].strip() if column <= len(cells) else ""
        if not tag:
            raise SystemExit(f"{path} line {n}: token {cells[1 if conllu else 0]!r} has no tag in column {spec}")
        words.append(cells[1] if conllu else cells[0])
        wtags.append(tag)
    if not sentences:
        raise SystemExit(f"{path}: no sentences")
    return sentences, tags


def tag_data(path, metadata):
    """(TagVocab, sentences, tag ids) of --data; a tag the model does not know is an error."""
    vocab = tag_vocab(metadata)
    sentences, tags = read_tagged(path, json.loads(metadata[TAG_KEY]))
    known = {t: i for i, t in enumerate(vocab.tags)}
    unknown = sorted({t for ts in tags for t in ts} - set(known))
    if unknown:
        raise SystemExit(f"--data has tags the model does not know: {unknown[:5]} (its tags: {vocab.tags[:20]})")
    return vocab, sentences, [[known[t] for t in ts] for ts in tags]


def tag_batch(vocab, sentences, tags):
    """(words [T, B], chars [T, B, C], lengths, tags [T, B] padded with -1)."""
    words, chars, lengths = vocab.batch(sentences)
    gold = torch.full(words.shape, -1, dtype=torch.long)
    for b, ts in enumerate(tags):
        gold[: len(ts), b] = torch.tensor(ts)
    return words, chars, lengths, gold


def batches(args, metadata, rank, world):
    """Batches of this process's share of the sentences, shuffled each epoch (recur's replacement
    of words seen once by [UNK] is not done here)."""
    vocab, sentences, tags = tag_data(args.data, metadata)
    return shuffled_batches(len(sentences), "sentences", lambda batch: tag_batch(vocab, [sentences[j] for j in batch], [tags[j] for j in batch]), args, rank, world)


def check_batch(args, metadata):
    """The check batch: the first batch-size sentences of --data."""
    vocab, sentences, tags = tag_data(args.data, metadata)
    return tag_batch(vocab, sentences[: args.batch_size], tags[: args.batch_size])


def check_loss(model, batch):
    words, chars, lengths, gold = batch
    return getattr(model, "module", model).loss(model(words, chars, lengths), gold, lengths)


def train_loss(model, batch, state, args):
    return check_loss(model, batch), None  # recur's training loss (a CRF's is computed outside forward; DDP still averages its gradients)


def carry(state):
    return None
`;

const FORECAST = String.raw`import csv
import io
import math
import re
from datetime import datetime

from forecast import members_of, pipelines_of, scaled, center, smooth, transform

NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
MONTHS = {"month": 1, "quarter": 3, "year": 12}
SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def position(text, unit):
    """A time as a position on the data's grid: months for month, quarter and year steps (the
    day of a date ignored), seconds for day to second steps, the number for integer steps;
    None for times this script cannot read (recur can: ask it)."""
    s = text.strip()
    if unit == "step":
        return int(s) if re.fullmatch(r"[+-]?\d+", s) else None
    if unit in MONTHS:
        m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-\d{2}.*)?|-?Q([1-4]))?", s)
        if not m:
            return None
        return int(m.group(1)) * 12 + (int(m.group(2)) - 1 if m.group(2) else 3 * (int(m.group(3)) - 1) if m.group(3) else 0)
    if unit in SECONDS:
        try:
            t = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T", 1) if len(s) > 10 else s)
        except ValueError:
            return None
        return t.timestamp() if t.tzinfo else (t - datetime(1970, 1, 1)).total_seconds()
    return None


def read_series(path, data):
    """The series of --data as recur forecast train reads them: a CSV (',' ';' or TAB, told from
    the header), the run's time, target, covariate and series columns, rows grouped by series id in
    order of first appearance. Supported: complete series in time order at the run's step; a
    missing value, a gap, a duplicate or unsorted time is an error (recur's --fill is not done
    here: fill the file first). Returns [(series id, {column: values})]."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        text = f.read()
    first = text.split("\n", 1)[0]
    sep = max([",", ";", "\t"], key=lambda c: (first.count(c), c == ","))
    rows = [(i, r) for i, r in enumerate(csv.reader(io.StringIO(text), delimiter=sep), 1) if r and any(c.strip() for c in r)]
    header = rows[0][1]
    wanted = [data["timeColumn"]] + data["targets"] + data["covariates"] + ([data["seriesColumn"]] if data["seriesColumn"] else [])
    missing = [c for c in wanted if c not in header]
    if missing:
        raise SystemExit(f"{path}: no column {missing[0]!r} (the model was trained on {', '.join(wanted)}; the columns are {', '.join(header)})")
    at = {c: header.index(c) for c in wanted}
    freq = data["frequency"]
    unit, every = freq["unit"], freq["every"] * MONTHS.get(freq["unit"], 1) * SECONDS.get(freq["unit"], 1)
    series = {}
    for line, r in rows[1:]:
        if len(r) != len(header):
            raise SystemExit(f"{path} line {line}: {len(r)} cells, expected {len(header)} as in the header")
        sid = r[at[data["seriesColumn"]]].strip() if data["seriesColumn"] else ""
        s = series.setdefault(sid, {"times": [], "lines": [], **{c: [] for c in data["targets"] + data["covariates"]}})
        t = position(r[at[data["timeColumn"]]], unit)
        if t is None:
            raise SystemExit(f"{path} line {line}: time {r[at[data['timeColumn']]]!r}: this train_ddp.py reads ISO times (YYYY, YYYY-MM, YYYY-Qn, dates, date-times) or integers only")
        s["times"].append(t)
        s["lines"].append(line)
        for c in data["targets"] + data["covariates"]:
            cell = r[at[c]].strip()
            if not NUMBER.match(cell) or not math.isfinite(float(cell)):
                fill = f" (the run filled with --fill {data['fill']}; this script does not: fill the file first)" if data["fill"] != "none" else ""
                raise SystemExit(f"{path} line {line}, column {c!r}: {cell!r} is not a number{fill}")
            s[c].append(float(cell))
    for sid, s in series.items():
        who = f"series {sid!r}" if data["seriesColumn"] else "the series"
        for j in range(1, len(s["times"])):
            d = s["times"][j] - s["times"][j - 1]
            if d != every:
                what = "unsorted or duplicate times" if d <= 0 else "a gap (gaps are not filled by this script)"
                raise SystemExit(f"{path} lines {s['lines'][j - 1]} and {s['lines'][j]}, {who}: {what}; the model steps every {freq['every']} {unit}(s), in time order")
    return list(series.items())


def column_values(x, col):
    """values(origin, steps): steps of one column as the model reads them (inputs, and targets
    after the origin) for the window before origin, as recur's normaliser (normalizers.ts)."""
    if col["kind"] == "smoothing":  # the hybrid's targets: smoothed once, read at any origin
        level, seasonal, following = smooth(x, col["season"], col["alpha"], col["gamma"])
        m, n = len(following), len(x)

        def seasonal_at(origin, t):
            u = t if t < origin else origin + (t - origin) % m
            return seasonal[u] if u < n else following[(u - n) % m]

        return lambda origin, steps: [(x[t] - seasonal_at(origin, t) - level[origin - 1]) / col["spread"] for t in steps]

    def values(origin, steps):
        c = center(x, col, origin)
        return [scaled(x, col, t, c) for t in steps]

    return values


def forecast_windows(path, p, data, holdout):
    """Every training window of --data for one forecaster (pipeline p) as recur's task cuts them
    (windows.ts), series by series and origin by origin: (inputs L x F, targets) with the targets
    H x K (direct), K (recursive: the next step) or L x K (the shifted sequence model), normalised
    by the pipeline the model stores (fitted by recur, not refitted). The last --holdout steps of
    each series are left out of the targets, as recur holds out its validation steps."""
    spec = p["spec"]
    layout, L, H, K = spec["layout"], spec["lookback"], spec["horizon"], len(data["targets"])
    if layout not in ("direct", "next", "shifted"):
        raise SystemExit(f"layout {layout!r}: not supported by this train_ddp.py")
    states = {s["id"]: s for s in p["series"]}
    windows = []
    for sid, s in read_series(path, data):
        state = states.get(sid)
        if state is None:
            raise SystemExit(f"--data has series {sid!r}, which the model was not trained on (its series: {list(states)[:10]}); the pipeline is not refitted")
        z = [transform(t, s[name]) for t, name in zip(state["transforms"], data["targets"])]
        views = [column_values(x, col) for x, col in zip(z + [s[c] for c in data["covariates"]], state["normalizer"])]
        end = len(s["times"]) - holdout
        last = end - (H if layout == "direct" else 1)
        for origin in range(L, last + 1):
            steps = range(origin - L, origin)
            inputs = [list(row) for row in zip(*[v(origin, steps) for v in views])]
            if layout == "direct":
                ys = [views[k](origin, range(origin, origin + H)) for k in range(K)]
                target = [ys[k][h] for h in range(H) for k in range(K)]
            elif layout == "next":
                target = [views[k](origin, [origin])[0] for k in range(K)]
            else:
                ys = [views[k](origin, range(origin - L + 1, origin + 1)) for k in range(K)]
                target = [ys[k][i] for i in range(L) for k in range(K)]
            windows.append((inputs, target))
    if not windows:
        raise SystemExit(f"--data has no window of {L} steps followed by {H if layout == 'direct' else 1} to forecast{f' before the last {holdout} (--holdout)' if holdout else ''}")
    return windows, spec


def window_batch(windows, spec):
    """Inputs [L, B, F] and targets: [B, H * K] (direct, recursive) or [L, B, K] (shifted), float32."""
    x = torch.tensor([w[0] for w in windows], dtype=torch.float32).transpose(0, 1)
    y = torch.tensor([w[1] for w in windows], dtype=torch.float32)
    if spec["layout"] == "shifted":
        y = y.reshape(len(windows), spec["lookback"], -1).transpose(0, 1)
    return x, y


def head_loss(spec, outputs, targets):
    """recur's objective per head (heads.ts): the pinball loss averaged over values and quantile
    levels, the Gaussian negative log-likelihood (log sigma clamped to [-10, 10]), or the squared
    error; outputs [N, W] against targets [N]."""
    if spec["head"] == "quantile":
        tau = torch.tensor(spec["quantiles"], dtype=outputs.dtype)
        u = targets[:, None] - outputs
        return torch.maximum(tau * u, (tau - 1) * u).mean()
    if spec["head"] == "gaussian":
        s = outputs[:, 1].clamp(-10, 10)
        z = (targets - outputs[:, 0]) * torch.exp(-s)
        return (0.5 * math.log(2 * math.pi) + s + 0.5 * z * z).mean()
    return F.mse_loss(outputs[:, 0], targets)


def member_windows(path, metadata, holdout):
    """[(windows, spec)]: each member's windows (one member for a single forecaster). An
    ensemble's members read windows of their own lookback, layout and normalisation."""
    pipelines, data = pipelines_of(metadata)
    return [forecast_windows(path, p, data, holdout) for p in pipelines]


def window_loss(model, spec, batch):
    x, y = batch
    if getattr(model, "module", model).config.get("batchFirst"):
        raise SystemExit("a batch-first forecaster: not supported by this train_ddp.py")
    logits, _ = model(x)  # direct / recursive: [B, H * K * W] (or K * W); shifted: [L, B, K * W]
    W = {"quantile": len(spec["quantiles"]), "gaussian": 2}.get(spec["head"], 1)
    return head_loss(spec, logits.reshape(-1, W), y.reshape(-1))


class MembersLoss(torch.nn.Module):
    """The training loss of a forecaster as recur computes it: the sum of its members' window
    losses (one member for a single forecaster), each on a batch of its own windows. One module, so
    one DistributedDataParallel forward covers every member and one backward averages all of
    their gradients across processes."""

    def __init__(self, model, specs):
        super().__init__()
        self.model = model
        self.specs = specs

    def forward(self, batches):
        members = members_of(self.model)
        return sum(window_loss(m, spec, batch) for m, spec, batch in zip(members, self.specs, batches))


def specs_of(metadata):
    return [p["spec"] for p in pipelines_of(metadata)[0]]


def train_module(model, metadata):
    return MembersLoss(model, specs_of(metadata))


def batches(args, metadata, rank, world):
    """Batches of this process's share of each member's windows, shuffled each epoch: one batch
    of every member per step (a member with fewer windows starts its next epoch sooner)."""
    streams = [shuffled_batches(len(w), "windows", lambda batch, w=w, spec=spec: window_batch([w[j] for j in batch], spec), args, rank, world)
               for w, spec in member_windows(args.data, metadata, args.holdout)]
    while True:
        drawn = [next(s) for s in streams]
        yield [b for b, _ in drawn], any(new for _, new in drawn)


def check_batch(args, metadata):
    """The check batch: each member's first batch-size windows of --data (the first series, earliest origins first)."""
    windows = member_windows(args.data, metadata, args.holdout)
    return [window_batch(w[: args.batch_size], spec) for w, spec in windows], [spec for _, spec in windows]


def train_loss(model, batch, state, args):
    return model(batch), None


def check_loss(model, batch):
    return MembersLoss(model, batch[1])(batch[0])


def carry(state):
    return None
`;

const MAIN = String.raw`


def main():
    ap = argparse.ArgumentParser(description="continue training the exported recur model (DistributedDataParallel)")
    ap.add_argument("--data", required=True, help="@DATA_HELP@")
    ap.add_argument("--out", required=True, help="the .safetensors file to write (recur loads it)")
    ap.add_argument("--steps", type=int, required=True, help="optimizer steps")
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.safetensors"), help="the model to start from (default: the exported one)")
    ap.add_argument("--lr", type=float, default=@LR@, help="Adam's learning rate (default @LR@, @FROM@)")
    ap.add_argument("--batch-size", type=int, default=@BATCH@, help="@BATCH_HELP@ per process (default @BATCH@, @FROM@)")
@EXTRA_ARGS@    ap.add_argument("--clip-norm", type=float, default=@CLIP@, help="gradient-norm clipping, 0 = none (default @CLIP@, @FROM@)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if os.path.abspath(args.out) == os.path.abspath(args.model):
        raise SystemExit("--out must not be the model it starts from")

    distributed = "WORLD_SIZE" in os.environ  # launched by torchrun
    if distributed:
        dist.init_process_group("gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    torch.manual_seed(args.seed + rank)  # dropout masks differ between processes
    model, metadata = load(args.model)
    model.train()
    module = train_module(model, metadata)  # what one forward runs: the model, or a module around it
    trained = DistributedDataParallel(module) if distributed else module
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    data = batches(args, metadata, rank, world)
    losses, state = [], None
    for step in range(1, args.steps + 1):
        batch, new_epoch = next(data)
        if new_epoch:
            state = None  # every stream starts over
        loss, state = train_loss(trained, batch, state, args)
        optimizer.zero_grad()
        loss.backward()  # DistributedDataParallel averages the gradients of all processes here
        if args.clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_norm)
        optimizer.step()
        state = carry(state)
        mean = loss.detach().clone()
        if distributed:
            dist.all_reduce(mean)
            mean /= world
        losses.append(float(mean))
        if rank == 0 and (step == 1 or step == args.steps or step % 50 == 0):
            print(f"step {step}/{args.steps}: loss {losses[-1]:.4f} (mean over {world} process{'es' if world > 1 else ''})", flush=True)

    if rank == 0:
        start = int(metadata.get("recur.step", "0"))
        save(model, args.out, metadata, step=start + args.steps)
        saved, _ = load(args.out)  # the file as recur will read it, in eval mode
        with torch.no_grad():
            check = check_loss(saved, check_batch(args, metadata))
        print(json.dumps({"out": args.out, "steps": args.steps, "processes": world, "first_loss": losses[0], "last_loss": losses[-1],
                          "check_loss": float(check), "check": "@CHECK_WHAT@"}), flush=True)
    if distributed:
        dist.barrier()  # every process leaves together: gloo aborts one that tears down while a peer still runs
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;

/** The tasks train_ddp.py is written for. */
export type DdpTask = Extract<PytorchTask, 'char-lm' | 'word-lm' | 'classify' | 'forecast' | 'seq2seq' | 'tag'>;
export const DDP_TASKS: readonly DdpTask[] = ['char-lm', 'word-lm', 'classify', 'forecast', 'seq2seq', 'tag'];

/** What each task puts into the shared loop: its Python section (data, loss, check batch) and the text of its options. */
function taskParts(task: DdpTask, training: PytorchTraining): { section: string; dataHelp: string; batchHelp: string; extraArgs: string; checkWhat: string } {
  const opt = (flag: string, type: string, value: number, help: string) => `    ap.add_argument("--${flag}", type=${type}, default=${value}, help="${help} (default ${value}, ${training.from})")\n`;
  switch (task) {
    case 'char-lm':
    case 'word-lm':
      return {
        section: LM + RECURRENT_LOSS, dataHelp: 'a UTF-8 text file', batchHelp: 'parallel streams',
        extraArgs: opt('seq-len', 'int', training.seqLen ?? 0, 'window length: steps of backpropagation through time'),
        checkWhat: 'the first seq_len + 1 tokens of --data, one stream from a zero state',
      };
    case 'classify':
      return {
        section: CLASSIFY + RECURRENT_LOSS, dataHelp: 'a TSV/CSV table of text and label (or, for a model of vector sequences, a .jsonl file)', batchHelp: 'examples',
        extraArgs: '', checkWhat: 'the first batch-size examples of --data',
      };
    case 'seq2seq':
      return {
        section: SEQ2SEQ, dataHelp: 'a TSV of source<TAB>target lines (the columns of the run)', batchHelp: 'pairs',
        extraArgs: opt('label-smoothing', 'float', training.labelSmoothing ?? 0, 'label smoothing of the training loss'),
        checkWhat: 'the first batch-size pairs of --data, teacher-forced cross-entropy per target token without label smoothing',
      };
    case 'forecast':
      return {
        section: FORECAST, dataHelp: 'a CSV of the series with the columns the model was trained on (complete, in time order, the series it knows)', batchHelp: 'windows',
        extraArgs: '    ap.add_argument("--holdout", type=int, default=0, help="steps at the end of each series left out of the training targets, as recur holds out its validation steps (default 0: every window)")\n',
        checkWhat: 'the first batch-size windows of --data (first series, earliest origins), the training loss of the head on normalised targets',
      };
    case 'tag':
      return {
        section: TAG, dataHelp: 'tagged sentences: CoNLL-U or a TSV of token<TAB>tag lines', batchHelp: 'sentences',
        extraArgs: '', checkWhat: 'the first batch-size sentences of --data, the training loss per token',
      };
  }
}

/** train_ddp.py for a language model, classifier, forecaster, encoder-decoder or tagger, with the run's training settings as defaults. */
export function trainDdpPy(task: DdpTask, training: PytorchTraining): string {
  const parts = taskParts(task, training);
  const fill: Record<string, string> = {
    DATA_HELP: parts.dataHelp,
    LR: String(training.lr),
    BATCH: String(training.batchSize),
    BATCH_HELP: parts.batchHelp,
    EXTRA_ARGS: parts.extraArgs,
    CLIP: String(training.clipNorm),
    FROM: training.from,
    CHECK_WHAT: parts.checkWhat,
  };
  const main = MAIN.replace(/@([A-Z_]+)@/g, (_, k: string) => {
    if (!(k in fill)) throw new Error(`train_ddp.py template: no value for ${k}`);
    return fill[k]!;
  });
  return `${COMMON_HEAD}\n\n${parts.section.replace(/^\n+/, '')}${main}`;
}
