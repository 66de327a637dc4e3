#!/bin/sh
# Fuzzes the intent parser (fuzz/fuzz_targets/intent.rs) for DURATION seconds (default 600).
# Usage: scripts/fuzz-intent.sh [DURATION]
#
# cargo fuzz passes nightly-only flags to rustc (-Zsanitizer=address, sancov passes), and
# the machines have only a stable toolchain: RUSTC_BOOTSTRAP=1 lets stable rustc accept
# them (stable ships the AddressSanitizer runtime, so the default sanitizer works).
# The corpus grows in fuzz/corpus/intent (git-ignored), seeded from fuzz/seeds/intent;
# a crash is saved under fuzz/artifacts/intent/ and the script exits non-zero.
set -eu

duration=${1:-600}
case $duration in
    '' | *[!0-9]*) echo "usage: $0 [DURATION_SECONDS]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi

mkdir -p corpus/intent
# -max_len: the parser reads up to 2000 characters (4 bytes each at most), so longer
# inputs reach the truncation paths. -timeout: one message must never take seconds.
RUSTC_BOOTSTRAP=1 exec nice -n 10 cargo fuzz run intent corpus/intent seeds/intent -- \
    -dict=intent.dict -max_len=8192 -timeout=10 -max_total_time="$duration"
