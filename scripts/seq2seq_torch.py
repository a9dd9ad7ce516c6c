"""The PyTorch row of recur's sequence-to-sequence quality run (npm run quality:seq2seq).

Trains the encoder-decoder recur trains (src/tasks/seq2seq/model.ts, the same module names:
src_embed, encoder, bridge_h / bridge_c, tgt_embed, decoder, attention.*, combine, output)
teacher-forced with token cross-entropy (label smoothing), Adam, clipping by global norm and
the same batch size, for a wall-time budget. The validation loss per target token
(teacher-forced, no smoothing) is measured after every epoch (and every `evalSeconds` if
given) and at the end of the budget; the weights with the best one are kept, and only those
decode the test sources, once, at the end, greedily and by beam search (as
src/tasks/seq2seq/decode.ts). The test set selects nothing, and its targets are never read.
Not a general tool: it knows no text, no tokenizer and no BLEU. Needs only torch.

    python scripts/seq2seq_torch.py JOB.json

The model (B batch, Ts / Td source / decoder steps, Emb embeddingDim, He encoderHiddenSize,
D = 2 if bidirectional else 1, E = D*He the memory's width, Hd decoderHiddenSize, L numLayers):
    encoder  nn.Embedding(Vs, Emb, padding_idx=0) -> dropout -> nn.GRU / nn.LSTM / nn.RNN(Emb, He,
             L, bidirectional, dropout between layers) over packed sequences (enforce_sorted=False);
             with reverseSource each source is reversed within its own length first. The last
             layer's outputs are the memory [B, Ts, E].
    bridge   the final states [L*D, B, He] -> per layer both directions concatenated [L, B, E];
             if E != Hd, tanh(bridge_h(.)) (and tanh(bridge_c(.)) for the LSTM's cell state),
             bridge_* = Linear(E, Hd); else as they are. The decoder's initial state.
    decoder  nn.Embedding(Vt, Emb, padding_idx=0) of the previous token -> dropout, with
             inputFeeding concatenated with the previous attentional vector (zeros at step 0)
             -> a unidirectional stack of the same cell (Emb [+ Hd] -> Hd, L layers, dropout
             between layers), one step at a time. Its top-layer output h [B, Hd] then:
               dot       score_s = memory_s . h                        (E must equal Hd)
               general   score_s = memory_s . (W_q h)                  attention.query = Linear(Hd, E, bias=False)
               additive  score_s = v . tanh(W_k memory_s + W_q h)      attention.key = Linear(E, A, bias=False),
                         attention.query = Linear(Hd, A), attention.score = Linear(A, 1, bias=False)
             softmax over the valid source steps, context = sum_s a_s memory_s, attentional
             vector = tanh(combine([context; h])), combine = Linear(E + Hd, Hd, bias=False);
             attention 'none': the vector is h. Dropout on the vector; logits = output(vector),
             output = Linear(Hd, Vt).
    Without input feeding, teacher forcing runs the decoder stack over all steps at once and
    attends for all steps in one batched product: the same function as stepping (no step
    reads another's attention), with dropout masks drawn per element either way.
    Initialisation: PyTorch's defaults, which recur copies (N(0, 1) embeddings with a zero
    padding row; U(+-1/sqrt(H)) recurrent weights; U(+-1/sqrt(in)) Linear weights and biases).

Training: decoder inputs are goId then the target, targets the target then eosId, both padded
with 0; nn.CrossEntropyLoss(ignore_index=0, label_smoothing) averaged over the batch's target
tokens; teacher forcing always. Batches as recur's PairBatcher: each epoch shuffles the pairs,
sorts pools of 50 batches by (source length, target length), cuts them into batches and
shuffles the batches. Adam (PyTorch defaults besides lr); the learning rate warms up linearly
over `warmupSteps` optimizer steps (lr * (step + 1) / warmupSteps, as recur's WarmupCosineLR),
then stays at `lr`, or, when `minLrRatio` is given, decays along a cosine to minLrRatio * lr
over the rest of the wall-time budget (recur estimates the same horizon in steps from its
measured speed; here it is the elapsed fraction of the budget).

Decoding (eval mode, 64 sources at a time; the PAD id 0 is never emitted: its log-probability
is -inf after log_softmax, computed in float64):
    greedy  the most probable token each step until eosId, at most maxLength tokens.
    beam    beamWidth hypotheses per source; each step extends every live one by its
            beamWidth best tokens, keeps the beamWidth best extensions by total log-probability
            and sets aside those ending in eosId; a source is done when beamWidth hypotheses
            have ended, or at maxLength tokens, where the live ones end scored with eosId's
            log-probability added. The best by logProb / max(1, tokens + 1) ** lengthPenalty.
    Outputs are target ids without eosId.

JOB.json (all fields required unless marked optional; unknown fields are an error):

    data: { train, validation, test }, each split
        { sourceIds, sourceLengths, targetIds, targetLengths }  (test: the targets optional, never read)
      sourceIds  int32, all sources' ids concatenated (sum(sourceLengths) of them), in [0, sourceVocabSize)
      sourceLengths int32, one per pair, each >= 1
      targetIds  int32, all targets' ids concatenated, in [0, targetVocabSize), without GO or EOS
      targetLengths int32, one per pair, each >= 0
      Each array is either inline (a JSON array of numbers) or the path of a binary file
      (relative to JOB.json's folder) holding the raw little-endian int32 values, nothing else.
    sourceVocabSize, targetVocabSize, embeddingDim (both embeddings)
    cell: "gru" | "lstm" | "rnn-tanh" | "rnn-relu"
    encoderHiddenSize (per direction), decoderHiddenSize, numLayers (each stack), bidirectional,
    reverseSource, attention: "none" | "dot" | "general" | "additive", attentionSize (additive's
    width; required, unused by the others), inputFeeding (needs attention), dropout
    labelSmoothing (in [0, 1)), goId, eosId (target ids, distinct, not 0)
    lr, batchSize, clipNorm (null: no clipping), seconds (training wall time: the loop and its
    validations), threads, seed
    maxLength (most tokens a decoded output has, EOS not counted), beamWidth, lengthPenalty (alpha >= 0)
    maxSteps (optional, null): train this many steps instead, whatever the time (the
      learning-rate horizon in steps, as recur's with --max-steps); for tests on a busy machine
    evalSeconds (optional, null): also validate when this many seconds passed since the last
    warmupSteps (optional, 0): linear warm-up steps
    minLrRatio (optional, null): cosine decay to minLrRatio * lr over the budget; null: constant after warm-up

Prints one JSON line to stdout:
    { "validationLoss" (the best, nats per target token, whose weights decoded the test),
      "epochs" (passes over the training pairs, fractional), "steps", "seconds" (of training),
      "validations", "bestStep", "greedy" and "beam" (per test source, its target ids without
      EOS), "torch", "threads" }
"""
import copy
import json
import os
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from peer_io import read_array, warmup_cosine_lr

