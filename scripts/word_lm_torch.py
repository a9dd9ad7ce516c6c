"""The PyTorch row of recur's word-level language-model quality run (npm run quality:lm-words).

Trains the word model recur trains (src/tasks/char-lm/word-task.ts: an embedding, a stacked
nn.LSTM / nn.GRU / nn.RNN and a Linear output layer over the words, optionally tied to the
embedding; PyTorch's examples/word_language_model RNNModel) by truncated backpropagation through
time over recur's parallel streams, with next-word cross-entropy, Adam, a warm-up then cosine
learning rate and clipping by global norm, for a wall-time budget (or a number of steps). The
validation loss per word is measured exactly as recur's evaluateStream, after every epoch (or
every `evalSeconds` if given) and at the end of training; the weights with the best one are
kept, and only those score the test ids, once, at the end: the test set selects nothing. Not a
general tool: it knows no text, no tokenizer and no vocabulary, only ids. Needs only torch.

    python scripts/word_lm_torch.py JOB.json

The model (T steps, B streams, V vocabSize, E embeddingDim, H hiddenSize, L numLayers, p dropout):
    encoder  nn.Embedding(V, E) of the ids [T, B] (time-major) -> nn.Dropout(p)
    rnn      nn.LSTM / nn.GRU / nn.RNN(E, H, L, dropout=p between layers (none with one layer,
             as recur), time-major), the state carried in and out
    decoder  nn.Dropout(p) on the last layer's outputs -> nn.Linear(H, V); with tieWeights its
             weight IS the encoder's (decoder.weight = encoder.weight, which needs E == H), and
             it keeps its own bias
    Initialisation: PyTorch's module defaults (nn.Embedding N(0, 1); nn.LSTM / nn.GRU / nn.RNN
    U(+-1/sqrt(H)); nn.Linear U(+-1/sqrt(H)) weight and bias), except that the tied decoder's
    bias starts at zero, as recur's TiedHead and word_language_model's init_weights. No other
    init_weights of word_language_model (its U(+-0.1) encoder) is copied: recur has none either.

Training batches are recur's StreamBatcher (src/data/stream-batcher.ts): with N training ids,
stream b of B covers predictions b*L .. b*L + L - 1, L = floor((N - 1) / B); each epoch reads
floor(L / T) windows; window w has inputs[t, b] = ids[b*L + w*T + t] and targets the ids one
step later, [T, B] time-major. The state is carried from window to window (detached) and starts
at zeros on the first window of every epoch. The loss is the mean cross-entropy over the T*B
targets; Adam (PyTorch defaults besides lr): zero_grad, backward, clipping, step. The learning
rate warms up linearly over `warmupSteps` optimizer steps (lr * (step + 1) / warmupSteps, as
recur's WarmupCosineLR), then decays along a cosine to minLrRatio * lr over the rest of the
budget: the elapsed fraction of the wall time, or of the steps when `maxSteps` is given (null
minLrRatio: constant after warm-up).

Evaluation is recur's evaluateStream (src/tasks/char-lm/evaluate-stream.ts; eval mode, no
gradient): N ids, S = min(batchSize, N - 1) streams of L = floor((N - 1) / S) predictions each,
stream s starting at s*L from a zero state, read in windows of seqLen steps (the last one
shorter) with the state carried; the rest, N - 1 - S*L predictions, continue as one stream from
position S*L with the final state of stream S - 1. Every one of the N - 1 predictions is scored
once: the loss is their summed cross-entropy / (N - 1). Validation uses the training batchSize and
seqLen; the test evalBatchSize and evalSeqLen (recur lm eval's defaults 64 and 128).

JOB.json (all fields required unless marked optional; unknown fields are an error):

    data: { train, validation, test }, each the split's token ids, in [0, vocabSize): either
      inline (a JSON array of numbers) or the path of a binary file (relative to JOB.json's
      folder) holding the raw little-endian int32 values, nothing else. train needs at least
      batchSize * seqLen + 1 ids (one window), validation and test at least 2 (one prediction).
    vocabSize, embeddingDim, hiddenSize, numLayers (integers >= 1)
    cell: "lstm" | "gru" | "rnn-tanh" | "rnn-relu"
    dropout (in [0, 1)): on the embedded words, between stacked layers and before the decoder
    tieWeights (true | false): the decoder's weight is the embedding's; needs embeddingDim == hiddenSize
    lr (Adam's peak learning rate), warmupSteps (integer >= 0), minLrRatio (in [0, 1], or null:
      constant after warm-up), clipNorm (> 0, or null: no clipping)
    batchSize (B, parallel streams), seqLen (T, steps per window)
    seconds (training wall time: the loop and its validations), threads, seed
    maxSteps (optional, null): train exactly this many steps instead, whatever the time (the
      learning-rate horizon in steps, as recur's with --max-steps); for tests on a busy machine
    evalSeconds (optional, null): validate when this many seconds passed since the last
      validation instead of after each epoch
    evalBatchSize (optional, 64), evalSeqLen (optional, 128): the test evaluation's streams and window

Bad input (a missing or unknown field, a wrong type or range, ids outside [0, vocabSize), too
few ids) ends the script with one line on stderr naming the field, and exit code 2.

Prints one JSON line to stdout:
    { "testNats" (mean cross-entropy per test prediction, best weights), "testPerplexity",
      "testPredictions" (N - 1 of the test ids), "validationNats" (the best), "validationPerplexity",
      "steps", "epochs" (steps / windows per epoch, fractional), "seconds" (of training: the loop
      and its validations), "validations", "bestStep", "torch", "threads" }
"""
import copy
import json
import math
import os
import sys
import time

