#!/usr/bin/python3
"""The PyTorch side of engine-vs-torch.sh: the same workloads as AttentionBenchmark,
CrossEntropyBenchmark and LlamaBlockBenchmark, in float32 on the CPU, timed like JMH.

  torch_reference.py measure GROUP OUT.json    time PyTorch on GROUP's cases (attention,
                                               cross-entropy, block), write seconds per call
  torch_reference.py profile CONFIG [IMPL]     PyTorch's profiler on the block's forward and
                                               backward (CONFIG as BLOCKS, IMPL sdpa or matmul)
  torch_reference.py compare DIR               print Kiln (DIR/kiln-*.json, JMH's JSON) against
                                               PyTorch (DIR/torch-*.json)

Environment: THREADS (default 2); ATTENTION, HEAD_DIMS, SEQS, CROSS_ENTROPY, CE_ROWS, BLOCKS,
BLOCK_SEQ pick cases (the values of the JMH parameters; see engine-vs-torch.sh);
WARMUP_ITERATIONS and MEASURED_ITERATIONS (5 each); for profile, STEPS and ROWS.

measure refuses to run unless PyTorch's BLAS is OpenBLAS and prints the OpenBLAS core and the
ATen CPU capability it runs with: without them a ratio means nothing (see README.md).
"""
import ctypes
import glob
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# As the JMH classes' @Warmup and @Measurement (the environment may say otherwise, for a quick check).
WARMUP_ITERATIONS = int(os.environ.get("WARMUP_ITERATIONS", "5"))
MEASURED_ITERATIONS = int(os.environ.get("MEASURED_ITERATIONS", "5"))
# Seconds per iteration, as the JMH classes.
ITERATION_SECONDS = {"attention": 1.0, "cross-entropy": 1.0, "block": 2.0}

RMS_EPS = 1e-5
ROPE_THETA = 10000.0
IGNORE_INDEX = -100


# ---- setup checks -------------------------------------------------------------------------

def openblas_info():
    """The OpenBLAS this process loaded and the kernel it picked, or exit if it is not OpenBLAS."""
    torch.ones(64, 64) @ torch.ones(64, 64)  # make sure the BLAS is loaded
    with open("/proc/self/maps") as maps:
        libraries = {line.split()[-1] for line in maps if ".so" in line}
    openblas = sorted(lib for lib in libraries if "libopenblas" in lib)
    if not openblas:
        blas = sorted(lib for lib in libraries if "blas" in lib)
        sys.exit("PyTorch is not using OpenBLAS (BLAS libraries loaded: %s); "
                 "apt-get install libopenblas0-pthread" % (blas or "none"))
    lib = ctypes.CDLL(openblas[0])
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    return {
        "library": openblas[0],
        "core": lib.openblas_get_corename().decode(),
        "config": lib.openblas_get_config().decode(),
        "threads": lib.openblas_get_num_threads(),
    }


