#!/usr/bin/env python3
"""Golden values for kiln's trainer: three optimizer steps of a tiny Llama-style decoder with
gradient accumulation, global-norm clipping, AdamW with decoupled weight decay (norms
excluded) and a linear schedule with warmup, computed with plain PyTorch; and the learning
rates of transformers' linear and cosine schedules through torch's LambdaLR.

Writes kernel-core/src/test/resources/train/trainer_golden.json, read by
kernel-core/src/test/java/dev/kiln/core/train/TrainerGoldenTest.java.

How to run (from the repository root; the output is the same on every run):

    /usr/bin/python3 kernel-core/src/test/python/trainer_golden.py

Debian packages: python3, python3-torch (1.13 when written). transformers is not imported; what
the trainer must reproduce is written out below from transformers' Trainer (4.46+):

  * each optimizer step takes gradient_accumulation_steps micro-batches; the loss of a
    micro-batch is the SUM of its token cross-entropies divided by the number of trained tokens
    of ALL micro-batches of the step (num_items_in_batch), so the accumulated gradient is that
    of the per-token mean over the step;
  * labels are shifted inside the loss (logits at t predict labels[t + 1]); a packed row holds
    several samples (attention_mask = segment ids, 0 for padding; positions restart at 0; the
    first token of every segment is labelled -100); attention stays inside a segment;
  * torch.nn.utils.clip_grad_norm_(max_grad_norm) on all trainable parameters, then
    torch.optim.AdamW (decoupled weight decay) with two groups: decay, and no decay for the
    RMSNorm weights, then LambdaLR with transformers' get_linear_schedule_with_warmup lambda
    stepped after the optimizer;
  * the logged learning rate of a step is the one it trained with.

The model (HF names, untied lm_head): embed_tokens -> per layer [input_layernorm -> q/k/v_proj ->
rotate-half RoPE -> causal grouped-query attention -> o_proj -> residual ->
post_attention_layernorm -> down_proj(silu(gate_proj) * up_proj) -> residual] -> norm -> lm_head.
A query whose every key is masked (a padding query) gets output 0, as kiln's attention kernel
defines it (torch's softmax would give NaN there; such rows take no loss either way).

Forward and backward run in float64 on parameters drawn with torch.manual_seed(0) and rounded to
float32; AdamW's arithmetic runs in float64 too. Values are stored with 9 significant digits.
"""

import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "train",
                   "trainer_golden.json")
DTYPE = torch.float64

CONFIG = {
    "vocab_size": 20, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
    "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "rms_norm_eps": 1e-6,
    "rope_theta": 10000.0,
}
HYPER = {
    "learning_rate": 0.01, "weight_decay": 0.1, "adam_beta1": 0.9, "adam_beta2": 0.95,
    "adam_epsilon": 1e-8, "max_grad_norm": 5.0, "warmup_steps": 1, "max_steps": 3,
    "gradient_accumulation_steps": 2, "lr_scheduler_type": "linear",
}
IGNORE = -100


def parameter_shapes(c):
    h, i, d = c["hidden_size"], c["intermediate_size"], c["head_dim"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    shapes = [("model.embed_tokens.weight", (c["vocab_size"], h))]
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shapes += [(p + "input_layernorm.weight", (h,)),
                   (p + "self_attn.q_proj.weight", (q, h)),
                   (p + "self_attn.k_proj.weight", (kv, h)),
                   (p + "self_attn.v_proj.weight", (kv, h)),
                   (p + "self_attn.o_proj.weight", (h, q)),
                   (p + "post_attention_layernorm.weight", (h,)),
                   (p + "mlp.gate_proj.weight", (i, h)),
                   (p + "mlp.up_proj.weight", (i, h)),
                   (p + "mlp.down_proj.weight", (h, i))]
    shapes += [("model.norm.weight", (h,)), ("lm_head.weight", (c["vocab_size"], h))]
    return shapes


def make_parameters():
    torch.manual_seed(0)
    params = {}
    for name, shape in parameter_shapes(CONFIG):
        if name.endswith("norm.weight"):
            value = 1 + 0.1 * torch.randn(shape)
        else:
            value = 0.3 * torch.randn(shape)
        params[name] = value.float().to(DTYPE).requires_grad_(True)
    return params


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, positions, theta):
    d = x.shape[-1]
    inv_freq = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=DTYPE) / d))
    angles = positions.to(DTYPE)[..., None] * inv_freq          # [B, T, d/2]
    cos = torch.cat([angles.cos(), angles.cos()], -1)[:, :, None, :]
    sin = torch.cat([angles.sin(), angles.sin()], -1)[:, :, None, :]
    half = d // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
    return x * cos + rotated * sin


