#!/usr/bin/python3
"""The numpy side of gemm-vs-numpy.sh.

  numpy_gemm.py measure SHAPE TRANSPOSE OUT.json   time numpy's float32 matmul like JMH does
  numpy_gemm.py compare DIR                        print Kiln (DIR/kiln-*.json, JMH's JSON) and
                                                   numpy (DIR/numpy-*.json) and their ratio

measure refuses to run unless numpy's BLAS is OpenBLAS: with the reference BLAS numpy is about
15 times slower and a ratio against it means nothing.
"""
import ctypes
import glob
import json
import os
import sys
import time

import numpy as np

WARMUP_ITERATIONS = 5
MEASURED_ITERATIONS = 5
ITERATION_SECONDS = 1.0


def openblas_core():
    """The OpenBLAS this process loaded and the kernel it picked, or exit if it is not OpenBLAS."""
    with open("/proc/self/maps") as maps:
        libraries = {line.split()[-1] for line in maps if ".so" in line}
    openblas = sorted(lib for lib in libraries if "libopenblas" in lib)
    if not openblas:
        blas = sorted(lib for lib in libraries if "blas" in lib)
        sys.exit("numpy is not using OpenBLAS (BLAS libraries loaded: %s); "
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


def time_matmul(m, n, k, transpose):
    """Seconds per C = A @ op(B) in each measured iteration of about a second, like JMH's."""
    rng = np.random.default_rng(42)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    if transpose == "NT":
        b = rng.uniform(-1, 1, (n, k)).astype(np.float32).T  # a view: BLAS gets the transpose flag
    else:
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.empty((m, n), dtype=np.float32)
    means = []
    for iteration in range(WARMUP_ITERATIONS + MEASURED_ITERATIONS):
        calls = 0
        start = time.perf_counter()
        while True:
            np.matmul(a, b, out=c)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= ITERATION_SECONDS:
                break
        if iteration >= WARMUP_ITERATIONS:
            means.append(elapsed / calls)
    return means


def measure(shape, transpose, out):
    info = openblas_core()
    print("numpy %s, %s, core %s, %d threads: %s %s"
          % (np.__version__, info["config"], info["core"], info["threads"], shape, transpose),
          file=sys.stderr)
    m, n, k = (int(x) for x in shape.split("x"))
    results = {"openblas": info, "numpy": np.__version__,
               "iterations": {"%s %s" % (shape, transpose): time_matmul(m, n, k, transpose)}}
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


def gflops(shape, seconds):
    m, n, k = (int(x) for x in shape.split("x"))
    return 2.0 * m * n * k / seconds / 1e9


def compare(directory):
    """Per shape: GFLOP/s from the mean of all measured iterations (of every round), and from the
    fastest one (the least disturbed by other load), for Kiln, numpy and Kiln/numpy."""
    kiln, numpy, openblas = {}, {}, None
    for path in sorted(glob.glob(os.path.join(directory, "kiln-*.json"))):
        with open(path) as f:
            for run in json.load(f):
                metric = run["primaryMetric"]
                if metric["scoreUnit"] != "ops/s":
                    sys.exit("expected ops/s from JMH, got " + metric["scoreUnit"])
                key = "%s %s" % (run["params"]["shape"], run["params"]["transpose"])
                kiln.setdefault(key, []).extend(1 / calls for fork in metric["rawData"] for calls in fork)
    for path in sorted(glob.glob(os.path.join(directory, "numpy-*.json"))):
        with open(path) as f:
            result = json.load(f)
        openblas = result["openblas"]
        for key, seconds in result["iterations"].items():
            numpy.setdefault(key, []).extend(seconds)
    if openblas:
        print("OpenBLAS core: %s (%s)" % (openblas["core"], openblas["config"]))
    print("GFLOP/s = 2mnk / time; mean: of all measured iterations; best: the fastest iteration")
    print("%-15s %-3s %10s %10s %7s   %10s %10s %7s" % (
        "m x n x k", "op", "Kiln mean", "numpy mean", "ratio", "Kiln best", "numpy best", "ratio"))
    for key, ours in kiln.items():
        theirs = numpy.get(key)
        if not theirs:
            continue
        shape, transpose = key.split()
        mean_ours = gflops(shape, sum(ours) / len(ours))
        mean_theirs = gflops(shape, sum(theirs) / len(theirs))
        best_ours = gflops(shape, min(ours))
        best_theirs = gflops(shape, min(theirs))
        print("%-15s %-3s %10.1f %10.1f %7.2f   %10.1f %10.1f %7.2f" % (
            shape, transpose, mean_ours, mean_theirs, mean_ours / mean_theirs,
            best_ours, best_theirs, best_ours / best_theirs))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "measure":
        measure(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] == "compare":
        compare(sys.argv[2])
    else:
        sys.exit(__doc__)
