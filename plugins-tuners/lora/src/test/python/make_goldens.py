#!/usr/bin/env python3
"""PEFT-layout LoRA adapters for two tiny checkpoints, and what PyTorch computes with them.

Writes, under plugins-tuners/lora/src/test/resources/:

    adapters/llama3/        adapter_config.json + adapter_model.safetensors (F32) for the llama
                            family's tiny llama3 checkpoint: q_proj, v_proj and down_proj of both
                            layers, r 4, lora_alpha 8, rank_pattern {down_proj: 2}, alpha_pattern
                            {layers.1.self_attn.v_proj: 16}
    adapters/gpt2/          the same for the gpt2 family's tiny-gpt2: c_attn and c_proj (attention
                            and MLP) of both blocks, Conv1D weights so fan_in_fan_out true,
                            use_rslora true (scaling alpha / sqrt(r)), stored as BF16
    adapters/llama3-dora/   DoRA (use_dora true) on llama3: q_proj, v_proj and down_proj, r 4,
                            lora_alpha 8, F32, with a lora_magnitude_vector per module
    adapters/gpt2-dora/     DoRA on tiny-gpt2's c_attn and c_fc: Conv1D weights with biases
                            (fan_in_fan_out true), F32
    goldens/<name>.json     the token ids, the loss and the scaling of every adapted module
    goldens/<name>.safetensors (F32)
                            logits            [seq, vocab] of the adapted model
                            grad.<tensor>     d loss / d every lora_A and lora_B (and DoRA's
                                              lora_magnitude_vector), by its name in
                                              adapter_model.safetensors
                            merged.<weight>   every adapted base weight with B A scaling folded in
                                              (transposed into the [in, out] layout for Conv1D)

The loss is the mean cross-entropy of the logits at t against token t + 1 (transformers' causal
LM loss). The adapters' B matrices are non-zero, so every adapter changes the logits.

How to run (from the repository root; the output is the same on every run):

    /usr/bin/python3 plugins-tuners/lora/src/test/python/make_goldens.py

It needs torch only (1.13 when written). The base checkpoints are read from the model families'
test resources, and the model code comes from their golden scripts (imported from
plugins-models/{llama,gpt2}/src/test/python); rerun this after regenerating those checkpoints.
Neither PEFT nor transformers is needed: LoRA is written from PEFT's semantics (peft/tuners/lora/
layer.py, Linear.forward and get_delta_weight):

    result = base_layer(x) + lora_B(lora_A(dropout(x))) * scaling
    scaling = lora_alpha / r            (use_rslora: lora_alpha / sqrt(r))
    merge:  W += transpose(B @ A, fan_in_fan_out) * scaling
    rank_pattern / alpha_pattern: r and lora_alpha of the first key k such that the module's
    name matches (.*\\.)?(k)$

DoRA is written from PEFT's semantics (peft/tuners/lora/dora.py, DoraLinearLayer, PEFT >= 0.12)
and the DoRA paper (Liu et al. 2024, section 4.3: the norm is detached):

    weight_norm = ||W + scaling * B @ A||  per output row (L2 over the inputs), detached
    scale = magnitude / weight_norm
    result = base_layer(x) + (scale - 1) * (x @ W.T) + scale * lora_B(lora_A(x)) * scaling
    merge:  W' = scale[:, None] * (W + scaling * B @ A)      (transposed for fan_in_fan_out)
    saved as base_model.model.<module>.lora_magnitude_vector (PEFT drops the ".weight" of its
    DoraLinearLayer when saving)

The magnitudes are the row norms times (1 + 0.1 N(0, 1)), as after some training, so that
scale differs from 1.

lora_dropout is 0 in every config, so the goldens are deterministic. adapter_model.safetensors is
laid out as PEFT's save_pretrained writes it (tensor names without the adapter name, metadata
{"format": "pt"}); adapter_config.json carries the keys PEFT's LoraConfig writes, sorted.
Everything is computed in float64 from the stored values (F32 checkpoints; adapters rounded to
their stored dtype first).
"""

