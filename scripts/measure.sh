#!/usr/bin/env bash
# Builds the release binary and measures it at rest against the local
# stand-ins: start → READY=1, VmRSS/VmHWM with a 5,000-member guild, size,
# VmRSS over gateway reconnects; beside it, the peer of issue 14
# (scripts/peer_bot.py, discord.py 2.7.1) in the same guild.
#   --idle SECS       then the wake-ups at rest over SECS seconds (after a
#                     settling minute): context switches per second, per thread
#   --runs N          start/RSS runs (default 5)
#   --reconnects N    VmRSS after 0, 10, 50 and N reconnects (default 100, 0: skip)
#   --peer / --no-peer  measure the peer too (default: when python3 is there).
#                     Its discord.py goes into target/peer-venv, from PyPI,
#                     pinned; the bot itself talks to the stand-in only.
set -euo pipefail
cd "$(dirname "$0")/.."
peer=auto
while [ $# -gt 0 ]; do
    case "$1" in
        --idle) export MEASURE_IDLE_SECS="$2"; shift 2 ;;
        --runs) export MEASURE_RUNS="$2"; shift 2 ;;
        --reconnects) export MEASURE_RECONNECTS="$2"; shift 2 ;;
        --peer) peer=yes; shift ;;
        --no-peer) peer=no; shift ;;
        *) break ;;
    esac
done
target="${CARGO_TARGET_DIR:-target}"
if [ "$peer" = auto ]; then
    if command -v python3 >/dev/null; then peer=yes; else peer=no; fi
fi
if [ "$peer" = yes ]; then
    venv="$target/peer-venv"
    if ! "$venv/bin/python" -c 'import discord, sys; sys.exit(discord.__version__ != "2.7.1")' 2>/dev/null; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet 'discord.py==2.7.1'
    fi
    MEASURE_PEER_PYTHON="$(cd "$venv/bin" && pwd)/python"
    export MEASURE_PEER_PYTHON
fi
# The stand-ins need no optimisation; only the measured binary does.
cargo build --quiet --release --bin cubeguardian
cargo build --quiet --example measure
exec "$target/debug/examples/measure" "$target/release/cubeguardian" "$@"
