#!/usr/bin/env bash
# Builds the CubeGuardian SD card image for a Raspberry Pi 3 or 4: Debian
# bookworm arm64 (mmdebstrap --variant=minbase, foreign steps through
# qemu-user-static and binfmt_misc), the static cubeguardian binary, its
# systemd unit (enabled) and a first-boot mechanism that takes the config,
# the secrets and an SSH key from the FAT partition (see image/README.md).
#
# Reproducible: the same inputs (this commit, the binary, the Debian
# packages listed in the manifest) give the same image bytes. The time is
# SOURCE_DATE_EPOCH (default: the commit time of HEAD); no loop device,
# mount or random number is involved in assembling the image.
#
# Runs as root (it installs its tools with apt and chroots). Safe to run
# again: the work directory is rebuilt from scratch every time.
#
#   scripts/build-image.sh
#   CUBEGUARDIAN_BINARY=dist/cubeguardian-aarch64-linux-musl scripts/build-image.sh
#
# Environment (defaults in brackets):
#   CUBEGUARDIAN_BINARY     [out/cubeguardian-aarch64] the static aarch64
#                           binary; built with scripts/build-aarch64.sh when
#                           the default is missing; stripped if it is not
#   CUBEGUARDIAN_OUT_DIR    [out] where the results go
#   CUBEGUARDIAN_WORK_DIR   [target/image-build] scratch space (~3 GB); the
#                           raw image stays there for scripts/boot-test.sh
#   SOURCE_DATE_EPOCH       [git log -1 --format=%ct] the image's clock
#   CUBEGUARDIAN_DEBIAN_MIRROR           [http://deb.debian.org/debian]
#   CUBEGUARDIAN_DEBIAN_SECURITY_MIRROR  [http://deb.debian.org/debian-security]
#   CUBEGUARDIAN_ROOT_FREE_MIB  [512] free space in the root file system (it
#                           grows to the whole card at first boot anyway)
#   CUBEGUARDIAN_REUSE_ROOTFS  [] 1: reuse the previous run's mmdebstrap
#                           result (development of the later steps only;
#                           image/hooks/ and image/rootfs/ changes are then
#                           NOT applied)
#
# Output: OUT/cubeguardian-<version>-arm64.img.xz, .img.xz.sha256, .manifest
# (every package and version in the image) and .buildinfo (the inputs and
# the raw image's SHA-256).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
IMAGE_DIR="$REPO/image"
OUT="${CUBEGUARDIAN_OUT_DIR:-$REPO/out}"
WORK="${CUBEGUARDIAN_WORK_DIR:-$REPO/target/image-build}"
MIRROR="${CUBEGUARDIAN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${CUBEGUARDIAN_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
ROOT_FREE_MIB="${CUBEGUARDIAN_ROOT_FREE_MIB:-512}"
SUITE=bookworm
ROOT_LABEL=cubeguardian # also in image/rootfs/etc/fstab and etc/default/raspi-firmware
BOOT_LABEL=CUBEGUARD    # also in image/rootfs/etc/fstab
BOOT_MIB=256
FIRST_MIB=4             # the boot partition starts at 4 MiB (SD erase blocks)

log() { printf '==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    printf 'build-image: error: %s\n' "$*" >&2
    exit 1
}
started=$(date +%s)
phase_start=$started
phase_done() {
    local now
    now=$(date +%s)
    log "$1 took $((now - phase_start)) s"
    phase_start=$now
}

