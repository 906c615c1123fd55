#!/usr/bin/env python3
"""Writes a tiny GGUF file with known tensors, and the values they dequantize to.

Written from the GGUF and ggml block formats with numpy only (no gguf package):
  header   "GGUF", uint32 version (3), uint64 tensor count, uint64 metadata key-value count
  kv       string key, uint32 value type, value (strings: uint64 length + UTF-8; arrays: uint32
           element type, uint64 count, elements)
  tensor   string name, uint32 n_dims, uint64 dims (innermost first), uint32 ggml type,
           uint64 offset into the data section (a multiple of the alignment)
  data     starts at the next multiple of general.alignment (here 64, not the default 32)
  Q8_0     blocks of 32: fp16 scale d, 32 x int8 q; value = q * d
  Q4_0     blocks of 32: fp16 scale d, 16 bytes; byte j holds element j (low nibble) and element
           j + 16 (high nibble); value = (q - 8) * d
Quantization follows ggml's reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref).

Run from the module directory (plugins-models/weights-gguf), with a python3 that has numpy:
    python3 src/test/python/gguf_golden.py
It writes src/test/resources/golden/: tiny.gguf; source.f32, the floats the tensors were made
from; and <tensor>.f32 for each tensor, the little-endian float32 values it must read back as.
"""
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "golden")
ALIGNMENT = 64

# GGUF metadata value types
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = \
    range(13)
SCALAR = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
          FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}
# ggml tensor types
F32, F16, Q4_0, Q8_0, BF16 = 0, 1, 2, 8, 30


def gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def value(vtype, v):
    if vtype == STRING:
        return gguf_string(v)
    if vtype == ARRAY:
        etype, items = v
        return struct.pack("<IQ", etype, len(items)) + b"".join(value(etype, i) for i in items)
    return struct.pack(SCALAR[vtype], v)


def round_away(x):
    """C roundf: halves away from zero (numpy's round goes to even). Adding 0.5 in float64 is
    exact for float32 input; in float32 it could round 0.49999997 up to 1."""
    return np.sign(x) * np.floor(np.abs(x).astype(np.float64) + 0.5)


def quantize_q8_0(x):
    out = bytearray()
    for block in x.reshape(-1, 32):
        amax = np.max(np.abs(block))
        d = np.float32(amax / np.float32(127))
        inv = np.float32(1) / d if d != 0 else np.float32(0)
        q = round_away((block * inv).astype(np.float32)).astype(np.int8)
        out += np.float16(d).tobytes() + q.tobytes()
    return bytes(out)


def quantize_q4_0(x):
    out = bytearray()
    for block in x.reshape(-1, 32):
        mx = block[np.argmax(np.abs(block))]  # the first element of largest magnitude, signed
        d = np.float32(mx / np.float32(-8))
        inv = np.float32(1) / d if d != 0 else np.float32(0)
        scaled = (block * inv).astype(np.float32) + np.float32(8.5)
        q = np.minimum(15, np.trunc(scaled).astype(np.int8)).astype(np.uint8)
        out += np.float16(d).tobytes() + (q[:16] | (q[16:] << 4)).astype(np.uint8).tobytes()
    return bytes(out)


def dequantize_q8_0(raw):
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 34)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)
    q = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
    return (q * d).reshape(-1)


def dequantize_q4_0(raw):
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8).astype(np.float32)
    return ((q - np.float32(8)) * d).reshape(-1)


def to_bf16(x):
    """Round-to-nearest-even float32 -> bf16 bits, as torch and ggml do (no NaNs here)."""
    bits = x.view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")


def from_bf16(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def source_values():
    """256 floats in 8 blocks of 32 that exercise the quantizers' corners."""
    rng = np.random.RandomState(20261124)
    blocks = [
        rng.randn(32),                       # ordinary weights
        rng.randn(32) * 1e3,                 # large scale
        rng.randn(32) * 1e-3,                # small scale
        np.zeros(32),                        # all zero: d = 0
        np.full(32, -0.75),                  # constant, negative maximum
        np.linspace(-1, 1, 32),              # ramp through zero, both extremes
        np.concatenate([[5.0], rng.rand(31)]),  # one positive outlier
        rng.randn(32) * 0.02,                # typical small weights
    ]
    return np.concatenate(blocks).astype(np.float32)


def main():
    x = source_values()
    q8 = quantize_q8_0(x)
    q4 = quantize_q4_0(x)
    bf = to_bf16(x)
    cube = x[:192]  # 3 x 2 x 32
    tensors = [  # name, ggml type, dims innermost first, bytes, expected floats
        ("x.f32", F32, [64, 4], x.astype("<f4").tobytes(), x),
        ("x.f16", F16, [64, 4], x.astype("<f2").tobytes(), x.astype(np.float16).astype(np.float32)),
        ("x.bf16", BF16, [64, 4], bf.tobytes(), from_bf16(bf)),
        ("x.q8_0", Q8_0, [64, 4], q8, dequantize_q8_0(q8)),
        ("x.q4_0", Q4_0, [64, 4], q4, dequantize_q4_0(q4)),
        ("cube.q8_0", Q8_0, [32, 2, 3], quantize_q8_0(cube), dequantize_q8_0(quantize_q8_0(cube))),
    ]
    metadata = [
        ("general.architecture", STRING, "tiny"),
        ("general.alignment", UINT32, ALIGNMENT),
        ("test.uint8", UINT8, 200),
        ("test.int8", INT8, -100),
        ("test.uint16", UINT16, 60000),
        ("test.int16", INT16, -30000),
        ("test.uint32", UINT32, 4000000000),
        ("test.int32", INT32, -2000000000),
        ("test.float32", FLOAT32, 0.25),
        ("test.bool", BOOL, True),
        ("test.string", STRING, "h\u00e9llo \u2713"),
        ("test.uint64", UINT64, 1 << 40),
        ("test.int64", INT64, -(1 << 40)),
        ("test.float64", FLOAT64, -1.5),
        ("test.array.int32", ARRAY, (INT32, [1, -2, 3])),
        ("test.array.string", ARRAY, (STRING, ["a", "bc", ""])),
        ("test.array.nested", ARRAY, (ARRAY, [(UINT8, [1, 2]), (UINT8, [3])])),
        ("test.array.empty", ARRAY, (FLOAT32, [])),
    ]

    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    head += b"".join(gguf_string(k) + struct.pack("<I", t) + value(t, v) for k, t, v in metadata)
    data, infos = bytearray(), bytearray()
    for name, gtype, dims, raw, _ in tensors:
        data += b"\0" * (-len(data) % ALIGNMENT)
        infos += gguf_string(name) + struct.pack("<I", len(dims))
        infos += b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", gtype, len(data))
        data += raw
    head += infos
    head += b"\0" * (-len(head) % ALIGNMENT)

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tiny.gguf"), "wb") as f:
        f.write(head + data)
    x.astype("<f4").tofile(os.path.join(OUT, "source.f32"))
    for name, _, _, _, expected in tensors:
        np.asarray(expected, dtype="<f4").tofile(os.path.join(OUT, name + ".f32"))


if __name__ == "__main__":
    main()
