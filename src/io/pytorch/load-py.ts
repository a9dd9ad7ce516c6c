/**
 * The template of load.py in a `recur export pytorch` package: reading and writing recur model
 * files (safetensors with recur's metadata) from PyTorch, through the `safetensors` package
 * when it is importable and otherwise through a small reader and writer of the format. Files it
 * saves carry the CRC-32 of each tensor (`recur.crc32`, io/checksums.ts) as recur's own do.
 */

/** load.py. */
export function loadPy(): string {
  return String.raw`"""recur model files in PyTorch (written by recur export pytorch).

A recur model file is a .safetensors file: the weights under their PyTorch names, and recur's
metadata (config, task, vocabulary, normalisation ...) as JSON strings in "__metadata__".

    model, metadata = load("model.safetensors")     # the model (model.py) with the weights, in eval mode
    save(model, "trained.safetensors", metadata)    # a file recur loads back

The safetensors package is used when it is importable; otherwise the small reader and writer
below (the format: an 8-byte little-endian header length, a JSON header, raw little-endian data).
Each tensor's bytes carry a CRC-32 (zlib.crc32) in metadata "recur.crc32": load() checks them,
save() writes them, so a damaged file is refused by both sides instead of loading wrong weights.
"""
import ctypes
import json
import os
import struct
import sys
import zlib

import torch

from model import build_model

DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}
# What a recur checkpoint holds besides a model file's metadata: never carried into a model file.
CHECKPOINT_KEYS = ("recur.checkpoint_version", "recur.optimizer", "recur.training", "recur.metadata_crc32")
# The CRC-32 of each tensor's data bytes, as JSON {name: 8 hex digits}; a file without it loads unchecked.
CHECKSUMS_KEY = "recur.crc32"


def has_safetensors():
    try:
        import safetensors.torch  # noqa: F401
        return True
    except ImportError:
        return False


def read_safetensors(path, use_package=None):
    """(tensors by name, metadata string map) of a .safetensors file."""
    if use_package if use_package is not None else has_safetensors():
        from safetensors import safe_open
        with safe_open(path, "pt") as f:
            return {name: f.get_tensor(name) for name in f.keys()}, dict(f.metadata() or {})
    if sys.byteorder != "little":
        raise RuntimeError("the pure-Python safetensors reader runs on little-endian machines only")
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r} is {info['dtype']}; recur models hold floats ({', '.join(DTYPES)})")
        start, end = (8 + n + offset for offset in info["data_offsets"])
        flat = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[info["dtype"]]) if end > start else torch.empty(0)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata, use_package=None):
    """Writes float32 tensors and a metadata string map as a .safetensors file (via a temporary file)."""
    tensors = {name: t.detach().to("cpu", torch.float32).contiguous() for name, t in tensors.items()}
    tmp = f"{path}.tmp{os.getpid()}"
    if use_package if use_package is not None else has_safetensors():
        from safetensors.torch import save_file
        save_file(tensors, tmp, metadata=metadata)
    else:
        if sys.byteorder != "little":
            raise RuntimeError("the pure-Python safetensors writer runs on little-endian machines only")
        header, blobs, offset = {}, [], 0
        for name in sorted(tensors):
            t = tensors[name]
            raw = ctypes.string_at(t.data_ptr(), t.numel() * 4) if t.numel() else b""
            header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
            blobs.append(raw)
            offset += len(raw)
        header["__metadata__"] = metadata
        text = json.dumps(header, separators=(",", ":")).encode("utf-8")
        text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(tmp, path)


def tensor_bytes(t):
    """A contiguous CPU tensor's data as the file stores it (little-endian machines only)."""
    return ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b""


def checksums(tensors):
    """The value of "recur.crc32" for tensors (contiguous, on the CPU, as they will be written)."""
    return json.dumps({name: f"{zlib.crc32(tensor_bytes(t)):08x}" for name, t in tensors.items()}, separators=(",", ":"))


def check_checksums(path, tensors, metadata):
    """Raises ValueError naming the first tensor whose bytes differ from the CRC-32 the file records."""
    if CHECKSUMS_KEY not in metadata or sys.byteorder != "little":
        return  # saved without checksums (by PyTorch, say): nothing to check
    recorded = json.loads(metadata[CHECKSUMS_KEY])
    for name, t in tensors.items():
        if recorded.get(name) is None or int(recorded[name], 16) != zlib.crc32(tensor_bytes(t.contiguous())):
            raise ValueError(f"{path}: tensor {name!r} does not match the CRC-32 recorded in the file (the file is corrupted or was edited)")


def load(path, use_package=None):
    """The model of a recur model file (weights loaded, eval mode) and the file's metadata."""
    tensors, metadata = read_safetensors(path, use_package)
    check_checksums(path, tensors, metadata)
    if "recur.config" not in metadata:
        raise ValueError(f"{path} has no recur metadata ('recur.config'): save files with save() below, which keeps it")
    model = build_model(json.loads(metadata["recur.config"]))
    model.load_state_dict(tensors, strict=True)
    return model.eval(), metadata


def save(model, path, metadata, step=None, use_package=None):
    """Writes the model's weights with recur's metadata (that of the file it was loaded from), so
    that recur loads the file back. step: the training step to record ("recur.step")."""
    model = getattr(model, "module", model)  # a DistributedDataParallel wrapper's model
    meta = {k: v for k, v in metadata.items() if k not in CHECKPOINT_KEYS + (CHECKSUMS_KEY,)}
    meta["format"] = "pt"
    meta.setdefault("recur.config", json.dumps(model.config))
    if step is not None:
        meta["recur.step"] = str(step)
        meta.pop("recur.val_loss", None)  # it described the weights before this training
    tensors = {name: t.detach().to("cpu", torch.float32).contiguous() for name, t in model.state_dict().items()}
    if sys.byteorder == "little":  # elsewhere the file goes without checksums, which recur accepts
        meta[CHECKSUMS_KEY] = checksums(tensors)
    write_safetensors(path, tensors, meta, use_package)
`;
}