[ "$(id -u)" -eq 0 ] || die "run as root (apt-get, chroot and device nodes need it)"
case "$WORK" in
    */* | .) ;;
    *) die "CUBEGUARDIAN_WORK_DIR must be a path" ;;
esac
[[ "$WORK" != *[[:space:]]* ]] || die "CUBEGUARDIAN_WORK_DIR must not contain spaces"
mkdir -p "$WORK" "$OUT"
WORK="$(cd "$WORK" && pwd)"
OUT="$(cd "$OUT" && pwd)"
[ "$WORK" != / ] || die "CUBEGUARDIAN_WORK_DIR must not be /"

# Everything that could make two builds differ is pinned here.
export LC_ALL=C TZ=UTC
unset LANG LANGUAGE
umask 022

# --- 1. Tools ------------------------------------------------------------------
PKGS=(
    mmdebstrap debian-archive-keyring arch-test qemu-user-static
    mtools dosfstools e2fsprogs fdisk xz-utils file git
    binutils-aarch64-linux-gnu # to strip the binary if it is not
)
missing=()
for p in "${PKGS[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# arm64 programs (maintainer scripts, mkinitramfs) run through qemu.
if [ "$(dpkg --print-architecture)" != arm64 ]; then
    if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
        log "mounting binfmt_misc"
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
        log "registering qemu-aarch64 with binfmt_misc"
        if [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ]; then
            grep -v '^#' /usr/lib/binfmt.d/qemu-aarch64.conf >/proc/sys/fs/binfmt_misc/register
        else
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall qemu-user-static >/dev/null
        fi
    fi
    arch-test arm64 >/dev/null || die "cannot run arm64 programs (binfmt_misc / qemu-user-static)"
fi

# --- 2. Inputs -----------------------------------------------------------------
VERSION="$(sed -n '/^\[package\]/,/^\[/{s/^version *= *"\([^"]*\)".*/\1/p}' "$REPO/Cargo.toml" | head -n 1)"
[ -n "$VERSION" ] || die "no version in $REPO/Cargo.toml"
# (safe.directory: CI containers often check out as another user.)
git_() { git -c safe.directory="$REPO" -C "$REPO" "$@"; }
COMMIT="$(git_ rev-parse HEAD 2>/dev/null || echo unknown)"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(git_ log -1 --format=%ct 2>/dev/null)" ||
        die "not a git checkout: set SOURCE_DATE_EPOCH"
