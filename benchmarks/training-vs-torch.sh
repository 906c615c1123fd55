#!/usr/bin/env bash
# Training of a ~150M-parameter Llama on the CPU: Kiln's trainer against plain PyTorch on the
# same random checkpoint (llama_checkpoint.py, f32), sequence, threads and machine in one run, for
# full and LoRA fine-tuning. Prints tokens/s of each side (the warm-up steps left out), the ratio
# Kiln / PyTorch against the targets (>= 1.2 full, >= 1.0 LoRA), the achieved GFLOP/s as a share
# of the machine's peak, and each process's peak resident memory (VmHWM).
#
#   benchmarks/training-vs-torch.sh                     full and LoRA, 2 threads
#   THREADS=1 STEPS=20 ROUNDS=2 benchmarks/training-vs-torch.sh
#   TYPES=lora benchmarks/training-vs-torch.sh
#   QUICK=1 benchmarks/training-vs-torch.sh             seq 64, 1 + 2 steps: does it all run?
#
# Variables:
#   THREADS          threads for both sides (default 2)
#   TYPES            full, lora (both; comma-separated)
#   SEQ              tokens per step, batch 1, no accumulation (512)
#   WARMUP_STEPS     optimizer steps run first and left out, per process (12)
#   STEPS            measured optimizer steps per process (10)
#   ROUNDS           repeats of the whole run, for a machine shared with other work (1); the
#                    table pools the measured steps of all rounds; VmHWM is the highest
#   KILN_HEAP        the JVM's -Xmx (6g); the heap is neither fixed nor pre-touched, so that the
#                    JVM's resident memory shows what training made it touch
#   TORCH_FOREACH    1 (default): AdamW's multi-tensor implementation; 0: its per-parameter loop
#   CHECKPOINT       the checkpoint directory (benchmarks/target/llama-150m, written by
#                    llama_checkpoint.py when missing)
#   KEEP_RESULTS=dir keeps every side's JSON; training_report.py dir prints the table again
#   TORCH_MALLOC     retain (default: jemalloc keeping freed memory) or glibc (see torch-env.sh)
#
# Each round runs, per type, Kiln's side and right after it PyTorch's, each in its own process:
# Kiln's is KilnTraining (kernel-core's Trainer, the loop of kiln pt/sft, with the full or the
# LoRA tuner), PyTorch's torch_training.py (transformers' LlamaForCausalLM and PEFT's LoRA written
# out in torch, AdamW, clipping, the same schedule). Both train on the same sequence with loss on
# every token and time every optimizer step the same way (forward, backward, clipping, AdamW).
#
# Needs target/benchmarks.jar (see README.md), a JDK 25 (JAVA_HOME, else java on the PATH) and
# Debian's PyTorch with OpenBLAS: apt-get install -y python3-torch libopenblas0-pthread libjemalloc2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

threads="${THREADS:-2}"
rounds="${ROUNDS:-1}"
types="${TYPES:-full,lora}"
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

# Both sides read these from the environment (TrainingSettings, torch_training.py).
export THREADS="$threads"
if [[ "${QUICK:-0}" == 1 ]]; then
    export SEQ=64 WARMUP_STEPS=1 STEPS=2
fi

# PyTorch's allocator, threads and OpenBLAS kernel: malloc_env and torch_env.
source "$here/torch-env.sh"

# kiln TYPE OUT.json : KilnTraining in its own JVM (on transparent huge pages, as bin/kiln runs
# it), the incubator notice dropped.
kiln() {
    "$java" --add-modules jdk.incubator.vector -Xmx"${KILN_HEAP:-6g}" -XX:+UseTransparentHugePages -cp "$jar" \
        dev.kiln.benchmarks.training.KilnTraining "$1" "$2" 2>&1 | { grep -v 'Using incubator modules' || true; } >&2
    [[ -f "$2" ]] || { echo "KilnTraining $1 wrote no $2" >&2; exit 1; }
}

# torch TYPE OUT.json : torch_training.py in torch-env.sh's environment.
torch() {
    torch_env "$threads" "$python" "$here/torch_training.py" "$1" "$2"
}

for round in $(seq "$rounds"); do
    for type in ${types//,/ }; do
        case "$type" in
            full | lora) ;;
            *)
                echo "unknown type $type (full, lora)" >&2
                exit 1
                ;;
        esac
        echo "== round $round: $type fine-tuning, $threads threads: Kiln" >&2
        kiln "$type" "$out/$round-kiln-$type.json"
        echo "== round $round: $type fine-tuning, $threads threads: PyTorch" >&2
        torch "$type" "$out/$round-torch-$type.json"
    done
done

echo
echo "Training, $threads threads, seq ${SEQ:-512}, batch 1, $rounds round(s), load average before: $load," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$python" "$here/training_report.py" "$out"
