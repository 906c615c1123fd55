#!/usr/bin/env python3
"""Tiny random checkpoints of the four architectures the llama family serves, and their golden
logits, log-probs and gradients, computed with PyTorch.

Writes, under plugins-models/llama/src/test/resources/:

    checkpoints/llama3/          LlamaForCausalLM: rope_scaling llama3, attention_bias and
                                 mlp_bias true, GQA, F32, model.safetensors
    checkpoints/mistral-bf16/    MistralForCausalLM: sliding_window 4 (shorter than the longer
                                 sequence, so the window matters), rope_theta 1e6, BF16 weights
    checkpoints/qwen2-sharded/   Qwen2ForCausalLM: q/k/v biases, tie_word_embeddings, two shards
                                 and model.safetensors.index.json, plus a rotary_emb.inv_freq
                                 tensor the model does not use (as old checkpoints carry)
    checkpoints/qwen3/           Qwen3ForCausalLM: q_norm/k_norm, head_dim 32 != hidden/heads
    goldens/<name>.json          per checkpoint: the token sequences, logits of each sequence
                                 alone, the log-prob of each next token, and the logits of a
                                 left-padded batch of both sequences
    goldens/qwen2-sharded.grads.safetensors
                                 d loss / d parameter (F32) for the loss of the longer sequence

How to run (from the repository root; the output is the same on every run):

    /usr/bin/python3 plugins-models/llama/src/test/python/make_goldens.py

Debian packages: python3, python3-torch (1.13 when written). transformers is not needed: the
model below is written from the semantics of transformers' modeling_llama.py, modeling_mistral.py,
modeling_qwen2.py and modeling_qwen3.py:

    embed_tokens
    -> per layer: h = x + o_proj(attn(rope(q_norm?(q_proj(n))), rope(k_norm?(k_proj(n))), v_proj(n)))
                  with n = input_layernorm(x); out = h + down_proj(silu(gate_proj(m)) * up_proj(m))
                  with m = post_attention_layernorm(h)
    -> norm -> lm_head (or embed_tokens' weight when tied)

RoPE is rotate-half with inv_freq from rope_theta (llama3 rope scaling as transformers'
_compute_llama3_parameters), attention is causal grouped-query (repeat_kv), Mistral's sliding
window lets query i see keys j with i - window < j <= i, the padding mask is additive as
transformers builds it (finfo.min at padded keys), RMSNorm normalizes in float.

Everything is computed in float64 from parameters drawn with torch.manual_seed and rounded to
the checkpoint's dtype (float32, or bfloat16 for mistral-bf16), so the goldens are exactly what
those stored weights give with exact arithmetic; an engine computing in F32 matches to ~1e-5.
(For the BF16 checkpoint this is "bf16 weights, f32 activations", which is what the engine does;
transformers in torch_dtype=bfloat16 would round activations too.)

safetensors files are written by hand (the safetensors package is not needed): an 8-byte
little-endian header length, the JSON header (sorted keys, padded with spaces to 8 bytes), the
data.
"""

import json
import math
import os
import struct

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
DTYPE = torch.float64

BASE = {
    "vocab_size": 260,
    "hidden_size": 64,
    "intermediate_size": 96,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "hidden_act": "silu",
    "max_position_embeddings": 128,
    "initializer_range": 0.02,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "use_cache": True,
}

