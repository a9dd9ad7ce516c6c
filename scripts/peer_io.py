"""What the PyTorch peer scripts share: reading a job's arrays (inline JSON or little-endian files),
and recur's learning-rate schedule."""
import array
import math
import os
import sys

import torch


def read_array(value, code, where, base, fail):
    """An int32 ('i') or float32 ('f') tensor from an inline JSON array or a little-endian binary
    file named relative to `base`; `fail(message)` reports bad input and exits."""
    dtype = torch.int32 if code == "i" else torch.float32
    if isinstance(value, list):
        return torch.tensor(value, dtype=dtype)
    if not isinstance(value, str):
        fail(f"{where} must be an array of numbers or the path of a binary file, got {type(value).__name__}")
    path = os.path.join(base, value)
    with open(path, "rb") as f:
        raw = f.read()
    a = array.array(code)
    if a.itemsize != 4:
        fail(f"array '{code}' has {a.itemsize}-byte items here, not 4")
    if len(raw) % 4:
        fail(f"{where}: {path} holds {len(raw)} bytes, not a whole number of 4-byte values")
    a.frombytes(raw)
    if sys.byteorder != "little":
        a.byteswap()
    return torch.frombuffer(a, dtype=dtype) if len(a) else torch.zeros(0, dtype=dtype)


def warmup_cosine_lr(lr, step, elapsed, warmup, min_ratio, max_steps, seconds, warm_end):
    """recur's WarmupCosineLR: lr * (step + 1) / warmup during the warm-up, then a cosine from lr
    to lr * min_ratio (constant when min_ratio is None) over the rest of the budget: the steps up
    to max_steps when given, else the wall time from warm_end (when the warm-up ended, seconds
    into the run; `elapsed` until known) to `seconds`."""
    if step < warmup:
        return lr * (step + 1) / warmup
    if min_ratio is None:
        return lr
    if max_steps is not None:
        p = min(1.0, (step - warmup) / max(1, max_steps - warmup))
    else:
        start = warm_end if warm_end is not None else elapsed
        p = min(1.0, max(0.0, (elapsed - start) / max(1e-9, seconds - start)))
    return lr * (min_ratio + (1 - min_ratio) * (1 + math.cos(math.pi * p)) / 2)
