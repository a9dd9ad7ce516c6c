"""The PyTorch row of recur's classification quality run (npm run quality:classify).

Trains the classifier recur trains (input stage, stacked and optionally bidirectional
nn.LSTM / nn.GRU / nn.RNN over packed sequences, pooling, a Linear head; softmax cross-entropy)
with Adam at a constant learning rate, the same batch size and clipping by global norm, for a
wall-time budget. Validation accuracy is measured after every epoch (and every `evalSeconds`
if given) and at the end of the budget; the weights with the best one are kept, and only those
are scored on the test set, once, at the end: the test set selects nothing. Not a general
tool: it knows no text, no tokenizer and no schedule. Needs only torch.

    python scripts/classify_torch.py JOB.json

JOB.json (all fields required unless marked optional; unknown fields are an error):

    data: { train, validation, test }, each split one of
        token sequences:   { ids, lengths, labels }
        feature sequences: { values, lengths, features, labels }
      ids     int32, all sequences' token ids concatenated (sum(lengths) of them)
      values  float32, all sequences' steps concatenated, row-major [sum(lengths), features]
      lengths int32, one per sequence, each >= 1
      labels  int32, one per sequence, in [0, outputSize)
      Each array is either inline (a JSON array of numbers) or the path of a binary file
      (relative to JOB.json's folder) holding the raw little-endian int32 / float32 values,
      nothing else: no header, no shape (the counts follow from lengths and features).
    input: { kind: "embedding", vocabSize, embeddingDim } | { kind: "one-hot", vocabSize }
         | { kind: "dense", size }            (size = the splits' features)
    cell: "lstm" | "gru" | "rnn-tanh" | "rnn-relu"
    hiddenSize, numLayers, bidirectional, dropout (between stacked layers, as nn.LSTM's)
    headDropout (optional, 0): nn.Dropout on the pooled vector before the head
    pooling: what the head reads, one vector [B, D*H] per sequence, as recur's RecurrentModel:
      "last"       the last layer's final hidden state (both directions concatenated), each
                   sequence's own (the forward direction at its last valid step)
      "mean"/"max" mean / feature-wise maximum of the last layer's outputs over valid steps
      "attention"  e_t = u . tanh(W o_t + b), softmax over the valid steps, sum_t w_t o_t
                   (modules attention.proj = Linear(D*H, D*H), attention.score = Linear(D*H, 1, bias=False))
    outputSize (classes), lr, batchSize, clipNorm (null: no clipping), seconds (training wall
    time: the loop and its validations), threads, seed
    evalSeconds (optional, null): also validate when this many seconds passed since the last
    classWeights (optional, null): per-class weights of the cross-entropy (nn.CrossEntropyLoss weight=)

Prints one JSON line to stdout:
    { "testAccuracy", "validationAccuracy" (the best, whose weights were tested), "epochs"
      (passes over the training set, fractional), "steps", "seconds" (of training),
      "validations", "bestStep", "testPredictions" (one class per test sequence), "torch", "threads" }
"""
import copy
import json
import os
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from peer_io import read_array

FIELDS = {"data", "input", "cell", "hiddenSize", "numLayers", "bidirectional", "dropout", "pooling", "outputSize",
          "lr", "batchSize", "clipNorm", "seconds", "threads", "seed", "evalSeconds", "classWeights", "headDropout"}
OPTIONAL = {"evalSeconds", "classWeights", "headDropout"}
CELLS = {"lstm": (nn.LSTM, {}), "gru": (nn.GRU, {}), "rnn-tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn-relu": (nn.RNN, {"nonlinearity": "relu"})}
POOLINGS = ("last", "mean", "max", "attention")
EVAL_BATCH = 512


def fail(message):
    sys.exit(f"classify_torch: {message}")