CHECKPOINTS = {
    "llama3": dict(BASE, **{
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        # original_max_position_embeddings is small so that every band matters at these positions
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
        "attention_bias": True, "mlp_bias": True, "head_dim": 16,
        "tie_word_embeddings": False, "torch_dtype": "float32",
    }),
    "mistral-bf16": dict(BASE, **{
        "architectures": ["MistralForCausalLM"], "model_type": "mistral",
        "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "sliding_window": 4, "head_dim": None,
        "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    }),
    "qwen2-sharded": dict(BASE, **{
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_scaling": None,
        "use_sliding_window": False, "sliding_window": 32, "max_window_layers": 2,
        "tie_word_embeddings": True, "torch_dtype": "float32",
    }),
    "qwen3": dict(BASE, **{
        "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
        "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_scaling": None,
        "head_dim": 32, "attention_bias": False,
        "use_sliding_window": False, "sliding_window": None,
        "tie_word_embeddings": False, "torch_dtype": "float32",
    }),
}

PAD = 3  # left padding of the shorter sequence in the batch


# ---- the architectures, from config.json keys ----------------------------------------------

def traits(c):
    """What each model_type fixes in transformers' modeling code, and what config.json sets."""
    t = c["model_type"]
    attention_bias = c.get("attention_bias", False)
    return {
        "qkv_bias": True if t == "qwen2" else attention_bias,
        "o_bias": False if t == "qwen2" else attention_bias,
        "mlp_bias": c.get("mlp_bias", False),
        "qk_norm": t == "qwen3",
        "head_dim": c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"],
        "window": c.get("sliding_window") if t == "mistral" else None,
    }


def parameter_shapes(c):
    """(HF name, shape) of every parameter, in state_dict order; a tied lm_head is not one."""
    tr = traits(c)
    hidden, inter, hd = c["hidden_size"], c["intermediate_size"], tr["head_dim"]
    q_out, kv_out = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    shapes = [("model.embed_tokens.weight", (c["vocab_size"], hidden))]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for proj, out, inp, bias in (("q_proj", q_out, hidden, tr["qkv_bias"]),
                                     ("k_proj", kv_out, hidden, tr["qkv_bias"]),
                                     ("v_proj", kv_out, hidden, tr["qkv_bias"]),
                                     ("o_proj", hidden, q_out, tr["o_bias"])):
            shapes.append((p + f"self_attn.{proj}.weight", (out, inp)))
            if bias:
                shapes.append((p + f"self_attn.{proj}.bias", (out,)))
        if tr["qk_norm"]:
            shapes += [(p + "self_attn.q_norm.weight", (hd,)), (p + "self_attn.k_norm.weight", (hd,))]
        for proj, out, inp in (("gate_proj", inter, hidden), ("up_proj", inter, hidden),
                               ("down_proj", hidden, inter)):
            shapes.append((p + f"mlp.{proj}.weight", (out, inp)))
            if tr["mlp_bias"]:
                shapes.append((p + f"mlp.{proj}.bias", (out,)))
        shapes += [(p + "input_layernorm.weight", (hidden,)),
                   (p + "post_attention_layernorm.weight", (hidden,))]
    shapes.append(("model.norm.weight", (hidden,)))
    if not c["tie_word_embeddings"]:
        shapes.append(("lm_head.weight", (c["vocab_size"], hidden)))
    return shapes


def make_parameters(c, seed, storage):
    torch.manual_seed(seed)
    params = {}
    for name, shape in parameter_shapes(c):
        values = torch.randn(shape, dtype=DTYPE) * 0.1
        if name.endswith("norm.weight"):
            values = values + 1.0  # near transformers' init of ones, but not equal to it
        params[name] = values.to(storage).to(DTYPE).requires_grad_(True)
    return params


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rope_inv_freq(c, dim):
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, dim, 2, dtype=DTYPE) / dim))
    scaling = c.get("rope_scaling")
    if not scaling:
        return inv_freq
    assert scaling["rope_type"] == "llama3"
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old / low, old / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
    return torch.where(medium, smoothed, scaled)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def repeat_kv(x, n_rep):
    b, kv, s, d = x.shape
    return x[:, :, None].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)


def attention_mask_4d(c, attention_mask):
    """Additive [batch, 1, seq, seq]: causal, sliding window, padded keys (finfo.min, as HF)."""
    b, s = attention_mask.shape
    i = torch.arange(s)[:, None]
    j = torch.arange(s)[None, :]
    allowed = (j <= i)
    window = traits(c)["window"]
    if window is not None:
        allowed = allowed & (j > i - window)
    allowed = allowed[None, :, :] & attention_mask.bool()[:, None, :]
    mask = torch.zeros(b, 1, s, s, dtype=DTYPE)
    return mask.masked_fill(~allowed[:, None], torch.finfo(DTYPE).min)


