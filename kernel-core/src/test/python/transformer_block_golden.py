#!/usr/bin/env python3
"""Golden values for a tiny Llama-style decoder, forward and gradients, computed with PyTorch.

Writes the JSON files read by
kernel-core/src/test/java/dev/kiln/core/tensor/golden/TransformerBlockGoldenTest.java:

    kernel-core/src/test/resources/golden/llama_block.json              rope_scaling: none
    kernel-core/src/test/resources/golden/llama_block_rope_llama3.json  rope_scaling: llama3

How to run (from the repository root; the output is the same on every run):

    /usr/bin/python3 kernel-core/src/test/python/transformer_block_golden.py

Debian packages it needs: python3, python3-torch (PyTorch 1.13 at the time of writing; any
PyTorch >= 1.10 works). It does not import transformers: the model below is written from the
semantics of Hugging Face's modeling_llama.py (LlamaForCausalLM), with Qwen2's q/k/v biases
(so it is exactly Qwen2ForCausalLM):

    embed_tokens
    -> [input_layernorm (RMSNorm) -> q/k/v_proj (with bias) -> RoPE (rotate-half)
        -> causal grouped-query attention (scale 1/sqrt(head_dim)) -> o_proj (no bias) -> residual
        -> post_attention_layernorm -> down_proj(silu(gate_proj(x)) * up_proj(x)) -> residual]
       x num_hidden_layers
    -> norm -> lm_head (untied) -> cross-entropy against the labels shifted left, as HF does

Everything is computed in float64. The parameters are drawn with torch.manual_seed(0) as
normal * 0.1 (the RMSNorm weights as 1 + normal * 0.1, so they are near HF's init of ones but
not equal to it), then rounded to float32, so that the values stored in the JSON are exactly the
float32 parameters the engine under test starts from. Stored values are rounded to 9
significant digits, which round-trips float32.

Both variants share the parameters, token ids, positions and labels; only the rope differs.

Attention is causal over the sequence index, with no padding: what transformers computes when
given attention_mask = all ones. (Without an attention_mask, recent transformers (5.17 does) reads a jump
in position_ids as the start of a new packed sequence and masks across it; row 1's positions
jump, see make_inputs.)

Optional cross-check against transformers itself (not needed to regenerate; needs PyTorch >= 2
and transformers >= 5, e.g. in a virtualenv):

    python transformer_block_golden.py --check-with-transformers

loads the written JSON files into transformers' Qwen2ForCausalLM (float64, eager attention) and
prints the largest differences of inv_freq, logits, loss and gradients (about 1e-7 when last
run with transformers 5.17 and torch 2.13: transformers keeps inv_freq in float32 and takes the
loss in float32).

The JSON holds: config (keys of HF's config.json), input_ids [batch, seq], positions
(position_ids) [batch, seq], labels [batch, seq] (as passed to LlamaForCausalLM: the ids with
one position set to -100), shift_labels [batch, seq] (the target of each logits row: labels
shifted left, the last position -100), ignore_index, rope_inv_freq (after rope_scaling),
parameters (HF names, each {"shape", "data"} with data flat and row-major), logits
[batch, seq, vocab], loss, and gradients (d loss / d parameter, HF names).
"""

import math
import os
import sys

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden")

BASE_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 61,
    "hidden_size": 32,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 8,
    "intermediate_size": 48,
    "num_hidden_layers": 2,
    "hidden_act": "silu",
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    # Qwen2-style: q_proj, k_proj and v_proj have biases, o_proj has none. (HF Llama's own
    # attention_bias flag would put a bias on o_proj too; this golden follows Qwen2.)
    "qkv_bias": True,
    "o_proj_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
}

VARIANTS = {
    "llama_block": None,
    # original_max_position_embeddings is small so that the bands matter at these positions.
    "llama_block_rope_llama3": {
        "rope_type": "llama3",
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 16,
    },
}

BATCH = 2
SEQ = 7
IGNORE_INDEX = -100
DTYPE = torch.float64


# ---- parameters -----------------------------------------------------------------------------

def parameter_shapes(c):
    """(HF name, shape) of every parameter, in the order of LlamaForCausalLM's state_dict."""
    hidden, inter, hd = c["hidden_size"], c["intermediate_size"], c["head_dim"]
    q_out = c["num_attention_heads"] * hd
    kv_out = c["num_key_value_heads"] * hd
    shapes = [("model.embed_tokens.weight", (c["vocab_size"], hidden))]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes += [
            (p + "self_attn.q_proj.weight", (q_out, hidden)),
            (p + "self_attn.q_proj.bias", (q_out,)),
            (p + "self_attn.k_proj.weight", (kv_out, hidden)),
            (p + "self_attn.k_proj.bias", (kv_out,)),
            (p + "self_attn.v_proj.weight", (kv_out, hidden)),
            (p + "self_attn.v_proj.bias", (kv_out,)),
            (p + "self_attn.o_proj.weight", (hidden, q_out)),
            (p + "mlp.gate_proj.weight", (inter, hidden)),
            (p + "mlp.up_proj.weight", (inter, hidden)),
            (p + "mlp.down_proj.weight", (hidden, inter)),
            (p + "input_layernorm.weight", (hidden,)),
            (p + "post_attention_layernorm.weight", (hidden,)),
        ]
    shapes += [("model.norm.weight", (hidden,)), ("lm_head.weight", (c["vocab_size"], hidden))]
    return shapes


