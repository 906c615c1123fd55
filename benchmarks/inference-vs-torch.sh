#!/usr/bin/env bash
# Inference of a ~150M-parameter Llama on the CPU: Kiln against PyTorch and jlama on the same
# random checkpoint (F32 and BF16 weights), threads and machine in one run. Prints prefill and
# decode tokens/s of every side, decode as a share of the memory-bandwidth bound measured in the
# same run, and the ratios to PyTorch and to jlama.
#
#   benchmarks/inference-vs-torch.sh                    everything, 2 threads
#   THREADS=1 ROUNDS=2 benchmarks/inference-vs-torch.sh
#   SIDES=kiln,torch DTYPES=bf16 benchmarks/inference-vs-torch.sh
#   QUICK=1 benchmarks/inference-vs-torch.sh           short prompts, one iteration: does it all run?
#
# Variables (lists are comma-separated):
#   THREADS          threads for every side (default 2)
#   ROUNDS           repeats of the whole run, for a machine shared with other work (default 1);
#                    the table pools the iterations of all rounds
#   SIDES            kiln, jlama, torch (all three)
#   DTYPES           weight dtypes: f32, bf16 (both)
#   PREFILL_TOKENS   prompt length of the prefill measurement (512)
#   DECODE_PROMPT    prompt before the decode measurement (128); DECODE_TOKENS decoded after it (128)
#   WARMUP_ITERATIONS, MEASURED_ITERATIONS   per measurement and side (3, 5)
#   MAX_MEASURED_SECONDS  fewer measured iterations (at least 2) past this many seconds (60)
#   CHECKPOINT       the checkpoint directory (benchmarks/target/llama-150m, written by
#                    llama_checkpoint.py when missing)
#   KEEP_RESULTS=dir keeps every side's JSON; inference_report.py dir CHECKPOINT prints the table again
#   TORCH_MALLOC     retain (default: jemalloc keeping freed memory) or glibc (see torch-env.sh)
#   WAIT_QUIET=s     before each side, wait up to s seconds for the CPUs to be idle (under 8% busy
#                    over 5 s): for a machine that others use in bursts (default 0, no wait)
#
# Each round measures the read bandwidth (Java Vector API and torch.sum on THREADS threads, and
# sysbench when installed), then per dtype each side in its own process, one after the other,
# each right after a shorter bandwidth measurement, then the bandwidth again. The bound takes the
# best pass of all; the table also gives decode against the bandwidth measured just before it.
#
# Needs target/benchmarks.jar (see README.md), a JDK 25 (JAVA_HOME, else java on the PATH) and
# Debian's PyTorch with OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread libjemalloc2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

threads="${THREADS:-2}"
rounds="${ROUNDS:-1}"
sides="${SIDES:-kiln,jlama,torch}"
dtypes="${DTYPES:-f32,bf16}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Debian's torch lives in the system Python; a pyenv or venv python3 earlier on the PATH lacks it.
python=/usr/bin/python3
jar="$here/target/benchmarks.jar"
export CHECKPOINT="${CHECKPOINT:-$here/target/llama-150m}"

source "$here/run-start.sh"
if [[ ! -f "$CHECKPOINT/prompt.json" ]]; then
    echo "== writing the checkpoint to $CHECKPOINT" >&2
    "$python" "$here/llama_checkpoint.py" "$CHECKPOINT" >&2
fi

# Every side reads these from the environment (InferenceSettings, torch_inference.py).
export THREADS="$threads"
if [[ "${QUICK:-0}" == 1 ]]; then
    export PREFILL_TOKENS="${PREFILL_TOKENS:-64}" DECODE_PROMPT="${DECODE_PROMPT:-16}" DECODE_TOKENS="${DECODE_TOKENS:-8}"
    export WARMUP_ITERATIONS=1 MEASURED_ITERATIONS=1 BANDWIDTH_PASSES=2
fi

# PyTorch's allocator, threads and OpenBLAS kernel: malloc_env and torch_env.
source "$here/torch-env.sh"

# The same JVM for Kiln and jlama: a fixed, pre-touched heap (Kiln's CPU device keeps tensors on
# it; jlama maps the checkpoint and keeps its working tensors off-heap), on transparent huge pages
# as bin/kiln asks for them (and torch-env.sh for PyTorch's memory).
java_flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
    --sun-misc-unsafe-memory-access=allow -Xms6g -Xmx6g -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages)

# run_java ARGS... : a JVM with its notices dropped: the incubator warning, and SLF4J's note that
# jlama's logging has no provider here.
run_java() {
    "$java" "$@" 2>&1 | { grep -v -e 'Using incubator modules' -e '^SLF4J' || true; } >&2
}

