#!/usr/bin/python3
"""The PyTorch side of training-vs-torch.sh: full or LoRA fine-tuning steps of the random Llama
checkpoint (llama_checkpoint.py, f32) in plain PyTorch, timed step by step, with the process's
peak memory.

  torch_training.py full|lora OUT.json

Environment (training-vs-torch.sh sets the same for Kiln's side, KilnTraining): CHECKPOINT (the
directory llama_checkpoint.py wrote), THREADS (2), SEQ (512 tokens: batch 1, the first SEQ ids of
prompt.json, loss on every token), WARMUP_STEPS (12, not measured), STEPS (10, measured),
TORCH_FOREACH (1: AdamW's multi-tensor implementation, the faster here; 0: its per-parameter loop,
torch 1.13's default).

The model is transformers' LlamaForCausalLM written out in torch (transformers is not installed
here): RMSNorm, rotate-half RoPE, causal attention by torch's scaled_dot_product_attention, SwiGLU
MLP, untied lm_head, float32 throughout, train mode. The loss is transformers' ForCausalLMLoss:
labels padded with -100 and shifted by one, cross-entropy summed and divided by the trained tokens
(num_items_in_batch). A step is what transformers' Trainer does with batch 1 and no accumulation:
forward, backward, clip_grad_norm_(1.0), AdamW (β 0.9/0.95, ε 1e-8, weight decay 0.1 but not on
norm weights: Trainer.get_decay_parameter_names), the cosine schedule with 5% warmup (ms-swift's
defaults), zero_grad(set_to_none=True). Gradient checkpointing is off.

LoRA is written as PEFT's lora.Linear (r 8, alpha 32, dropout 0.05, every linear layer of the
decoder but not lm_head: PEFT's "all-linear"): base(x) + lora_B(lora_A(dropout(x))) * alpha / r,
A kaiming-uniform(a=sqrt(5)), B zeros, every base parameter frozen (requires_grad False).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_inference  # load_safetensors
import torch_reference  # the setup checks, RMSNorm, rotate_half, repeat_kv

LORA_RANK, LORA_ALPHA, LORA_DROPOUT = 8, 32, 0.05
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


# ---- the model ------------------------------------------------------------------------------

class Attention(nn.Module):
    """LlamaAttention (sdpa), no KV cache."""

    def __init__(self, config, cos, sin):
        super().__init__()
        hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads", self.heads)
        self.head_dim = hidden // self.heads
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=False)
        self.cos, self.sin = cos, sin

    def forward(self, x):
        b, s, hidden = x.shape
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        cos, sin = self.cos[:s], self.sin[:s]
        q = q * cos + torch_reference.rotate_half(q) * sin
        k = k * cos + torch_reference.rotate_half(k) * sin
        groups = self.heads // self.kv_heads
        o = torch_reference.sdpa_attention(q, torch_reference.repeat_kv(k, groups),
                                           torch_reference.repeat_kv(v, groups), None)
        return self.o_proj(o.transpose(1, 2).reshape(b, s, hidden))


class Mlp(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, config, cos, sin):
        super().__init__()
        hidden = config["hidden_size"]
        self.input_layernorm = torch_reference.RMSNorm(hidden)
        self.self_attn = Attention(config, cos, sin)
        self.post_attention_layernorm = torch_reference.RMSNorm(hidden)
        self.mlp = Mlp(hidden, config["intermediate_size"])

    def forward(self, x):
        h = x + self.self_attn(self.input_layernorm(x))
        return h + self.mlp(self.post_attention_layernorm(h))


class Backbone(nn.Module):
    """LlamaModel: the parameters are named as the checkpoint's under "model."."""

    def __init__(self, config):
        super().__init__()
        hidden, head_dim = config["hidden_size"], config["hidden_size"] // config["num_attention_heads"]
        theta = config.get("rope_theta", 10000.0)
        inverse = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
        angles = torch.outer(torch.arange(config["max_position_embeddings"]).float(), inverse)
        angles = torch.cat((angles, angles), dim=-1)
        cos, sin = angles.cos(), angles.sin()  # made once, as LlamaRotaryEmbedding caches them
        self.embed_tokens = nn.Embedding(config["vocab_size"], hidden)
        self.layers = nn.ModuleList(DecoderLayer(config, cos, sin) for _ in range(config["num_hidden_layers"]))
        self.norm = torch_reference.RMSNorm(hidden)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


class LlamaForCausalLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.model = Backbone(config)
        self.lm_head = nn.Linear(config["hidden_size"], config["vocab_size"], bias=False)

    def forward(self, ids):
        return self.lm_head(self.model(ids))


