#!/usr/bin/python3
"""The table of inference-vs-torch.sh: prefill and decode tokens/s of every side and weight
dtype, decode as a share of the memory-bandwidth bound, and the ratios to PyTorch and jlama.

  inference_report.py DIR CHECKPOINT

DIR holds the sides' result files (torch_inference.py measure, JlamaInference, KilnInference:
{"side", "dtype", "prefill": {"tokens", "seconds"}, "decode": {...}, "generated"}) and the
bandwidth files (MemoryBandwidth, torch_inference.py bandwidth, sysbench:
{"bandwidth", "threads", "bytes", "seconds"}); with several rounds, a side's iterations are
pooled. CHECKPOINT is the directory llama_checkpoint.py wrote: the bytes a decoded token reads
come from its safetensors headers.

The bound: a decoded token reads every weight once (all but the embedding table, of which it
reads one row; all of it when the lm_head is tied to it), so decode cannot beat
bandwidth / weight bytes per token. The bandwidth is the best pass of the fastest measurement
(the highest is the hardest bound to reach). The KV cache adds a few percent more reads (see
README.md), left out of the bound.
"""
import glob
import json
import math
import os
import re
import struct
import sys

SAFETENSORS_BYTES = {"F32": 4, "BF16": 2, "F16": 2}
SIDES = ("Kiln", "jlama", "PyTorch")
# inference-vs-torch.sh names the bandwidth measured right before a side ROUND-SIDE-DTYPE-bandwidth-*.
SIDE_OF_SCRIPT = {"kiln": "Kiln", "jlama": "jlama", "torch": "PyTorch"}
BEFORE_SIDE = re.compile(r"\d+-(kiln|jlama|torch)-(\w+)-bandwidth-")


def weight_bytes_per_token(model_dir):
    path = os.path.join(model_dir, "model.safetensors")
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    header.pop("__metadata__", None)
    read = {name: info for name, info in header.items()
            if name != "model.embed_tokens.weight" or "lm_head.weight" not in header}
    return sum(math.prod(info["shape"]) * SAFETENSORS_BYTES[info["dtype"]] for info in read.values())