# torch_py ARGS... : torch_inference.py in torch-env.sh's environment.
torch_py() {
    torch_env "$threads" "$python" "$here/torch_inference.py" "$@"
}

# sysbench's memory read test, as a third opinion on the bandwidth: THREADS threads each reading
# their own 1 GiB block (--memory-scope=local: with one shared block the threads can feed each
# other from the L3).
sysbench_bandwidth() {
    local file="$1" passes="${BANDWIDTH_PASSES:-10}" seconds=()
    for _ in $(seq "$passes"); do
        local mib_s
        mib_s=$(sysbench memory --threads="$threads" --memory-block-size=1G --memory-total-size="$((threads * 4))G" \
            --memory-oper=read --memory-access-mode=seq --memory-scope=local run | sed -n 's/.*(\([0-9.]*\) MiB\/sec).*/\1/p')
        seconds+=("$(awk -v m="$mib_s" 'BEGIN { printf "%.6f", 1024 * 1024 * 1024 / (m * 1048576) }')")
    done
    local list
    list=$(IFS=,; echo "${seconds[*]}")
    echo "{\"bandwidth\": \"sysbench memory read\", \"threads\": $threads, \"bytes\": 1073741824, \"seconds\": [$list]}" > "$file"
}

# wait_quiet: with WAIT_QUIET=s, waits up to s seconds until the CPUs were under 8% busy for 5 s.
wait_quiet() {
    local limit="${WAIT_QUIET:-0}" start now busy
    start=$(date +%s)
    while ((limit > 0)); do
        busy=$(cpu_busy_percent 5)
        now=$(date +%s)
        if ((busy < 8)); then
            return
        fi
        if ((now - start > limit)); then
            echo "warning: the CPUs are still ${busy}% busy after ${limit} s: measuring anyway" >&2
            return
        fi
    done
}

# cpu_busy_percent SECONDS: how busy all CPUs were over the next SECONDS, from /proc/stat.
cpu_busy_percent() {
    local user nice system idle iowait irq softirq steal total1 busy1 total2 busy2
    read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
    total1=$((user + nice + system + idle + iowait + irq + softirq + steal))
    busy1=$((user + nice + system + irq + softirq + steal))
    sleep "$1"
    read -r _ user nice system idle iowait irq softirq steal _ < /proc/stat
    total2=$((user + nice + system + idle + iowait + irq + softirq + steal))
    busy2=$((user + nice + system + irq + softirq + steal))
    echo $((100 * (busy2 - busy1) / (total2 - total1)))
}

# bandwidth NAME [quick]: the read bandwidth by every available method (quick: Java and
# torch.sum, not sysbench), into $out/NAME-bandwidth-*.json.
bandwidth() {
    local name="$1" quick="${2:-}"
    echo "== $name: read bandwidth, $threads threads" >&2
    # Transparent huge pages for the array: fewer TLB misses, the higher (stricter) bandwidth.
    run_java --add-modules jdk.incubator.vector -Xms2g -Xmx2g -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages \
        -cp "$jar" dev.kiln.benchmarks.inference.MemoryBandwidth "$threads" "$out/$name-bandwidth-java.json"
    torch_py bandwidth "$out/$name-bandwidth-torch.json"
    if [[ -z "$quick" ]] && command -v sysbench > /dev/null; then
        sysbench_bandwidth "$out/$name-bandwidth-sysbench.json"
    fi
}

# The bandwidth this VM gets moves between regimes over minutes (from ~47 to ~78 GB/s on the
# machine of README.md's results, steady within a regime): it is measured right before every
# side too, so that each decode can be held against the bandwidth of its own minutes as well.
for round in $(seq "$rounds"); do
    wait_quiet
    bandwidth "$round-start"
    for dtype in ${dtypes//,/ }; do
        for side in ${sides//,/ }; do
            wait_quiet
            bandwidth "$round-$side-$dtype" quick
            echo "== round $round: $side $dtype, $threads threads" >&2
            case "$side" in
                kiln)
                    run_java "${java_flags[@]}" -cp "$jar" dev.kiln.benchmarks.inference.KilnInference \
                        "$dtype" "$out/$round-kiln-$dtype.json"
                    ;;
                jlama)
                    run_java "${java_flags[@]}" -cp "$jar" dev.kiln.benchmarks.inference.JlamaInference \
                        "$dtype" "$out/$round-jlama-$dtype.json"
                    ;;
                torch)
                    torch_py measure "$dtype" "$out/$round-torch-$dtype.json"
                    ;;
                *)
                    echo "unknown side $side (kiln, jlama, torch)" >&2
                    exit 1
                    ;;
            esac
        done
    done
    bandwidth "$round-end"
done

echo
echo "Inference, $threads threads, $rounds round(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$python" "$here/inference_report.py" "$out" "$CHECKPOINT"