def allocator():
    """Which malloc serves PyTorch's CPU tensors, and how it is set up (see engine-vs-torch.sh)."""
    with open("/proc/self/maps") as maps:
        if any("libjemalloc" in line for line in maps):
            return "jemalloc, MALLOC_CONF=" + os.environ.get("MALLOC_CONF", "(default)")
    tunables = ["%s=%s" % (name, os.environ[name]) for name in
                ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_") if name in os.environ]
    return "glibc" + (", " + " ".join(tunables) if tunables else " (defaults)")


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


# ---- the workloads ------------------------------------------------------------------------

def causal_flops(batch, seq, heads, head_dim):
    """As AttentionBenchmark.causalFlops: 2 flops per multiply-add of q.k and p.v over the
    seq(seq+1)/2 unmasked pairs."""
    return 2.0 * batch * heads * head_dim * seq * (seq + 1.0)


def repeat_kv(x, groups):
    """[b, kvHeads, s, d] -> [b, kvHeads * groups, s, d], each kv head repeated for its group
    (Hugging Face's repeat_kv)."""
    if groups == 1:
        return x
    b, kv, s, d = x.shape
    return x[:, :, None, :, :].expand(b, kv, groups, s, d).reshape(b, kv * groups, s, d)


def sdpa_attention(q, k, v, causal_mask):
    """torch 1.13's scaled_dot_product_attention (private there, public from 2.0)."""
    return F._scaled_dot_product_attention(q, k, v, None, 0.0, False, True)[0]


def matmul_attention(q, k, v, causal_mask):
    """The textbook formulation: softmax(q kᵀ / sqrt(d) + mask) v, with an additive mask."""
    scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    return torch.matmul(torch.softmax(scores + causal_mask, dim=-1), v)


ATTENTION_IMPLEMENTATIONS = {"sdpa": sdpa_attention, "matmul": matmul_attention}


def causal_mask(seq):
    return torch.full((seq, seq), float("-inf")).triu(1)


def attention_case(heads, kv_heads, head_dim, seq, backward, implementation):
    """A call of causal attention on [1, heads, seq, headDim] (PyTorch's layout), GQA by
    repeat_kv; with backward, dq, dk, dv from a given dO."""
    generator = torch.Generator().manual_seed(42)
    q = torch.rand(1, heads, seq, head_dim, generator=generator) * 2 - 1
    k = torch.rand(1, kv_heads, seq, head_dim, generator=generator) * 2 - 1
    v = torch.rand(1, kv_heads, seq, head_dim, generator=generator) * 2 - 1
    d_out = torch.rand(1, heads, seq, head_dim, generator=generator) * 2 - 1
    mask = causal_mask(seq)
    attend = ATTENTION_IMPLEMENTATIONS[implementation]
    groups = heads // kv_heads
    if not backward:
        def forward():
            with torch.no_grad():
                return attend(q, repeat_kv(k, groups), repeat_kv(v, groups), mask)
        return forward
    for t in (q, k, v):
        t.requires_grad_(True)

    def forward_backward():
        for t in (q, k, v):
            t.grad = None
        out = attend(q, repeat_kv(k, groups), repeat_kv(v, groups), mask)
        out.backward(d_out)
        return q.grad
    return forward_backward


def cross_entropy_case(rows, vocab):
    """Mean cross-entropy of logits that require grad, forward and backward."""
    generator = torch.Generator().manual_seed(42)
    logits = torch.randn(rows, vocab, generator=generator).requires_grad_(True)
    targets = torch.randint(0, vocab, (rows,), generator=generator)

    def forward_backward():
        logits.grad = None
        loss = F.cross_entropy(logits, targets, ignore_index=IGNORE_INDEX)
        loss.backward()
        return loss.item()
    return forward_backward


class RMSNorm(nn.Module):
    """Hugging Face's LlamaRMSNorm."""

    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + RMS_EPS))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaBlock(nn.Module):
    """One Llama decoder layer as Hugging Face's LlamaDecoderLayer (no biases, rotate-half RoPE,
    causal GQA, SwiGLU), the twin of LlamaBlock.java."""

    def __init__(self, hidden, heads, kv_heads, intermediate, seq, attention):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, hidden // heads
        self.attention = attention
        self.input_layernorm = RMSNorm(hidden)
        self.q_proj = nn.Linear(hidden, hidden, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(hidden, hidden, bias=False)
        self.post_attention_layernorm = RMSNorm(hidden)
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.02)
        # The RoPE tables and the mask are made once, as Kiln's kernels cache their tables.
        inverse = 1.0 / ROPE_THETA ** (torch.arange(0, self.head_dim, 2).float() / self.head_dim)
        angles = torch.outer(torch.arange(seq).float(), inverse)
        angles = torch.cat((angles, angles), dim=-1)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)
        self.register_buffer("mask", causal_mask(seq), persistent=False)

    def rope(self, x):
        return x * self.cos + rotate_half(x) * self.sin

    def forward(self, x):
        b, s, hidden = x.shape
        n = self.input_layernorm(x)
        q = self.q_proj(n).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(n).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(n).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = self.rope(q), self.rope(k)
        groups = self.heads // self.kv_heads
        o = self.attention(q, repeat_kv(k, groups), repeat_kv(v, groups), self.mask)
        h = x + self.o_proj(o.transpose(1, 2).reshape(b, s, hidden))
        m = self.post_attention_layernorm(h)
        return h + self.down_proj(F.silu(self.gate_proj(m)) * self.up_proj(m))


