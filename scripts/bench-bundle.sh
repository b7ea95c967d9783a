#!/usr/bin/env bash
# Pack, verify and unpack 10,000 key files of 1 to 4 KiB with fodpack, side by side with
# Info-ZIP (zip -r -X + sha256sum; unzip + sha256sum -c) on the same files, in one run.
# Usage: scripts/bench-bundle.sh [N]   (needs a release build: cargo build --release)
set -euo pipefail
N=${1:-10000}
BIN=${FODPACK:-$(cd "$(dirname "$0")/.." && pwd)/target/release/fodpack}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cd "$W"
python3 - "$N" <<'PY'
import os, random, sys
random.seed(1); os.makedirs("in/keys")
for i in range(int(sys.argv[1])):
    n = random.randint(1024, 4096)
    with open(f"in/keys/lnvgy_fod_{i%65536:04x}_7X21J{i:06d}_anyos_noarch.key", "wb") as f:
        f.write(b"FEATURE ON DEMAND ACTIVATION KEY\0" + os.urandom(n - 33))
PY
t() { /usr/bin/time -f "%e s %M KiB" "$@" 2>&1 >/dev/null | tail -1; }
echo "files: $N"
echo "fodpack pack:        $(t "$BIN" pack in/keys -o f.zip)"
echo "zip -r -X + sha256:  $(t sh -c 'cd in/keys && sha256sum * > ../SHA256SUMS && cd .. && zip -qrX ../z.zip keys SHA256SUMS')"
echo "fodpack verify:      $(t "$BIN" verify f.zip)"
echo "unzip -t:            $(t unzip -tq z.zip)"
echo "fodpack unpack:      $(t "$BIN" unpack f.zip -d fo)"
echo "unzip + sha256sum -c: $(t sh -c 'mkdir zo && cd zo && unzip -q ../z.zip && cd keys && sha256sum -c --quiet ../SHA256SUMS')"