class Split:
    """One split: padded inputs [N, Tmax] (ids) or [N, Tmax, F] (features), lengths [N], labels [N]."""

    def __init__(self, name, spec, job, base):
        tokens = job["input"]["kind"] != "dense"
        keys = {"ids", "lengths", "labels"} if tokens else {"values", "lengths", "features", "labels"}
        if not isinstance(spec, dict) or set(spec) != keys:
            fail(f"data.{name} must have exactly the fields {sorted(keys)} for input '{job['input']['kind']}', got {sorted(spec) if isinstance(spec, dict) else spec}")
        self.lengths = read_array(spec["lengths"], "i", f"data.{name}.lengths", base, fail).long()
        self.labels = read_array(spec["labels"], "i", f"data.{name}.labels", base, fail).long()
        n = self.lengths.numel()
        if n == 0:
            fail(f"data.{name} has no sequences")
        if self.labels.numel() != n:
            fail(f"data.{name} has {self.labels.numel()} labels for {n} sequences")
        if int(self.lengths.min()) < 1:
            fail(f"data.{name}.lengths must all be >= 1, got {int(self.lengths.min())}")
        if int(self.labels.min()) < 0 or int(self.labels.max()) >= job["outputSize"]:
            fail(f"data.{name}.labels must lie in [0, {job['outputSize']}), got {int(self.labels.min())}..{int(self.labels.max())}")
        steps = int(self.lengths.sum())
        if tokens:
            flat = read_array(spec["ids"], "i", f"data.{name}.ids", base, fail).long()
            if flat.numel() != steps:
                fail(f"data.{name}.ids holds {flat.numel()} ids, but the lengths add up to {steps}")
            vocab = job["input"]["vocabSize"]
            if int(flat.min()) < 0 or int(flat.max()) >= vocab:
                fail(f"data.{name}.ids must lie in [0, {vocab}), got {int(flat.min())}..{int(flat.max())}")
        else:
            f = spec["features"]
            if f != job["input"]["size"]:
                fail(f"data.{name}.features is {f}, but input.size is {job['input']['size']}")
            flat = read_array(spec["values"], "f", f"data.{name}.values", base, fail)
            if flat.numel() != steps * f:
                fail(f"data.{name}.values holds {flat.numel()} values, but the lengths add up to {steps} steps of {f} features")
            flat = flat.reshape(steps, f)
        self.inputs = pad_sequence(list(torch.split(flat, self.lengths.tolist())), batch_first=True)

    def __len__(self):
        return self.lengths.numel()

    def batch(self, idx):
        """Inputs [B, T_batch(, F)] cut to the longest sequence of the batch, lengths [B], labels [B]."""
        lengths = self.lengths[idx]
        return self.inputs[idx, :int(lengths.max())], lengths, self.labels[idx]


class Classifier(nn.Module):
    """input stage -> recurrent stack over packed sequences -> pooling -> Linear head."""

    def __init__(self, job):
        super().__init__()
        inp = job["input"]
        self.kind = inp["kind"]
        if self.kind == "embedding":
            self.embedding = nn.Embedding(inp["vocabSize"], inp["embeddingDim"])
            size = inp["embeddingDim"]
        elif self.kind == "one-hot":
            self.vocab = inp["vocabSize"]
            size = self.vocab
        elif self.kind == "dense":
            size = inp["size"]
        else:
            fail(f"input.kind must be 'embedding', 'one-hot' or 'dense', got {self.kind!r}")
        if job["cell"] not in CELLS:
            fail(f"cell must be one of {sorted(CELLS)}, got {job['cell']!r}")
        if job["pooling"] not in POOLINGS:
            fail(f"pooling must be one of {list(POOLINGS)}, got {job['pooling']!r}")
        make, extra = CELLS[job["cell"]]
        self.rnn = make(size, job["hiddenSize"], num_layers=job["numLayers"], bidirectional=job["bidirectional"],
                        dropout=job["dropout"], batch_first=True, **extra)
        self.directions = 2 if job["bidirectional"] else 1
        self.pooling = job["pooling"]
        width = self.directions * job["hiddenSize"]
        if self.pooling == "attention":
            self.attention = nn.Module()
            self.attention.proj = nn.Linear(width, width)
            self.attention.score = nn.Linear(width, 1, bias=False)
        self.head_dropout = nn.Dropout(job.get("headDropout") or 0.0)
        self.head = nn.Linear(width, job["outputSize"])

    def forward(self, x, lengths):
        """x [B, T] ids or [B, T, F] features, lengths [B] -> logits [B, classes]."""
        if self.kind == "embedding":
            x = self.embedding(x)
        elif self.kind == "one-hot":
            x = nn.functional.one_hot(x, self.vocab).float()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        h = state[0] if isinstance(state, tuple) else state  # [L*D, B, H], in the batch's order
        if self.pooling == "last":
            return self.head(self.head_dropout(torch.cat([h[-self.directions + d] for d in range(self.directions)], dim=1)))
        o, _ = pad_packed_sequence(out, batch_first=True)  # [B, T, D*H], zeros past each length
        valid = torch.arange(o.shape[1])[None, :] < lengths[:, None]  # [B, T]
        if self.pooling == "mean":
            pooled = o.sum(dim=1) / lengths[:, None].to(o.dtype)
        elif self.pooling == "max":
            pooled = o.masked_fill(~valid[:, :, None], float("-inf")).amax(dim=1)
        else:
            e = self.attention.score(torch.tanh(self.attention.proj(o))).squeeze(2)  # [B, T]
            w = torch.softmax(e.masked_fill(~valid, float("-inf")), dim=1)
            pooled = (w[:, :, None] * o).sum(dim=1)
        return self.head(self.head_dropout(pooled))


