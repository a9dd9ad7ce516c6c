/**
 * The template of model.py in a `recur export pytorch` package: `RecurModel`, the PyTorch
 * `nn.Module` of a `RecurrentModel` config (nn/recurrent-model.ts), under recur's parameter
 * names so that `load_state_dict(strict=True)` takes a model file's tensors as they are. The
 * Python is static: everything model-specific is read from the config at run time.
 */

/** model.py; `sections` (sequence-py.ts) add the classes of other model kinds, each registering itself in MODELS. */
export function modelPy(sections: readonly string[] = []): string {
  return String.raw`"""The recur model as a PyTorch module (written by recur export pytorch).

RecurModel(config) builds, from the config recur saved with the model (metadata "recur.config"),
the network recur runs, with recur's parameter names, so load_state_dict takes the tensors of a
recur model file as they are:

    input (embedding of token ids, one-hot ids, or dense features)
      -> RNN / LSTM / GRU stack (dropout between layers, optionally bidirectional)
      -> head at every step (output "sequence"; optionally tied to the embedding)
         or once per sequence (output "last": the final state, or the mean / max /
         attention pooling of the last layer's outputs over each sequence's valid steps).

Shapes are time-major ([T, B] ids, [T, B, I] features, logits [T, B, O]) unless
config["batchFirst"] ([B, T, ...]); states are [layers * directions, B, H] either way.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class SigmoidRNN(nn.Module):
    """An Elman RNN with a sigmoid, h' = sigmoid(x W_ih^T + b_ih + h W_hh^T + b_hh), which
    torch.nn.RNN does not offer (tanh and relu only). Same parameter names, shapes and initial
    values as nn.RNN; time-major; run step by step, so slower."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, dropout=0.0, bidirectional=False):
        super().__init__()
        self.hidden_size, self.num_layers, self.bias, self.dropout = hidden_size, num_layers, bias, dropout
        self.directions = 2 if bidirectional else 1
        k = 1 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size * self.directions
            for sfx in ["", "_reverse"][: self.directions]:
                shapes = {"weight_ih": (hidden_size, size), "weight_hh": (hidden_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(hidden_size,), bias_hh=(hidden_size,))
                for name, shape in shapes.items():
                    self.register_parameter(f"{name}_l{layer}{sfx}", nn.Parameter(torch.empty(shape).uniform_(-k, k)))

    def forward(self, x, h0=None, lengths=None):
        """x [T, B, I], h0 [layers * directions, B, H], lengths [B] -> output [T, B, D*H]
        (zeros past each length), h_n (each sequence's state at its last valid step)."""
        T, B = x.shape[0], x.shape[1]
        lengths = torch.full((B,), T) if lengths is None else lengths
        valid = (torch.arange(T)[:, None] < lengths[None, :]).unsqueeze(-1)  # [T, B, 1]
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for d in range(self.directions):
                p = lambda name: getattr(self, f"{name}_l{layer}{'_reverse' if d else ''}")
                xw = x @ p("weight_ih").T + (p("bias_ih") if self.bias else 0)
                h = x.new_zeros(B, self.hidden_size) if h0 is None else h0[layer * self.directions + d]
                out = [None] * T
                # The reverse direction starts at each sequence's last valid step: until then h stays h0.
                for t in (range(T - 1, -1, -1) if d else range(T)):
                    new = torch.sigmoid(xw[t] + h @ p("weight_hh").T + (p("bias_hh") if self.bias else 0))
                    h = torch.where(valid[t], new, h)
                    out[t] = torch.where(valid[t], h, torch.zeros_like(h))
                outputs.append(torch.stack(out))
                finals.append(h)
            x = torch.cat(outputs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, torch.stack(finals)


def make_rnn(cell, input_size, hidden_size, **options):
    """The PyTorch stack of recur's cell kind (parameters weight_ih_l0, ... as recur names them)."""
    if cell == "lstm":
        return nn.LSTM(input_size, hidden_size, **options)
    if cell == "gru":
        return nn.GRU(input_size, hidden_size, **options)
    if cell in ("rnn-tanh", "rnn-relu"):
        return nn.RNN(input_size, hidden_size, nonlinearity=cell[4:], **options)
    if cell == "rnn-sigmoid":
        return SigmoidRNN(input_size, hidden_size, **options)
    raise ValueError(f"unknown cell {cell!r}")


def run_rnn(rnn, x, lengths=None, state=None):
    """A stack over x [T, B, I]: outputs [T, B, D*H] (zeros past each length) and the final state,
    as recur computes them for a right-padded batch (a packed sequence in PyTorch)."""
    if isinstance(rnn, SigmoidRNN):
        return rnn(x, state, lengths)
    if lengths is None:
        return rnn(x, state)
    packed = pack_padded_sequence(x, torch.as_tensor(lengths, dtype=torch.long).cpu(), enforce_sorted=False)
    out, state = rnn(packed, state)
    return pad_packed_sequence(out, total_length=x.shape[0])[0], state


class AttentionPooling(nn.Module):
    """Additive attention over the valid steps (recur's AttentionPooling): e[t, b] =
    score . tanh(proj x[t, b]), weights = softmax of e over t < lengths[b], pooled = sum_t w x."""

    def __init__(self, features):
        super().__init__()
        self.proj = nn.Linear(features, features)
        self.score = nn.Linear(features, 1, bias=False)

    def forward(self, x, valid):
        """x [T, B, F], valid [T, B] booleans -> pooled [B, F], weights [T, B] (0 on padding)."""
        e = self.score(torch.tanh(self.proj(x))).squeeze(-1)
        weights = torch.softmax(e.masked_fill(~valid, float("-inf")), dim=0)
        return (weights.unsqueeze(-1) * x).sum(0), weights


class TiedHead(nn.Module):
    """The head of a model with tied weights: only its bias ("head.bias") is its own; it
    multiplies by the embedding's table (Press & Wolf 2017)."""

    def __init__(self, outputs):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(outputs))

    def forward(self, x, weight):
        return F.linear(x, weight, self.bias)


class RecurModel(nn.Module):
    """recur's RecurrentModel from its config (a dict, as in metadata "recur.config")."""

    def __init__(self, config):
        super().__init__()
        c = self.config = config
        if c.get("kind", "recurrent") != "recurrent":
            raise ValueError(f"RecurModel reads recurrent models; this config is a {c.get('kind')!r} model")
        inp, H = c["input"], c["hiddenSize"]
        self.directions = 2 if c["bidirectional"] else 1
        features = self.directions * H
        if inp["kind"] == "embedding":
            self.embedding = nn.Embedding(inp["vocabSize"], inp["embeddingDim"], padding_idx=inp.get("paddingIdx"))
            size = inp["embeddingDim"]
        elif inp["kind"] == "one-hot":
            size = inp["vocabSize"]
        else:  # dense
            size = inp["size"]
        self.rnn = make_rnn(c["cell"], size, H, num_layers=c["numLayers"], bias=c["bias"], dropout=c["dropout"], bidirectional=c["bidirectional"])
        if c.get("pooling") == "attention":
            self.attention = AttentionPooling(features)
        self.head = TiedHead(c["outputSize"]) if c.get("tieWeights") else nn.Linear(features, c["outputSize"])
        # Inverted dropout on the stack's input and on what the head reads (training mode only).
        self.input_dropout = nn.Dropout(c.get("inputDropout", 0))
        self.head_dropout = nn.Dropout(c.get("headDropout", 0))
        self.last_attention = None  # pooling "attention": the weights of the last forward, [T, B]

    def embed(self, x):
        """The stack's [T, B, I] float input from ids [T, B] or features [T, B, I]."""
        kind = self.config["input"]["kind"]
        if kind == "embedding":
            return self.embedding(x)
        if kind == "one-hot":
            return F.one_hot(x.long(), self.config["input"]["vocabSize"]).float()
        return x.float()

    def forward(self, x, lengths=None, state=None):
        """x: ids (LongTensor) or features; lengths: [B] valid steps of a right-padded batch (1..T;
        all T when None); state: the initial state (h, or (h, c) for an LSTM; zeros when None).
        Returns (logits, state): logits [T, B, O] for output "sequence", [B, O] for "last"."""
        c = self.config
        batch_first = c.get("batchFirst", False)
        if batch_first:
            x = x.transpose(0, 1)  # time-major inside
        T = x.shape[0]
        if lengths is not None:
            lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
            if int(lengths.min()) < 1 or int(lengths.max()) > T:
                raise ValueError(f"lengths must be between 1 and T = {T}, got {lengths.tolist()}")
        out, state = self.run_rnn(self.input_dropout(self.embed(x)), lengths, state)
        if c["output"] == "sequence":
            logits = self.read_head(self.head_dropout(out))
            return (logits.transpose(0, 1) if batch_first else logits), state
        pooling = c.get("pooling", "last")
        valid = torch.ones(out.shape[:2], dtype=torch.bool) if lengths is None else torch.arange(T)[:, None] < lengths[None, :]
        if pooling == "last":
            # The last layer's final hidden state, both directions concatenated.
            h = state[0] if isinstance(state, tuple) else state
            top = (c["numLayers"] - 1) * self.directions
            features = torch.cat([h[top + d] for d in range(self.directions)], -1)
        elif pooling == "mean":
            features = (out * valid.unsqueeze(-1)).sum(0) / valid.sum(0).unsqueeze(-1)
        elif pooling == "max":
            features = out.masked_fill(~valid.unsqueeze(-1), float("-inf")).max(0).values
        else:
            features, weights = self.attention(out, valid)
            self.last_attention = weights.transpose(0, 1) if batch_first else weights
        return self.read_head(self.head_dropout(features)), state

    def run_rnn(self, x, lengths, state):
        """The recurrent stack over x [T, B, I]: outputs [T, B, D*H] (zeros past each length) and the
        final state, as recur computes them for a padded batch (a packed sequence in PyTorch)."""
        return run_rnn(self.rnn, x, lengths, state)

    def read_head(self, features):
        if isinstance(self.head, TiedHead):
            return self.head(features, self.embedding.weight)
        return self.head(features)


# The model classes of this file by config "kind" (load.py builds through build_model).
MODELS = {"recurrent": RecurModel}


def build_model(config):
    """The module of a recur config (metadata "recur.config"), by its kind."""
    kind = config.get("kind", "recurrent")
    if kind not in MODELS:
        raise ValueError(f"this model.py builds {', '.join(MODELS)} models, and the config is a {kind!r} model: export that model with recur export pytorch")
    return MODELS[kind](config)
${sections.join('')}`;
}

