#!/usr/bin/env python3
"""Writes what Hugging Face transformers makes of the llama-2-tiny-random.gguf fixture.

transformers' GGUF loader (modeling_gguf_pytorch_utils.load_gguf_checkpoint with the tables of
integrations/ggml.py) is re-done here with numpy and torch, since neither transformers nor the
gguf package is installed:
  config   general.architecture -> model_type; {arch}.context_length -> max_position_embeddings,
           block_count -> num_hidden_layers, feed_forward_length -> intermediate_size,
           embedding_length -> hidden_size, rope.dimension_count -> head_dim (llama),
           rope.freq_base -> rope_theta, attention.head_count -> num_attention_heads,
           attention.head_count_kv -> num_key_value_heads,
           attention.layer_norm_rms_epsilon -> rms_norm_eps; tokenizer.ggml.bos/eos/padding ids;
           vocab_size = len(tokenizer.ggml.tokens); tie_word_embeddings = no "output.weight".
  tensors  names rewritten by substring replacement with GGUF_TENSOR_MAPPING["llama"], in its
           order; dimensions reversed (GGUF lists them innermost first); attn_q and attn_k rows
           put back by reverse_permute_weights (num_attention_heads, num_key_value_heads).
Also written, for the Java tests:
  permutation  llama.cpp's LlamaModel.permute (convert_hf_to_gguf.py) of a small matrix
  rope_freqs   the rope_freqs.weight convert_hf_to_gguf.py writes for rope_type "llama3"
               (Llama 3.1 and 3.2 settings), computed in float32 with torch as it does.

Run from the module directory (plugins-models/weights-gguf) with /usr/bin/python3 (torch 1.13):
    python3 src/test/python/gguf_hf_golden.py
It writes src/test/resources/golden/llama-2-tiny-random.hf.json.
"""
import json
import math
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(__file__)
FIXTURE = os.path.join(HERE, "..", "resources", "fixtures", "llama-2-tiny-random.gguf")
OUT = os.path.join(HERE, "..", "resources", "golden", "llama-2-tiny-random.hf.json")

SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
          11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9
GGML = {0: ("F32", np.float32, 1, 4), 1: ("F16", np.float16, 1, 2)}  # the fixture's types

TENSOR_MAPPING = {  # transformers' GGUF_TENSOR_MAPPING["llama"], in its order
    "token_embd": "model.embed_tokens",
    "blk": "model.layers",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_norm": "post_attention_layernorm",
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_v": "self_attn.v_proj",
    "attn_k": "self_attn.k_proj",
    "attn_output": "self_attn.o_proj",
    "output.weight": "lm_head.weight",
    "output_norm": "model.norm",
}
CONFIG_MAPPING = {  # transformers' GGUF_CONFIG_MAPPING["llama"]
    "context_length": "max_position_embeddings",
    "block_count": "num_hidden_layers",
    "feed_forward_length": "intermediate_size",
    "embedding_length": "hidden_size",
    "rope.dimension_count": "head_dim",
    "rope.freq_base": "rope_theta",
    "attention.head_count": "num_attention_heads",
    "attention.head_count_kv": "num_key_value_heads",
    "attention.layer_norm_rms_epsilon": "rms_norm_eps",
}
TOKENIZER_IDS = {"bos_token_id": "bos_token_id", "eos_token_id": "eos_token_id",
                 "padding_token_id": "pad_token_id"}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def string(self):
        n = self.take("<Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == STRING:
            return self.string()
        if vtype == ARRAY:
            etype, n = self.take("<I"), self.take("<Q")
            return [self.value(etype) for _ in range(n)]
        return self.take(SCALAR[vtype])


def read_gguf(path):
    data = open(path, "rb").read()
    r = Reader(data)
    assert r.take("<I") == 0x46554747, "not GGUF"
    r.take("<I")
    n_tensors, n_kv = r.take("<Q"), r.take("<Q")
    metadata = {}
    for _ in range(n_kv):
        key = r.string()
        metadata[key] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.take("<Q") for _ in range(r.take("<I"))]
        infos.append((name, dims, r.take("<I"), r.take("<Q")))
    alignment = metadata.get("general.alignment", 32)
    start = (r.pos + alignment - 1) // alignment * alignment
    tensors = {}
    for name, dims, gtype, offset in infos:
        _, dtype, _, size = GGML[gtype]
        count = int(np.prod(dims))
        flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + offset)
        tensors[name] = (GGML[gtype][0], flat.reshape(list(reversed(dims))))
    return metadata, tensors


