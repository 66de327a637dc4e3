#!/usr/bin/env bash
# Builds a static aarch64-unknown-linux-musl `cubeguardian` (for the Raspberry
# Pi) from Debian bookworm's own packages, without Docker or rustup targets:
# Debian's Rust 1.96 rebuilds std for the target (-Zbuild-std) from
# rust-web-src, musl-dev:arm64 supplies libc and the `aarch64-linux-musl-gcc`
# wrapper, and LLVM's libunwind-14-dev:arm64 supplies the static unwinder std
# needs. The result is checked with `file` and run under qemu-aarch64-static.
#
# Runs as root (it installs packages). Safe to run again: apt only installs
# what is missing and cargo rebuilds only what changed.
#
# The binary is reproducible: the same commit built in another directory, with
# another target directory, gives the same bytes (the paths rustc and cc would
# embed are remapped, see RUSTFLAGS below). `--check-reproducible` proves it:
# it builds HEAD twice from scratch, from two copies in different directories
# with different target directories, and compares the SHA-256.
#
#   scripts/build-aarch64.sh            # output: out/cubeguardian-aarch64
#   CARGO_TARGET_DIR=/tmp/t CUBEGUARDIAN_OUT_DIR=/tmp/o scripts/build-aarch64.sh
#   scripts/build-aarch64.sh --check-reproducible   # two cold builds of HEAD
set -euo pipefail

TARGET=aarch64-unknown-linux-musl
REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-$REPO/target}")"
# Not OUT_DIR: cargo reserves that name, and build scripts (ring) rebuild when it changes.
DEST="${CUBEGUARDIAN_OUT_DIR:-$REPO/out}"
SUPPORT="$TARGET_DIR/$TARGET-support"

log() { printf '==> %s\n' "$*" >&2; }

# --- 0. --check-reproducible: build HEAD twice and compare -------------------
if [ "${1:-}" = --check-reproducible ]; then
    # Two copies of the commit at paths of different lengths (a path that
    # leaked into the binary would shift everything after it), each with its
    # own cold target directory; only ~/.cargo (the downloaded crates) is shared.
    if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
        log "warning: uncommitted changes are not part of the check (it builds HEAD)"
    fi
    commit="$(git -C "$REPO" rev-parse HEAD)"
    work="$(mktemp -d "${TMPDIR:-/tmp}/cubeguardian-repro.XXXXXX")"
    one="$work/one/src"
    two="$work/second-copy/cubeguardian"
    sums=()
    for src in "$one" "$two"; do
        mkdir -p "$src"
        git -C "$REPO" archive "$commit" | tar -x -C "$src"
        log "cold build of $commit in $src"
        CARGO_TARGET_DIR="$src-target" CUBEGUARDIAN_OUT_DIR="$src-out" \
            bash "$src/scripts/build-aarch64.sh"
        sums+=("$(sha256sum <"$src-out/cubeguardian-aarch64" | cut -d' ' -f1)")
        echo "sha256 $src: ${sums[-1]} ($(stat -c %s "$src-out/cubeguardian-aarch64") bytes)"
    done
    if [ "${sums[0]}" != "${sums[1]}" ]; then
        echo "error: NOT reproducible: $(cmp -l "$one-out/cubeguardian-aarch64" \
            "$two-out/cubeguardian-aarch64" | wc -l) bytes differ; builds kept in $work" >&2
        for src in "$one" "$two"; do
            echo "build paths left in the $src binary:" >&2
            strings -n 8 "$src-out/cubeguardian-aarch64" | grep -F "$work" | sort -u | head -20 >&2 || true
        done
        exit 1
    fi
    echo "reproducible: both builds of $commit are ${sums[0]}"
    rm -rf "$work"
    exit 0
fi
if [ "$#" -gt 0 ]; then
    echo "usage: $0 [--check-reproducible]" >&2
    exit 2
fi
case "$REPO$TARGET_DIR" in
    *[[:space:]]*) echo "error: the source and target paths must not contain spaces" >&2; exit 1 ;;
esac

# --- 1. Packages -------------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
    echo "error: run as root (apt-get install is needed)" >&2
    exit 1
fi
if ! grep -qx arm64 <<<"$(dpkg --print-foreign-architectures)"; then
    log "adding the arm64 dpkg architecture"
    dpkg --add-architecture arm64
    apt-get update
fi
PKGS=(
    rustc-web cargo-web rust-web-src  # Rust 1.96 + std sources for -Zbuild-std
    gcc-aarch64-linux-gnu             # the cross C compiler and binutils
    musl-dev:arm64                    # musl libc.a + /usr/bin/aarch64-linux-musl-gcc
    libunwind-14-dev:arm64            # static libunwind.a (LLVM's) for std
    qemu-user-static                  # to run the result here
    file
)
missing=()
for p in "${PKGS[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- 2. Toolchain ------------------------------------------------------------
# Debian's cargo/rustc, never rustup's proxies in ~/.cargo/bin: only Debian's
# rustc finds rust-web-src under its sysroot (/usr/lib/rustlib/src).
export PATH="/usr/bin:/bin:$PATH"
unset RUSTUP_TOOLCHAIN RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
export CARGO=/usr/bin/cargo RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
[ -d "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library" ] || {
    echo "error: rust-web-src is not where /usr/bin/rustc looks for it" >&2
    exit 1
}
log "$(/usr/bin/rustc --version), $(/usr/bin/cargo --version)"

