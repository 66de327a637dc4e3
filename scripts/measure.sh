#!/usr/bin/env bash
# Builds the release binary and measures it at rest against the local
# stand-ins: start → READY=1, VmRSS/VmHWM with a 5,000-member guild, size.
set -euo pipefail
cd "$(dirname "$0")/.."
# The stand-ins need no optimisation; only the measured binary does.
cargo build --quiet --release --bin cubeguardian
cargo build --quiet --example measure
exec target/debug/examples/measure target/release/cubeguardian "$@"