import importlib.util
import json
import math
import os
import re
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
RESOURCES = os.path.normpath(os.path.join(HERE, "..", "resources"))
REPO = os.path.normpath(os.path.join(HERE, *[".."] * 5))
DTYPE = torch.float64


def sibling_script(module_dir, name):
    path = os.path.join(REPO, "plugins-models", module_dir, "src", "test", "python", "make_goldens.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LLAMA = sibling_script("llama", "llama_goldens")
GPT2 = sibling_script("gpt2", "gpt2_goldens")

CHECKPOINTS = {
    "llama3": os.path.join(REPO, "plugins-models", "llama", "src", "test", "resources", "checkpoints", "llama3"),
    "gpt2": os.path.join(REPO, "plugins-models", "gpt2", "src", "test", "resources", "tiny-gpt2"),
}

ADAPTERS = {
    "llama3": {
        "target_modules": ["q_proj", "v_proj", "down_proj"],
        "r": 4, "lora_alpha": 8, "use_rslora": False, "fan_in_fan_out": False,
        "rank_pattern": {"down_proj": 2}, "alpha_pattern": {"layers.1.self_attn.v_proj": 16},
        "storage": torch.float32, "seed": 11, "sequence_length": 10,
    },
    "gpt2": {
        "target_modules": ["c_attn", "c_proj"],
        "r": 4, "lora_alpha": 8, "use_rslora": True, "fan_in_fan_out": True,
        "rank_pattern": {}, "alpha_pattern": {},
        "storage": torch.bfloat16, "seed": 12, "sequence_length": 12,
    },
    "llama3-dora": {
        "model": "llama3", "use_dora": True,
        "target_modules": ["q_proj", "v_proj", "down_proj"],
        "r": 4, "lora_alpha": 8, "use_rslora": False, "fan_in_fan_out": False,
        "rank_pattern": {}, "alpha_pattern": {},
        "storage": torch.float32, "seed": 13, "sequence_length": 10,
    },
    "gpt2-dora": {
        "model": "gpt2", "use_dora": True,
        "target_modules": ["c_attn", "c_fc"],
        "r": 4, "lora_alpha": 8, "use_rslora": False, "fan_in_fan_out": True,
        "rank_pattern": {}, "alpha_pattern": {},
        "storage": torch.float32, "seed": 14, "sequence_length": 12,
    },
}


# ---- safetensors, by hand ---------------------------------------------------------------------

ST_DTYPES = {"F32": (np.float32, torch.float32), "BF16": (np.int16, torch.bfloat16)}
ST_NAMES = {torch.float32: "F32", torch.bfloat16: "BF16"}


def read_safetensors(path):
    """Every tensor of a safetensors file as float64."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        np_type, torch_type = ST_DTYPES[info["dtype"]]
        array = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=np.dtype(np_type).newbyteorder("<"))
        t = torch.from_numpy(array.copy())
        if torch_type == torch.bfloat16:
            t = t.view(torch.bfloat16)
        tensors[name] = t.to(DTYPE).reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors, storage):
    """As safetensors' save_file lays a single-dtype file out: sorted names, {"format": "pt"}."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(storage).contiguous()
        data = (t.view(torch.int16).numpy().astype("<i2") if storage == torch.bfloat16
                else t.numpy().astype("<f4")).tobytes()
        header[name] = {"dtype": ST_NAMES[storage], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


# ---- LoRA, as PEFT computes it ----------------------------------------------------------------

def pattern_value(pattern, module, default):
    """PEFT's get_pattern_key: the first key equal to the module's name or matching its end."""
    for key, value in pattern.items():
        if key == module or re.match(rf"(.*\.)?({key})$", module):
            return value
    return default


def targeted(module, target_modules):
    """PEFT's check_target_module_exists for a list: the name, or its ending after a dot."""
    return any(module == t or module.endswith("." + t) for t in target_modules)


class Adapter:
    """The LoRA matrices of the targeted modules, with PEFT's scaling per module."""

    def __init__(self, spec, linear_shapes, weights):
        """linear_shapes: module -> (in_features, out_features) of every linear layer;
        weights: module -> its base weight [out, in] (transposed back for Conv1D)."""
        self.spec = spec
        self.dora = spec.get("use_dora", False)
        g = torch.Generator().manual_seed(spec["seed"])
        self.a, self.b, self.scaling, self.magnitude = {}, {}, {}, {}
        for module, (fan_in, fan_out) in linear_shapes.items():
            if not targeted(module, spec["target_modules"]):
                continue
            r = pattern_value(spec["rank_pattern"], module, spec["r"])
            alpha = pattern_value(spec["alpha_pattern"], module, spec["lora_alpha"])
            # A as PEFT initializes it (kaiming uniform, bound 1/sqrt(in)); B non-zero, as after
            # some training, so that the adapter matters.
            bound = 1 / math.sqrt(fan_in)
            a = (torch.rand(r, fan_in, generator=g, dtype=DTYPE) * 2 - 1) * bound
            b = torch.randn(fan_out, r, generator=g, dtype=DTYPE) * 0.2
            # the values the stored dtype holds
            self.a[module] = a.to(spec["storage"]).to(DTYPE).requires_grad_(True)
            self.b[module] = b.to(spec["storage"]).to(DTYPE).requires_grad_(True)
            self.scaling[module] = alpha / math.sqrt(r) if spec["use_rslora"] else alpha / r
            if self.dora:
                norm = self.weight_norm(module, weights[module]).detach()
                m = norm * (1 + 0.1 * torch.randn(fan_out, generator=g, dtype=DTYPE))
                self.magnitude[module] = m.to(spec["storage"]).to(DTYPE).requires_grad_(True)

    def weight_norm(self, module, weight):
        """DoraLinearLayer.get_weight_norm: ||W + scaling * B @ A|| per output row, W [out, in]."""
        adapted = weight + self.scaling[module] * (self.b[module] @ self.a[module])
        return torch.linalg.norm(adapted, dim=1)

    def output(self, module, x, base_result, weight, bias):
        """What the adapted layer returns, given base_layer(x) = x @ weight.T + bias
        (weight [out, in]); base_result itself for a module without an adapter."""
        if module not in self.a:
            return base_result
        lora = F.linear(F.linear(x, self.a[module]), self.b[module])
        if not self.dora:
            return base_result + lora * self.scaling[module]
        # DoraLinearLayer.forward with lora_dropout 0: the base result without its bias
        weight_norm = self.weight_norm(module, weight).detach()
        scale = (self.magnitude[module] / weight_norm).view(1, -1)
        plain = base_result if bias is None else base_result - bias
        return base_result + (scale - 1) * plain + scale * lora * self.scaling[module]

    def merged_weight(self, module, weight):
        """weight as stored ([in, out] for Conv1D) with the adapter folded in."""
        delta = (self.b[module] @ self.a[module]) * self.scaling[module]
        outin = weight.T if self.spec["fan_in_fan_out"] else weight
        merged = outin + delta
        if self.dora:
            merged = (self.magnitude[module] / torch.linalg.norm(merged, dim=1)).view(-1, 1) * merged
        return merged.T if self.spec["fan_in_fan_out"] else merged

    def tensors(self):
        """adapter_model.safetensors' content, under PEFT's saved names."""
        out = {}
        for module in self.a:
            out[f"base_model.model.{module}.lora_A.weight"] = self.a[module]
            out[f"base_model.model.{module}.lora_B.weight"] = self.b[module]
            if self.dora:
                out[f"base_model.model.{module}.lora_magnitude_vector"] = self.magnitude[module]
        return out

    def config(self, base_model):
        s = self.spec
        return {
            "alpha_pattern": s["alpha_pattern"], "auto_mapping": None,
            "base_model_name_or_path": base_model, "bias": "none",
            "fan_in_fan_out": s["fan_in_fan_out"], "inference_mode": True,
            "init_lora_weights": True, "layer_replication": None, "layers_pattern": None,
            "layers_to_transform": None, "loftq_config": {}, "lora_alpha": s["lora_alpha"],
            "lora_dropout": 0.0, "megatron_config": None, "megatron_core": "megatron.core",
            "modules_to_save": None, "peft_type": "LORA", "r": s["r"],
            "rank_pattern": s["rank_pattern"], "revision": None,
            "target_modules": sorted(s["target_modules"]), "task_type": "CAUSAL_LM",
            "use_dora": self.dora, "use_rslora": s["use_rslora"],
        }


# ---- the two models, with a LoRA-aware linear ------------------------------------------------

def llama_forward(c, p, adapter, ids):
    """The llama family's forward (plugins-models/llama/src/test/python/make_goldens.py) for
    one unpadded sequence, with every linear layer through lora_linear."""
    tr = LLAMA.traits(c)
    hd, heads, kv_heads = tr["head_dim"], c["num_attention_heads"], c["num_key_value_heads"]
    eps = c["rms_norm_eps"]
    s = ids.shape[0]
    positions = torch.arange(s)[None]
    freqs = positions.to(DTYPE)[:, :, None] * LLAMA.rope_inv_freq(c, hd)[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    causal = torch.full((s, s), torch.finfo(DTYPE).min, dtype=DTYPE).triu(1)

    def linear(module, x):
        weight, bias = p[module + ".weight"], p.get(module + ".bias")
        return adapter.output(module, x, F.linear(x, weight, bias), weight, bias)

    h = F.embedding(ids[None], p["model.embed_tokens.weight"])
    for layer in range(c["num_hidden_layers"]):
        a = f"model.layers.{layer}.self_attn."
        n = LLAMA.rms_norm(h, p[f"model.layers.{layer}.input_layernorm.weight"], eps)
        q = linear(a + "q_proj", n).view(1, s, heads, hd).transpose(1, 2)
        k = linear(a + "k_proj", n).view(1, s, kv_heads, hd).transpose(1, 2)
        v = linear(a + "v_proj", n).view(1, s, kv_heads, hd).transpose(1, 2)
        q, k = q * cos + LLAMA.rotate_half(q) * sin, k * cos + LLAMA.rotate_half(k) * sin
        k, v = LLAMA.repeat_kv(k, heads // kv_heads), LLAMA.repeat_kv(v, heads // kv_heads)
        scores = torch.matmul(q, k.transpose(2, 3)) * hd ** -0.5 + causal
        out = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(1, s, heads * hd)
        h = h + linear(a + "o_proj", out)
        m = LLAMA.rms_norm(h, p[f"model.layers.{layer}.post_attention_layernorm.weight"], eps)
        mlp = f"model.layers.{layer}.mlp."
        h = h + linear(mlp + "down_proj", F.silu(linear(mlp + "gate_proj", m)) * linear(mlp + "up_proj", m))
    h = LLAMA.rms_norm(h, p["model.norm.weight"], eps)
    return linear("lm_head", h)[0]


def llama_linear_shapes(c, p):
    shapes = {}
    for name, t in p.items():
        if name.endswith(".weight") and ("_proj" in name or name == "lm_head.weight"):
            shapes[name[:-len(".weight")]] = (t.shape[1], t.shape[0])  # [out, in]
    return shapes


def gpt2_forward(c, p, adapter, ids):
    """The gpt2 family's forward (plugins-models/gpt2/src/test/python/make_goldens.py) for one
    unpadded sequence, with every Conv1D through lora_conv1d."""
    eps, embd, heads = c["layer_norm_epsilon"], c["n_embd"], c["n_head"]
    hd = embd // heads
    s = ids.shape[0]

    def conv1d(module, x):
        weight, bias = p[module + ".weight"], p[module + ".bias"]
        return adapter.output(module, x, GPT2.conv1d(x, weight, bias), weight.T, bias)

    h = F.embedding(ids[None], p["transformer.wte.weight"]) + F.embedding(torch.arange(s)[None], p["transformer.wpe.weight"])
    causal = torch.tril(torch.ones(s, s, dtype=torch.bool))
    for i in range(c["n_layer"]):
        layer = f"transformer.h.{i}."
        x = F.layer_norm(h, (embd,), p[layer + "ln_1.weight"], p[layer + "ln_1.bias"], eps)
        q, k, v = conv1d(layer + "attn.c_attn", x).split(embd, dim=2)
        q, k, v = (t.view(1, s, heads, hd).transpose(1, 2) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)
        scores = torch.where(causal, scores, torch.tensor(torch.finfo(DTYPE).min, dtype=DTYPE))
        attn = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(1, s, embd)
        h = h + conv1d(layer + "attn.c_proj", attn)
        x = F.layer_norm(h, (embd,), p[layer + "ln_2.weight"], p[layer + "ln_2.bias"], eps)
        x = GPT2.activation(c["activation_function"], conv1d(layer + "mlp.c_fc", x))
        h = h + conv1d(layer + "mlp.c_proj", x)
    h = F.layer_norm(h, (embd,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    return F.linear(h, p["transformer.wte.weight"])[0]  # tied head, never adapted here


def gpt2_linear_shapes(c, p):
    shapes = {}
    for name, t in p.items():
        if re.search(r"\.(c_attn|c_proj|c_fc)\.weight$", name):
            shapes[name[:-len(".weight")]] = (t.shape[0], t.shape[1])  # Conv1D: [in, out]
    return shapes


MODELS = {
    "llama3": (llama_forward, llama_linear_shapes, lambda c: c["vocab_size"]),
    "gpt2": (gpt2_forward, gpt2_linear_shapes, lambda c: c["vocab_size"]),
}


def base_weights(name, p, linear_shapes):
    """Every linear layer's weight as [out, in] (Conv1D's [in, out] transposed)."""
    conv = name == "gpt2"
    return {m: (p[m + ".weight"].T if conv else p[m + ".weight"]) for m in linear_shapes}


# ---- goldens ----------------------------------------------------------------------------------

def golden(name):
    spec = ADAPTERS[name]
    model = spec.get("model", name)
    directory = CHECKPOINTS[model]
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        c = json.load(f)
    p = read_safetensors(os.path.join(directory, "model.safetensors"))
    forward, linear_shapes, vocab = MODELS[model]
    shapes = linear_shapes(c, p)
    adapter = Adapter(spec, shapes, base_weights(model, p, shapes))

    g = torch.Generator().manual_seed(spec["seed"] + 100)
    ids = torch.randint(3, vocab(c), (spec["sequence_length"],), generator=g)
    logits = forward(c, p, adapter, ids)
    loss = F.cross_entropy(logits[:-1], ids[1:])
    loss.backward()

    adapter_dir = os.path.join(RESOURCES, "adapters", name)
    os.makedirs(adapter_dir, exist_ok=True)
    write_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"), adapter.tensors(),
                      spec["storage"])
    base_model = os.path.relpath(directory, REPO)
    with open(os.path.join(adapter_dir, "adapter_config.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(adapter.config(base_model), indent=2, sort_keys=True) + "\n")

    out = {"logits": logits.detach()}
    for key, t in adapter.tensors().items():
        out["grad." + key] = t.grad
    with torch.no_grad():
        for module in adapter.a:
            out[f"merged.{module}.weight"] = adapter.merged_weight(module, p[module + ".weight"])
    goldens = os.path.join(RESOURCES, "goldens")
    os.makedirs(goldens, exist_ok=True)
    write_safetensors(os.path.join(goldens, f"{name}.safetensors"), out, torch.float32)
    info = {
        "description": f"{'DoRA' if adapter.dora else 'LoRA'} on {base_model}: float64 PyTorch,"
                       f" {'DoRA' if adapter.dora else 'LoRA'} from PEFT's semantics",
        "generator": "plugins-tuners/lora/src/test/python/make_goldens.py",
        "input_ids": ids.tolist(),
        "loss": float(f"{loss.item():.12g}"),
        "scaling": {m: s for m, s in adapter.scaling.items()},
    }
    with open(os.path.join(goldens, f"{name}.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(info, indent=1) + "\n")
    print(f"{name}: {len(adapter.a)} adapted modules, loss {loss.item():.6f}", flush=True)


def main():
    torch.use_deterministic_algorithms(True)
    for name in ADAPTERS:
        golden(name)


if __name__ == "__main__":
    main()
