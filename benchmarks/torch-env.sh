# shellcheck shell=bash
# The environment the *-vs-torch.sh benchmarks run PyTorch in, so that its numbers are a fair
# reference (README.md, "What keeps the comparison fair"). Sourced, not run: it sets malloc_env
# (or exits on a bad TORCH_MALLOC) and defines torch_env.
#
# PyTorch takes every tensor from malloc and gives it back when freed. glibc serves blocks over
# 32 MiB with mmap and unmaps them on free, so each call of a large op page-faults its memory in
# again: up to half of PyTorch's time here goes to the kernel (cross-entropy 2048 x 32000: 227 ms
# instead of 46). The JVM keeps its heap. For a like-for-like reference, PyTorch runs with an
# allocator that keeps freed memory too: jemalloc with decay off when it is installed
# (apt-get install libjemalloc2), else glibc told never to mmap or trim. TORCH_MALLOC=glibc runs
# glibc's defaults instead. Either way PyTorch's memory asks for transparent huge pages
# (jemalloc's thp:always, glibc's malloc.hugetlb tunable), as Kiln's JVM heap does
# (-XX:+UseTransparentHugePages, which bin/kiln passes): decode reads faster from 2 MiB pages.
malloc_env=()
case "${TORCH_MALLOC:-retain}" in
    retain)
        jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
        if [[ -f "$jemalloc" ]]; then
            malloc_env=(LD_PRELOAD="$jemalloc" MALLOC_CONF=retain:true,dirty_decay_ms:-1,muzzy_decay_ms:-1,thp:always)
        else
            echo "warning: no $jemalloc: PyTorch runs on glibc malloc without mmap and trimming" >&2
            malloc_env=(MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824
                GLIBC_TUNABLES=glibc.malloc.hugetlb=1)
        fi
        ;;
    glibc) ;;
    *)
        echo "TORCH_MALLOC is retain or glibc: $TORCH_MALLOC" >&2
        exit 1
        ;;
esac

# torch_env THREADS [VAR=VALUE...] COMMAND ARGS... : runs COMMAND (a Python with torch) as the
# reference side. PyTorch's intra-op threads are OpenMP (the script sets torch.set_num_threads),
# its BLAS OpenBLAS's pthreads: both get THREADS, and OpenMP's workers sleep instead of spinning
# while OpenBLAS runs (OMP_WAIT_POLICY=PASSIVE). OpenBLAS picks its kernel for the CPU it finds;
# this environment's OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) force an AVX2 Haswell one instead:
# unset both for the reference. The memory stays with the allocator of malloc_env.
torch_env() {
    local threads="$1"
    shift
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS \
        OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS="$threads" "${malloc_env[@]}" "$@"
}
