#!/usr/bin/env bash
# Pack, verify and unpack 10,000 key files of 1 to 4 KiB with fodpack, side by side with
# Info-ZIP on the same files in the same run: pack against `sha256sum` + `zip -r -X`, verify
# and unpack against `unzip` + `sha256sum -c`. Each command runs RUNS times; the median wall
# time and the largest peak RSS are reported, with the ratio fodpack / Info-ZIP.
#
# Usage: scripts/bench-bundle.sh [N]     (default 10000 keys)
# Environment:
#   RUNS=5         runs of each command
#   LARGE_MIB=0    also pack, verify and unpack a bundle of LARGE_MIB MiB of 16 MiB entries
#                  (1024 for the 1 GiB memory check), with limits raised by flag
#   FODPACK=PATH   measure this binary instead of building target/release/fodpack
# Needs python3, zip, unzip and GNU time (/usr/bin/time).
set -euo pipefail
N=${1:-10000}
RUNS=${RUNS:-5}
LARGE_MIB=${LARGE_MIB:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${FODPACK:-}" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
fi
BIN=${FODPACK:-$ROOT/target/release/fodpack}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
python3 - "$N" <<'PY'
import os, random, sys
random.seed(1); os.makedirs("in/keys")
for i in range(int(sys.argv[1])):
    n = random.randint(1024, 4096)
    with open(f"in/keys/lnvgy_fod_{i%65536:04x}_7X21J{i:06d}_anyos_noarch.key", "wb") as f:
        f.write(b"FEATURE ON DEMAND ACTIVATION KEY\0" + os.urandom(n - 33))
PY
cat in/keys/* > /dev/null # warm the page cache

# measure CMD: runs CMD RUNS times, with $RUN set to 1, 2, ...; prints "median_s max_kib".
# Each run writes to names of its own and nothing is deleted until the end: on ext4, files
# created right after thousands were deleted are slow to allocate, and the run after a
# deletion would pay for it. `sync` before each run keeps one run's dirty data out of the next
# (fodpack unpack syncs the file system before its final rename; Info-ZIP does not).
measure() {
    local cmd=$1 times=() mem=0
    for RUN in $(seq "$RUNS"); do
        export RUN
        sync
        /usr/bin/time -f "%e %M" -o t.txt sh -c "$cmd" >/dev/null 2>&1
        read -r s k < t.txt
        times+=("$s")
        [ "$k" -gt "$mem" ] && mem=$k
    done
    printf '%s %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$mem"
}

# The fodpack timings include the whole sh -c, as the Info-ZIP ones do.
read -r fp fpm < <(measure "'$BIN' pack in/keys -o f\$RUN.zip")
read -r zp zpm < <(measure "cd in/keys && sha256sum -- * > ../../SHA256SUMS && cd ../.. && zip -qrX z\$RUN.zip in/keys SHA256SUMS")
read -r fv fvm < <(measure "'$BIN' verify f1.zip")
read -r zv zvm < <(measure "mkdir zv\$RUN && cd zv\$RUN && unzip -q ../z1.zip && cd in/keys && sha256sum -c --quiet ../../SHA256SUMS")
read -r fu fum < <(measure "'$BIN' unpack f1.zip -d fo\$RUN")
read -r zu zum < <(measure "mkdir zo\$RUN && cd zo\$RUN && unzip -q ../z1.zip && cd in/keys && sha256sum -c --quiet ../../SHA256SUMS")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "$N key files of 1 to 4 KiB; median of $RUNS runs; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| fodpack | s | peak MiB | Info-ZIP pair | s | peak MiB | ratio |"
echo "|---|---:|---:|---|---:|---:|---:|"
echo "| \`pack in/keys -o f.zip\` | $fp | $(mib "$fpm") | \`sha256sum\` + \`zip -r -X\` | $zp | $(mib "$zpm") | $(ratio "$fp" "$zp") |"
echo "| \`verify f.zip\` | $fv | $(mib "$fvm") | \`unzip\` + \`sha256sum -c\` | $zv | $(mib "$zvm") | $(ratio "$fv" "$zv") |"
echo "| \`unpack f.zip -d fo\` | $fu | $(mib "$fum") | \`unzip\` + \`sha256sum -c\` | $zu | $(mib "$zum") | $(ratio "$fu" "$zu") |"

if [ "$LARGE_MIB" -gt 0 ]; then
    rm -rf in fo* zo* zv* ./*.zip SHA256SUMS
    sync
    sleep 10 # let the file system settle after the deletion
    mkdir -p large
    for i in $(seq 1 $((LARGE_MIB / 16))); do
        head -c 16777216 /dev/urandom > "large/lnvgy_fod_0001_7X21J$(printf %06d "$i")_anyos_noarch.key"
    done
    lim="--max-total-size $((LARGE_MIB * 2))MiB"
    /usr/bin/time -f "%e %M" -o t.txt "$BIN" pack large -o big.zip $lim >/dev/null
    read -r ps pm < t.txt
    /usr/bin/time -f "%e %M" -o t.txt "$BIN" verify big.zip $lim >/dev/null
    read -r vs vm < t.txt
    /usr/bin/time -f "%e %M" -o t.txt "$BIN" unpack big.zip -d out $lim >/dev/null
    read -r us um < t.txt
    echo
    echo "Bundle of $LARGE_MIB MiB ($((LARGE_MIB / 16)) entries of 16 MiB, random bytes), $(stat -c %s big.zip) bytes:"
    echo
    echo "| command | s | peak MiB |"
    echo "|---|---:|---:|"
    echo "| \`pack large -o big.zip $lim\` | $ps | $(mib "$pm") |"
    echo "| \`verify big.zip $lim\` | $vs | $(mib "$vm") |"
    echo "| \`unpack big.zip -d out $lim\` | $us | $(mib "$um") |"
fi
