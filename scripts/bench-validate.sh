#!/usr/bin/env bash
# Benchmark `fodpack validate` on synthetic exports, with `jq empty` over the same files as a
# reference point, and print the results as a markdown table.
#
# Usage: scripts/bench-validate.sh [DATA_DIR]
#
# Environment:
#   COUNT=10000   exports to generate (about 100 auth codes each); the first 1,000 are
#                 also measured on their own to show that peak memory does not grow
#   RUNS=3        runs of each measurement; the median wall time is reported
#   BIG_MB=200    size of the single large export checked against --max-file-size (0: skip)
#   SEED=1        generator seed
#   FODPACK=PATH  measure this binary instead of building target/release/fodpack
#
# DATA_DIR defaults to ${TMPDIR:-/tmp}/fodpack-bench; generated files are reused when the
# count and seed match. Needs python3, jq and GNU time (/usr/bin/time; Debian: apt-get install
# time jq).
set -euo pipefail

COUNT=${COUNT:-10000}
RUNS=${RUNS:-3}
BIG_MB=${BIG_MB:-200}
SEED=${SEED:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${1:-${TMPDIR:-/tmp}/fodpack-bench}
BIN=${FODPACK:-$ROOT/target/release/fodpack}

missing=()
[ -x /usr/bin/time ] || missing+=("time (GNU time, for /usr/bin/time -v)")
command -v jq >/dev/null || missing+=("jq")
command -v python3 >/dev/null || missing+=("python3")
if [ ${#missing[@]} -gt 0 ]; then
    printf 'missing: %s\n' "${missing[@]}" >&2
    echo "on Debian or Ubuntu: sudo apt-get install time jq python3" >&2
    exit 1
fi

log() { printf '%s\n' "$*" >&2; }

if [ -z "${FODPACK:-}" ]; then
    log "building release binary"
    (cd "$ROOT" && cargo build --release --quiet)
fi

EXPORTS="$DATA/exports"
params="count=$COUNT seed=$SEED"
if [ "$(cat "$DATA/params" 2>/dev/null || true)" != "$params" ]; then
    log "generating $COUNT exports into $EXPORTS"
    rm -rf "$EXPORTS"
    mkdir -p "$DATA"
    python3 "$ROOT/scripts/gen-exports.py" "$EXPORTS" --count "$COUNT" --seed "$SEED"
    echo "$params" >"$DATA/params"
else
    log "reusing $COUNT exports in $EXPORTS"
fi
# The generator writes folders of 1,000 files; the first one is the small set.
SMALL="$EXPORTS/batch-000"

bytes_of() { find "$1" -name '*.json' -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
files_of() { find "$1" -name '*.json' -type f | wc -l; }

# Warm the page cache so that every tool reads from memory.
find "$EXPORTS" -name '*.json' -type f -print0 | xargs -0 cat >/dev/null

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measure NAME EXPECTED_EXIT COMMAND...: runs COMMAND $RUNS times under /usr/bin/time -v and
# sets WALL (median seconds), CPU (user + system seconds of that run) and RSS (largest peak
# resident set, KB).
measure() {
    local name=$1 expected=$2
    shift 2
    local walls=() cpus=() rss=0 i rc
    for ((i = 0; i < RUNS; i++)); do
        rc=0
        /usr/bin/time -v -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
        if [ "$rc" != "$expected" ]; then
            log "$name: exit status $rc, expected $expected"
            tail -n 5 "$TMP/out" "$TMP/err" >&2
            exit 1
        fi
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + p[j]; print s }' "$TMP/time")")
        cpus+=("$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$TMP/time")")
        local r
        r=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time")
        [ "$r" -gt "$rss" ] && rss=$r
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    for ((i = 0; i < RUNS; i++)); do
        [ "${walls[$i]}" = "$WALL" ] && CPU=${cpus[$i]} && break
    done
    RSS=$rss
    log "$name: ${WALL}s wall, ${CPU}s CPU, peak ${RSS} KB"
}

ROWS=()
# row NAME FILES BYTES: appends a table row from WALL and RSS.
row() {
    ROWS+=("$(awk -v n="$1" -v f="$2" -v b="$3" -v w="$WALL" -v c="$CPU" -v r="$RSS" 'BEGIN {
        if (w <= 0) w = 0.01
        if (c <= 0) c = 0.01
        printf "| %s | %d | %.1f | %.2f | %.0f | %.1f | %.2f | %.1f | %.1f |", n, f, b / 1e6, w, f / w, b / 1e6 / w, c, b / 1e6 / c, r / 1024 }')")
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
FILES=$(files_of "$EXPORTS")
BYTES=$(bytes_of "$EXPORTS")
SFILES=$(files_of "$SMALL")
SBYTES=$(bytes_of "$SMALL")

measure "validate (human)" 0 "$BIN" validate "$EXPORTS"
grep -q "^passed: $FILES files checked, 0 errors, 0 warnings" "$TMP/out" || {
    log "unexpected summary: $(tail -n 1 "$TMP/out")"
    exit 1
}
row "\`fodpack validate DIR\`" "$FILES" "$BYTES"
measure "validate (json)" 0 "$BIN" validate --format json "$EXPORTS"
row "\`fodpack validate --format json DIR > /dev/null\`" "$FILES" "$BYTES"
measure "validate (human, 1,000 files)" 0 "$BIN" validate "$SMALL"
row "\`fodpack validate DIR\` (first 1,000 files)" "$SFILES" "$SBYTES"
JQ="find DIR -name '*.json' -print0 \\| xargs -0 -P2 -n 500 jq empty"
measure "jq empty" 0 sh -c 'find "$1" -name "*.json" -print0 | xargs -0 -P2 -n 500 jq empty' sh "$EXPORTS"
row "\`$JQ\` (reference)" "$FILES" "$BYTES"

echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(git -C "$ROOT" rev-parse --short HEAD)"
echo "median of $RUNS runs, files in the page cache; MB = 10^6 bytes; CPU = user + system time;"
echo "peak RSS from /usr/bin/time -v; load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | files | MB | wall s | files/s | MB/s | CPU s | MB per CPU-s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"

if [ "$BIG_MB" != 0 ]; then
    BIG="$DATA/big/big.json"
    if [ "$(cat "$DATA/big/params" 2>/dev/null || true)" != "mb=$BIG_MB seed=$SEED" ]; then
        log "generating a single $BIG_MB MB export"
        mkdir -p "$DATA/big"
        python3 "$ROOT/scripts/gen-exports.py" "$DATA/big" --single-size-mb "$BIG_MB" --seed "$SEED"
        echo "mb=$BIG_MB seed=$SEED" >"$DATA/big/params"
    fi
    cat "$BIG" >/dev/null
    BBYTES=$(stat -c %s "$BIG")
    echo
    echo "Single file of $(awk -v b="$BBYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB:"
    echo
    rc=0
    (cd "$DATA/big" && "$BIN" validate big.json) >"$TMP/out" 2>&1 || rc=$?
    echo "- \`fodpack validate big.json\`: exit status $rc"
    echo
    echo '```'
    head -n 2 "$TMP/out"
    echo '```'
    echo
    RUNS=1
    measure "validate big" 0 "$BIN" validate --max-file-size 256MiB "$BIG"
    BIGCPU=$CPU
    echo "- \`fodpack validate --max-file-size 256MiB big.json\`: $(tail -n 1 "$TMP/out"); wall ${WALL} s, CPU ${BIGCPU} s, $(awk -v b="$BBYTES" -v w="$WALL" 'BEGIN { printf "%.1f", b / 1e6 / w }') MB/s, peak RSS $(awk -v r="$RSS" 'BEGIN { printf "%.0f", r / 1024 }') MiB"
fi
