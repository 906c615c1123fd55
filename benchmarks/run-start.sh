# shellcheck shell=bash
# What every *-vs-torch.sh and *-vs-numpy.sh benchmark does first, sourced after it has set here, jar, python and
# threads: checks that the benchmarks jar is built, warns when the machine is already busy, and
# sets out, the folder for each side's JSON (KEEP_RESULTS, else a temporary folder removed at exit).
if [[ ! -f "$jar" ]]; then
    echo "no $jar: build it first (see $here/README.md)" >&2
    exit 1
fi
read -r load _ < /proc/loadavg
if awk -v l="$load" -v t="$threads" 'BEGIN { exit !(l > 0.5 * t) }'; then
    echo "warning: load average $load on $(nproc) cores before starting: expect noisy numbers" >&2
fi
out="${KEEP_RESULTS:-$(mktemp -d)}"
mkdir -p "$out"
[[ -n "${KEEP_RESULTS:-}" ]] || trap 'rm -rf "$out"' EXIT