fi
[[ "$SOURCE_DATE_EPOCH" =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be a number of seconds"
export SOURCE_DATE_EPOCH
# libext2fs's "now" (superblock times, new inodes, debugfs writes).
export E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH"
NAME="cubeguardian-$VERSION-arm64"
log "building $NAME.img (commit ${COMMIT:0:12}, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH = $(date -u -d "@$SOURCE_DATE_EPOCH" '+%F %T') UTC)"

if [ -n "${CUBEGUARDIAN_BINARY:-}" ]; then
    BINARY="$(realpath -e "$CUBEGUARDIAN_BINARY")" || die "CUBEGUARDIAN_BINARY: $CUBEGUARDIAN_BINARY does not exist"
else
    BINARY="$REPO/out/cubeguardian-aarch64"
    if [ ! -f "$BINARY" ]; then
        log "no $BINARY: building it with scripts/build-aarch64.sh"
        CUBEGUARDIAN_OUT_DIR="$REPO/out" "$REPO/scripts/build-aarch64.sh"
    fi
fi
desc="$(file -b "$BINARY")"
[[ "$desc" == *"ARM aarch64"* ]] || die "$BINARY is not an aarch64 program: $desc"
[[ "$desc" == *"statically linked"* || "$desc" == *"static-pie linked"* ]] ||
    die "$BINARY is not statically linked: $desc"

# --- 3. A clean work directory ------------------------------------------------
# A run that was interrupted inside mmdebstrap may have left /proc, /sys or
# /dev mounted below WORK: never rm -rf through those.
unmount_below() {
    local m
    for m in $(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
        log "unmounting leftover $m"
        umount -l "$m" || true
    done
    if awk -v w="$WORK/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        die "file systems still mounted below $WORK: unmount them first"
    fi
}
unmount_below
BASE="$WORK/rootfs-base"
ROOT="$WORK/rootfs"
reuse=0
if [ "${CUBEGUARDIAN_REUSE_ROOTFS:-}" = 1 ] && [ -f "$WORK/rootfs-base.complete" ]; then
    reuse=1
    log "CUBEGUARDIAN_REUSE_ROOTFS=1: reusing $BASE (development only)"
    find "$WORK" -mindepth 1 -maxdepth 1 ! -name rootfs-base ! -name rootfs-base.complete -exec rm -rf {} +
else
    rm -rf "$WORK"
    mkdir -p "$WORK"
fi
trap unmount_below EXIT

# --- 4. The root file system (mmdebstrap, under emulation) ---------------------
if [ "$reuse" = 0 ]; then
    log "mmdebstrap: Debian $SUITE arm64 minbase + $(grep -v '^#' "$IMAGE_DIR/packages" | grep -c .) packages (10-20 min under emulation)"
    includes="$(grep -v '^#' "$IMAGE_DIR/packages" | grep . | paste -sd, -)"
    CG_IMAGE_DIR="$IMAGE_DIR" CG_BINARY="$BINARY" CG_UNIT="$REPO/systemd/cubeguardian.service" \
        mmdebstrap --mode=root --variant=minbase --architectures=arm64 --format=directory \
        --components=main,non-free-firmware \
        --include="$includes" \
        --aptopt='Acquire::Languages "none"' \
        --aptopt='APT::Install-Recommends "false"' \
        --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/info/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-include=/usr/share/locale/locale.alias' \
        --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --essential-hook="$IMAGE_DIR/hooks/essential.sh" \
        --customize-hook="$IMAGE_DIR/hooks/customize.sh" \
        "$SUITE" "$BASE" \
        "deb $MIRROR $SUITE main non-free-firmware" \
        "deb $MIRROR $SUITE-updates main non-free-firmware" \
        "deb $SECURITY_MIRROR $SUITE-security main non-free-firmware"
    : >"$WORK/rootfs-base.complete"
    phase_done "mmdebstrap (root file system)"
fi
cp -a "$BASE" "$ROOT"

# --- 5. Final touches outside the chroot ----------------------------------------
# The binary once more (CUBEGUARDIAN_REUSE_ROOTFS may reuse an old one), stripped.
install -m 0755 "$BINARY" "$ROOT/usr/bin/cubeguardian"
if [[ "$(file -b "$ROOT/usr/bin/cubeguardian")" == *"not stripped"* ]]; then
    aarch64-linux-gnu-strip "$ROOT/usr/bin/cubeguardian"
fi
BINARY_SHA256="$(sha256sum "$ROOT/usr/bin/cubeguardian" | cut -d' ' -f1)"
# What mmdebstrap copies from the build host; pinned again in case it did.
printf '%s\n' "$ROOT_LABEL" >"$ROOT/etc/hostname"
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$ROOT/etc/resolv.conf"
rm -f "$ROOT"/etc/ssh/ssh_host_*
: >"$ROOT/etc/machine-id"

dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Package}\t${Version}\t${Architecture}\n' |
    sort >"$WORK/$NAME.manifest"

# The FAT partition's content: /boot/firmware (raspi-firmware filled it)
# plus the user's folder; the root keeps an empty mount point.
BOOTFS="$WORK/bootfs"
mkdir -p "$BOOTFS/cubeguardian"
find "$ROOT/boot/firmware" -mindepth 1 -maxdepth 1 -exec mv -t "$BOOTFS" {} +
for f in LISEZ-MOI.txt README.txt; do
    sed 's/$/\r/' "$IMAGE_DIR/boot/cubeguardian/$f" >"$BOOTFS/cubeguardian/$f"
done
cp "$REPO/config.example.toml" "$BOOTFS/cubeguardian/cubeguardian.example.toml"
for f in config.txt cmdline.txt; do
    [ -f "$BOOTFS/$f" ] || die "raspi-firmware wrote no $f"
done
log "cmdline.txt: $(cat "$BOOTFS/cmdline.txt")"

# Clamp every time stamp to SOURCE_DATE_EPOCH (package files keep their
# older, reproducible ones).
find "$ROOT" "$BOOTFS" -newermt "@$SOURCE_DATE_EPOCH" -print0 |
    xargs -0 -r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
phase_done "final touches"

# --- 6. The partitions, without loop devices -----------------------------------
# A UUID derived from the inputs: the same for the same build, different per
# release. (The system finds its partitions by label, not by UUID.)
seed="$(printf '%s %s %s' "$NAME" "$SOURCE_DATE_EPOCH" "$BINARY_SHA256" | sha256sum | cut -c1-32)"
ROOT_UUID="${seed:0:8}-${seed:8:4}-4${seed:13:3}-a${seed:17:3}-${seed:20:12}"
HASH_SEED="$(printf '%s hash' "$seed" | sha256sum | cut -c1-32 |
    sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)/\1-\2-\3-\4-/')"
FAT_SERIAL="${seed:24:8}"
DISK_ID="0x${seed:0:8}"

# ext4 from the tree. Sized from the content: files + 25% for metadata and
# rounding, plus the free space, in 64 MiB steps.
file_bytes="$(find "$ROOT" -xdev -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')"
ROOT_MIB=$(((file_bytes * 5 / 4 / 1048576 + ROOT_FREE_MIB + 63) / 64 * 64))
log "root file system: $((file_bytes / 1048576)) MiB of files in a $ROOT_MIB MiB ext4"
MKE2FS_CONFIG="$IMAGE_DIR/mke2fs.conf" mkfs.ext4 -q -F -t ext4 \
    -L "$ROOT_LABEL" -U "$ROOT_UUID" -E "hash_seed=$HASH_SEED,root_owner=0:0" \
    -d "$ROOT" "$WORK/root.ext4" "${ROOT_MIB}M"
# mke2fs -d copies each file's access and change times from the tree, which
# the build itself set: give every inode in use the same ones.
dumpe2fs "$WORK/root.ext4" 2>/dev/null | awk -v t="@$SOURCE_DATE_EPOCH" '
    /^Inodes per group:/ { ipg = $4 }
    /^Group [0-9]+:/ { g = $2 + 0 }
    /^  Free inodes: / {
        sub(/^  Free inodes: */, "")
        first = g * ipg + 1; last = (g + 1) * ipg
        delete free
        n = split($0, ranges, /, */)
        for (i = 1; i <= n; i++) {
            if (ranges[i] == "") continue
            split(ranges[i], ab, "-")
            lo = ab[1] + 0; hi = (ab[2] == "" ? lo : ab[2] + 0)
            for (j = lo; j <= hi; j++) free[j] = 1
        }
        for (ino = first; ino <= last; ino++) {
            if ((ino == 2 || ino >= 11) && !(ino in free))
                printf "sif <%d> atime %s\nsif <%d> ctime %s\nsif <%d> crtime %s\n", ino, t, ino, t, ino, t
        }
    }' >"$WORK/debugfs-times.cmd"
log "setting the times of $(($(wc -l <"$WORK/debugfs-times.cmd") / 3)) inodes"
debugfs -w -f "$WORK/debugfs-times.cmd" "$WORK/root.ext4" >/dev/null 2>"$WORK/debugfs.log" || {
    cat "$WORK/debugfs.log" >&2
    die "debugfs failed"
}
if grep -v '^debugfs [0-9]' "$WORK/debugfs.log" | grep -q .; then
    head "$WORK/debugfs.log" >&2
    die "debugfs reported errors"
fi
e2fsck -fn "$WORK/root.ext4" >"$WORK/e2fsck.log" 2>&1 || {
    cat "$WORK/e2fsck.log" >&2
    die "the root file system does not pass e2fsck"
}

# FAT32 with mtools: a fixed serial, entries added in sorted order, times
# from the (clamped) files. (--invariant: mkfs.fat would otherwise stamp the
# volume label entry with the wall clock; -i after it sets our serial.)
export MTOOLS_SKIP_CHECK=1
rm -f "$WORK/boot.vfat"
mkfs.vfat --invariant -F 32 -n "$BOOT_LABEL" -i "$FAT_SERIAL" -h $((FIRST_MIB * 2048)) \
    -C "$WORK/boot.vfat" $((BOOT_MIB * 1024)) >/dev/null
(
    cd "$BOOTFS"
    find . -mindepth 1 -printf '%y %P\n' | sort -k2 | while read -r type path; do
        case "$type" in
            d) mmd -i "$WORK/boot.vfat" "::/$path" ;;
            f) mcopy -m -i "$WORK/boot.vfat" "$path" "::/$path" ;;
            *) die "unexpected file type on the FAT partition: $path" ;;
        esac
    done
)
fsck.vfat -n "$WORK/boot.vfat" >/dev/null || die "the FAT partition does not pass fsck.vfat"