def causal_lm_loss(logits, labels, num_items):
    """transformers' ForCausalLMLoss: shift the labels, not the logits (no copy of them)."""
    labels = F.pad(labels, (0, 1), value=torch_reference.IGNORE_INDEX)[..., 1:]
    return F.cross_entropy(logits.view(-1, logits.shape[-1]), labels.reshape(-1),
                           ignore_index=torch_reference.IGNORE_INDEX, reduction="sum") / num_items


class LoraLinear(nn.Module):
    """PEFT's lora.Linear, one adapter, no DoRA, no rsLoRA."""

    def __init__(self, base):
        super().__init__()
        self.base_layer = base
        self.lora_dropout = nn.Dropout(LORA_DROPOUT)
        self.lora_A = nn.Linear(base.in_features, LORA_RANK, bias=False)
        self.lora_B = nn.Linear(LORA_RANK, base.out_features, bias=False)
        self.scaling = LORA_ALPHA / LORA_RANK
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        return self.base_layer(x) + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling


def load_model(directory):
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    model = LlamaForCausalLM(config)
    state = torch_inference.load_safetensors(os.path.join(directory, "model.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        sys.exit("%s: the checkpoint does not fit the model: missing %s, unexpected %s"
                 % (directory, missing, unexpected))
    return model


def add_lora(model):
    """Freezes the model and wraps every target linear layer: PEFT's get_peft_model."""
    for p in model.parameters():
        p.requires_grad_(False)
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if name in LORA_TARGETS and isinstance(child, nn.Linear):
                setattr(module, name, LoraLinear(child))


def adamw(model, learning_rate, foreach):
    """AdamW over the trainable parameters, without decay for norm weights (and biases)."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (no_decay if "norm" in name or "bias" in name else decay).append(p)
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=learning_rate, betas=(0.9, 0.95), eps=1e-8, foreach=foreach)


def cosine_with_warmup(optimizer, total_steps):
    """transformers' get_cosine_schedule_with_warmup, warmup = ceil(5% of the steps)."""
    warmup = math.ceil(0.05 * total_steps)

    def factor(step):
        if step < warmup:
            return step / max(1, warmup)
        progress = (step - warmup) / max(1, total_steps - warmup)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


# ---- the run --------------------------------------------------------------------------------

def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    sys.exit("/proc/self/status: no VmHWM line")


def main(train_type, out):
    threads = env_int("THREADS", 2)
    torch.set_num_threads(threads)
    info = torch_reference.openblas_info()
    checkpoint = os.environ.get("CHECKPOINT", os.path.join(os.path.dirname(__file__), "target", "llama-150m"))
    seq, warmup_steps, steps = env_int("SEQ", 512), env_int("WARMUP_STEPS", 12), env_int("STEPS", 10)
    foreach = env_int("TORCH_FOREACH", 1) == 1
    with open(os.path.join(checkpoint, "prompt.json")) as f:
        ids = torch.tensor(json.load(f)["token_ids"][:seq]).unsqueeze(0)
    if ids.shape[1] != seq:
        sys.exit("SEQ %d: prompt.json has only %d token ids" % (seq, ids.shape[1]))
    torch.manual_seed(42)
    model = load_model(os.path.join(checkpoint, "f32"))
    parameters = sum(p.numel() for p in model.parameters())
    if train_type == "lora":
        add_lora(model)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    total_steps = warmup_steps + steps
    optimizer = adamw(model, 1e-5 if train_type == "full" else 1e-4, foreach)
    schedule = cosine_with_warmup(optimizer, total_steps)
    num_items = seq - 1
    seconds, losses = [], []
    for step in range(total_steps):
        start = time.perf_counter()
        loss = causal_lm_loss(model(ids), ids, num_items)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        seconds.append(time.perf_counter() - start)
        print("  PyTorch step %d/%d: %.3f s, loss %.4f" % (step + 1, total_steps, seconds[-1], losses[-1]),
              file=sys.stderr)
    setup = "torch %s, ATen %s, OMP_WAIT_POLICY=%s, %s, OpenBLAS core %s, %d BLAS threads, AdamW foreach=%s" % (
        torch.__version__, torch_reference.cpu_capability(), os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        torch_reference.allocator(), info["core"], info["threads"], foreach)
    result = {
        "side": "PyTorch", "train_type": train_type, "threads": torch.get_num_threads(), "setup": setup,
        "parameters": parameters, "trainable_parameters": sum(p.numel() for p in trainable),
        "tokens_per_step": seq, "warmup_steps": warmup_steps, "step_seconds": seconds, "losses": losses,
        "memory": {"vm_hwm_bytes": peak_rss_bytes()},
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    measured = seconds[warmup_steps:]
    print("PyTorch %s, %d threads: %.1f tokens/s (mean of %d steps after %d warm-up), peak RSS %d MiB; %s"
          % (train_type, threads, seq * len(measured) / sum(measured), len(measured), warmup_steps,
             peak_rss_bytes() >> 20, setup), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("full", "lora"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
