#!/usr/bin/env bash
# Builds the release binary and measures it at rest against the local
# stand-ins: start → READY=1, VmRSS/VmHWM with a 5,000-member guild, size.
#   --idle SECS   then the wake-ups at rest over SECS seconds (after a
#                 settling minute): context switches per second, per thread
#   --runs N      start/RSS runs (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
while [ $# -gt 0 ]; do
    case "$1" in
        --idle) export MEASURE_IDLE_SECS="$2"; shift 2 ;;
        --runs) export MEASURE_RUNS="$2"; shift 2 ;;
        *) break ;;
    esac
done
# The stand-ins need no optimisation; only the measured binary does.
cargo build --quiet --release --bin cubeguardian
cargo build --quiet --example measure
exec target/debug/examples/measure target/release/cubeguardian "$@"