import torch
from torch import nn

from peer_io import read_array, warmup_cosine_lr

FIELDS = {"data", "vocabSize", "embeddingDim", "hiddenSize", "numLayers", "cell", "dropout", "tieWeights",
          "lr", "warmupSteps", "minLrRatio", "clipNorm", "batchSize", "seqLen", "seconds", "threads", "seed",
          "maxSteps", "evalSeconds", "evalBatchSize", "evalSeqLen"}
OPTIONAL = {"maxSteps", "evalSeconds", "evalBatchSize", "evalSeqLen"}
CELLS = {"lstm": (nn.LSTM, {}), "gru": (nn.GRU, {}), "rnn-tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn-relu": (nn.RNN, {"nonlinearity": "relu"})}
SPLITS = ("train", "validation", "test")


def fail(message):
    print(f"word_lm_torch: {message}", file=sys.stderr)
    sys.exit(2)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def is_integer(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_job(job):
    """The job's fields, their types and ranges (not the data): fails naming the first bad one."""
    if not isinstance(job, dict):
        fail(f"the job must be a JSON object, got {type(job).__name__}")
    missing, unknown = FIELDS - OPTIONAL - set(job), set(job) - FIELDS
    if missing or unknown:
        fail(f"missing fields {sorted(missing)}, unknown fields {sorted(unknown)}")

    def want(name, ok, what):
        if not ok:
            fail(f"{name} must be {what}, got {json.dumps(job.get(name))}")

    for name in ("vocabSize", "embeddingDim", "hiddenSize", "numLayers", "batchSize", "seqLen", "threads"):
        want(name, is_integer(job[name]) and job[name] >= 1, "an integer >= 1")
    want("seed", is_integer(job["seed"]) and job["seed"] >= 0, "an integer >= 0")
    want("cell", job["cell"] in CELLS, f"one of {sorted(CELLS)}")
    want("dropout", is_number(job["dropout"]) and 0 <= job["dropout"] < 1, "a number in [0, 1)")
    want("tieWeights", isinstance(job["tieWeights"], bool), "true or false")
    want("lr", is_number(job["lr"]) and job["lr"] > 0, "a number > 0")
    want("warmupSteps", is_integer(job["warmupSteps"]) and job["warmupSteps"] >= 0, "an integer >= 0")
    want("minLrRatio", job["minLrRatio"] is None or (is_number(job["minLrRatio"]) and 0 <= job["minLrRatio"] <= 1), "a number in [0, 1] or null")
    want("clipNorm", job["clipNorm"] is None or (is_number(job["clipNorm"]) and job["clipNorm"] > 0), "a number > 0 or null")
    want("seconds", is_number(job["seconds"]) and job["seconds"] > 0, "a number > 0")
    want("maxSteps", job.get("maxSteps") is None or (is_integer(job["maxSteps"]) and job["maxSteps"] >= 1), "an integer >= 1 or null")
    want("evalSeconds", job.get("evalSeconds") is None or (is_number(job["evalSeconds"]) and job["evalSeconds"] > 0), "a number > 0 or null")
    for name in ("evalBatchSize", "evalSeqLen"):
        want(name, job.get(name) is None or (is_integer(job[name]) and job[name] >= 1), "an integer >= 1 or null")
    if job["tieWeights"] and job["embeddingDim"] != job["hiddenSize"]:
        fail(f"tieWeights needs embeddingDim equal to hiddenSize (the decoder reads the last layer's {job['hiddenSize']} units), "
             f"got embeddingDim {job['embeddingDim']}")


def read_ids(job, name, base):
    """A split's ids as an int64 tensor, checked against the vocabulary."""
    where = f"data.{name}"
    try:
        ids = read_array(job["data"][name], "i", where, base, fail).long()
    except OSError as e:
        fail(f"{where}: {e}")
    V = job["vocabSize"]
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= V):
        fail(f"{where} ids must lie in [0, vocabSize) = [0, {V}), got {int(ids.min())}..{int(ids.max())}")
    return ids