def forward(c, p, input_ids, position_ids, attention_mask):
    tr = traits(c)
    hd, heads, kv_heads = tr["head_dim"], c["num_attention_heads"], c["num_key_value_heads"]
    eps = c["rms_norm_eps"]
    b, s = input_ids.shape
    freqs = position_ids.to(DTYPE)[:, :, None] * rope_inv_freq(c, hd)[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    mask = attention_mask_4d(c, attention_mask)

    def linear(name, x):
        return F.linear(x, p[name + ".weight"], p.get(name + ".bias"))

    h = F.embedding(input_ids, p["model.embed_tokens.weight"])
    for layer in range(c["num_hidden_layers"]):
        a = f"model.layers.{layer}.self_attn."
        n = rms_norm(h, p[f"model.layers.{layer}.input_layernorm.weight"], eps)
        q = linear(a + "q_proj", n).view(b, s, heads, hd)
        k = linear(a + "k_proj", n).view(b, s, kv_heads, hd)
        v = linear(a + "v_proj", n).view(b, s, kv_heads, hd).transpose(1, 2)
        if tr["qk_norm"]:  # Qwen3: RMSNorm over head_dim, per head, before RoPE
            q = rms_norm(q, p[a + "q_norm.weight"], eps)
            k = rms_norm(k, p[a + "k_norm.weight"], eps)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, heads // kv_heads), repeat_kv(v, heads // kv_heads)
        scores = torch.matmul(q, k.transpose(2, 3)) * hd ** -0.5 + mask
        out = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, s, heads * hd)
        h = h + linear(a + "o_proj", out)
        m = rms_norm(h, p[f"model.layers.{layer}.post_attention_layernorm.weight"], eps)
        mlp = f"model.layers.{layer}.mlp."
        h = h + linear(mlp + "down_proj", F.silu(linear(mlp + "gate_proj", m)) * linear(mlp + "up_proj", m))
    h = rms_norm(h, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if c["tie_word_embeddings"] else p["lm_head.weight"]
    return F.linear(h, head)


# ---- inputs ---------------------------------------------------------------------------------

def make_sequences(c, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(3, c["vocab_size"], (n,), generator=g).tolist() for n in (6, 9)]


def padded_batch(sequences):
    """Left-padded as a tokenizer with padding_side='left' gives it, with HF generate's
    position_ids: attention_mask.cumsum(-1) - 1, padded positions set to 1."""
    length = max(len(s) for s in sequences)
    ids, mask = [], []
    for s in sequences:
        pad = length - len(s)
        ids.append([0] * pad + s)
        mask.append([0] * pad + [1] * len(s))
    mask = torch.tensor(mask)
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    return torch.tensor(ids), mask, positions


# ---- files ----------------------------------------------------------------------------------

ST_DTYPES = {torch.float32: "F32", torch.bfloat16: "BF16"}


def tensor_bytes(t, storage):
    t = t.detach().to(storage).contiguous()
    if storage == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors, storage):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensor_bytes(tensors[name], storage)
        header[name] = {"dtype": ST_DTYPES[storage], "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    return offset


def write_json(path, value, indent=2):
    """indent None: one line per top-level key's value would still be long; goldens are written
    compactly, configs and the shard index as transformers writes them."""
    with open(path, "w", encoding="ascii") as f:
        json.dump(value, f, indent=indent)
        f.write("\n")


def rounded(t):
    return [float(f"{v:.9g}") for v in t.detach().reshape(-1).tolist()]


def write_checkpoint(name, c, params, storage):
    directory = os.path.join(ROOT, "checkpoints", name)
    os.makedirs(directory, exist_ok=True)
    for old in os.listdir(directory):
        os.remove(os.path.join(directory, old))
    write_json(os.path.join(directory, "config.json"), c)
    tensors = dict(params)
    if name == "qwen2-sharded":
        # what older checkpoints carry and transformers ignores on load
        hd = traits(c)["head_dim"]
        tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = rope_inv_freq(c, hd)
        names = sorted(tensors)
        shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
                  "model-00002-of-00002.safetensors": names[len(names) // 2:]}
        total, weight_map = 0, {}
        for shard, shard_names in shards.items():
            total += write_safetensors(os.path.join(directory, shard),
                                       {n: tensors[n] for n in shard_names}, storage)
            weight_map.update({n: shard for n in shard_names})
        write_json(os.path.join(directory, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})
    else:
        write_safetensors(os.path.join(directory, "model.safetensors"), tensors, storage)


def golden(name, c, seed):
    storage = torch.bfloat16 if c["torch_dtype"] == "bfloat16" else torch.float32
    params = make_parameters(c, seed, storage)
    write_checkpoint(name, c, params, storage)
    sequences = make_sequences(c, seed + 100)
    singles = []
    for s in sequences:
        ids = torch.tensor([s])
        with torch.no_grad():
            logits = forward(c, params, ids, torch.arange(len(s))[None], torch.ones_like(ids))
        logprobs = torch.log_softmax(logits[0], dim=-1)
        next_logprobs = logprobs[:-1].gather(1, ids[0, 1:, None])[:, 0]
        singles.append({"input_ids": s, "logits": rounded(logits),
                        "next_token_logprobs": rounded(next_logprobs)})
    ids, mask, positions = padded_batch(sequences)
    with torch.no_grad():
        batch_logits = forward(c, params, ids, positions, mask)
    result = {
        "description": f"{name}: float64 PyTorch forward of the checkpoint in checkpoints/{name}",
        "generator": "plugins-models/llama/src/test/python/make_goldens.py",
        "vocab_size": c["vocab_size"],
        "sequences": singles,
        "padded_batch": {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                         "position_ids": positions.tolist(), "logits": rounded(batch_logits)},
    }
    if name == "qwen2-sharded":
        longest = torch.tensor([sequences[1]])
        logits = forward(c, params, longest, torch.arange(longest.shape[1])[None], torch.ones_like(longest))
        # HF's causal LM loss: logits at t predict token t + 1
        loss = F.cross_entropy(logits[0, :-1], longest[0, 1:])
        loss.backward()
        result["loss"] = {"input_ids": sequences[1], "value": float(f"{loss.item():.9g}"),
                          "gradients": f"{name}.grads.safetensors"}
        write_safetensors(os.path.join(ROOT, "goldens", f"{name}.grads.safetensors"),
                          {k: v.grad for k, v in params.items()}, torch.float32)
    write_json(os.path.join(ROOT, "goldens", f"{name}.json"), result, indent=None)
    return result


# ---- the GGUF fixture (weights-gguf's copy of llama.cpp's tiny random Llama 2) ---------------

GGUF_FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), *[".."] * 4,
                            "weights-gguf", "src", "test", "resources", "fixtures",
                            "llama-2-tiny-random.gguf")
