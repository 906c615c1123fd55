#!/usr/bin/env bash
# Kiln's engine (JMH) against PyTorch (torch_reference.py) on the same workloads, thread count
# and machine in one run: fused causal attention (forward, forward+backward), cross-entropy
# forward+backward, and a Llama decoder layer forward+backward; prints ms per call of each, the
# ratio Kiln speed / PyTorch speed, and GFLOP/s.
#
#   benchmarks/engine-vs-torch.sh                       everything, 2 threads
#   THREADS=1 ROUNDS=2 benchmarks/engine-vs-torch.sh
#   WORKLOADS=block BLOCKS=2048/16/4/5632 benchmarks/engine-vs-torch.sh
#
# Variables (lists are comma-separated; the defaults are the full sweep):
#   THREADS        threads for both sides (default 2)
#   ROUNDS         repeats of the whole sweep, for a machine shared with other work (default 1)
#   WORKLOADS      attention, cross-entropy, block (all three)
#   ATTENTION      heads/kvHeads of the attention cases (12/12,16/4); HEAD_DIMS (64,128);
#                  SEQS (512,2048)
#   CROSS_ENTROPY  vocabulary sizes (32000,151936); CE_ROWS (512,2048)
#   BLOCKS         hidden/heads/kvHeads/intermediate (768/12/12/2048,2048/16/4/5632); BLOCK_SEQ (512)
#   TORCH_MALLOC   how PyTorch's CPU tensors get memory (see torch-env.sh): retain (default) or glibc
#   QUICK=1        one short warm-up and measured iteration each: checks that everything runs,
#                  the numbers mean nothing
#
# Each piece (attention per heads and head size, cross-entropy per vocabulary, the block per
# size) runs in Kiln and right after in PyTorch, so both see the machine in about the same state.
#
# Needs target/benchmarks.jar (see README.md), a JDK 25 (JAVA_HOME, else java on the PATH) and
# Debian's PyTorch with OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

threads="${THREADS:-2}"
rounds="${ROUNDS:-1}"
workloads="${WORKLOADS:-attention,cross-entropy,block}"
attention="${ATTENTION:-12/12,16/4}"
head_dims="${HEAD_DIMS:-64,128}"
seqs="${SEQS:-512,2048}"
vocabs="${CROSS_ENTROPY:-32000,151936}"
ce_rows="${CE_ROWS:-512,2048}"
blocks="${BLOCKS:-768/12/12/2048,2048/16/4/5632}"
block_seq="${BLOCK_SEQ:-512}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Debian's torch lives in the system Python; a pyenv or venv python3 earlier on the PATH lacks it.
python=/usr/bin/python3
jar="$here/target/benchmarks.jar"

source "$here/run-start.sh"

# PyTorch's allocator, threads and OpenBLAS kernel: malloc_env and torch_env.
source "$here/torch-env.sh"

quick_jmh=()
quick_torch=()
if [[ "${QUICK:-0}" == 1 ]]; then
    quick_jmh=(-wi 1 -i 1 -w 1 -r 1)
    quick_torch=(WARMUP_ITERATIONS=1 MEASURED_ITERATIONS=1)
fi

# kiln NAME BENCHMARK -p ... : one JMH run, its JSON in $out; the forks on transparent huge
# pages, as bin/kiln runs (and torch-env.sh gives PyTorch's memory).
kiln() {
    local name="$1"
    shift
    "$java" --add-modules jdk.incubator.vector -jar "$jar" "$@" -p threads="$threads" "${quick_jmh[@]}" \
        -jvmArgsPrepend -XX:+UseTransparentHugePages \
        -rf json -rff "$out/kiln-$name.json" >&2
}

# torch NAME GROUP VAR=VALUE... : torch_reference.py on the same cases, in torch-env.sh's
# environment, its JSON in $out.
torch() {
    local name="$1" group="$2"
    shift 2
    torch_env "$threads" THREADS="$threads" "${quick_torch[@]}" "$@" \
        "$python" "$here/torch_reference.py" measure "$group" "$out/torch-$name.json"
}

for round in $(seq "$rounds"); do
    for workload in ${workloads//,/ }; do
        case "$workload" in
            attention)
                for heads in ${attention//,/ }; do
                    for d in ${head_dims//,/ }; do
                        run="$round-attention-${heads/\//-}-$d"
                        echo "== round $round: attention $heads d$d, $threads threads: Kiln (JMH)" >&2
                        kiln "$run" AttentionBenchmark -p heads="$heads" -p headDim="$d" -p seq="$seqs"
                        echo "== round $round: attention $heads d$d, $threads threads: PyTorch" >&2
                        torch "$run" attention ATTENTION="$heads" HEAD_DIMS="$d" SEQS="$seqs"
                    done
                done
                ;;
            cross-entropy)
                for vocab in ${vocabs//,/ }; do
                    run="$round-cross-entropy-$vocab"
                    echo "== round $round: cross-entropy vocab $vocab, $threads threads: Kiln (JMH)" >&2
                    kiln "$run" CrossEntropyBenchmark -p vocab="$vocab" -p rows="$ce_rows"
                    echo "== round $round: cross-entropy vocab $vocab, $threads threads: PyTorch" >&2
                    torch "$run" cross-entropy CROSS_ENTROPY="$vocab" CE_ROWS="$ce_rows"
                done
                ;;
            block)
                for config in ${blocks//,/ }; do
                    run="$round-block-${config//\//-}"
                    echo "== round $round: Llama block $config, $threads threads: Kiln (JMH)" >&2
                    kiln "$run" LlamaBlockBenchmark -p config="$config" -p seq="$block_seq"
                    echo "== round $round: Llama block $config, $threads threads: PyTorch" >&2
                    torch "$run" block BLOCKS="$config" BLOCK_SEQ="$block_seq"
                done
                ;;
            *)
                echo "unknown workload $workload (attention, cross-entropy, block)" >&2
                exit 1
                ;;
        esac
    done
done

echo
echo "Kiln vs PyTorch, $threads threads, $rounds round(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$python" "$here/torch_reference.py" compare "$out"
