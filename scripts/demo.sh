#!/usr/bin/env bash
# Runs the real cubeguardian binary against the local stand-ins (Discord,
# Proxmox, Minecraft, Wake-on-LAN), all on 127.0.0.1, through a short
# scripted scenario. No account or credential needed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin cubeguardian --example demo
exec target/debug/examples/demo target/debug/cubeguardian "$@"