class RNNModel(nn.Module):
    """PyTorch's word_language_model RNNModel: encoder -> dropout -> rnn -> dropout -> decoder, time-major."""

    def __init__(self, job):
        super().__init__()
        make, extra = CELLS[job["cell"]]
        p, L = job["dropout"], job["numLayers"]
        self.lstm = job["cell"] == "lstm"
        self.drop = nn.Dropout(p)
        self.encoder = nn.Embedding(job["vocabSize"], job["embeddingDim"])
        # nn.RNN warns about dropout without a layer above; recur applies none either.
        self.rnn = make(job["embeddingDim"], job["hiddenSize"], num_layers=L, dropout=p if L > 1 else 0.0, **extra)
        self.decoder = nn.Linear(job["hiddenSize"], job["vocabSize"])
        if job["tieWeights"]:
            self.decoder.weight = self.encoder.weight
            nn.init.zeros_(self.decoder.bias)

    def forward(self, x, state):
        """ids [T, B], state (None: zeros) -> logits [T, B, V], the final state."""
        out, state = self.rnn(self.drop(self.encoder(x)), state)
        return self.decoder(self.drop(out)), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def state_row(state, b):
    """Batch row b of a state ([L, B, H] -> [L, 1, H])."""
    row = lambda s: s[:, b:b + 1].contiguous()
    return tuple(row(s) for s in state) if isinstance(state, tuple) else row(state)


def evaluate_stream(model, ids, batch_size, seq_len):
    """recur's evaluateStream: the mean cross-entropy of all N - 1 next-id predictions of ids, and N - 1."""
    N = ids.numel()
    was_training = model.training
    model.eval()
    total = 0.0

    def run(starts, steps, state):
        nonlocal total
        starts = torch.tensor(starts, dtype=torch.long)
        for t0 in range(0, steps, seq_len):
            T = min(seq_len, steps - t0)
            pos = starts[None, :] + t0 + torch.arange(T)[:, None]  # [T, S]
            logits, state = model(ids[pos], state)
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), ids[pos + 1].reshape(-1), reduction="sum").item()
        return state

    try:
        with torch.no_grad():
            S = min(batch_size, N - 1)
            L = (N - 1) // S
            final = run([s * L for s in range(S)], L, None)
            rest = N - 1 - S * L
            if rest > 0:
                run([S * L], rest, state_row(final, S - 1))
    finally:
        model.train(was_training)
    return total / (N - 1), N - 1