def block_config(config):
    hidden, heads, kv_heads, intermediate = (int(x) for x in config.split("/"))
    return hidden, heads, kv_heads, intermediate


def block_flops(config, batch, seq):
    """As LlamaBlock.Config.trainingFlops: 6 per matmul weight and token, plus attention."""
    hidden, heads, kv_heads, intermediate = block_config(config)
    head_dim = hidden // heads
    weights = 2 * hidden * hidden + 2 * hidden * kv_heads * head_dim + 3 * hidden * intermediate
    return 6.0 * weights * batch * seq + 3 * causal_flops(batch, seq, heads, head_dim)


def block_case(config, seq, implementation):
    """Forward and backward of the layer on [1, seq, hidden]: the input and the parameters
    require grad, loss = mean of the output, gradients set to None before each call."""
    hidden, heads, kv_heads, intermediate = block_config(config)
    torch.manual_seed(42)
    block = LlamaBlock(hidden, heads, kv_heads, intermediate, seq,
                       ATTENTION_IMPLEMENTATIONS[implementation])
    x = torch.randn(1, seq, hidden).requires_grad_(True)

    def forward_backward():
        block.zero_grad(set_to_none=True)
        x.grad = None
        loss = block(x).mean()
        loss.backward()
        return loss.item()
    return forward_backward, block, x


# ---- the cases, named as the JMH results are --------------------------------------------

def cases(group):
    """(key, flops per call or None, {implementation: factory}) for GROUP, from the environment."""
    seqs = [int(s) for s in os.environ.get("SEQS", "512,2048").split(",")]
    if group == "attention":
        head_dims = [int(d) for d in os.environ.get("HEAD_DIMS", "64,128").split(",")]
        for heads in os.environ.get("ATTENTION", "12/12,16/4").split(","):
            h, kv = (int(x) for x in heads.split("/"))
            for head_dim in head_dims:
                for seq in seqs:
                    for backward in (False, True):
                        key = attention_key("fwd+bwd" if backward else "fwd", heads, head_dim, seq)
                        flops = causal_flops(1, seq, h, head_dim) * (3 if backward else 1)
                        yield key, flops, {
                            impl: (lambda h=h, kv=kv, d=head_dim, s=seq, b=backward, impl=impl:
                                   attention_case(h, kv, d, s, b, impl))
                            for impl in ATTENTION_IMPLEMENTATIONS}
    elif group == "cross-entropy":
        rows_list = [int(r) for r in os.environ.get("CE_ROWS", "512,2048").split(",")]
        for vocab in (int(v) for v in os.environ.get("CROSS_ENTROPY", "32000,151936").split(",")):
            for rows in rows_list:
                yield cross_entropy_key(rows, vocab), None, {
                    "F.cross_entropy": lambda r=rows, v=vocab: cross_entropy_case(r, v)}
    elif group == "block":
        seq = int(os.environ.get("BLOCK_SEQ", "512"))
        for config in os.environ.get("BLOCKS", "768/12/12/2048,2048/16/4/5632").split(","):
            yield block_key(config, seq), block_flops(config, 1, seq), {
                impl: (lambda c=config, impl=impl: block_case(c, seq, impl)[0])
                for impl in ATTENTION_IMPLEMENTATIONS}
    else:
        sys.exit("unknown group " + group)


def attention_key(pass_, heads, head_dim, seq):
    return "attention %s|heads %s, d %s, seq %s" % (pass_, heads, head_dim, seq)


def cross_entropy_key(rows, vocab):
    return "cross-entropy fwd+bwd|%s x %s" % (rows, vocab)


