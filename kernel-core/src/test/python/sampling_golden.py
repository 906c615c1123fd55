#!/usr/bin/env python3
"""Golden values for Kiln's logits processing, computed with PyTorch.

Writes kernel-core/src/test/resources/generate/logits_processing.json, read by
kernel-core/src/test/java/dev/kiln/core/generate/LogitsProcessorsGoldenTest.java.

How to run (from the repository root; the output is the same on every run):

    /usr/bin/python3 kernel-core/src/test/python/sampling_golden.py

Debian packages it needs: python3, python3-torch (PyTorch 1.13 at the time of writing). It does
not import transformers: each step below is written from the semantics of its namesake in
transformers' src/transformers/generation/logits_process.py, applied in the order of
GenerationMixin._get_logits_processor:

    RepetitionPenaltyLogitsProcessor   over prompt + completion (transformers' input_ids)
    presence / frequency penalties     over the completion only, as OpenAI and vLLM define them:
                                       logits -= frequency * count + presence * (count > 0)
    TemperatureLogitsWarper            only when sampling (temperature > 0)
    TopKLogitsWarper
    TopPLogitsWarper                   min_tokens_to_keep = 1
    MinPLogitsWarper                   min_tokens_to_keep = 1

then the probabilities softmax(processed) that a token is drawn from; greedy (temperature 0)
takes argmax(processed) after the penalties only, as transformers' greedy search applies its
processors but no warpers.

Each case holds float32 logits (written with 9 significant digits, so they round-trip), the
prompt and completion ids, the parameters, and the expected processed logits (null for -inf,
which JSON cannot spell), probabilities (sampling cases) and greedy token (greedy cases). The
processing itself runs in float64.
"""

import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "generate",
                   "logits_processing.json")


def repetition_penalty(input_ids, scores, penalty):
    # RepetitionPenaltyLogitsProcessor.__call__
    score = torch.gather(scores, 1, input_ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(1, input_ids, score)


def presence_frequency(completion, scores, presence, frequency):
    # vLLM's apply_penalties: counts of the output tokens only
    counts = torch.bincount(completion[0], minlength=scores.shape[-1]).to(scores.dtype).unsqueeze(0)
    scores = scores - frequency * counts
    return scores - presence * (counts > 0).to(scores.dtype)


def temperature(scores, t):
    return scores / t


def top_k(scores, k):
    k = min(k, scores.size(-1))
    indices_to_remove = scores < torch.topk(scores, k)[0][..., -1, None]
    return scores.masked_fill(indices_to_remove, -float("inf"))


def top_p(scores, p):
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_indices_to_remove = cumulative_probs <= (1 - p)
    sorted_indices_to_remove[..., -1:] = 0
    indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, -float("inf"))


def min_p(scores, m):
    probs = torch.softmax(scores, dim=-1)
    top_probs = probs.amax(dim=-1, keepdim=True)
    tokens_to_remove = probs < m * top_probs
    sorted_indices = torch.topk(probs, 1, dim=-1).indices
    tokens_to_remove.scatter_(-1, sorted_indices, False)
    return scores.masked_fill(tokens_to_remove, -float("inf"))


def process(logits, prompt, completion, p):
    scores = logits.unsqueeze(0)
    input_ids = torch.tensor([prompt + completion], dtype=torch.long)
    out_ids = torch.tensor([completion], dtype=torch.long)
    if p["repetition_penalty"] != 1.0:
        scores = repetition_penalty(input_ids, scores, p["repetition_penalty"])
    if p["presence_penalty"] != 0.0 or p["frequency_penalty"] != 0.0:
        scores = presence_frequency(out_ids, scores, p["presence_penalty"], p["frequency_penalty"])
    if p["temperature"] > 0:
        if p["temperature"] != 1.0:
            scores = temperature(scores, p["temperature"])
        if p["top_k"] != 0:
            scores = top_k(scores, p["top_k"])
        if p["top_p"] < 1.0:
            scores = top_p(scores, p["top_p"])
        if p["min_p"] > 0.0:
            scores = min_p(scores, p["min_p"])
    return scores[0]


DEFAULTS = dict(temperature=1.0, top_k=0, top_p=1.0, min_p=0.0, repetition_penalty=1.0,
                presence_penalty=0.0, frequency_penalty=0.0)

PARAMETER_SETS = [
    ("greedy", dict(temperature=0.0)),
    ("greedy_repetition", dict(temperature=0.0, repetition_penalty=1.3)),
    ("greedy_presence_frequency", dict(temperature=0.0, presence_penalty=0.8, frequency_penalty=0.6)),
    ("temperature", dict(temperature=0.7)),
    ("top_k", dict(temperature=0.9, top_k=5)),
    ("top_k_beyond_vocab", dict(top_k=1000)),
    ("top_p", dict(top_p=0.8)),
    ("top_p_tiny_keeps_one", dict(top_p=0.01)),
    ("min_p", dict(temperature=1.5, min_p=0.1)),
    ("repetition_reward", dict(repetition_penalty=0.8)),
    ("negative_penalties", dict(presence_penalty=-1.0, frequency_penalty=-0.5)),
    ("everything", dict(temperature=0.8, top_k=12, top_p=0.9, min_p=0.05, repetition_penalty=1.2,
                        presence_penalty=0.5, frequency_penalty=0.3)),
]


def fmt(x):
    return float("%.9g" % x)


def main():
    torch.manual_seed(1234)
    cases = []
    for name, overrides in PARAMETER_SETS:
        params = dict(DEFAULTS, **overrides)
        for variant in range(3):
            vocab = int(torch.randint(20, 48, (1,)))
            logits = (torch.randn(vocab) * 1.5).to(torch.float32)
            prompt = torch.randint(0, vocab, (int(torch.randint(1, 8, (1,))),)).tolist()
            completion = torch.randint(0, vocab, (int(torch.randint(0, 10, (1,))),)).tolist()
            processed = process(logits.to(torch.float64), prompt, completion, params)
            case = dict(name="%s_%d" % (name, variant), params=params,
                        logits=[fmt(v) for v in logits.tolist()], prompt=prompt, completion=completion,
                        processed=[None if v == -float("inf") else v for v in processed.tolist()])
            if params["temperature"] > 0:
                case["probs"] = torch.softmax(processed, dim=-1).tolist()
            else:
                case["greedy_token"] = int(torch.argmax(processed))
            cases.append(case)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(dict(generator="kernel-core/src/test/python/sampling_golden.py",
                       torch=torch.__version__, cases=cases), f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(cases), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
