/**
 * The template of train_ddp.py in a `recur export pytorch` package: continues training the
 * exported model with DistributedDataParallel (gloo, on CPU) under torchrun, on the
 * data format recur reads for the task (a language model: a text file read as parallel streams
 * in windows with the state carried; a classifier: a TSV/CSV table of text and label, or JSON
 * Lines of vector sequences), Adam at the run's learning rate, and saves (rank 0) a model file
 * recur loads. Written for language models and classifiers only.
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

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from load import load, save
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


def lm_data(args, metadata, rank, world):
    """Windows of --data's token ids, epoch after epoch: (inputs, targets, no lengths, new epoch)."""
    with open(args.data, encoding="utf-8") as f:
        ids = torch.tensor(lm_vocab(metadata).encode(f.read()), dtype=torch.long)
    for x, y, new_epoch in lm_batches(ids, args.batch_size, args.seq_len, rank, world):
        yield x, y, None, new_epoch


def lm_check(path, metadata, seq_len):
    """The check batch: the first seq_len + 1 tokens of --data as one stream from a zero state."""
    with open(path, encoding="utf-8") as f:
        ids = torch.tensor(lm_vocab(metadata).encode(f.read())[: seq_len + 1], dtype=torch.long)
    return ids[:-1, None], ids[1:, None], None
`;

const CLASSIFY = String.raw`import csv
import io
import random

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


def classify_data(args, metadata, rank, world):
    """Batches of this process's share of the examples, shuffled each epoch (seeded)."""
    inputs, labels, features = classify_examples(args.data, metadata)
    if len(inputs) < world:
        raise SystemExit(f"--data has {len(inputs)} examples, fewer than the {world} processes")
    for epoch in range(10**9):
        order = list(range(len(inputs)))
        random.Random(args.seed + epoch).shuffle(order)  # the same order in every process
        mine = order[rank::world]
        size = min(args.batch_size, len(mine))
        for i in range(0, len(mine) - size + 1, size):  # whole batches
            batch = mine[i : i + size]
            x, lengths = padded([inputs[j] for j in batch], features)
            yield x, torch.tensor([labels[j] for j in batch]), lengths, i == 0


def classify_check(path, metadata, batch):
    """The check batch: the first examples of --data, padded, with their lengths."""
    inputs, labels, features = classify_examples(path, metadata)
    x, lengths = padded(inputs[:batch], features)
    return x, torch.tensor(labels[:batch]), lengths
`;

const MAIN = String.raw`

def loss_of(model, x, y, lengths, state):
    """Mean cross-entropy of a batch (every step of a language model's window, or one class per
    sequence), and the state to carry into the next window."""
    batch_first = getattr(model, "module", model).config.get("batchFirst", False)
    if batch_first:
        x = x.transpose(0, 1)
        y = y.transpose(0, 1) if y.dim() == 2 else y
    logits, state = model(x, lengths=lengths, state=state)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def main():
    ap = argparse.ArgumentParser(description="continue training the exported recur model (DistributedDataParallel)")
    ap.add_argument("--data", required=True, help="@DATA_HELP@")
    ap.add_argument("--out", required=True, help="the .safetensors file to write (recur loads it)")
    ap.add_argument("--steps", type=int, required=True, help="optimizer steps")
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.safetensors"), help="the model to start from (default: the exported one)")
    ap.add_argument("--lr", type=float, default=@LR@, help="Adam's learning rate (default @LR@, @FROM@)")
    ap.add_argument("--batch-size", type=int, default=@BATCH@, help="@BATCH_HELP@ per process (default @BATCH@, @FROM@)")
@SEQ_LEN_ARG@    ap.add_argument("--clip-norm", type=float, default=@CLIP@, help="gradient-norm clipping, 0 = none (default @CLIP@, @FROM@)")
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
    trained = DistributedDataParallel(model) if distributed else model
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    batches = @DATA@(args, metadata, rank, world)
    losses, state = [], None
    for step in range(1, args.steps + 1):
        x, y, lengths, new_epoch = next(batches)
        if new_epoch:
            state = None  # every stream starts over
        loss, state = loss_of(trained, x, y, lengths, state)
        optimizer.zero_grad()
        loss.backward()  # DistributedDataParallel averages the gradients of all processes here
        if args.clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_norm)
        optimizer.step()
        state = @CARRY@
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
            x, y, lengths = @CHECK@
            check, _ = loss_of(saved, x, y, lengths, None)
        print(json.dumps({"out": args.out, "steps": args.steps, "processes": world, "first_loss": losses[0], "last_loss": losses[-1],
                          "check_loss": float(check), "check": "@CHECK_WHAT@"}), flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;

/** train_ddp.py for a language model or classifier, with the run's training settings as defaults. */
export function trainDdpPy(task: Extract<PytorchTask, 'char-lm' | 'word-lm' | 'classify'>, training: PytorchTraining): string {
  const lm = task !== 'classify';
  const fill: Record<string, string> = {
    DATA_HELP: lm ? 'a UTF-8 text file' : 'a TSV/CSV table of text and label (or, for a model of vector sequences, a .jsonl file)',
    LR: String(training.lr),
    BATCH: String(training.batchSize),
    BATCH_HELP: lm ? 'parallel streams' : 'examples',
    SEQ_LEN_ARG: lm ? `    ap.add_argument("--seq-len", type=int, default=${training.seqLen}, help="window length: steps of backpropagation through time (default ${training.seqLen}, ${training.from})")\n` : '',
    CLIP: String(training.clipNorm),
    FROM: training.from,
    DATA: lm ? 'lm_data' : 'classify_data',
    CARRY: lm ? 'detach(state)  # truncated backpropagation through time' : 'None',
    CHECK: lm ? 'lm_check(args.data, metadata, args.seq_len)' : 'classify_check(args.data, metadata, args.batch_size)',
    CHECK_WHAT: lm ? 'the first seq_len + 1 tokens of --data, one stream from a zero state' : 'the first batch-size examples of --data',
  };
  const main = MAIN.replace(/@([A-Z_]+)@/g, (_, k: string) => {
    if (!(k in fill)) throw new Error(`train_ddp.py template: no value for ${k}`);
    return fill[k]!;
  });
  return `${COMMON_HEAD}${lm ? LM : CLASSIFY}${main}`;
}
