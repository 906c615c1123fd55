#!/usr/bin/python3
"""The PyTorch side of inference-vs-torch.sh: prefill and greedy decode of the random Llama
checkpoint (llama_checkpoint.py) in plain PyTorch, and the machine's read bandwidth by torch.sum.

  torch_inference.py measure DTYPE OUT.json     prefill and decode tokens/s of CHECKPOINT/DTYPE
  torch_inference.py bandwidth OUT.json         seconds to sum a 1 GiB float32 tensor

Environment (inference-vs-torch.sh sets the same on every side): CHECKPOINT (the directory
llama_checkpoint.py wrote), THREADS (2), PREFILL_TOKENS (512), DECODE_PROMPT (128),
DECODE_TOKENS (128), WARMUP_ITERATIONS (3), MEASURED_ITERATIONS (5), MAX_MEASURED_SECONDS (60:
fewer measured iterations, but at least 2, when they would take longer; for a slow side).

The model is Hugging Face's LlamaForCausalLM forward written out in torch (transformers is not
installed here): RMSNorm computed in float32 and cast back, rotate-half RoPE from float32 cos/sin
tables cast to the weights' dtype, causal attention by torch's scaled_dot_product_attention,
SwiGLU MLP, untied lm_head, all in the checkpoint's dtype (bf16 runs in bf16, as
torch_dtype=torch.bfloat16 does in transformers). The KV cache is preallocated for the whole
sequence and written in place; the lm_head runs on the last position only (what generation
needs, as transformers' num_logits_to_keep=1). Everything under torch.inference_mode().
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import torch_reference  # the setup checks: OpenBLAS, malloc, ATen capability

# How a decoded token's linear layers run, by name: both are timed.
DECODE_LINEAR = {"linear": "F.linear", "mv": "torch.mv"}
SAFETENSORS_DTYPES = {"F32": (np.float32, torch.float32), "BF16": (np.int16, torch.bfloat16)}


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


# ---- the checkpoint -------------------------------------------------------------------------

def load_safetensors(path):
    """Every tensor of a .safetensors file, in its own dtype (bf16 read as int16 and viewed)."""
    with open(path, "rb") as f:
        header_length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_length))
    data_start = 8 + header_length
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in SAFETENSORS_DTYPES:
            sys.exit("%s: tensor %s has dtype %s, expected F32 or BF16" % (path, name, info["dtype"]))
        np_dtype, torch_dtype = SAFETENSORS_DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        array = np.array(raw[data_start + begin:data_start + end]).view(np_dtype)
        tensors[name] = torch.from_numpy(array).view(torch_dtype).reshape(info["shape"])
    return tensors


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Llama:
    """LlamaForCausalLM's inference forward with a KV cache, batch 1."""

    def __init__(self, directory, decode_linear="linear"):
        with open(os.path.join(directory, "config.json")) as f:
            config = json.load(f)
        self.w = load_safetensors(os.path.join(directory, "model.safetensors"))
        self.dtype = self.w["model.embed_tokens.weight"].dtype
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config.get("num_key_value_heads", self.heads)
        self.hidden = config["hidden_size"]
        self.head_dim = self.hidden // self.heads
        self.eps = config["rms_norm_eps"]
        if config.get("tie_word_embeddings", False) or "lm_head.weight" not in self.w:
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]
        theta = config.get("rope_theta", 10000.0)
        inv_freq = 1.0 / theta ** (torch.arange(0, self.head_dim, 2).float() / self.head_dim)
        freqs = torch.outer(torch.arange(config["max_position_embeddings"]).float(), inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)
        self.cos, self.sin = angles.cos().to(self.dtype), angles.sin().to(self.dtype)
        self.decode_linear = decode_linear

    def linear(self, x, weight):
        """x Wᵀ. With decode_linear "mv", a single token goes through torch.mv (BLAS gemv): for
        f32 that is 3x faster than F.linear's gemm with one row on OpenBLAS."""
        if self.decode_linear == "mv" and x.shape[-2] == 1:
            return torch.mv(weight, x.reshape(-1)).view(*x.shape[:-1], weight.shape[0])
        return F.linear(x, weight)

    def new_cache(self, capacity):
        shape = (1, self.kv_heads, capacity, self.head_dim)
        return [(torch.zeros(shape, dtype=self.dtype), torch.zeros(shape, dtype=self.dtype))
                for _ in range(self.layers)]

    def rms_norm(self, x, weight):
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * x32.to(x.dtype)

    def attention(self, layer, x, start, cache):
        w, p = self.w, "model.layers.%d.self_attn." % layer
        seq = x.shape[1]
        q = self.linear(x, w[p + "q_proj.weight"]).view(1, seq, self.heads, self.head_dim).transpose(1, 2)
        k = self.linear(x, w[p + "k_proj.weight"]).view(1, seq, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.linear(x, w[p + "v_proj.weight"]).view(1, seq, self.kv_heads, self.head_dim).transpose(1, 2)
        cos, sin = self.cos[start:start + seq], self.sin[start:start + seq]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        cache_k, cache_v = cache[layer]
        cache_k[:, :, start:start + seq] = k
        cache_v[:, :, start:start + seq] = v
        keys = torch_reference.repeat_kv(cache_k[:, :, :start + seq], self.heads // self.kv_heads)
        values = torch_reference.repeat_kv(cache_v[:, :, :start + seq], self.heads // self.kv_heads)
        # A prompt starts at 0 and is causal; a decoded token attends to everything cached.
        out = F._scaled_dot_product_attention(q, keys, values, None, 0.0, False, seq > 1)[0]
        return self.linear(out.transpose(1, 2).reshape(1, seq, self.hidden), w[p + "o_proj.weight"])

    def mlp(self, layer, x):
        w, p = self.w, "model.layers.%d.mlp." % layer
        gate = F.silu(self.linear(x, w[p + "gate_proj.weight"]))
        return self.linear(gate * self.linear(x, w[p + "up_proj.weight"]), w[p + "down_proj.weight"])

    def forward(self, token_ids, start, cache):
        """Logits of the last position for token_ids (1-D) at positions start.., appended to the
        cache; a prompt of more than one token must start at 0."""
        assert start == 0 or len(token_ids) == 1
        w = self.w
        x = w["model.embed_tokens.weight"][token_ids].unsqueeze(0)
        for layer in range(self.layers):
            p = "model.layers.%d." % layer
            x = x + self.attention(layer, self.rms_norm(x, w[p + "input_layernorm.weight"]), start, cache)
            x = x + self.mlp(layer, self.rms_norm(x, w[p + "post_attention_layernorm.weight"]))
        last = self.rms_norm(x[:, -1], w["model.norm.weight"])
        return self.linear(last.unsqueeze(0), w["lm_head.weight"])[0, 0]


# ---- timing ---------------------------------------------------------------------------------

def timed_iterations(iteration):
    """Seconds of each measured call of iteration() (it returns the seconds it timed itself),
    after WARMUP_ITERATIONS unmeasured ones; stops early past MAX_MEASURED_SECONDS."""
    warmup, measured = env_int("WARMUP_ITERATIONS", 3), env_int("MEASURED_ITERATIONS", 5)
    budget = float(os.environ.get("MAX_MEASURED_SECONDS", "60"))
    for _ in range(warmup):
        iteration()
    seconds = []
    while len(seconds) < measured and (len(seconds) < 2 or sum(seconds) < budget):
        seconds.append(iteration())
    return seconds


def measure(dtype, out):
    threads = env_int("THREADS", 2)
    torch.set_num_threads(threads)
    info = torch_reference.openblas_info()
    checkpoint = os.environ.get("CHECKPOINT", os.path.join(os.path.dirname(__file__), "target", "llama-150m"))
    with open(os.path.join(checkpoint, "prompt.json")) as f:
        prompt = torch.tensor(json.load(f)["token_ids"])
    prefill_tokens = env_int("PREFILL_TOKENS", 512)
    decode_prompt, decode_tokens = env_int("DECODE_PROMPT", 128), env_int("DECODE_TOKENS", 128)
    if max(prefill_tokens, decode_prompt) > len(prompt):
        sys.exit("prompt.json has %d token ids, PREFILL_TOKENS and DECODE_PROMPT ask for up to %d"
                 % (len(prompt), max(prefill_tokens, decode_prompt)))
    model = Llama(os.path.join(checkpoint, dtype))
    cache = model.new_cache(max(prefill_tokens, decode_prompt + decode_tokens))
    generated = []

    def prefill():
        start = time.perf_counter()
        model.forward(prompt[:prefill_tokens], 0, cache).argmax().item()
        return time.perf_counter() - start

    def decode():
        generated.clear()
        token = model.forward(prompt[:decode_prompt], 0, cache).argmax().item()
        generated.append(token)
        start = time.perf_counter()
        for position in range(decode_prompt, decode_prompt + decode_tokens):
            token = model.forward(torch.tensor([token]), position, cache).argmax().item()
            generated.append(token)
        return time.perf_counter() - start

    with torch.inference_mode():
        prefill_seconds = timed_iterations(prefill)
        # PyTorch's faster way for one token at a time: F.linear (what transformers runs) or
        # torch.mv; the table takes the one with the faster best iteration.
        decode_by = {}
        for way in DECODE_LINEAR:
            model.decode_linear = way
            decode_by[way] = timed_iterations(decode)
            print("  PyTorch %s decode through %-6s best %.1f tokens/s" % (dtype, way, decode_tokens / min(decode_by[way])),
                  file=sys.stderr)
    via = min(decode_by, key=lambda way: min(decode_by[way]))
    setup = "torch %s, ATen %s, OMP_WAIT_POLICY=%s, %s, OpenBLAS core %s, %d BLAS threads, decode via %s" % (
        torch.__version__, torch_reference.cpu_capability(), os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        torch_reference.allocator(), info["core"], info["threads"], DECODE_LINEAR[via])
    write_result(out, "PyTorch", dtype, torch.get_num_threads(), setup, prefill_tokens, prefill_seconds,
                 decode_prompt, decode_tokens, decode_by[via], generated)


def write_result(out, side, dtype, threads, setup, prefill_tokens, prefill_seconds, decode_prompt,
                 decode_tokens, decode_seconds, generated):
    """The result file every side writes (the Java sides through InferenceResult)."""
    result = {
        "side": side, "dtype": dtype, "threads": threads, "setup": setup,
        "prefill": {"tokens": prefill_tokens, "seconds": prefill_seconds},
        "decode": {"prompt": decode_prompt, "tokens": decode_tokens, "seconds": decode_seconds},
        "generated": generated,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print("%s %s, %d threads: prefill %.1f tokens/s (best), decode %.1f tokens/s (best); %s"
          % (side, dtype, threads, prefill_tokens / min(prefill_seconds),
             decode_tokens / min(decode_seconds), setup), file=sys.stderr)


def bandwidth(out):
    """torch.sum over a 1 GiB float32 tensor on THREADS threads: ATen splits the reduction over
    its OpenMP threads, each streaming its part once."""
    threads = env_int("THREADS", 2)
    torch.set_num_threads(threads)
    x = torch.ones(1 << 28)  # 1 GiB, every page touched
    x.sum()  # one unmeasured pass, as MemoryBandwidth's
    seconds = []
    for _ in range(env_int("BANDWIDTH_PASSES", 10)):
        start = time.perf_counter()
        x.sum().item()
        seconds.append(time.perf_counter() - start)
    with open(out, "w") as f:
        json.dump({"bandwidth": "torch.sum", "threads": torch.get_num_threads(),
                   "bytes": x.numel() * x.element_size(), "seconds": seconds}, f, indent=1)
    print("torch.sum of 1 GiB on %d threads: best %.1f GB/s" % (threads, x.numel() * 4 / min(seconds) / 1e9),
          file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "bandwidth":
        bandwidth(sys.argv[2])
    else:
        sys.exit(__doc__)