FIELDS = {"data", "sourceVocabSize", "targetVocabSize", "embeddingDim", "cell", "encoderHiddenSize", "decoderHiddenSize", "numLayers",
          "bidirectional", "reverseSource", "attention", "attentionSize", "inputFeeding", "dropout", "labelSmoothing", "goId", "eosId",
          "lr", "batchSize", "clipNorm", "seconds", "threads", "seed", "maxLength", "beamWidth", "lengthPenalty",
          "evalSeconds", "warmupSteps", "minLrRatio", "maxSteps"}
OPTIONAL = {"evalSeconds", "warmupSteps", "minLrRatio", "maxSteps"}
CELLS = {"lstm": (nn.LSTM, {}), "gru": (nn.GRU, {}), "rnn-tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn-relu": (nn.RNN, {"nonlinearity": "relu"})}
ATTENTIONS = ("none", "dot", "general", "additive")
EVAL_BATCH = 128  # pairs per validation batch (the loss is a sum over tokens: batching changes nothing but speed)
DECODE_BATCH = 64  # sources decoded at once, as recur's decode
POOL = 50  # batches per length-sorted pool, as recur's PairBatcher


def fail(message):
    sys.exit(f"seq2seq_torch: {message}")


def read_sequences(spec, ids_key, lengths_key, min_length, vocab, where, base):
    """The split's sequences of one side as a list of int64 tensors."""
    lengths = read_array(spec[lengths_key], "i", f"{where}.{lengths_key}", base, fail).long()
    flat = read_array(spec[ids_key], "i", f"{where}.{ids_key}", base, fail).long()
    if lengths.numel() == 0:
        fail(f"{where} has no pairs")
    if int(lengths.min()) < min_length:
        fail(f"{where}.{lengths_key} must all be >= {min_length}, got {int(lengths.min())}")
    if flat.numel() != int(lengths.sum()):
        fail(f"{where}.{ids_key} holds {flat.numel()} ids, but {lengths_key} add up to {int(lengths.sum())}")
    if flat.numel() and (int(flat.min()) < 0 or int(flat.max()) >= vocab):
        fail(f"{where}.{ids_key} must lie in [0, {vocab}), got {int(flat.min())}..{int(flat.max())}")
    return list(torch.split(flat, lengths.tolist())), lengths


