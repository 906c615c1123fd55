#!/usr/bin/env python3
"""Tiny random GPT-2 checkpoints and their golden outputs, computed with PyTorch.

Writes, under plugins-models/gpt2/src/test/resources/:

    tiny-gpt2/config.json, model.safetensors           the main checkpoint (tied lm_head)
    tiny-gpt2-variant/config.json, model.safetensors   BF16 weights, untied lm_head, exact
                                                        gelu, n_inner,
                                                        scale_attn_by_inverse_layer_idx,
                                                        reorder_and_upcast_attn
    goldens/goldens.json                                inputs: token ids, masks, positions, loss
    goldens/goldens.safetensors                         outputs: logits, log-probs, gradients

read by plugins-models/gpt2/src/test/java/dev/kiln/models/gpt2/*GoldenTest.java.

How to run (from the repository root; the output is the same on every run):

    /usr/bin/python3 plugins-models/gpt2/src/test/python/make_goldens.py

Debian packages it needs: python3, python3-torch (PyTorch 1.13 at the time of writing; any
PyTorch >= 1.10 works). It imports neither transformers nor safetensors: the model below is
written from the semantics of Hugging Face's modeling_gpt2.py (GPT2LMHeadModel, eager
attention, eval mode: no dropout), and safetensors files are written by hand (an 8-byte
little-endian header length, the JSON header, then the raw little-endian F32 data).

    wte(input_ids) + wpe(position_ids)
    -> [ln_1 -> c_attn (Conv1D: x @ W[in, 3*embd] + b) -> split q, k, v -> heads
        -> softmax(q k^T * scale + causal mask + padding mask) v -> c_proj -> residual
        -> ln_2 -> c_fc -> activation_function -> c_proj -> residual] x n_layer
    -> ln_f -> lm_head (tied to wte unless tie_word_embeddings is false)

scale is 1/sqrt(head_dim) when scale_attn_weights (the default), further divided by
(layer_idx + 1) with scale_attn_by_inverse_layer_idx. reorder_and_upcast_attn changes only the
order and precision of that computation in half precision; in float64 it is the same function.

Everything is computed in float64 from parameters drawn with torch.manual_seed, then rounded
to the checkpoint's dtype (float32; bfloat16 for the variant, every tensor stored BF16 as
save_pretrained writes a bfloat16 model), so the checkpoint holds exactly the values the model
is computed from. For the variant that is "BF16 weights, F32 activations", what the engine does. The padding mask is HF's: (1 - attention_mask) * finfo.min added to the scores, with
position_ids = cumsum(attention_mask) - 1 (1 at padding) as GPT2's generate() computes them.

goldens.safetensors holds (F32):
    logits.<i>           [seq, vocab]    sequence i alone (batch 1)
    logprobs.<i>         [seq - 1]       log p(token t+1 | tokens 0..t) of sequence i
    padded.logits        [batch, seq, vocab]  the left-padded batch (padding rows: HF's values)
    variant.logits.<i>   [seq, vocab]    the variant checkpoint, sequence i
    grad.<name>          the gradient of the mean cross-entropy of sequence grad_sequence
                         (labels = input_ids, shifted left as GPT2LMHeadModel shifts them)
                         for every parameter by its HF name; the tied wte's gradient holds the
                         embedding's and the lm_head's parts.

Optional cross-check against transformers itself (not needed to regenerate; needs transformers
and safetensors, e.g. in a virtualenv):

    python make_goldens.py --check-with-transformers
"""

import json
import math
import os
import re
import struct
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.normpath(os.path.join(HERE, "..", "resources"))
DTYPE = torch.float64

# The keys of a GPT2Config.to_json_string() that a GPT-2 checkpoint's config.json carries.
MAIN_CONFIG = {
    "activation_function": "gelu_new",
    "architectures": ["GPT2LMHeadModel"],
    "attn_pdrop": 0.0,
    "bos_token_id": 0,
    "embd_pdrop": 0.0,
    "eos_token_id": 0,
    "initializer_range": 0.02,
    "layer_norm_epsilon": 1e-05,
    "model_type": "gpt2",
    "n_ctx": 64,
    "n_embd": 64,
    "n_head": 4,
    "n_inner": None,
    "n_layer": 2,
    "n_positions": 64,
    "reorder_and_upcast_attn": False,
    "resid_pdrop": 0.0,
    "scale_attn_by_inverse_layer_idx": False,
    "scale_attn_weights": True,
    "torch_dtype": "float32",
    "use_cache": True,
    "vocab_size": 301,
}