/**
 * model.py's section of a forecast ensemble (tasks/forecast/ensemble.ts): `RecurForecastEnsemble`,
 * its members RecurModels under recur's names `m0.`, `m1.`, ..., registered in MODELS. It has no
 * forward of its own: forecast.py runs each member through its own pipeline and averages the
 * forecasts in the data's units, as recur does.
 */
export function ensembleModelPy(): string {
  return String.raw`

class RecurForecastEnsemble(nn.Module):
    """recur's forecast ensemble: members m0, m1, ... (RecurModels, each with its own pipeline in
    the file's forecast metadata), averaged quantile by quantile in the data's units by
    forecast.forecast (a mean of their logits would mix numbers in different units)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        if config.get("kind") != "forecast-ensemble":
            raise ValueError(f"RecurForecastEnsemble reads forecast ensembles; this config is a {config.get('kind')!r} model")
        for i, member in enumerate(config["members"]):
            self.add_module(f"m{i}", RecurModel(member))  # recur's parameter names: m0.rnn..., m1.rnn...

    @property
    def members(self):
        return [getattr(self, f"m{i}") for i in range(len(self.config["members"]))]

    def forward(self, *args, **kwargs):
        raise TypeError("a forecast ensemble has no single output: forecast.forecast(model, metadata, ...) runs each member and averages in the data's units; model.members[i] is a RecurModel")


MODELS["forecast-ensemble"] = RecurForecastEnsemble
`;
}
