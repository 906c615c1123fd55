#!/usr/bin/env python3
"""Writes the safetensors golden checkpoints the Java tests read back.

Written from the format description, without the safetensors package: an 8-byte little-endian
header length N, N bytes of JSON header ({name: {dtype, shape, data_offsets}} plus an optional
"__metadata__" string map), then the raw little-endian tensor bytes; data_offsets are relative to
the first byte after the header. Values come from torch, bf16 included.

Run from the module directory (plugins-models/weights-safetensors), with a python3 that has torch
(Debian: python3-torch):
    python3 src/test/python/safetensors_golden.py
It writes src/test/resources/golden/{single,sharded}/ and golden/expected.json, the float value of
every stored element (as the stored dtype holds it) with its dtype and shape.
"""
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "golden")
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bf16: write its bit pattern
        t = t.view(torch.int16)
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    header, data = {}, bytearray()
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        b = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # pad so the data section starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)


def expected(tensors):
    return {name: {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                   "values": [float(v) for v in t.to(torch.float64).flatten().tolist()]}
            for name, t in tensors.items()}


def main():
    g = torch.Generator().manual_seed(20261124)
    single = {
        "w.f32": torch.randn(2, 3, generator=g),
        "w.f16": (torch.randn(4, 5, generator=g) * 10).to(torch.float16),
        "w.bf16": (torch.randn(3, 2, generator=g) * 1000).to(torch.bfloat16),
        "ids": torch.tensor([0, -1, 1 << 40], dtype=torch.int64),
        "scalar": torch.tensor(3.5, dtype=torch.float32),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
    }
    shard1 = {
        "model.embed.weight": torch.randn(5, 4, generator=g).to(torch.bfloat16),
        "model.norm.weight": torch.ones(4, dtype=torch.float32),
    }
    shard2 = {
        "lm_head.weight": torch.randn(4, 3, generator=g).to(torch.float16),
    }
    os.makedirs(os.path.join(OUT, "single"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "sharded"), exist_ok=True)
    write_safetensors(os.path.join(OUT, "single", "model.safetensors"), single, {"format": "pt"})
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    weight_map = {}
    for name, shard in zip(names, [shard1, shard2]):
        write_safetensors(os.path.join(OUT, "sharded", name), shard, {"format": "pt"})
        weight_map.update({t: name for t in shard})
    total = sum(len(raw_bytes(t)) for s in (shard1, shard2) for t in s.values())
    with open(os.path.join(OUT, "sharded", "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"single": expected(single), "sharded": expected({**shard1, **shard2})}, f,
                  indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