GGUF_IDS = [1, 450, 4996, 17354, 1701, 29916]


def read_gguf(path):
    """Metadata and F32/F16 tensors of a GGUF v2/v3 file, as numpy-shaped torch tensors."""
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    at = 0

    def take(fmt):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def string():
        nonlocal at
        n = take("Q")
        at += n
        return data[at - n:at].decode("utf-8", "replace")

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(kind):
        if kind in scalar:
            return take(scalar[kind])
        if kind == 8:
            return string()
        assert kind == 9, kind
        element, n = take("I"), take("Q")
        return [value(element) for _ in range(n)]

    magic, version, n_tensors, n_kv = take("I"), take("I"), take("Q"), take("Q")
    assert magic == 0x46554747 and version in (2, 3)
    meta = {}
    for _ in range(n_kv):
        key = string()
        meta[key] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        infos.append((name, dims, take("I"), take("Q")))
    alignment = meta.get("general.alignment", 32)
    base = at + (-at % alignment)
    tensors = {}
    for name, dims, kind, offset in infos:
        dtype = {0: np.float32, 1: np.float16}[kind]
        count = int(np.prod(dims))
        array = np.frombuffer(data, dtype=dtype, count=count, offset=base + offset)
        tensors[name] = torch.tensor(array.astype(np.float64)).reshape(list(reversed(dims)))
    return meta, tensors