class Split:
    """One split: sources padded [N, Ts_max] (reversed within their lengths with reverseSource), lengths [N], targets (unless test)."""

    def __init__(self, name, spec, job, base, with_targets):
        keys = {"sourceIds", "sourceLengths", "targetIds", "targetLengths"}
        required = keys if with_targets else {"sourceIds", "sourceLengths"}
        if not isinstance(spec, dict) or not required <= set(spec) or not set(spec) <= keys:
            fail(f"data.{name} must have the fields {sorted(required)}{'' if with_targets else ' (targetIds, targetLengths optional, never read)'}, "
                 f"got {sorted(spec) if isinstance(spec, dict) else spec}")
        if not with_targets and ("targetIds" in spec) != ("targetLengths" in spec):
            fail(f"data.{name} must have both targetIds and targetLengths or neither")
        where = f"data.{name}"
        sources, self.lengths = read_sequences(spec, "sourceIds", "sourceLengths", 1, job["sourceVocabSize"], where, base)
        if job["reverseSource"]:
            sources = [s.flip(0) for s in sources]
        self.sources = pad_sequence(sources, batch_first=True)
        self.targets = None
        if with_targets:
            self.targets, target_lengths = read_sequences(spec, "targetIds", "targetLengths", 0, job["targetVocabSize"], where, base)
            if len(self.targets) != len(sources):
                fail(f"{where} has {len(sources)} sources and {len(self.targets)} targets")
            self.target_lengths = target_lengths.tolist()
            self.tokens = int(target_lengths.sum()) + len(sources)  # [EOS] counted

    def __len__(self):
        return self.lengths.numel()

    def source_batch(self, idx):
        """Sources [B, Ts] cut to the batch's longest, lengths [B]."""
        lengths = self.lengths[idx]
        return self.sources[idx, :int(lengths.max())], lengths

    def batch(self, idx, go, eos):
        """Sources [B, Ts], lengths [B], decoder inputs [B, Td] (GO, target) and targets [B, Td] (target, EOS), 0-padded."""
        x, lengths = self.source_batch(idx)
        rows = idx.tolist()
        Td = max(self.target_lengths[i] for i in rows) + 1
        inputs = torch.zeros(len(rows), Td, dtype=torch.long)
        targets = torch.zeros(len(rows), Td, dtype=torch.long)
        for b, i in enumerate(rows):
            t, n = self.targets[i], self.target_lengths[i]
            inputs[b, 0] = go
            inputs[b, 1:n + 1] = t
            targets[b, :n] = t
            targets[b, n] = eos
        return x, lengths, inputs, targets