def make_parameters(c):
    torch.manual_seed(0)
    params = {}
    for name, shape in parameter_shapes(c):
        values = torch.randn(shape, dtype=DTYPE) * 0.1
        if "layernorm" in name or name == "model.norm.weight":
            values = values + 1.0
        # float32 values, so that the stored parameters are exactly what the engine computes with
        params[name] = values.to(torch.float32).to(DTYPE).requires_grad_(True)
    return params


def make_inputs(c):
    generator = torch.Generator().manual_seed(1)
    input_ids = torch.randint(0, c["vocab_size"], (BATCH, SEQ), generator=generator)
    # Row 0 is at positions 0..6. Row 1 starts at 3 and jumps from 6 to 11: RoPE scores depend
    # only on position differences, so a row shifted as a whole (3..9) would give exactly the
    # logits of 0..6, and a model that ignored position_ids would still pass. (The attention is
    # still one causal sequence per row, as transformers with attention_mask = all ones.)
    positions = torch.tensor([list(range(0, SEQ)), [3, 4, 5, 6, 11, 12, 13]])
    labels = input_ids.clone()
    labels[1, 4] = IGNORE_INDEX  # an ignored label mid-sequence: logits row (1, 3) is skipped
    # HF's ForCausalLMLoss: shift_labels = labels[..., 1:] padded with ignore_index at the end
    shift_labels = F.pad(labels, (0, 1), value=IGNORE_INDEX)[..., 1:]
    return input_ids, positions, labels, shift_labels


# ---- the model, after transformers' modeling_llama.py -------------------------------------

def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rope_inv_freq(c):
    """inv_freq as transformers' ROPE_INIT_FUNCTIONS computes it, in float64."""
    dim = c["head_dim"]
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, dim, 2, dtype=DTYPE) / dim))
    scaling = c["rope_scaling"]
    if scaling is None:
        return inv_freq
    assert scaling["rope_type"] == "llama3"
    # _compute_llama3_parameters
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    old_context_len = scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def rotary_cos_sin(inv_freq, positions):
    """LlamaRotaryEmbedding.forward: cos, sin [batch, seq, head_dim] (attention_factor 1)."""
    freqs = positions.to(DTYPE)[:, :, None] * inv_freq[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin):
    cos = cos.unsqueeze(1)  # [batch, 1, seq, head_dim]: broadcast over heads
    sin = sin.unsqueeze(1)
    return q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin


def repeat_kv(x, n_rep):
    """[batch, kv_heads, seq, d] -> [batch, kv_heads * n_rep, seq, d]: query head h uses kv head h // n_rep."""
    b, kv_heads, s, d = x.shape
    return x[:, :, None, :, :].expand(b, kv_heads, n_rep, s, d).reshape(b, kv_heads * n_rep, s, d)