VARIANT_CONFIG = dict(
    MAIN_CONFIG,
    activation_function="gelu",
    n_embd=32,
    n_head=2,
    n_inner=48,
    n_positions=32,
    n_ctx=32,
    vocab_size=97,
    layer_norm_epsilon=1e-6,
    scale_attn_by_inverse_layer_idx=True,
    reorder_and_upcast_attn=True,
    tie_word_embeddings=False,
    torch_dtype="bfloat16",
)

# Sequence 2 fills the whole position table (n_positions = 64).
SEQUENCE_LENGTHS = [12, 5, 64]
PADDED_LENGTHS = [12, 5, 9]      # left-padded to 12: rows are prefixes of sequences 0, 1, 2
PAD_ID = 0
GRAD_SEQUENCE = 0
VARIANT_LENGTHS = [9, 32]


# ---- parameters -----------------------------------------------------------------------------

def parameter_shapes(c):
    """(HF name, shape) of every parameter of GPT2LMHeadModel, in its state_dict order."""
    embd, vocab = c["n_embd"], c["vocab_size"]
    inner = c["n_inner"] or 4 * embd
    shapes = [("transformer.wte.weight", (vocab, embd)),
              ("transformer.wpe.weight", (c["n_positions"], embd))]
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        shapes += [
            (p + "ln_1.weight", (embd,)),
            (p + "ln_1.bias", (embd,)),
            (p + "attn.c_attn.weight", (embd, 3 * embd)),   # Conv1D: [in, out]
            (p + "attn.c_attn.bias", (3 * embd,)),
            (p + "attn.c_proj.weight", (embd, embd)),
            (p + "attn.c_proj.bias", (embd,)),
            (p + "ln_2.weight", (embd,)),
            (p + "ln_2.bias", (embd,)),
            (p + "mlp.c_fc.weight", (embd, inner)),
            (p + "mlp.c_fc.bias", (inner,)),
            (p + "mlp.c_proj.weight", (inner, embd)),
            (p + "mlp.c_proj.bias", (embd,)),
        ]
    shapes += [("transformer.ln_f.weight", (embd,)), ("transformer.ln_f.bias", (embd,))]
    if not c.get("tie_word_embeddings", True):
        shapes.append(("lm_head.weight", (vocab, embd)))
    return shapes


def make_parameters(c, seed):
    """Random parameters larger than HF's init (std 0.02), so the logits are far from uniform,
    rounded to the checkpoint's torch_dtype."""
    stored = {"float32": torch.float32, "bfloat16": torch.bfloat16}[c["torch_dtype"]]
    torch.manual_seed(seed)
    params = {}
    for name, shape in parameter_shapes(c):
        values = torch.randn(shape, dtype=DTYPE) * (0.1 if len(shape) == 1 else 0.2)
        if ".ln_" in name and name.endswith(".weight"):
            values = values + 1.0
        params[name] = values.to(stored).to(DTYPE).requires_grad_(True)
    return params


# ---- the model, after transformers' modeling_gpt2.py ----------------------------------------

def conv1d(x, weight, bias):
    """transformers.pytorch_utils.Conv1D: weight [in, out], x @ weight + bias."""
    return torch.addmm(bias, x.reshape(-1, x.shape[-1]), weight).reshape(*x.shape[:-1], weight.shape[-1])


def activation(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))
    if name == "gelu":
        return F.gelu(x)
    if name == "relu":
        return F.relu(x)
    if name in ("silu", "swish"):
        return F.silu(x)
    raise ValueError(name)


def attention(c, p, prefix, layer_idx, x, additive_mask):
    b, s, embd = x.shape
    heads = c["n_head"]
    hd = embd // heads
    q, k, v = conv1d(x, p[prefix + "c_attn.weight"], p[prefix + "c_attn.bias"]).split(embd, dim=2)
    q, k, v = (t.view(b, s, heads, hd).transpose(1, 2) for t in (q, k, v))
    scores = torch.matmul(q, k.transpose(-1, -2))
    if c["scale_attn_weights"]:
        scores = scores / math.sqrt(hd)
    if c["scale_attn_by_inverse_layer_idx"]:
        scores = scores / float(layer_idx + 1)
    causal = torch.tril(torch.ones(s, s, dtype=torch.bool))
    scores = torch.where(causal, scores, torch.tensor(torch.finfo(DTYPE).min, dtype=DTYPE))
    if additive_mask is not None:
        scores = scores + additive_mask
    weights = torch.softmax(scores, dim=-1)
    out = torch.matmul(weights, v).transpose(1, 2).reshape(b, s, embd)
    return conv1d(out, p[prefix + "c_proj.weight"], p[prefix + "c_proj.bias"])