def block_key(config, seq):
    return "Llama block fwd+bwd|%s, seq %s" % (config, seq)


def kiln_key(run):
    """The case a JMH result measured, and a label for Kiln's way of running it."""
    benchmark = run["benchmark"].rsplit(".", 2)
    cls, method = benchmark[-2], benchmark[-1]
    p = run["params"]
    if cls == "AttentionBenchmark":
        return attention_key("fwd" if method == "forward" else "fwd+bwd", p["heads"], p["headDim"],
                             p["seq"]), "kernels"
    if cls == "CrossEntropyBenchmark":
        return cross_entropy_key(p["rows"], p["vocab"]), p["path"]
    if cls == "LlamaBlockBenchmark":
        return block_key(p["config"], p["seq"]), "engine"
    return None, None


# ---- timing -------------------------------------------------------------------------------

def time_calls(call, seconds):
    """Seconds per call in each measured iteration of about `seconds`, after as many warm-up
    iterations: JMH's throughput mode."""
    means = []
    for iteration in range(WARMUP_ITERATIONS + MEASURED_ITERATIONS):
        calls = 0
        start = time.perf_counter()
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        if iteration >= WARMUP_ITERATIONS:
            means.append(elapsed / calls)
    return means


def measure(group, out):
    threads = int(os.environ.get("THREADS", "2"))
    torch.set_num_threads(threads)
    info = openblas_info()
    setup = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblas": info,
        "cpu_capability": cpu_capability(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "malloc": allocator(),
    }
    print("torch %s, %d threads, ATen capability %s, OMP_WAIT_POLICY=%s, malloc %s; %s, core %s, "
          "%d threads" % (setup["torch"], setup["threads"], setup["cpu_capability"],
                          setup["omp_wait_policy"], setup["malloc"], info["config"], info["core"],
                          info["threads"]), file=sys.stderr)
    results = {"setup": setup, "cases": {}}
    torch.set_grad_enabled(True)
    for key, flops, implementations in cases(group):
        timings = {}
        for implementation, factory in implementations.items():
            call = factory()
            timings[implementation] = time_calls(call, ITERATION_SECONDS[group])
            del call
            print("  %-60s %-16s best %9.3f ms, mean %9.3f ms"
                  % (key.replace("|", " "), implementation, 1e3 * min(timings[implementation]),
                     1e3 * sum(timings[implementation]) / len(timings[implementation])),
                  file=sys.stderr)
        results["cases"][key] = {"flops": flops, "seconds": timings}
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


def profile(config, implementation="sdpa"):
    """Self time per ATen op over a few forward and backward passes of the block, after a
    warm-up: where PyTorch's time goes, to hold against BlockProfile.java."""
    threads = int(os.environ.get("THREADS", "2"))
    torch.set_num_threads(threads)
    seq = int(os.environ.get("BLOCK_SEQ", "512"))
    steps = int(os.environ.get("STEPS", "10"))
    call = block_case(config, seq, implementation)[0]
    time_calls(call, 2.0)  # warm-up (5 + 5 iterations of 2 s)
    seconds = []
    with torch.autograd.profiler.profile() as prof:
        for _ in range(steps):
            start = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - start)
    print("PyTorch block %s, seq %d, %d threads, %s, ATen %s: %d steps, best %.1f ms, mean %.1f ms "
          "(profiled)" % (config, seq, threads, implementation, cpu_capability(), steps,
                          1e3 * min(seconds), 1e3 * sum(seconds) / steps))
    mean_ms = 1e3 * sum(seconds) / steps
    print("%-44s %6s %9s %6s" % ("per step, self time (mean)", "calls", "ms", "%"))
    averages = sorted(prof.key_averages(), key=lambda a: a.self_cpu_time_total, reverse=True)
    for average in averages[:int(os.environ.get("ROWS", "25"))]:
        ms = average.self_cpu_time_total / 1e3 / steps
        print("%-44s %6.0f %9.2f %6.1f" % (average.key[:44], average.count / steps, ms,
                                           100 * ms / mean_ms))