def load(directory):
    """The sides' results by (side, dtype); the bandwidth passes by method; and the best
    bandwidth measured right before each side, in GB/s."""
    results, bandwidths, before_side = {}, {}, {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            result = json.load(f)
        if "bandwidth" in result:
            entry = bandwidths.setdefault(result["bandwidth"], {"bytes": result["bytes"], "threads": result["threads"],
                                                                "seconds": []})
            entry["seconds"].extend(result["seconds"])
            tag = BEFORE_SIDE.match(os.path.basename(path))
            if tag:
                key = (SIDE_OF_SCRIPT[tag.group(1)], tag.group(2))
                before_side[key] = max(before_side.get(key, 0), result["bytes"] / min(result["seconds"]) / 1e9)
        else:
            key = (result["side"], result["dtype"])
            if key in results:
                results[key]["prefill"]["seconds"].extend(result["prefill"]["seconds"])
                results[key]["decode"]["seconds"].extend(result["decode"]["seconds"])
            else:
                results[key] = result
    return results, bandwidths, before_side


def rate(tokens, seconds, best=True):
    return tokens / (min(seconds) if best else sum(seconds) / len(seconds))


def agreement(ours, reference):
    """Leading generated tokens equal to the reference's, as 'k/n': the sides run the same model
    when their greedy tokens agree (rounding may still part them after a near tie)."""
    n = min(len(ours), len(reference))
    k = next((i for i in range(n) if ours[i] != reference[i]), n)
    return "%d/%d" % (k, n)


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def report(directory, checkpoint):
    results, bandwidths, before_side = load(directory)
    if not bandwidths:
        sys.exit("no bandwidth measurement in " + directory)
    print("Read bandwidth (best pass of each; GB = 1e9 bytes):")
    best_bandwidth = 0
    for name, b in sorted(bandwidths.items()):
        gbs = [b["bytes"] / s / 1e9 for s in b["seconds"]]
        print("  %-24s %d threads: best %.1f GB/s, mean %.1f GB/s over %d passes"
              % (name, b["threads"], max(gbs), sum(gbs) / len(gbs), len(gbs)))
        best_bandwidth = max(best_bandwidth, max(gbs))
    print("  bound taken: %.1f GB/s" % best_bandwidth)
    dtypes = sorted({dtype for _, dtype in results}, key=lambda d: ("f32", "bf16").index(d) if d in ("f32", "bf16") else 9)
    bounds, per_token = {}, {}
    for dtype in dtypes:
        per_token[dtype] = weight_bytes_per_token(os.path.join(checkpoint, dtype))
        bounds[dtype] = best_bandwidth * 1e9 / per_token[dtype]
        print("Decode bound %s: %.1f MB of weights per token -> %.1f tokens/s" % (dtype, per_token[dtype] / 1e6,
                                                                              bounds[dtype]))
    for (side, dtype), result in sorted(results.items()):
        print("%s %s: %s" % (side, dtype, result.get("setup", "")))
    some = next(iter(results.values()))
    print("\nPrefill %d tokens; decode %d tokens after %d; tokens/s at the best iteration (mean of all "
          "in parentheses); ratios at the best iterations" % (some["prefill"]["tokens"], some["decode"]["tokens"],
                                                             some["decode"]["prompt"]))
    header = ("side", "dtype", "prefill tok/s", "decode tok/s", "decode % of bound",
              "% of the bandwidth just before (GB/s)", "prefill vs PyTorch",
              "decode vs PyTorch", "prefill vs jlama", "decode vs jlama", "greedy tokens = PyTorch's",
              "= PyTorch f32's")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " if i < 2 else " ---: " for i in range(len(header))) + "|")
    for dtype in dtypes:
        speeds = {}
        for side in SIDES:
            r = results.get((side, dtype))
            if r:
                speeds[side] = (rate(r["prefill"]["tokens"], r["prefill"]["seconds"]),
                                rate(r["decode"]["tokens"], r["decode"]["seconds"]))
        for side in SIDES:
            r = results.get((side, dtype))
            if not r:
                continue
            prefill, decode = speeds[side]
            torch_speed = speeds.get("PyTorch", (None, None))
            jlama_speed = speeds.get("jlama", (None, None))
            reference = results.get(("PyTorch", dtype))
            f32_reference = results.get(("PyTorch", "f32"))
            local = before_side.get((side, dtype))
            print("| %s | %s | %.1f (%.1f) | %.1f (%.1f) | %.0f%% | %s | %s | %s | %s | %s | %s | %s |" % (
                side, dtype, prefill, rate(r["prefill"]["tokens"], r["prefill"]["seconds"], best=False),
                decode, rate(r["decode"]["tokens"], r["decode"]["seconds"], best=False), 100 * decode / bounds[dtype],
                "%.0f%% (%.1f)" % (100 * decode * per_token[dtype] / 1e9 / local, local) if local else "-",
                ratio(prefill, torch_speed[0]) if side != "PyTorch" else "1.00",
                ratio(decode, torch_speed[1]) if side != "PyTorch" else "1.00",
                ratio(prefill, jlama_speed[0]) if side != "jlama" else "1.00",
                ratio(decode, jlama_speed[1]) if side != "jlama" else "1.00",
                agreement(r["generated"], reference["generated"]) if reference and side != "PyTorch" else "-",
                agreement(r["generated"], f32_reference["generated"]) if f32_reference and r is not f32_reference
                else "-"))
    if ("jlama", "f32") in results:
        jlama_f32 = rate(results[("jlama", "f32")]["decode"]["tokens"], results[("jlama", "f32")]["decode"]["seconds"])
        for side in SIDES:
            if (side, "bf16") in results:
                r = results[(side, "bf16")]
                print("%s bf16 decode / jlama f32 decode: %.2f" % (side, rate(r["decode"]["tokens"], r["decode"]["seconds"]) / jlama_f32))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    report(sys.argv[1], sys.argv[2])