def reverse_permute(w, heads):
    """Undoes llama.cpp's permutation of q/k rows (its RoPE pairs neighbours), as transformers'
    GGUF loader does: back to rotate-half order."""
    half = w.shape[0] // heads // 2
    return w.reshape(heads, half, 2, *w.shape[1:]).swapaxes(2, 1).reshape(w.shape)


def gguf_golden():
    """Logits of the shared llama-2-tiny-random.gguf, from its tensors read here independently."""
    meta, t = read_gguf(GGUF_FIXTURE)
    a = "llama."
    heads, kv_heads = meta[a + "attention.head_count"], meta[a + "attention.head_count_kv"]
    c = {"model_type": "llama", "hidden_size": meta[a + "embedding_length"],
         "num_attention_heads": heads, "num_key_value_heads": kv_heads,
         "num_hidden_layers": meta[a + "block_count"], "rms_norm_eps": meta[a + "attention.layer_norm_rms_epsilon"],
         "rope_theta": meta.get(a + "rope.freq_base", 10000.0), "tie_word_embeddings": "output.weight" not in t,
         "vocab_size": len(meta["tokenizer.ggml.tokens"])}
    names = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
             "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
             "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm"}
    p = {"model.embed_tokens.weight": t["token_embd.weight"], "model.norm.weight": t["output_norm.weight"]}
    if "output.weight" in t:
        p["lm_head.weight"] = t["output.weight"]
    for layer in range(c["num_hidden_layers"]):
        for short, hf in names.items():
            w = t[f"blk.{layer}.{short}.weight"]
            if short in ("attn_q", "attn_k"):
                w = reverse_permute(w, heads if short == "attn_q" else kv_heads)
            p[f"model.layers.{layer}.{hf}.weight"] = w
    ids = torch.tensor([GGUF_IDS])
    with torch.no_grad():
        logits = forward(c, p, ids, torch.arange(len(GGUF_IDS))[None], torch.ones_like(ids))
    write_json(os.path.join(ROOT, "goldens", "llama-2-tiny-random-gguf.json"), {
        "description": "logits of shared/fixtures/models/llama-2-tiny-random.gguf (F16 weights, "
                       "q/k rows un-permuted), float64 PyTorch",
        "generator": "plugins-models/llama/src/test/python/make_goldens.py",
        "vocab_size": c["vocab_size"], "input_ids": GGUF_IDS,
        # the whole [6, 32000] would be 2.8 MB: the first 256 logits of each position, and the
        # log-sum-exp of each position, which every logit enters
        "logits_first_256": rounded(logits[0, :, :256]),
        "logsumexp": rounded(torch.logsumexp(logits[0], dim=-1))}, indent=None)


def main():
    torch.use_deterministic_algorithms(True)
    os.makedirs(os.path.join(ROOT, "goldens"), exist_ok=True)
    for seed, (name, c) in enumerate(CHECKPOINTS.items()):
        golden(name, c, seed)
        print(f"{name}: written", flush=True)
    if os.path.isfile(GGUF_FIXTURE):
        gguf_golden()
        print("llama-2-tiny-random-gguf: written", flush=True)
    else:
        print(f"{GGUF_FIXTURE} is absent: its golden is left as it is", flush=True)


if __name__ == "__main__":
    main()