def main():
    if len(sys.argv) != 2:
        fail("usage: word_lm_torch.py JOB.json")
    try:
        with open(sys.argv[1]) as f:
            job = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"cannot read the job {sys.argv[1]}: {e}")
    check_job(job)
    data = job["data"]
    if not isinstance(data, dict) or set(data) != set(SPLITS):
        fail(f"data must have exactly the splits {sorted(SPLITS)}, got {sorted(data) if isinstance(data, dict) else json.dumps(data)}")
    torch.manual_seed(job["seed"])
    torch.set_num_threads(job["threads"])
    base = os.path.dirname(os.path.abspath(sys.argv[1]))
    train, validation, test = (read_ids(job, name, base) for name in SPLITS)
    B, T = job["batchSize"], job["seqLen"]
    if train.numel() < B * T + 1:
        fail(f"data.train has {train.numel()} ids, and one window needs batchSize * seqLen + 1 = {B} * {T} + 1 = {B * T + 1}")
    for name, ids in (("validation", validation), ("test", test)):
        if ids.numel() < 2:
            fail(f"data.{name} has {ids.numel()} ids, and needs at least 2 (one prediction)")
    eval_batch = job.get("evalBatchSize") or 64
    eval_seq = job.get("evalSeqLen") or 128
    eval_seconds = job.get("evalSeconds")
    max_steps = job.get("maxSteps")
    warmup, min_ratio = job["warmupSteps"], job["minLrRatio"]

    model = RNNModel(job)
    optimizer = torch.optim.Adam(model.parameters(), lr=job["lr"])

    # StreamBatcher: stream b covers predictions b*L .. b*L + L - 1; each epoch reads floor(L / T) windows.
    L = (train.numel() - 1) // B
    windows = L // T
    offsets = torch.arange(T)[:, None] + (torch.arange(B) * L)[None, :]  # [T, B]: window 0's input positions

    best = {"loss": float("inf"), "state": None, "step": 0}
    validations = 0

    def validate():
        nonlocal validations
        validations += 1
        loss, _ = evaluate_stream(model, validation, B, T)
        if best["state"] is None or loss < best["loss"]:
            best.update(loss=loss, state=copy.deepcopy(model.state_dict()), step=steps)

    def lr_at(step, elapsed):
        return warmup_cosine_lr(job["lr"], step, elapsed, warmup, min_ratio, max_steps, job["seconds"], warm_end_time)

    model.train()
    steps, window, last_validated, state = 0, 0, -1, None
    warm_end_time = 0.0 if warmup == 0 else None
    start = last_eval = time.perf_counter()
    while steps == 0 or (steps < max_steps if max_steps is not None else time.perf_counter() - start < job["seconds"]):
        if window == 0:
            state = None  # every stream starts over: zeros
        if warm_end_time is None and steps >= warmup:
            warm_end_time = time.perf_counter() - start
        for group in optimizer.param_groups:
            group["lr"] = lr_at(steps, time.perf_counter() - start)
        pos = offsets + window * T
        logits, state = model(train[pos], state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), train[pos + 1].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        if job["clipNorm"] is not None:
            nn.utils.clip_grad_norm_(model.parameters(), job["clipNorm"])
        optimizer.step()
        state = detach(state)
        steps += 1
        window += 1
        ends_epoch = window == windows
        if ends_epoch:
            window = 0
        now = time.perf_counter()
        if (eval_seconds is None and ends_epoch) or (eval_seconds is not None and now - last_eval >= eval_seconds):
            validate()
            last_validated, last_eval = steps, time.perf_counter()
    if last_validated != steps:
        validate()
    seconds = time.perf_counter() - start

    model.load_state_dict(best["state"])
    test_nats, predictions = evaluate_stream(model, test, eval_batch, eval_seq)
    print(json.dumps({
        "testNats": test_nats,
        "testPerplexity": math.exp(test_nats),
        "testPredictions": predictions,
        "validationNats": best["loss"],
        "validationPerplexity": math.exp(best["loss"]),
        "steps": steps,
        "epochs": steps / windows,
        "seconds": seconds,
        "validations": validations,
        "bestStep": best["step"],
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
