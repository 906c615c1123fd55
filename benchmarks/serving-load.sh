#!/usr/bin/env bash
# kiln deploy under load, from a second process (serving_load.py): throughput, time to first
# token and inter-token latency at 1, 4 and 16 concurrent clients with continuous batching
# (--max_num_seqs 16), then the same 16 clients against one-at-a-time serving (--max_num_seqs 1).
#
#   benchmarks/serving-load.sh [DIR]
#
# DIR holds the ~150M random Llama of llama_checkpoint.py (written there first if absent;
# default /tmp/kiln-bench-llama). Needs the distribution (./kiln builds it) and torch for the
# checkpoint. Environment: DTYPE (bf16 or f32, default bf16), PROMPT_TOKENS (64), MAX_TOKENS
# (64), REQUESTS per client (2), LEVELS ("1 4 16").
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${1:-/tmp/kiln-bench-llama}
DTYPE=${DTYPE:-bf16}
PROMPT_TOKENS=${PROMPT_TOKENS:-64}
MAX_TOKENS=${MAX_TOKENS:-64}
REQUESTS=${REQUESTS:-2}
LEVELS=${LEVELS:-"1 4 16"}
KILN=distribution/target/kiln/bin/kiln
[ -x "$KILN" ] || { echo "build the distribution first (./kiln plugins)" >&2; exit 1; }
[ -f "$DIR/$DTYPE/model.safetensors" ] || /usr/bin/python3 benchmarks/llama_checkpoint.py "$DIR"

LOG=$(mktemp)
PID=
stop() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; fi
}
trap 'stop; rm -f "$LOG"' EXIT

# Starts kiln deploy with $1 slots; sets PORT.
serve() {
  "$KILN" deploy --model "$DIR/$DTYPE" --served_model_name bench --port 0 \
      --max_num_seqs "$1" --max_model_len $((PROMPT_TOKENS + MAX_TOKENS + 8)) >"$LOG" 2>&1 &
  PID=$!
  for _ in $(seq 600); do
    PORT=$(sed -n "s|.*serving 'bench' on http://127.0.0.1:\([0-9]*\)/v1.*|\1|p" "$LOG")
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
    sleep 0.1
  done
  echo "kiln deploy did not start:" >&2; cat "$LOG" >&2; exit 1
}

load() {  # load LABEL CONCURRENCY
  /usr/bin/python3 benchmarks/serving_load.py --url "http://127.0.0.1:$PORT" --model bench \
      --prompt-file "$DIR/prompt.json" --prompt-tokens "$PROMPT_TOKENS" --max-tokens "$MAX_TOKENS" \
      --requests "$REQUESTS" --concurrency "$2" --label "$1"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# model $DIR/$DTYPE; prompt $PROMPT_TOKENS tokens, $MAX_TOKENS generated, $REQUESTS requests per client"
echo "| serving | clients | requests | tokens/s | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |"
echo "|---|---|---|---|---|---|---|---|"

serve 16
load warmup 2 >/dev/null
for c in $LEVELS; do
  load "continuous (16 slots)" "$c" | tail -n +2
done
stop

serve 1
load warmup 1 >/dev/null
load "one at a time (1 slot)" 16 | tail -n +2
stop
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