def forward(params, ids, positions, segments):
    c = CONFIG
    B, T = ids.shape
    H, KV, D = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    same = (segments[:, :, None] == segments[:, None, :]) & (segments[:, None, :] != 0)
    allowed = (causal[None] & same)[:, None]                    # [B, 1, T, T]
    any_key = allowed.any(-1, keepdim=True)
    x = params["model.embed_tokens.weight"][ids]
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        n = rms_norm(x, params[p + "input_layernorm.weight"], c["rms_norm_eps"])
        q = (n @ params[p + "self_attn.q_proj.weight"].T).view(B, T, H, D)
        k = (n @ params[p + "self_attn.k_proj.weight"].T).view(B, T, KV, D)
        v = (n @ params[p + "self_attn.v_proj.weight"].T).view(B, T, KV, D)
        q, k = rope(q, positions, c["rope_theta"]), rope(k, positions, c["rope_theta"])
        k = k.repeat_interleave(H // KV, dim=2)
        v = v.repeat_interleave(H // KV, dim=2)
        scores = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(D)
        scores = scores.masked_fill(~allowed, float("-inf")).masked_fill(~any_key, 0.0)
        probs = torch.softmax(scores, -1) * any_key
        attended = torch.einsum("bhts,bshd->bthd", probs, v).reshape(B, T, H * D)
        h = x + attended @ params[p + "self_attn.o_proj.weight"].T
        m = rms_norm(h, params[p + "post_attention_layernorm.weight"], c["rms_norm_eps"])
        gate = m @ params[p + "mlp.gate_proj.weight"].T
        up = m @ params[p + "mlp.up_proj.weight"].T
        x = h + (torch.nn.functional.silu(gate) * up) @ params[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, params["model.norm.weight"], c["rms_norm_eps"])
    return x @ params["lm_head.weight"].T


def shifted_targets(labels, segments):
    B, T = labels.shape
    targets = torch.full_like(labels, IGNORE)
    same = (segments[:, 1:] == segments[:, :-1]) & (segments[:, :-1] != 0)
    targets[:, :-1] = torch.where(same, labels[:, 1:], torch.full_like(labels[:, 1:], IGNORE))
    return targets


def batch(rows):
    """rows: lists of (ids, labels or None (all trained), ...) segments per row; right-padded."""
    seq = max(sum(len(ids) for ids, _ in row) for row in rows)
    ids_out, pos_out, seg_out, lab_out = [], [], [], []
    for row in rows:
        ids_row, pos_row, seg_row, lab_row = [], [], [], []
        for s, (ids, trained_from) in enumerate(row, start=1):
            ids_row += ids
            pos_row += list(range(len(ids)))
            seg_row += [s] * len(ids)
            labels = [IGNORE if t < trained_from else tok for t, tok in enumerate(ids)]
            labels[0] = IGNORE  # the first token of a segment: nothing predicts it
            lab_row += labels
        pad = seq - len(ids_row)
        ids_out.append(ids_row + [0] * pad)
        pos_out.append(pos_row + [0] * pad)
        seg_out.append(seg_row + [0] * pad)
        lab_out.append(lab_row + [IGNORE] * pad)
    return {"rows": len(rows), "seq": seq, "input_ids": ids_out, "positions": pos_out,
            "attention_mask": seg_out, "labels": lab_out}


# Three steps of two micro-batches each: padding, prompts without loss (trained_from), packing.
STEPS = [
    [batch([[([1, 5, 9, 13, 2], 2)], [([1, 7, 3], 0)]]),
     batch([[([4, 8, 12, 16, 19, 2], 3), ([1, 6, 2], 1)]])],
    [batch([[([1, 2, 3, 4, 5, 6, 7], 4)]]),
     batch([[([1, 11, 12], 1)], [([1, 14, 15, 17, 18], 0)], [([9, 10], 0)]])],
    [batch([[([3, 3, 3, 2], 0), ([5, 5, 2], 1)], [([1, 18, 17, 16, 15], 2)]]),
     batch([[([1, 19, 2], 1)]])],
]


def tensors(b):
    return (torch.tensor(b["input_ids"]), torch.tensor(b["positions"]),
            torch.tensor(b["attention_mask"]), torch.tensor(b["labels"]))


def lr_lambda_linear(warmup, total):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        return max(0.0, float(total - step) / float(max(1, total - warmup)))
    return f


def lr_lambda_cosine(warmup, total, num_cycles=0.5):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))
    return f