def predictions(model, split):
    """The most probable class of every sequence of the split, in order (eval mode, no gradient)."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(split), EVAL_BATCH):
            x, lengths, _ = split.batch(torch.arange(start, min(start + EVAL_BATCH, len(split))))
            out.append(model(x, lengths).argmax(dim=1))
    model.train()
    return torch.cat(out)


def accuracy(model, split):
    return (predictions(model, split) == split.labels).double().mean().item()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: classify_torch.py JOB.json")
    with open(sys.argv[1]) as f:
        job = json.load(f)
    missing, unknown = FIELDS - OPTIONAL - set(job), set(job) - FIELDS
    if missing or unknown:
        fail(f"{sys.argv[1]}: missing fields {sorted(missing)}, unknown fields {sorted(unknown)}")
    torch.manual_seed(job["seed"])
    torch.set_num_threads(job["threads"])
    base = os.path.dirname(os.path.abspath(sys.argv[1]))
    splits = {name: Split(name, job["data"].get(name), job, base) for name in ("train", "validation", "test")}
    train, validation, test = splits["train"], splits["validation"], splits["test"]

    model = Classifier(job)
    optimizer = torch.optim.Adam(model.parameters(), lr=job["lr"])
    weights = job.get("classWeights")
    if weights is not None and len(weights) != job["outputSize"]:
        fail(f"classWeights has {len(weights)} entries for {job['outputSize']} classes")
    loss_fn = nn.CrossEntropyLoss(weight=None if weights is None else torch.tensor(weights, dtype=torch.float32))
    generator = torch.Generator().manual_seed(job["seed"] + 1)
    eval_seconds = job.get("evalSeconds")

    best = {"accuracy": -1.0, "state": None, "step": 0}
    validations = 0

    def validate():
        nonlocal validations
        validations += 1
        acc = accuracy(model, validation)
        if acc > best["accuracy"]:
            best.update(accuracy=acc, state=copy.deepcopy(model.state_dict()), step=steps)

    model.train()
    steps, seen, last_validated = 0, 0, -1
    start = last_eval = time.perf_counter()
    order, at = None, 0
    while steps == 0 or time.perf_counter() - start < job["seconds"]:
        if order is None or at >= len(train):
            order, at = torch.randperm(len(train), generator=generator), 0
        idx = order[at:at + job["batchSize"]]
        at += job["batchSize"]
        x, lengths, y = train.batch(idx)
        loss = loss_fn(model(x, lengths), y)
        optimizer.zero_grad()
        loss.backward()
        if job["clipNorm"] is not None:
            nn.utils.clip_grad_norm_(model.parameters(), job["clipNorm"])
        optimizer.step()
        steps += 1
        seen += len(idx)
        now = time.perf_counter()
        if at >= len(train) or (eval_seconds is not None and now - last_eval >= eval_seconds):
            validate()
            last_validated, last_eval = steps, time.perf_counter()
    if last_validated != steps:
        validate()
    seconds = time.perf_counter() - start

    model.load_state_dict(best["state"])
    test_pred = predictions(model, test)
    print(json.dumps({
        "testAccuracy": (test_pred == test.labels).double().mean().item(),
        "validationAccuracy": best["accuracy"],
        "epochs": seen / len(train),
        "steps": steps,
        "seconds": seconds,
        "validations": validations,
        "bestStep": best["step"],
        "testPredictions": test_pred.tolist(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
