#!/usr/bin/env python3
"""Writes the file the Java writer must reproduce byte for byte, with the safetensors library.

SafetensorsWriterTest reads src/test/resources/golden/written-by-safetensors.safetensors, writes
the same tensors and metadata with Kiln's writer, and compares the two files byte for byte: the
layout (dtype widest first, then name), the header (compact JSON in that order, padded with
spaces to 8 bytes, names escaped as serde_json escapes them) and the data.

Unlike safetensors_golden.py, this needs the safetensors package itself (0.8.0 when written;
any version whose header order is the same), beside torch:

    pip install --target /tmp/st safetensors     # or a virtualenv
    PYTHONPATH=/tmp/st python3 src/test/python/safetensors_writer_golden.py

Run from the module directory (plugins-models/weights-safetensors). The output is the same on
every run: one metadata key only, since the library writes several in hash order.
"""
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "golden",
                   "written-by-safetensors.safetensors")


def main():
    g = torch.Generator().manual_seed(7)
    tensors = {
        # names that sort differently by dtype than by name, and unusual characters
        "b.weight": torch.randn(3, 5, generator=g),
        "a.weight": torch.randn(2, 3, generator=g).to(torch.bfloat16),
        "a.bias": torch.randn(7, generator=g).to(torch.float16),
        "z.ids": torch.tensor([[0, -1], [2147483647, -2147483648]], dtype=torch.int32),
        "scalar": torch.tensor(0.1, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
        "odd.bf16": (torch.randn(3, generator=g) * 1e-3).to(torch.bfloat16),
        "quote\"back\\slash\ttab": torch.ones(1, dtype=torch.float16),
        "caf\u00e9.\u00fcber": torch.full((2,), -0.0),
        "big": torch.randn(65536 + 100, generator=g).to(torch.float16),  # two chunks in Java
    }
    save_file(tensors, OUT, metadata={"format": "pt"})
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