# ---- the table ----------------------------------------------------------------------------

def compare(directory):
    """Per case: ms per call of Kiln and of PyTorch's fastest implementation, best iteration and
    mean of all, Kiln speed / PyTorch speed, and GFLOP/s (tokens/s for the block) at the best."""
    kiln = {}
    for path in sorted(glob.glob(os.path.join(directory, "kiln-*.json"))):
        with open(path) as f:
            for run in json.load(f):
                key, how = kiln_key(run)
                if key is None:
                    continue
                metric = run["primaryMetric"]
                if metric["scoreUnit"] != "ops/s":
                    sys.exit("expected ops/s from JMH, got " + metric["scoreUnit"])
                seconds = [1 / calls for fork in metric["rawData"] for calls in fork]
                kiln.setdefault((key, how), []).extend(seconds)
    torch_runs, setup = {}, None
    for path in sorted(glob.glob(os.path.join(directory, "torch-*.json"))):
        with open(path) as f:
            result = json.load(f)
        setup = result["setup"]
        for key, case in result["cases"].items():
            entry = torch_runs.setdefault(key, {"flops": case["flops"], "seconds": {}})
            for implementation, seconds in case["seconds"].items():
                entry["seconds"].setdefault(implementation, []).extend(seconds)
    if setup:
        print("PyTorch %s, %d threads, ATen CPU capability %s, OMP_WAIT_POLICY=%s, %s, core %s, "
              "malloc %s" % (setup["torch"], setup["threads"], setup["cpu_capability"],
                             setup["omp_wait_policy"], setup["openblas"]["config"].split(" NO_")[0],
                             setup["openblas"]["core"], setup.get("malloc", "?")))
    print("ms per call (best: the fastest iteration; mean: of all measured iterations); "
          "ratio = Kiln speed / PyTorch speed")
    header = ("op", "shape", "Kiln via", "PyTorch via", "Kiln best", "PyTorch best", "ratio",
              "Kiln mean", "PyTorch mean", "ratio", "Kiln GFLOP/s", "PyTorch GFLOP/s")
    rows = []
    for (key, how), ours in kiln.items():
        theirs = torch_runs.get(key)
        if not theirs:
            continue
        # PyTorch's fastest implementation of the op, by its best iteration.
        implementation = min(theirs["seconds"], key=lambda impl: min(theirs["seconds"][impl]))
        seconds = theirs["seconds"][implementation]
        op, shape = key.split("|")
        best_ours, best_theirs = min(ours), min(seconds)
        mean_ours, mean_theirs = sum(ours) / len(ours), sum(seconds) / len(seconds)
        flops = theirs["flops"]
        rows.append((op, shape, how, implementation,
                     "%.2f" % (1e3 * best_ours), "%.2f" % (1e3 * best_theirs),
                     "%.2f" % (best_theirs / best_ours),
                     "%.2f" % (1e3 * mean_ours), "%.2f" % (1e3 * mean_theirs),
                     "%.2f" % (mean_theirs / mean_ours),
                     "%.1f" % (flops / best_ours / 1e9) if flops else "-",
                     "%.1f" % (flops / best_theirs / 1e9) if flops else "-"))
        if op.startswith("Llama block"):
            tokens = int(shape.split("seq ")[1])
            print("%s %s: Kiln %.0f tokens/s (best), %.0f (mean); PyTorch %.0f tokens/s (best), "
                  "%.0f (mean)" % (op, shape, tokens / best_ours, tokens / mean_ours,
                                   tokens / best_theirs, tokens / mean_theirs))
    groups = ("attention", "cross-entropy", "Llama block")
    rows.sort(key=lambda row: (next(i for i, g in enumerate(groups) if row[0].startswith(g)),
                               [int(n) for n in re.findall(r"\d+", row[1])], row[0], row[2]))
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " if i < 4 else " ---: " for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "profile":
        profile(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "compare":
        compare(sys.argv[2])
    else:
        sys.exit(__doc__)