def hf_config(metadata, tensors):
    arch = metadata["general.architecture"]
    config = {"model_type": arch}
    for key, hf in CONFIG_MAPPING.items():
        if arch + "." + key in metadata:
            config[hf] = metadata[arch + "." + key]
    for key, hf in TOKENIZER_IDS.items():
        if "tokenizer.ggml." + key in metadata:
            config[hf] = metadata["tokenizer.ggml." + key]
    config["vocab_size"] = len(metadata["tokenizer.ggml.tokens"])
    config["tie_word_embeddings"] = "output.weight" not in tensors
    # Keys the file lacks take LlamaConfig's defaults.
    config.setdefault("rope_theta", 10000.0)
    config.setdefault("num_key_value_heads", config["num_attention_heads"])
    return config


def reverse_permute(weights, n_head, n_kv_head):
    if n_head != n_kv_head:
        n_head = n_kv_head
    dim = weights.shape[0] // n_head // 2
    w = weights.reshape(n_head, dim, 2, *weights.shape[1:])
    return w.transpose(2, 1).reshape(weights.shape)


def llama_cpp_permute(weights, n_head, n_kv_head):
    if n_kv_head is not None and n_head != n_kv_head:
        n_head = n_kv_head
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def hf_tensors(tensors, config):
    out = {}
    for name, (gtype, array) in tensors.items():
        weights = torch.from_numpy(array.astype(np.float32))
        if ".attn_q." in name:
            weights = reverse_permute(weights, config["num_attention_heads"],
                                      config["num_attention_heads"])
        elif ".attn_k." in name:
            weights = reverse_permute(weights, config["num_attention_heads"],
                                      config["num_key_value_heads"])
        hf = name
        for gguf_part, hf_part in TENSOR_MAPPING.items():
            if gguf_part in hf:
                hf = hf.replace(gguf_part, hf_part)
        out[hf] = (name, gtype, weights)
    return out


def summary(gguf_name, gtype, weights):
    flat = weights.reshape(-1).double()
    position = torch.arange(flat.numel(), dtype=torch.float64) % 7 + 1
    entry = {
        "gguf": gguf_name,
        "dtype": gtype,
        "shape": list(weights.shape),
        "first": flat[0].item(),
        "last": flat[-1].item(),
        "sum": flat.sum().item(),
        "weighted_sum": (flat * position).sum().item(),  # sum of v[i] * (i % 7 + 1)
    }
    if flat.numel() <= 512:
        entry["values"] = [v.item() for v in flat]
    return entry


def llama3_rope_freqs(theta, dim, factor, low_freq_factor, high_freq_factor, old_context_len):
    """convert_hf_to_gguf.py LlamaModel.generate_extra_tensors, rope_type llama3."""
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_freq_wavelen:
            factors.append(1)
        elif wavelen > low_freq_wavelen:
            factors.append(factor)
        else:
            smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return [float(v) for v in torch.tensor(factors, dtype=torch.float32)]


def main():
    metadata, tensors = read_gguf(FIXTURE)
    config = hf_config(metadata, tensors)
    golden = {
        "fixture": "llama-2-tiny-random.gguf",
        "config": config,
        "tensors": {hf: summary(*t) for hf, t in hf_tensors(tensors, config).items()},
    }
    hf = torch.arange(12 * 3, dtype=torch.float32).reshape(12, 3)  # heads of 6 rows
    golden["permutation"] = {
        "heads": 2,
        "hf": hf.reshape(-1).tolist(),
        "gguf": llama_cpp_permute(hf, 2, 2).reshape(-1).tolist(),
    }
    golden["rope_freqs"] = [
        {"theta": theta, "head_dim": 128, "factor": factor, "low_freq_factor": 1.0,
         "high_freq_factor": 4.0, "original_max_position_embeddings": 8192,
         "divisors": llama3_rope_freqs(theta, 128, factor, 1.0, 4.0, 8192)}
        for theta, factor in [(500000.0, 8.0), (500000.0, 32.0)]
    ]
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