def mlp(c, p, prefix, x):
    h = activation(c["activation_function"], conv1d(x, p[prefix + "c_fc.weight"], p[prefix + "c_fc.bias"]))
    return conv1d(h, p[prefix + "c_proj.weight"], p[prefix + "c_proj.bias"])


def forward(c, p, input_ids, position_ids, attention_mask=None):
    eps = c["layer_norm_epsilon"]
    embd = c["n_embd"]
    additive = None
    if attention_mask is not None:
        # GPT2Model: [batch, 1, 1, seq] of 0 where attended, finfo.min where padding
        additive = (1.0 - attention_mask[:, None, None, :].to(DTYPE)) * torch.finfo(DTYPE).min
    h = F.embedding(input_ids, p["transformer.wte.weight"]) + F.embedding(position_ids, p["transformer.wpe.weight"])
    for i in range(c["n_layer"]):
        layer = f"transformer.h.{i}."
        ln_1 = F.layer_norm(h, (embd,), p[layer + "ln_1.weight"], p[layer + "ln_1.bias"], eps)
        h = h + attention(c, p, layer + "attn.", i, ln_1, additive)
        ln_2 = F.layer_norm(h, (embd,), p[layer + "ln_2.weight"], p[layer + "ln_2.bias"], eps)
        h = h + mlp(c, p, layer + "mlp.", ln_2)
    h = F.layer_norm(h, (embd,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    head = p["lm_head.weight"] if "lm_head.weight" in p else p["transformer.wte.weight"]
    return F.linear(h, head)


# ---- inputs ---------------------------------------------------------------------------------

def sequences(vocab, lengths, seed):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randint(1, vocab, (n,), generator=generator) for n in lengths]


def left_padded(seqs, lengths):
    width = max(lengths)
    ids = torch.full((len(lengths), width), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(lengths), width), dtype=torch.long)
    for row, n in enumerate(lengths):
        ids[row, width - n:] = seqs[row][:n]
        mask[row, width - n:] = 1
    # GPT2LMHeadModel.prepare_inputs_for_generation
    positions = mask.cumsum(-1) - 1
    positions.masked_fill_(mask == 0, 1)
    return ids, mask, positions


# ---- safetensors ----------------------------------------------------------------------------