# The disk: MBR (the Pi 3 boot ROM reads nothing else), boot then root.
IMG="$WORK/$NAME.img"
boot_start=$((FIRST_MIB * 2048))
root_start=$((boot_start + BOOT_MIB * 2048))
total_sectors=$((root_start + ROOT_MIB * 2048))
rm -f "$IMG"
truncate -s $((total_sectors * 512)) "$IMG"
sfdisk --quiet --no-reread --no-tell-kernel "$IMG" <<EOF
label: dos
label-id: $DISK_ID
unit: sectors

start=$boot_start, size=$((BOOT_MIB * 2048)), type=c, bootable
start=$root_start, size=$((ROOT_MIB * 2048)), type=83
EOF
dd if="$WORK/boot.vfat" of="$IMG" bs=1M seek="$FIRST_MIB" conv=notrunc,sparse status=none
dd if="$WORK/root.ext4" of="$IMG" bs=1M seek=$((FIRST_MIB + BOOT_MIB)) conv=notrunc,sparse status=none
RAW_SHA256="$(sha256sum "$IMG" | cut -d' ' -f1)"
# Keep the raw image (for scripts/boot-test.sh) and mmdebstrap's result (for
# CUBEGUARDIAN_REUSE_ROOTFS), drop the rest: ~1.5 GB.
rm -rf "$ROOT" "$BOOTFS" "$WORK/root.ext4" "$WORK/boot.vfat"
phase_done "partitions and disk image"

