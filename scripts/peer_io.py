"""What the PyTorch peer scripts share: reading a job's arrays (inline JSON or little-endian files)."""
import array
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
