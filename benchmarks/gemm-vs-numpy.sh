#!/usr/bin/env bash
# Kiln's SGEMM (JMH) against numpy's float32 matmul (OpenBLAS), on the same shapes, thread count
# and machine in one run; prints GFLOP/s of each and Kiln/numpy per shape.
#
#   benchmarks/gemm-vs-numpy.sh                 all shapes, NN and NT, one thread per core
#   THREADS=1 SHAPES=2048x2048x2048 TRANSPOSES=NN ROUNDS=3 benchmarks/gemm-vs-numpy.sh
#
# Each shape is measured by Kiln and then at once by numpy, so both see the machine in about the
# same state; ROUNDS repeats the whole sweep, for a machine shared with other work.
# KEEP_RESULTS=dir keeps every side's JSON; numpy_gemm.py compare dir prints the table again.
#
# Needs target/benchmarks.jar (see README.md), a JDK 25 (JAVA_HOME, else java on the PATH) and
# Debian's numpy with OpenBLAS: apt-get install -y python3-numpy libopenblas0-pthread.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

threads="${THREADS:-$(nproc)}"
shapes="${SHAPES:-2048x2048x2048,512x2304x768,512x768x768,512x3072x768,512x768x3072}"
transposes="${TRANSPOSES:-NN,NT}"
rounds="${ROUNDS:-1}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Debian's numpy lives in the system Python; a pyenv or venv python3 earlier on the PATH lacks it.
python=/usr/bin/python3
jar="$here/target/benchmarks.jar"

source "$here/run-start.sh"

for round in $(seq "$rounds"); do
    for shape in ${shapes//,/ }; do
        for transpose in ${transposes//,/ }; do
            run="$round-$shape-$transpose"
            echo "== round $round, $shape $transpose, $threads threads: Kiln (JMH)" >&2
            "$java" --add-modules jdk.incubator.vector -jar "$jar" "SgemmBenchmark.sgemm" \
                -p shape="$shape" -p transpose="$transpose" -p threads="$threads" -p weights=f32 \
                -rf json -rff "$out/kiln-$run.json" >&2
            # OpenBLAS picks its kernel for the CPU it finds; OPENBLAS_CORETYPE (and
            # OPENBLAS_L2_SIZE) force one instead, e.g. an AVX2 Haswell kernel on an AVX-512
            # machine: unset both for a fair run.
            echo "== round $round, $shape $transpose, $threads threads: numpy (OpenBLAS)" >&2
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS \
                OPENBLAS_NUM_THREADS="$threads" \
                "$python" "$here/numpy_gemm.py" measure "$shape" "$transpose" "$out/numpy-$run.json"
        done
    done
done

echo
echo "SGEMM, $threads threads, $rounds round(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$python" "$here/numpy_gemm.py" compare "$out"
