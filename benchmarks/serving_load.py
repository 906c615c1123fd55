#!/usr/bin/python3
"""A load generator for `kiln deploy`: C clients, each sending R streamed completions one after
another, from this separate process; reports throughput and latency.

  serving_load.py --url http://127.0.0.1:8000 --model NAME --prompt-file prompt.json \
      --concurrency 4 --requests 4 [--prompt-tokens 64] [--max-tokens 64] [--label TEXT]

Every request is POST /v1/completions with a prompt of token ids (a different window of
prompt.json per request, so no two are alike), greedy, ignore_eos (every request generates
exactly --max-tokens), stream=true with include_usage. Measured per request, on this side of
the socket: time to first token (the request sent to the first chunk with text), the gaps
between content chunks (inter-token latency), and the generated tokens (the usage chunk).
Throughput is all generated tokens over the wall time from the first request to the last answer.
Prints one JSON line (machine-readable) and one table row. Standard library only.
"""
import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def one_request(url, body):
    """Sends one streamed completion; returns (ttft, [gaps], tokens, seconds)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    payload = json.dumps(body).encode()
    start = time.perf_counter()
    connection.request("POST", "/v1/completions", payload, {"Content-Type": "application/json"})
    response = connection.getresponse()
    if response.status != 200:
        raise RuntimeError("HTTP %d: %s" % (response.status, response.read()[:300]))
    first, last, gaps, tokens = None, None, [], 0
    while True:
        line = response.readline()
        if not line:
            break
        line = line.strip()
        if not line.startswith(b"data: "):
            continue
        data = line[6:]
        if data == b"[DONE]":
            break
        event = json.loads(data)
        now = time.perf_counter()
        if event.get("usage"):
            tokens = event["usage"]["completion_tokens"]
        for choice in event.get("choices", []):
            if choice.get("text"):
                if first is None:
                    first = now
                else:
                    gaps.append(now - last)
                last = now
    end = time.perf_counter()
    connection.close()
    return (first - start if first else float("nan")), gaps, tokens, end - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt-file", required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--requests", type=int, default=2, help="per client")
    ap.add_argument("--prompt-tokens", type=int, default=64)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    with open(args.prompt_file) as f:
        ids = json.load(f)["token_ids"]

    results, errors, lock = [], [], threading.Lock()

    def client(c):
        for r in range(args.requests):
            offset = (c * args.requests + r) * 7 % (len(ids) - args.prompt_tokens)
            body = {"model": args.model, "prompt": ids[offset:offset + args.prompt_tokens],
                    "max_tokens": args.max_tokens, "temperature": 0, "ignore_eos": True,
                    "stream": True, "stream_options": {"include_usage": True}}
            try:
                outcome = one_request(args.url, body)
                with lock:
                    results.append(outcome)
            except Exception as e:  # reported, not raised: the other clients go on
                with lock:
                    errors.append(str(e))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start

    ttfts = [r[0] for r in results]
    gaps = [g for r in results for g in r[1]]
    tokens = sum(r[2] for r in results)
    report = {
        "label": args.label, "concurrency": args.concurrency, "requests": len(results),
        "errors": len(errors), "generated_tokens": tokens, "wall_s": round(wall, 3),
        "throughput_tok_s": round(tokens / wall, 2),
        "ttft_p50_ms": round(percentile(ttfts, 50) * 1000, 1),
        "ttft_p99_ms": round(percentile(ttfts, 99) * 1000, 1),
        "itl_p50_ms": round(percentile(gaps, 50) * 1000, 1),
        "itl_p99_ms": round(percentile(gaps, 99) * 1000, 1),
        "request_mean_s": round(statistics.mean(r[3] for r in results), 3) if results else None,
    }
    print(json.dumps(report))
    print("| %s | %d | %d | %.1f | %.0f | %.0f | %.1f | %.1f |" % (
        args.label, args.concurrency, len(results), report["throughput_tok_s"],
        report["ttft_p50_ms"], report["ttft_p99_ms"], report["itl_p50_ms"], report["itl_p99_ms"]))
    if errors:
        print("errors: %s" % errors[:3])


if __name__ == "__main__":
    main()