# --- 7. Compressed image, checksum, manifest ----------------------------------
log "compressing ($((total_sectors / 2048)) MiB raw)"
xz -T0 -6 -c "$IMG" >"$WORK/$NAME.img.xz"
phase_done "xz"
(cd "$WORK" && sha256sum "$NAME.img.xz" >"$NAME.img.xz.sha256")
cat >"$WORK/$NAME.buildinfo" <<EOF
name: $NAME
commit: $COMMIT
source_date_epoch: $SOURCE_DATE_EPOCH
debian: $SUITE arm64 minbase, components main non-free-firmware
mirrors: $MIRROR $SUITE $SUITE-updates; $SECURITY_MIRROR $SUITE-security
binary_sha256: $BINARY_SHA256
raw_image_sha256: $RAW_SHA256
raw_image_bytes: $((total_sectors * 512))
xz_image_sha256: $(cut -d' ' -f1 "$WORK/$NAME.img.xz.sha256")
partitions: boot FAT32 $BOOT_MIB MiB (label $BOOT_LABEL, serial $FAT_SERIAL), root ext4 $ROOT_MIB MiB (label $ROOT_LABEL, uuid $ROOT_UUID)
tools: $(mmdebstrap --version | head -n 1); e2fsprogs $(dpkg-query -W -f='${Version}' e2fsprogs); dosfstools $(dpkg-query -W -f='${Version}' dosfstools); mtools $(dpkg-query -W -f='${Version}' mtools); xz-utils $(dpkg-query -W -f='${Version}' xz-utils); qemu-user-static $(dpkg-query -W -f='${Version}' qemu-user-static)
packages: $(wc -l <"$WORK/$NAME.manifest") (see $NAME.manifest)
EOF
for f in "$NAME.img.xz" "$NAME.img.xz.sha256" "$NAME.manifest" "$NAME.buildinfo"; do
    cp -f "$WORK/$f" "$OUT/.$f.tmp"
    mv -f "$OUT/.$f.tmp" "$OUT/$f"
done

log "done in $(($(date +%s) - started)) s"
echo "image:    $OUT/$NAME.img.xz ($(stat -c %s "$OUT/$NAME.img.xz") bytes; raw $((total_sectors * 512)) bytes)"
echo "sha256:   $(cat "$OUT/$NAME.img.xz.sha256")"
echo "raw:      $IMG (sha256 $RAW_SHA256)"
echo "manifest: $OUT/$NAME.manifest ($(wc -l <"$OUT/$NAME.manifest") packages)"
echo "boot test: scripts/boot-test.sh $IMG"
