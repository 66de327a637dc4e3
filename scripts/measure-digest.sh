#!/usr/bin/env bash
# The digest's figures: bytes written per captured message (per-commit
# batch sizes 1 and 8, and a trickle through the capture task), and time and peak memory of a digest built from
# 100,000 messages across 20 channels. Release build; takes a minute or two.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${MEASURE_MESSAGES:-100000}"
cargo build --release --locked --example digest_measure
bin=target/release/examples/digest_measure
dir="$(mktemp -d "${TMPDIR:-/tmp}/digest-measure.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
# Worst case for the SD card: one commit per message.
"$bin" fill "$dir/one" 2000 20 1
# A quiet server, one message every 10 s for 10 minutes, through the real
# capture task: grouped commits (the default commit_interval), then one
# commit per message (commit_interval = 0) for comparison; then an hour,
# where every group is a full one, with the default and with the 5 minutes
# of before.
"$bin" trickle "$dir/trickle" 600 10
"$bin" trickle "$dir/trickle-each" 600 10 0
"$bin" trickle "$dir/trickle-hour" 3600 10
"$bin" trickle "$dir/trickle-hour-5m" 3600 10 300
"$bin" fill "$dir/batched" "$N" 20 8
"$bin" build "$dir/batched" 20