def write_safetensors(path, tensors, dtype="float32"):
    """Little-endian F32 or BF16, in the order given, header padded with spaces to 8 bytes."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if dtype == "bfloat16":
            # the exact bfloat16 values: their 16 bits, as torch stores them
            bits = t.detach().to(torch.bfloat16).contiguous().view(torch.int16).numpy()
            data, label = bits.astype("<i2").tobytes(), "BF16"
        else:
            data, label = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes(), "F32"
        header[name] = {"dtype": label, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("ascii")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for blob in blobs:
            out.write(blob)


def write_checkpoint(directory, c, params):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w", encoding="ascii") as out:
        out.write(json.dumps(c, indent=2, sort_keys=True) + "\n")
    # save_pretrained leaves out lm_head.weight when it is tied to wte
    write_safetensors(os.path.join(directory, "model.safetensors"), params, c["torch_dtype"])


def compact_json(value):
    """Indented JSON with every list of numbers on one line, for readable diffs."""
    text = json.dumps(value, indent=1)
    return re.sub(r"\[[-0-9.,\s]*\]", lambda m: re.sub(r"\s+", "", m.group(0)).replace(",", ", "), text)


def rounded(value):
    return float(f"{value:.9g}")


# ---- goldens --------------------------------------------------------------------------------

def main_goldens():
    c = MAIN_CONFIG
    params = make_parameters(c, seed=0)
    seqs = sequences(c["vocab_size"], SEQUENCE_LENGTHS, seed=1)
    out = {}
    info = {"sequences": [s.tolist() for s in seqs]}
    with torch.no_grad():
        for i, ids in enumerate(seqs):
            logits = forward(c, params, ids[None], torch.arange(len(ids))[None])[0]
            out[f"logits.{i}"] = logits
            logprobs = torch.log_softmax(logits, dim=-1)[:-1].gather(1, ids[1:, None])[:, 0]
            out[f"logprobs.{i}"] = logprobs
        ids, mask, positions = left_padded(seqs, PADDED_LENGTHS)
        out["padded.logits"] = forward(c, params, ids, positions, mask)
    info["padded"] = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                      "position_ids": positions.tolist(), "pad_id": PAD_ID}

    # GPT2LMHeadModel with labels = input_ids: logits[:-1] predict labels[1:], mean over tokens
    ids = seqs[GRAD_SEQUENCE]
    logits = forward(c, params, ids[None], torch.arange(len(ids))[None])[0]
    loss = F.cross_entropy(logits[:-1], ids[1:])
    loss.backward()
    for name, p in params.items():
        out["grad." + name] = p.grad
    info["grad_sequence"] = GRAD_SEQUENCE
    info["loss"] = rounded(loss.item())
    return c, params, info, out


def variant_goldens():
    c = VARIANT_CONFIG
    params = make_parameters(c, seed=2)
    seqs = sequences(c["vocab_size"], VARIANT_LENGTHS, seed=3)
    out = {}
    with torch.no_grad():
        for i, ids in enumerate(seqs):
            out[f"variant.logits.{i}"] = forward(c, params, ids[None], torch.arange(len(ids))[None])[0]
    return c, params, {"variant_sequences": [s.tolist() for s in seqs]}, out


def main():
    if sys.argv[1:] == ["--check-with-transformers"]:
        check_with_transformers()
        return
    if sys.argv[1:]:
        sys.exit("usage: make_goldens.py [--check-with-transformers]")
    torch.use_deterministic_algorithms(True)
    c, params, info, out = main_goldens()
    vc, vparams, vinfo, vout = variant_goldens()
    write_checkpoint(os.path.join(RESOURCES, "tiny-gpt2"), c, params)
    write_checkpoint(os.path.join(RESOURCES, "tiny-gpt2-variant"), vc, vparams)
    goldens = os.path.join(RESOURCES, "goldens")
    os.makedirs(goldens, exist_ok=True)
    info.update(vinfo)
    info["generator"] = "plugins-models/gpt2/src/test/python/make_goldens.py"
    with open(os.path.join(goldens, "goldens.json"), "w", encoding="ascii") as f:
        f.write(compact_json(info) + "\n")
    write_safetensors(os.path.join(goldens, "goldens.safetensors"), {**out, **vout})
    print(f"loss {info['loss']}; wrote {RESOURCES}", file=sys.stderr)


def check_with_transformers():
    """Compares the written checkpoints and goldens with transformers' GPT2LMHeadModel."""
    from safetensors.torch import load_file
    from transformers import GPT2Config, GPT2LMHeadModel

    goldens = load_file(os.path.join(RESOURCES, "goldens", "goldens.safetensors"))
    with open(os.path.join(RESOURCES, "goldens", "goldens.json"), encoding="ascii") as f:
        info = json.load(f)

    def load(name):
        directory = os.path.join(RESOURCES, name)
        model = GPT2LMHeadModel.from_pretrained(directory, attn_implementation="eager").to(DTYPE)
        return model.eval()

    def worst(got, key):
        return (got.detach().to(DTYPE) - goldens[key].to(DTYPE)).abs().max().item()

    model = load("tiny-gpt2")
    diffs = []
    for i, seq in enumerate(info["sequences"]):
        ids = torch.tensor([seq])
        diffs.append(worst(model(input_ids=ids).logits[0], f"logits.{i}"))
    padded = info["padded"]
    mask = torch.tensor(padded["attention_mask"])
    logits = model(input_ids=torch.tensor(padded["input_ids"]), attention_mask=mask,
                   position_ids=torch.tensor(padded["position_ids"])).logits
    keep = mask.bool()
    padded_diff = (logits[keep] - goldens["padded.logits"].to(DTYPE)[keep]).abs().max().item()
    ids = torch.tensor([info["sequences"][info["grad_sequence"]]])
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    grad_diff = max(worst(p.grad, "grad." + name) for name, p in model.named_parameters())
    variant = load("tiny-gpt2-variant")
    variant_diffs = [worst(variant(input_ids=torch.tensor([seq])).logits[0], f"variant.logits.{i}")
                     for i, seq in enumerate(info["variant_sequences"])]
    print(f"logits {max(diffs):.3g}, padded (attended rows) {padded_diff:.3g}, "
          f"loss {abs(loss.item() - info['loss']):.3g}, gradients {grad_diff:.3g}, "
          f"variant logits {max(variant_diffs):.3g}")


if __name__ == "__main__":
    main()