def schedule_rates(kind, warmup, total, base=1.0):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base)
    f = lr_lambda_linear(warmup, total) if kind == "linear" else lr_lambda_cosine(warmup, total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, f)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])   # the rate this step trains with
        opt.step()
        sched.step()
    return rates


def flat(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def main():
    params = make_parameters()
    initial = {n: {"shape": list(p.shape), "data": flat(p)} for n, p in params.items()}
    decay = [p for n, p in params.items() if not n.endswith("norm.weight")]
    no_decay = [p for n, p in params.items() if n.endswith("norm.weight")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": HYPER["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=HYPER["learning_rate"], betas=(HYPER["adam_beta1"], HYPER["adam_beta2"]),
                            eps=HYPER["adam_epsilon"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lr_lambda_linear(HYPER["warmup_steps"], HYPER["max_steps"]))
    steps = []
    first_gradients = None
    clipped = 0
    for s, micro in enumerate(STEPS):
        targets = [shifted_targets(tensors(b)[3], tensors(b)[2]) for b in micro]
        items = sum(int((t != IGNORE).sum()) for t in targets)
        lr = opt.param_groups[0]["lr"]
        total_loss = 0.0
        for b, t in zip(micro, targets):
            ids, pos, seg, _ = tensors(b)
            logits = forward(params, ids, pos, seg)
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, CONFIG["vocab_size"]), t.reshape(-1), ignore_index=IGNORE,
                reduction="sum") / items
            loss.backward()
            total_loss += loss.item()
        if first_gradients is None:
            first_gradients = {n: flat(p.grad) for n, p in params.items()}
        norm = torch.nn.utils.clip_grad_norm_(list(params.values()), HYPER["max_grad_norm"]).item()
        clipped += norm > HYPER["max_grad_norm"]
        opt.step()
        sched.step()
        opt.zero_grad()
        steps.append({"micro_batches": micro, "trained_tokens": items, "loss": total_loss,
                      "grad_norm": norm, "learning_rate": lr})
    assert clipped >= 1 and clipped < len(STEPS), "clipping should matter in some steps only"
    final = {n: flat(p) for n, p in params.items()}
    golden = {
        "config": CONFIG, "hyper": HYPER, "parameters": initial, "steps": steps,
        "first_step_gradients": first_gradients, "final_parameters": final,
        "schedules": {
            "warmup_steps": 3, "total_steps": 10,
            "linear": schedule_rates("linear", 3, 10), "cosine": schedule_rates("cosine", 3, 10),
        },
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, [round(s["loss"], 4) for s in steps], [round(s["grad_norm"], 4) for s in steps])


if __name__ == "__main__":
    main()
