#!/usr/bin/python3
"""The table of training-vs-torch.sh: tokens/s of Kiln and PyTorch per fine-tuning type, their
ratio, the achieved GFLOP/s against the machine's peak, and the peak memory of each process.

  training_report.py DIR      DIR holds ROUND-SIDE-TYPE.json (KilnTraining, torch_training.py)

Tokens/s: tokens of a step (SEQ, batch 1) over the mean of the measured steps (the warm-up steps
left out), pooling the rounds; "best" uses the fastest measured step, the one least disturbed by
other load. FLOPs of a step, with N the model's parameters (embedding and lm_head included) and
T its tokens: full 6·N·T (forward 2, the gradients of activations 2 and of weights 2); LoRA
4·N·T + 6·N_lora·T (no weight gradients for the frozen weights). Attention's seq² work is not
counted. Peak: PEAK_GFLOPS_PER_CORE (262: 2 FMA ports x 16 f32 lanes x 2 flops x ~4.1 GHz, the
AVX-512 core of README.md's machine) x THREADS.
"""
import glob
import json
import os
import sys

TARGETS = {"full": 1.2, "lora": 1.0}


def load(directory):
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*-*-*.json"))):
        with open(path) as f:
            result = json.load(f)
        key = (result["train_type"], result["side"])
        run = runs.setdefault(key, {"seconds": [], "rss": 0, "heap": 0, "result": result})
        run["seconds"] += result["step_seconds"][result["warmup_steps"]:]
        run["rss"] = max(run["rss"], result["memory"]["vm_hwm_bytes"])
        run["heap"] = max(run["heap"], result["memory"].get("heap_peak_used_bytes", 0))
    return runs


def flops_per_step(result):
    n, t = result["parameters"], result["tokens_per_step"]
    if result["train_type"] == "full":
        return 6.0 * n * t
    return 4.0 * n * t + 6.0 * result["trainable_parameters"] * t


def main(directory):
    runs = load(directory)
    if not runs:
        sys.exit("%s: no results" % directory)
    threads = next(iter(runs.values()))["result"]["threads"]
    peak = float(os.environ.get("PEAK_GFLOPS_PER_CORE", "262")) * threads
    print("| fine-tuning | side | tokens/s mean (best) | GFLOP/s | %% of peak (%.0f GFLOP/s) | peak RSS MiB | steps |" % peak)
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    verdicts = []
    for train_type in ("full", "lora"):
        speeds = {}
        for side in ("Kiln", "PyTorch"):
            run = runs.get((train_type, side))
            if run is None:
                continue
            result, seconds = run["result"], run["seconds"]
            tokens = result["tokens_per_step"]
            mean, best = tokens * len(seconds) / sum(seconds), tokens / min(seconds)
            speeds[side] = (mean, best)
            gflops = flops_per_step(result) * len(seconds) / sum(seconds) / 1e9
            memory = "%d" % (run["rss"] >> 20)
            if run["heap"]:
                memory += " (heap %d)" % (run["heap"] >> 20)
            print("| %s | %s | %.1f (%.1f) | %.1f | %.0f%% | %s | %d |" % (
                train_type, side, mean, best, gflops, 100 * gflops / peak, memory, len(seconds)))
        if len(speeds) == 2:
            ratio_mean = speeds["Kiln"][0] / speeds["PyTorch"][0]
            ratio_best = speeds["Kiln"][1] / speeds["PyTorch"][1]
            verdicts.append("%s: Kiln/PyTorch %.2f (mean), %.2f (best step); target >= %.1f: %s" % (
                train_type, ratio_mean, ratio_best, TARGETS[train_type],
                "met" if ratio_mean >= TARGETS[train_type] else "NOT met"))
    print()
    for verdict in verdicts:
        print(verdict)
    for (train_type, side), run in sorted(runs.items()):
        print("%s %s: %s" % (side, train_type, run["result"]["setup"]))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
