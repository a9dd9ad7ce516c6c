"""The PyTorch row of recur's forecasting quality run (npm run quality:forecast).

Reads the manifest the run writes (src/bench/peers/torch-forecast.ts): recur's own training
windows and targets, already normalised, for each ensemble member, and the windows before the
hold-out origins. Builds the same network per member (nn.LSTM / nn.GRU / nn.RNN + nn.Linear on
the last step's output), trains the members together with the same loss (pinball, Gaussian NLL
or MSE; an ensemble's loss is the sum of its members'), Adam at the same learning rate, the same
batch size and clipping by global norm, for the given wall time, then writes the raw outputs
for the hold-out windows as float32. Decoding them is recur's job. Not a general tool: it knows
no CSV, no normalisation and no schedule. Needs only torch.

    python scripts/forecast_torch.py MANIFEST.json OUTPUTS.f32
"""
import array
import json
import math
import sys
import time

import torch
from torch import nn


def read_blob(path):
    with open(path, "rb") as f:
        return bytearray(f.read())


def tensor_at(blob, ref):
    """The float32 array of shape ref['shape'] at byte ref['offset'] of the binary file."""
    count = math.prod(ref["shape"])
    start = ref["offset"]
    return torch.frombuffer(blob[start:start + 4 * count], dtype=torch.float32).reshape(ref["shape"])


class Member(nn.Module):
    """One model: a recurrent layer stack read to its last step, then a Linear head."""

    def __init__(self, cell, features, hidden, layers, dropout, outputs):
        super().__init__()
        kinds = {"lstm": (nn.LSTM, {}), "gru": (nn.GRU, {}), "rnn-tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn-relu": (nn.RNN, {"nonlinearity": "relu"})}
        if cell not in kinds:
            raise ValueError(f"forecast_torch: no PyTorch cell for '{cell}'")
        make, extra = kinds[cell]
        self.rnn = make(features, hidden, num_layers=layers, dropout=dropout, **extra)  # time-major [T, B, F]
        self.head = nn.Linear(hidden, outputs)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[-1])


def head_loss(head, quantiles, outputs, targets):
    """The loss of outputs [B, H*K*W] against targets [B, H*K], as recur's heads compute it (means)."""
    width = len(quantiles) if head == "quantile" else 2 if head == "gaussian" else 1
    pred = outputs.reshape(-1, width)
    y = targets.reshape(-1)
    if head == "quantile":
        tau = torch.tensor(quantiles, dtype=pred.dtype)
        u = y[:, None] - pred
        return torch.maximum(tau * u, (tau - 1) * u).mean()
    if head == "gaussian":
        mu, log_sigma = pred[:, 0], pred[:, 1].clamp(-10, 10)
        z = (y - mu) * torch.exp(-log_sigma)
        return (0.5 * math.log(2 * math.pi) + log_sigma + 0.5 * z * z).mean()
    return ((pred[:, 0] - y) ** 2).mean()


class Batches:
    """Shuffled epochs of one member's windows, the last batch of an epoch partial (as recur's SequenceBatcher)."""

    def __init__(self, inputs, targets, batch_size, generator):
        self.inputs, self.targets, self.batch_size, self.generator = inputs, targets, batch_size, generator
        self.order, self.at = None, 0

    def next(self):
        n = self.inputs.shape[0]
        if self.order is None or self.at >= n:
            self.order, self.at = torch.randperm(n, generator=self.generator), 0
        idx = self.order[self.at:self.at + self.batch_size]
        self.at += self.batch_size
        return self.inputs[idx].transpose(0, 1), self.targets[idx]  # [L, B, F], [B, H*K]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: forecast_torch.py MANIFEST.json OUTPUTS.f32")
    with open(sys.argv[1]) as f:
        m = json.load(f)
    torch.manual_seed(m["seed"])
    torch.set_num_threads(m["threads"])
    blob = read_blob(m["data"])
    generator = torch.Generator().manual_seed(m["seed"] + 2)
    members, batches = [], []
    for spec in m["members"]:
        members.append(Member(m["cell"], spec["features"], m["hiddenSize"], m["numLayers"], m["dropout"], spec["outputs"]))
        batches.append(Batches(tensor_at(blob, spec["trainInputs"]), tensor_at(blob, spec["trainTargets"]), m["batchSize"], generator))
    params = [p for member in members for p in member.parameters()]
    optimizer = torch.optim.Adam(params, lr=m["lr"])

    for member in members:
        member.train()
    steps, loss = 0, float("nan")
    start = time.perf_counter()
    while time.perf_counter() - start < m["seconds"]:
        total = 0
        for member, spec, source in zip(members, m["members"], batches):
            x, y = source.next()
            total = total + head_loss(spec["head"], spec["quantiles"], member(x), y)
        optimizer.zero_grad()
        total.backward()
        if m["clipNorm"] is not None:
            nn.utils.clip_grad_norm_(params, m["clipNorm"])
        optimizer.step()
        steps += 1
        loss = total.item()
    seconds = time.perf_counter() - start

    out = array.array("f")
    with torch.no_grad():
        for member, spec in zip(members, m["members"]):
            member.eval()
            out.extend(member(tensor_at(blob, spec["holdoutInputs"])).reshape(-1).tolist())
    with open(sys.argv[2], "wb") as f:
        out.tofile(f)
    print(json.dumps({"steps": steps, "seconds": seconds, "loss": loss, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