# std for musl links `-lunwind` statically. Give the linker a directory with
# only LLVM's arm64 libunwind.a in it (not all of /usr/lib/llvm-14/lib), plus
# a shim: Debian built libunwind against glibc with _FORTIFY_SOURCE, so it
# calls __fprintf_chk, which musl does not have.
mkdir -p "$SUPPORT"
ln -sf /usr/lib/llvm-14/lib/libunwind.a "$SUPPORT/libunwind.a"
cat >"$SUPPORT/fortify_shim.c.new" <<'EOF'
/* glibc's fortified fprintf, which Debian's libunwind.a calls; musl lacks it. */
#include <stdarg.h>
#include <stdio.h>
int __fprintf_chk(FILE *stream, int flag, const char *format, ...)
{
    va_list ap;
    int n;
    (void)flag;
    va_start(ap, format);
    n = vfprintf(stream, format, ap);
    va_end(ap);
    return n;
}
EOF
if ! cmp -s "$SUPPORT/fortify_shim.c.new" "$SUPPORT/fortify_shim.c" || [ ! -f "$SUPPORT/fortify_shim.o" ]; then
    mv -f "$SUPPORT/fortify_shim.c.new" "$SUPPORT/fortify_shim.c"
    aarch64-linux-musl-gcc -O2 -fPIC -ffile-prefix-map="$SUPPORT"=/build/support \
        -c "$SUPPORT/fortify_shim.c" -o "$SUPPORT/fortify_shim.o"
fi
rm -f "$SUPPORT/fortify_shim.c.new"

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-musl-gcc
# Reproducibility: rustc writes source paths into the binary (panic locations,
# file!()). Dependencies' paths are the same everywhere (~/.cargo/registry, the
# std sources under /usr/lib/rustlib), the crate's own are relative, but code a
# build script generates is included from OUT_DIR, inside the target directory:
# remapped to a fixed name, as is the checkout (the last matching map wins, so
# a target directory inside the checkout gets its own). Cargo keeps
# --remap-path-prefix out of its -C metadata hash, so symbol names do not
# change with these paths either.
REMAP="--remap-path-prefix=$REPO=/build/cubeguardian --remap-path-prefix=$TARGET_DIR=/build/target"
# No unwind tables: with panic = "abort" nothing unwinds, and the tables
# (.eh_frame and its index) were 0.9 MiB of the binary.
NO_UNWIND="-C force-unwind-tables=no"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C link-self-contained=no -C target-feature=+crt-static -L native=$SUPPORT -C link-arg=$SUPPORT/fortify_shim.o $NO_UNWIND $REMAP"
# ring's C and assembly, compiled by the `cc` crate (same maps, for __FILE__).
export CC_aarch64_unknown_linux_musl=aarch64-linux-musl-gcc
export CFLAGS_aarch64_unknown_linux_musl="-ffile-prefix-map=$REPO=/build/cubeguardian -ffile-prefix-map=$TARGET_DIR=/build/target"
export AR_aarch64_unknown_linux_musl=aarch64-linux-gnu-ar
export CARGO_TARGET_DIR="$TARGET_DIR"

# --- 3. Build ----------------------------------------------------------------
log "building $TARGET (release) into $TARGET_DIR"
start=$(date +%s)
cd "$REPO"
/usr/bin/cargo build --locked --release --bin cubeguardian \
    --target "$TARGET" -Zbuild-std=std,panic_abort
log "build took $(( $(date +%s) - start )) s"

BIN="$TARGET_DIR/$TARGET/release/cubeguardian"
mkdir -p "$DEST"
cp -f "$BIN" "$DEST/cubeguardian-aarch64"
aarch64-linux-gnu-strip -o "$DEST/cubeguardian-aarch64.stripped" "$BIN"

# --- 4. Verify ---------------------------------------------------------------
desc="$(file -b "$DEST/cubeguardian-aarch64")"
echo "file: $desc"
case "$desc" in
    *"ARM aarch64"*) ;;
    *) echo "error: not an aarch64 binary" >&2; exit 1 ;;
esac
case "$desc" in
    *"statically linked"* | *"static-pie linked"*) ;;
    *) echo "error: not statically linked" >&2; exit 1 ;;
esac
# (Captured first: `readelf | grep -q` can die of SIGPIPE under pipefail.)
headers="$(aarch64-linux-gnu-readelf -l "$DEST/cubeguardian-aarch64")"
if grep -q INTERP <<<"$headers"; then
    echo "error: binary asks for a dynamic loader" >&2
    exit 1
fi

log "running under qemu-aarch64-static"
qemu-aarch64-static "$DEST/cubeguardian-aarch64.stripped" --version
qemu-aarch64-static "$DEST/cubeguardian-aarch64.stripped" \
    check-config --config "$REPO/config.example.toml"
echo "check-config: exit 0"

echo "binary:   $DEST/cubeguardian-aarch64 ($(stat -c %s "$DEST/cubeguardian-aarch64") bytes)"
echo "stripped: $DEST/cubeguardian-aarch64.stripped ($(stat -c %s "$DEST/cubeguardian-aarch64.stripped") bytes)"