def epoch_batches(split, batch_size, generator):
    """One epoch's batches as recur's PairBatcher cuts them: shuffled, length-sorted pools of 50 batches, batches shuffled."""
    order = torch.randperm(len(split), generator=generator).tolist()
    key = lambda i: (int(split.lengths[i]), split.target_lengths[i])
    batches = []
    for lo in range(0, len(order), batch_size * POOL):
        pool = sorted(order[lo:lo + batch_size * POOL], key=key)
        batches += [torch.tensor(pool[i:i + batch_size]) for i in range(0, len(pool), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


class EncoderDecoder(nn.Module):
    """recur's EncoderDecoder (src/tasks/seq2seq/model.ts), module for module."""

    def __init__(self, job):
        super().__init__()
        if job["cell"] not in CELLS:
            fail(f"cell must be one of {sorted(CELLS)}, got {job['cell']!r}")
        if job["attention"] not in ATTENTIONS:
            fail(f"attention must be one of {list(ATTENTIONS)}, got {job['attention']!r}")
        if job["inputFeeding"] and job["attention"] == "none":
            fail("inputFeeding feeds the attentional vector back, and attention is 'none'")
        D = 2 if job["bidirectional"] else 1
        E, Hd, Emb, L = D * job["encoderHiddenSize"], job["decoderHiddenSize"], job["embeddingDim"], job["numLayers"]
        if job["attention"] == "dot" and E != Hd:
            fail(f"'dot' attention needs the encoder's outputs ({E}) as wide as the decoder's state ({Hd}); use 'general'")
        make, extra = CELLS[job["cell"]]
        p = job["dropout"] if L > 1 else 0.0  # nn.RNN warns about dropout without a layer above; recur applies none either
        self.D, self.L, self.Hd = D, L, Hd
        self.attention_kind, self.input_feeding = job["attention"], job["inputFeeding"]
        self.lstm = job["cell"] == "lstm"
        self.drop = nn.Dropout(job["dropout"])
        self.src_embed = nn.Embedding(job["sourceVocabSize"], Emb, padding_idx=0)
        self.encoder = make(Emb, job["encoderHiddenSize"], num_layers=L, bidirectional=job["bidirectional"], dropout=p, batch_first=True, **extra)
        if E != Hd:
            self.bridge_h = nn.Linear(E, Hd)
            if self.lstm:
                self.bridge_c = nn.Linear(E, Hd)
        self.tgt_embed = nn.Embedding(job["targetVocabSize"], Emb, padding_idx=0)
        self.decoder = make(Emb + (Hd if self.input_feeding else 0), Hd, num_layers=L, dropout=p, batch_first=True, **extra)
        if self.attention_kind == "general":
            self.attention = nn.Module()
            self.attention.query = nn.Linear(Hd, E, bias=False)
        elif self.attention_kind == "additive":
            self.attention = nn.Module()
            self.attention.key = nn.Linear(E, job["attentionSize"], bias=False)
            self.attention.query = nn.Linear(Hd, job["attentionSize"])
            self.attention.score = nn.Linear(job["attentionSize"], 1, bias=False)
        if self.attention_kind != "none":
            self.combine = nn.Linear(E + Hd, Hd, bias=False)
        self.output = nn.Linear(Hd, job["targetVocabSize"])

    def encode(self, x, lengths):
        """x [B, Ts] (already reversed if so configured), lengths [B] -> (memory [B, Ts, E], keys or None, valid [B, 1, Ts], state)."""
        packed = pack_padded_sequence(self.drop(self.src_embed(x)), lengths, batch_first=True, enforce_sorted=False)
        out, state = self.encoder(packed)
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        valid = (torch.arange(x.shape[1])[None, :] < lengths[:, None])[:, None, :]
        keys = self.attention.key(memory) if self.attention_kind == "additive" else None
        h, c = state if self.lstm else (state, None)
        return memory, keys, valid, (self.bridge(h, "bridge_h"), self.bridge(c, "bridge_c")) if self.lstm else self.bridge(h, "bridge_h")

    def bridge(self, s, name):
        """[L*D, B, He] -> [L, B, D*He] (per layer forward then reverse) -> tanh(Linear) when the widths differ."""
        if self.D == 2:
            s = torch.cat([s[0::2], s[1::2]], dim=2)
        return torch.tanh(getattr(self, name)(s)) if hasattr(self, name) else s

    def attend(self, h, memory, keys, valid):
        """h [B, Tq, Hd] (the decoder's top-layer outputs) -> attentional vectors [B, Tq, Hd], dropout applied."""
        if self.attention_kind == "none":
            return self.drop(h)
        if self.attention_kind == "additive":
            q = self.attention.query(h)  # [B, Tq, A]
            scores = self.attention.score(torch.tanh(keys[:, None, :, :] + q[:, :, None, :])).squeeze(3)  # [B, Tq, Ts]
        else:
            q = self.attention.query(h) if self.attention_kind == "general" else h  # [B, Tq, E]
            scores = torch.bmm(q, memory.transpose(1, 2))  # [B, Tq, Ts]
        weights = torch.softmax(scores.masked_fill(~valid, float("-inf")), dim=2)
        context = torch.bmm(weights, memory)  # [B, Tq, E]
        return self.drop(torch.tanh(self.combine(torch.cat([context, h], dim=2))))

    def step(self, enc, prev, state, feed):
        """One decoder step: previous tokens [B] -> (vector [B, Hd], state)."""
        memory, keys, valid, _ = enc
        x = self.drop(self.tgt_embed(prev))[:, None, :]  # [B, 1, Emb]
        if self.input_feeding:
            x = torch.cat([x, feed[:, None, :]], dim=2)
        h, state = self.decoder(x, state)
        return self.attend(h, memory, keys, valid)[:, 0], state

    def forward(self, x, lengths, inputs):
        """Teacher forcing: sources [B, Ts], lengths [B], decoder inputs [B, Td] -> logits [B, Td, Vt]."""
        enc = self.encode(x, lengths)
        memory, keys, valid, state = enc
        if not self.input_feeding:  # every step's input is known: the stack runs once over all of them
            h, _ = self.decoder(self.drop(self.tgt_embed(inputs)), state)
            return self.output(self.attend(h, memory, keys, valid))
        feed = memory.new_zeros(x.shape[0], self.Hd)
        vectors = []
        for t in range(inputs.shape[1]):
            feed, state = self.step(enc, inputs[:, t], state, feed)
            vectors.append(feed)
        return self.output(torch.stack(vectors, dim=1))


def validation_loss(model, split, go, eos):
    """Teacher-forced cross-entropy (no smoothing) per target token, [EOS] included (eval mode, no gradient)."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(split), EVAL_BATCH):
            x, lengths, inputs, targets = split.batch(torch.arange(start, min(start + EVAL_BATCH, len(split))), go, eos)
            logits = model(x, lengths, inputs)
            total += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index=0, reduction="sum").item()
    model.train()
    return total / split.tokens


def log_probs(model, vector):
    """Next-token log-probabilities [rows, V] in float64, PAD impossible."""
    lp = torch.log_softmax(model.output(vector).double(), dim=1)
    lp[:, 0] = float("-inf")
    return lp


def greedy(model, split, go, eos, max_length):
    out = []
    for start in range(0, len(split), DECODE_BATCH):
        enc = model.encode(*split.source_batch(torch.arange(start, min(start + DECODE_BATCH, len(split)))))
        B = enc[0].shape[0]
        state, feed = enc[3], enc[0].new_zeros(B, model.Hd)
        prev = torch.full((B,), go, dtype=torch.long)
        hyps, finished = [[] for _ in range(B)], [False] * B
        for t in range(max_length):  # recur's step max_length only scores the cut-off hypotheses: nothing to emit
            feed, state = model.step(enc, prev, state, feed)
            ids = log_probs(model, feed).argmax(dim=1).tolist()
            for b in range(B):
                if not finished[b]:
                    if ids[b] == eos:
                        finished[b] = True
                    else:
                        hyps[b].append(ids[b])
            if all(finished):
                break
            prev = torch.tensor(ids)
        out += hyps
    return out


def beam_search(model, split, go, eos, max_length, K, alpha):
    """decode.ts's beamSearch, row b*K + k holding beam k of source b; returns the best hypothesis' ids per source."""
    rank = lambda log_prob, length: log_prob / max(1, length) ** alpha
    out = []
    for start in range(0, len(split), DECODE_BATCH):
        memory, keys, valid, state = model.encode(*split.source_batch(torch.arange(start, min(start + DECODE_BATCH, len(split)))))
        B = memory.shape[0]
        grow = lambda t, dim: t.repeat_interleave(K, dim=dim)
        enc = (grow(memory, 0), None if keys is None else grow(keys, 0), grow(valid, 0), None)
        state = tuple(grow(s, 1) for s in state) if model.lstm else grow(state, 1)
        feed = memory.new_zeros(B * K, model.Hd)
        beams = [([], 0.0) if i % K == 0 else None for i in range(B * K)]  # (tokens, total log-prob); None: no beam
        finished = [[] for _ in range(B)]  # (score, tokens)
        done = [False] * B
        t = 0
        while t <= max_length and not all(done):
            prev = torch.tensor([go if bm is None or not bm[0] else bm[0][-1] for bm in beams])
            vector, state = model.step(enc, prev, state, feed)
            lp = log_probs(model, vector)  # [B*K, V]
            top_lp, top_id = lp[:, 1:].topk(min(K, lp.shape[1] - 1), dim=1)  # the K best tokens of a beam hold the K best extensions
            top_lp, top_id, eos_lp = top_lp.tolist(), (top_id + 1).tolist(), lp[:, eos].tolist()
            parents, next_beams = [], []
            for b in range(B):
                cands = []
                if not done[b]:
                    for k in range(K):
                        row = b * K + k
                        bm = beams[row]
                        if bm is None:
                            continue
                        if t == max_length:  # out of room: ends here, scored with [EOS] next
                            total = bm[1] + eos_lp[row]
                            finished[b].append((rank(total, len(bm[0]) + 1), bm[0]))
                            continue
                        cands += [(bm[1] + l, row, v) for l, v in zip(top_lp[row], top_id[row])]
                    cands.sort(key=lambda c: -c[0])  # stable, as JavaScript's sort
                kept = 0
                for total, row, v in cands:
                    if kept == K:
                        break
                    tokens = beams[row][0]
                    if v == eos:
                        finished[b].append((rank(total, len(tokens) + 1), tokens))
                        if len(finished[b]) >= K:
                            break
                        continue
                    parents.append(row)
                    next_beams.append((tokens + [v], total))
                    kept += 1
                if len(finished[b]) >= K or t == max_length:
                    done[b] = True
                for _ in range(kept, K):
                    parents.append(b * K)
                    next_beams.append(None)
                if done[b]:
                    next_beams[-K:] = [None] * K
            rows = torch.tensor(parents)
            state = tuple(s.index_select(1, rows) for s in state) if model.lstm else state.index_select(1, rows)
            feed = vector.index_select(0, rows)
            beams = next_beams
            t += 1
        out += [sorted(f, key=lambda h: -h[0])[0][1] for f in finished]
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: seq2seq_torch.py JOB.json")
    with open(sys.argv[1]) as f:
        job = json.load(f)
    missing, unknown = FIELDS - OPTIONAL - set(job), set(job) - FIELDS
    if missing or unknown:
        fail(f"{sys.argv[1]}: missing fields {sorted(missing)}, unknown fields {sorted(unknown)}")
    go, eos, Vt = job["goId"], job["eosId"], job["targetVocabSize"]
    if not (0 < go < Vt and 0 < eos < Vt and go != eos):
        fail(f"goId and eosId must be distinct target ids in [1, {Vt}) (0 is PAD), got {go} and {eos}")
    if not (0 <= job["labelSmoothing"] < 1) or not (0 <= job["dropout"] < 1):
        fail(f"labelSmoothing and dropout must be in [0, 1), got {job['labelSmoothing']} and {job['dropout']}")
    if not (isinstance(job["beamWidth"], int) and job["beamWidth"] >= 1 and isinstance(job["maxLength"], int) and job["maxLength"] >= 1):
        fail(f"beamWidth and maxLength must be integers >= 1, got {job['beamWidth']} and {job['maxLength']}")
    if not job["lengthPenalty"] >= 0:
        fail(f"lengthPenalty must be >= 0, got {job['lengthPenalty']}")
    warmup, min_ratio = job.get("warmupSteps") or 0, job.get("minLrRatio")
    if not (isinstance(warmup, int) and warmup >= 0) or not (min_ratio is None or 0 <= min_ratio <= 1):
        fail(f"warmupSteps must be an integer >= 0 and minLrRatio in [0, 1] or null, got {warmup} and {min_ratio}")
    torch.manual_seed(job["seed"])
    torch.set_num_threads(job["threads"])
    base = os.path.dirname(os.path.abspath(sys.argv[1]))
    data = job["data"]
    if not isinstance(data, dict) or set(data) != {"train", "validation", "test"}:
        fail(f"data must have exactly the splits ['test', 'train', 'validation'], got {sorted(data) if isinstance(data, dict) else data}")
    train = Split("train", data["train"], job, base, True)
    validation = Split("validation", data["validation"], job, base, True)
    test = Split("test", data["test"], job, base, False)

    model = EncoderDecoder(job)
    optimizer = torch.optim.Adam(model.parameters(), lr=job["lr"])
    loss_fn = nn.CrossEntropyLoss(ignore_index=0, label_smoothing=job["labelSmoothing"])
    generator = torch.Generator().manual_seed(job["seed"] + 1)
    eval_seconds = job.get("evalSeconds")

    best = {"loss": float("inf"), "state": None, "step": 0}
    validations = 0

    def validate():
        nonlocal validations
        validations += 1
        loss = validation_loss(model, validation, go, eos)
        if best["state"] is None or loss < best["loss"]:
            best.update(loss=loss, state=copy.deepcopy(model.state_dict()), step=steps)

    def lr_at(step, elapsed):
        return warmup_cosine_lr(job["lr"], step, elapsed, warmup, min_ratio, max_steps, job["seconds"], warm_end_time)

    model.train()
    steps, seen, last_validated = 0, 0, -1
    warm_end_time = 0.0 if warmup == 0 else None
    start = last_eval = time.perf_counter()
    batches, at = [], 0
    max_steps = job.get("maxSteps")
    while steps == 0 or (steps < max_steps if max_steps is not None else time.perf_counter() - start < job["seconds"]):
        if at >= len(batches):
            batches, at = epoch_batches(train, job["batchSize"], generator), 0
        idx = batches[at]
        at += 1
        if warm_end_time is None and steps >= warmup:
            warm_end_time = time.perf_counter() - start
        for group in optimizer.param_groups:
            group["lr"] = lr_at(steps, time.perf_counter() - start)
        x, lengths, inputs, targets = train.batch(idx, go, eos)
        logits = model(x, lengths, inputs)
        loss = loss_fn(logits.reshape(-1, logits.shape[2]), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        if job["clipNorm"] is not None:
            nn.utils.clip_grad_norm_(model.parameters(), job["clipNorm"])
        optimizer.step()
        steps += 1
        seen += len(idx)
        now = time.perf_counter()
        if at >= len(batches) or (eval_seconds is not None and now - last_eval >= eval_seconds):
            validate()
            last_validated, last_eval = steps, time.perf_counter()
    if last_validated != steps:
        validate()
    seconds = time.perf_counter() - start

    model.load_state_dict(best["state"])
    model.eval()
    with torch.no_grad():
        greedy_out = greedy(model, test, go, eos, job["maxLength"])
        beam_out = beam_search(model, test, go, eos, job["maxLength"], job["beamWidth"], job["lengthPenalty"])
    print(json.dumps({
        "validationLoss": best["loss"],
        "epochs": seen / len(train),
        "steps": steps,
        "seconds": seconds,
        "validations": validations,
        "bestStep": best["step"],
        "greedy": greedy_out,
        "beam": beam_out,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