def attention(c, p, prefix, x, cos, sin):
    b, s, _ = x.shape
    hd = c["head_dim"]
    heads, kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
    q = F.linear(x, p[prefix + "q_proj.weight"], p[prefix + "q_proj.bias"]).view(b, s, heads, hd).transpose(1, 2)
    k = F.linear(x, p[prefix + "k_proj.weight"], p[prefix + "k_proj.bias"]).view(b, s, kv_heads, hd).transpose(1, 2)
    v = F.linear(x, p[prefix + "v_proj.weight"], p[prefix + "v_proj.bias"]).view(b, s, kv_heads, hd).transpose(1, 2)
    q, k = apply_rotary_pos_emb(q, k, cos, sin)
    k = repeat_kv(k, heads // kv_heads)
    v = repeat_kv(v, heads // kv_heads)
    scores = torch.matmul(q, k.transpose(2, 3)) * hd ** -0.5
    # the causal mask follows the sequence index (cache_position), not position_ids
    causal = torch.triu(torch.ones(s, s, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(causal, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = torch.matmul(weights, v).transpose(1, 2).reshape(b, s, heads * hd)
    return F.linear(out, p[prefix + "o_proj.weight"])


def mlp(p, prefix, x):
    gate = F.linear(x, p[prefix + "gate_proj.weight"])
    up = F.linear(x, p[prefix + "up_proj.weight"])
    return F.linear(F.silu(gate) * up, p[prefix + "down_proj.weight"])


def forward(c, p, input_ids, positions):
    eps = c["rms_norm_eps"]
    cos, sin = rotary_cos_sin(rope_inv_freq(c), positions)
    h = F.embedding(input_ids, p["model.embed_tokens.weight"])
    for i in range(c["num_hidden_layers"]):
        layer = f"model.layers.{i}."
        h = h + attention(c, p, layer + "self_attn.", rms_norm(h, p[layer + "input_layernorm.weight"], eps), cos, sin)
        h = h + mlp(p, layer + "mlp.", rms_norm(h, p[layer + "post_attention_layernorm.weight"], eps))
    h = rms_norm(h, p["model.norm.weight"], eps)
    return F.linear(h, p["lm_head.weight"])


# ---- output ---------------------------------------------------------------------------------

def rounded(values):
    return [float(f"{v:.9g}") for v in values]


def tensor_json(t, integer=False):
    flat = t.detach().reshape(-1).tolist()
    return {"shape": list(t.shape), "data": flat if integer else rounded(flat)}


def dump(value, indent=0):
    """JSON with one line per tensor (or per scalar), for readable diffs."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict) and not ("data" in value and "shape" in value):
        items = [f"{pad}{dump_scalar(k)}: {dump(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{dump_scalar(k)}: {dump(v, indent)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v, indent) for v in value) + "]"
    return dump_scalar(value)


def dump_scalar(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        assert all(32 <= ord(ch) < 127 and ch not in '"\\' for ch in value), value
        return '"' + value + '"'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert math.isfinite(value), value
        return repr(value)
    raise TypeError(type(value))


def golden(name, rope_scaling):
    c = dict(BASE_CONFIG, rope_scaling=rope_scaling)
    params = make_parameters(c)
    input_ids, positions, labels, shift_labels = make_inputs(c)
    logits = forward(c, params, input_ids, positions)
    loss = F.cross_entropy(logits.reshape(-1, c["vocab_size"]), shift_labels.reshape(-1),
                           ignore_index=IGNORE_INDEX)
    loss.backward()
    return {
        "description": f"{name}: a tiny Llama-style decoder (Qwen2-style q/k/v biases), float64 "
                       "PyTorch forward, cross-entropy and gradients",
        "generator": "kernel-core/src/test/python/transformer_block_golden.py",
        "config": c,
        "input_ids": tensor_json(input_ids, integer=True),
        "positions": tensor_json(positions, integer=True),
        "labels": tensor_json(labels, integer=True),
        "shift_labels": tensor_json(shift_labels, integer=True),
        "ignore_index": IGNORE_INDEX,
        "rope_inv_freq": rounded(rope_inv_freq(c).tolist()),
        "parameters": {k: tensor_json(v) for k, v in params.items()},
        "logits": tensor_json(logits),
        "loss": float(f"{loss.item():.9g}"),
        "gradients": {k: tensor_json(v.grad) for k, v in params.items()},
    }


def check_with_transformers():
    """Compares the written golden files with transformers' Qwen2ForCausalLM."""
    from transformers import Qwen2Config, Qwen2ForCausalLM
    import json

    for name in VARIANTS:
        with open(os.path.join(OUT_DIR, name + ".json"), encoding="ascii") as f:
            g = json.load(f)
        c = g["config"]
        rope = dict(c["rope_scaling"] or {"rope_type": "default"}, rope_theta=c["rope_theta"])
        config = Qwen2Config(
            vocab_size=c["vocab_size"], hidden_size=c["hidden_size"],
            num_attention_heads=c["num_attention_heads"], num_key_value_heads=c["num_key_value_heads"],
            head_dim=c["head_dim"], intermediate_size=c["intermediate_size"],
            num_hidden_layers=c["num_hidden_layers"], rms_norm_eps=c["rms_norm_eps"],
            tie_word_embeddings=False, use_sliding_window=False, rope_parameters=rope)
        config._attn_implementation = "eager"
        model = Qwen2ForCausalLM(config).to(DTYPE)
        state = model.state_dict()
        assert set(state) == set(g["parameters"]), set(state) ^ set(g["parameters"])
        with torch.no_grad():
            for key, value in g["parameters"].items():
                state[key].copy_(torch.tensor(value["data"], dtype=DTYPE).reshape(value["shape"]))
        ids, positions, labels = (torch.tensor(g[k]["data"]).reshape(g[k]["shape"])
                                  for k in ("input_ids", "positions", "labels"))
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), position_ids=positions,
                    labels=labels, use_cache=False)
        out.loss.backward()

        def worst(got, golden):
            want = torch.tensor(golden["data"], dtype=DTYPE).reshape(golden["shape"])
            return (got.detach().to(DTYPE) - want).abs().max().item()

        inv_freq = model.model.rotary_emb.inv_freq.to(DTYPE)
        print(f"{name}: inv_freq {(inv_freq - torch.tensor(g['rope_inv_freq'], dtype=DTYPE)).abs().max().item():.3g}"
              f", logits {worst(out.logits, g['logits']):.3g}, loss {abs(out.loss.item() - g['loss']):.3g}"
              f", gradients {max(worst(p.grad, g['gradients'][k]) for k, p in model.named_parameters()):.3g}")


def main():
    if sys.argv[1:] == ["--check-with-transformers"]:
        check_with_transformers()
        return
    if sys.argv[1:]:
        sys.exit("usage: transformer_block_golden.py [--check-with-transformers]")
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, rope_scaling in VARIANTS.items():
        path = os.path.normpath(os.path.join(OUT_DIR, name + ".json"))
        data = golden(name, rope_scaling)
        with open(path, "w", encoding="ascii") as out:
            out.write(dump(data) + "\n")
        print(f"{path}: loss {data['loss']}, {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
