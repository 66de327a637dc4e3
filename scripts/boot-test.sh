#!/usr/bin/env bash
# Boots the CubeGuardian SD image in QEMU and checks, on the serial console,
# that it comes up as a user's Pi would: first boot installs the config and
# secrets dropped on the FAT partition, systemd reaches multi-user, and
# cubeguardian.service is active (READY=1) and stays up although Discord is
# unreachable. Prints the boot time to READY=1.
#
#   scripts/boot-test.sh target/image-build/cubeguardian-0.1.0-arm64.img
#   scripts/boot-test.sh out/cubeguardian-0.1.0-arm64.img.xz
#
# How (everything on a throw-away copy of the image, in a temporary folder):
#   - the user's side: a test cubeguardian.toml (Discord, Proxmox, Minecraft
#     and Wake-on-LAN all at 127.0.0.1 ports nothing listens on), dummy
#     discord_token, proxmox_token_secret.txt (with a BOM and CRLF, as
#     Notepad writes them), the optional admin_token and ssh_key, and an
#     authorized_keys go into cubeguardian/ on the FAT partition (mtools);
#   - the test's side: one extra unit, cubeguardian-boot-test.service, is
#     written into the copy's root file system (debugfs). It is NOT in the
#     image. Ordered after multi-user.target and cubeguardian.service, it
#     waits 20 s (a crash loop would show), prints "BOOT-TEST: key=value"
#     lines and `systemctl status cubeguardian` on the console, stops the
#     service, then starts it again as an SSH-only setup would have it (the
#     config without [proxmox], shutdown_method = "ssh" and no key_file; the
#     Proxmox secret removed) and reports whether it came up, then powers
#     the machine off;
#   - the kernel and initrd are taken from the FAT partition and booted with
#     qemu-system-aarch64 -M virt -cpu cortex-a72 (the Pi's core), 1 GiB,
#     no network device at all (-nic none), the disk as virtio in snapshot
#     mode, root=LABEL=cubeguardian, console=ttyAMA0. The copy is also made
#     512 MiB larger, so first boot's root partition growing is exercised.
#
# qemu-system-arm from bookworm cannot be installed next to a newer
# qemu-utils, so its .deb is unpacked into a cache folder (its shared
# libraries are installed with apt).
#
# Environment: BOOT_TEST_TIMEOUT [1200] seconds until the test gives up;
# BOOT_TEST_SMP [2] virtual CPUs; BOOT_TEST_KEEP [] 1 keeps the temporary
# folder (console log, disk copy); CUBEGUARDIAN_QEMU_DIR [target/qemu-system]
# where qemu-system-arm is unpacked; QEMU_SYSTEM_AARCH64 a qemu binary to use
# instead.
#
# Exit status: 0 all checks passed; 1 a check failed or the boot timed out;
# 64 usage.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
TIMEOUT="${BOOT_TEST_TIMEOUT:-1200}"
SMP="${BOOT_TEST_SMP:-2}"
QEMU_DIR="${CUBEGUARDIAN_QEMU_DIR:-$REPO/target/qemu-system}"
ROOT_LABEL=cubeguardian

say() { printf 'boot-test: %s\n' "$*" >&2; }
die() {
    say "FAIL: $*"
    exit 1
}
[ $# -eq 1 ] || {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit 64
}
IMAGE="$1"
[ -f "$IMAGE" ] || die "no such image: $IMAGE"
export LC_ALL=C TZ=UTC MTOOLS_SKIP_CHECK=1

# --- Tools ---------------------------------------------------------------------
need_pkgs=()
for tool in mcopy:mtools debugfs:e2fsprogs sfdisk:fdisk xz:xz-utils ssh-keygen:openssh-client; do
    command -v "${tool%%:*}" >/dev/null || need_pkgs+=("${tool#*:}")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing ${need_pkgs[*]} (run as root to install them)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

find_qemu() {
    if [ -n "${QEMU_SYSTEM_AARCH64:-}" ]; then
        QEMU="$QEMU_SYSTEM_AARCH64"
        return
    fi
    QEMU="$QEMU_DIR/usr/bin/qemu-system-aarch64"
    if [ ! -x "$QEMU" ]; then
        [ "$(id -u)" -eq 0 ] || die "qemu-system-aarch64 is not unpacked in $QEMU_DIR (run as root once)"
        say "unpacking qemu-system-arm into $QEMU_DIR"
        apt-get update -qq
        # Its libraries install fine; only the package itself conflicts.
        mapfile -t libs < <(apt-cache depends qemu-system-arm |
            awk '$1 == "Depends:" && $2 !~ /^[<]/ && $2 !~ /^qemu-/ { print $2 }' | sort -u)
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade "${libs[@]}" >/dev/null
        local dl
        dl="$(mktemp -d)"
        chmod 755 "$dl" # apt's _apt user downloads into it
        (cd "$dl" && apt-get download -qq qemu-system-arm qemu-system-data 2>/dev/null)
        rm -rf "$QEMU_DIR.tmp"
        mkdir -p "$QEMU_DIR.tmp"
        for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$QEMU_DIR.tmp"; done
        rm -rf "$dl" "$QEMU_DIR"
        mv "$QEMU_DIR.tmp" "$QEMU_DIR"
    fi
    if ldd "$QEMU" | grep -q 'not found'; then
        ldd "$QEMU" | grep 'not found' >&2
        die "$QEMU lacks libraries"
    fi
}
find_qemu
say "$("$QEMU" --version | head -n 1)"

# --- A throw-away copy, with the user's files and the test unit --------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/cubeguardian-boot-test.XXXXXX")"
QEMU_PID=""
cleanup() {
    if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then kill "$QEMU_PID" 2>/dev/null || true; fi
    if [ "${BOOT_TEST_KEEP:-}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
DISK="$TMP/disk.img"
if [[ "$IMAGE" == *.xz ]]; then
    # shellcheck disable=SC2216 # cp reads /dev/stdin: a sparse copy of the stream
    xz -dc "$IMAGE" | cp --sparse=always /dev/stdin "$DISK"
else
    cp --sparse=always "$IMAGE" "$DISK"
fi
truncate -s +512M "$DISK"

# Partition offsets from the MBR: 1 = FAT, 2 = root.
dump="$(sfdisk --dump "$DISK" 2>&1)" || die "$IMAGE: no partition table ($dump)"
part_start() { sed -n "s|^$DISK$1 *: *start= *\([0-9]*\),.*|\1|p" <<<"$dump"; }
BOOT_OFF=$(($(part_start 1) * 512))
ROOT_OFF=$(($(part_start 2) * 512))
[ "$BOOT_OFF" -gt 0 ] && [ "$ROOT_OFF" -gt 0 ] || die "unexpected partition table: $dump"
FAT="$DISK@@$BOOT_OFF"

# The kernel and initrd the Pi firmware would load (config.txt names them).
config_txt="$(mtype -i "$FAT" ::/config.txt | tr -d '\r')"
kernel="$(sed -n 's/^kernel=//p' <<<"$config_txt")"
initrd="$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' <<<"$config_txt")"
[ -n "$kernel" ] && [ -n "$initrd" ] || die "config.txt names no kernel/initramfs: $config_txt"
mcopy -i "$FAT" "::/$kernel" "$TMP/vmlinuz"
mcopy -i "$FAT" "::/$initrd" "$TMP/initrd.img"
say "kernel $kernel, initramfs $initrd"

# What a user drops on the FAT partition. Every address is on the VM's own
# loopback, where nothing listens (and the VM has no network device anyway).
DISCORD_DUMMY="boot-test-dummy-discord-token-$$"
sed -e 's|^api_url = .*|api_url = "http://127.0.0.1:9"|' \
    -e 's|^# gateway_url = .*|gateway_url = "ws://127.0.0.1:9"|' \
    -e 's|^target = "255.255.255.255:9"|target = "127.0.0.1:9"|' \
    -e 's|^url = "https://pve.lan:8006"|url = "https://127.0.0.1:9"|' \
    -e 's|^ca_file = .*|insecure_skip_verify = true|' \
    -e 's|^address = "pve-game.lan:25565"|address = "127.0.0.1:9"|' \
    "$REPO/config.example.toml" >"$TMP/cubeguardian.toml"
for key in 'api_url = "http://127.0.0.1:9"' 'gateway_url = "ws://127.0.0.1:9"' 'target = "127.0.0.1:9"' \
    'url = "https://127.0.0.1:9"' 'address = "127.0.0.1:9"'; do
    grep -qF "$key" "$TMP/cubeguardian.toml" || die "config.example.toml changed: cannot point $key at 127.0.0.1"
done
printf '%s\n' "$DISCORD_DUMMY" >"$TMP/discord_token"
printf '\xEF\xBB\xBFboot-test-dummy-proxmox-secret\r\n' >"$TMP/proxmox_token_secret.txt"
# Optional ones: the unit loads whichever exist.
printf 'boot-test-dummy-admin-token\n' >"$TMP/admin_token"
ssh-keygen -q -t ed25519 -N '' -C boot-test-shutdown -f "$TMP/ssh_key"
ssh-keygen -q -t ed25519 -N '' -C boot-test -f "$TMP/id_boot_test"
cp "$TMP/id_boot_test.pub" "$TMP/authorized_keys"
for f in cubeguardian.toml discord_token proxmox_token_secret.txt admin_token ssh_key authorized_keys; do
    mcopy -o -i "$FAT" "$TMP/$f" "::/cubeguardian/$f"
done
# The second phase's configuration: SSH only (no [proxmox] section, the
# shutdown over SSH with the key from the ssh_key credential).
awk '/^\[/ { skip = ($0 == "[proxmox]") } !skip' "$TMP/cubeguardian.toml" |
    sed 's/^shutdown_method = "proxmox"/shutdown_method = "ssh"/' >"$TMP/ssh-only.toml"
ssh-keygen -q -t ed25519 -N '' -C boot-test-host -f "$TMP/host_key"
printf '\n[ssh]\naddress = "127.0.0.1:9"\nuser = "cubeguardian"\nhost_key = "%s"\n' \
    "$(cut -d' ' -f1,2 "$TMP/host_key.pub")" >>"$TMP/ssh-only.toml"
grep -q '^shutdown_method = "ssh"' "$TMP/ssh-only.toml" && ! grep -q '^\[proxmox\]' "$TMP/ssh-only.toml" ||
    die "config.example.toml changed: cannot derive the SSH-only configuration"

# The test-only unit, written into the copy's root file system.
cat >"$TMP/boot-test.service" <<'EOF'
# Added by scripts/boot-test.sh to its throw-away copy; not part of the image.
[Unit]
Description=CubeGuardian boot test report
After=multi-user.target cubeguardian.service cubeguardian-firstboot.service

[Service]
Type=oneshot
ExecStart=/bin/sh /usr/local/sbin/cubeguardian-boot-test
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
EOF
cat >"$TMP/boot-test.sh" <<EOF
#!/bin/sh
# Added by scripts/boot-test.sh; prints what the host checks, then powers off.
say() { echo "BOOT-TEST: \$*"; }
show() { systemctl show -p "\$2" --value "\$1"; }
say "begin"
# A service that crash-loops would be restarted within these 20 s.
sleep 20
say "firstboot=\$(systemctl is-active cubeguardian-firstboot.service) firstboot_result=\$(show cubeguardian-firstboot.service Result)"
say "service=\$(systemctl is-active cubeguardian.service) nrestarts=\$(show cubeguardian.service NRestarts) main_pid=\$(show cubeguardian.service MainPID)"
say "status_text=\$(show cubeguardian.service StatusText)"
pid=\$(show cubeguardian.service MainPID)
say "memory_current=\$(show cubeguardian.service MemoryCurrent) vm_rss_kb=\$(awk '/^VmRSS/ {print \$2}' /proc/\$pid/status) vm_hwm_kb=\$(awk '/^VmHWM/ {print \$2}' /proc/\$pid/status)"
say "ready_us=\$(show cubeguardian.service ActiveEnterTimestampMonotonic) exec_start_us=\$(show cubeguardian.service ExecMainStartTimestampMonotonic) multi_user_us=\$(show multi-user.target ActiveEnterTimestampMonotonic) userspace_us=\$(systemctl show -p UserspaceTimestampMonotonic --value)"
say "config=\$(stat -c '%a:%U:%s' /etc/cubeguardian/config.toml 2>&1)"
for c in discord_token proxmox_token_secret admin_token ssh_key; do
    say "credential_\$c=\$(stat -c '%a:%U' /etc/cubeguardian/credentials/\$c 2>&1) bytes=\$(wc -c </etc/cubeguardian/credentials/\$c 2>/dev/null)"
done
say "admin_page_disabled=\$(journalctl -b -o cat -u cubeguardian.service | grep -c 'admin page disabled') ssh_key_newline=\$(tail -c 1 /etc/cubeguardian/credentials/ssh_key | od -An -tx1 | tr -d ' ')"
say "credentials_dir=\$(stat -c '%a:%U' /etc/cubeguardian/credentials 2>&1)"
say "fat_left=\$(ls /boot/firmware/cubeguardian | tr '\n' ' ')"
say "authorized_keys=\$(stat -c '%a:%U' /root/.ssh/authorized_keys 2>&1) match=\$(grep -c 'boot-test' /root/.ssh/authorized_keys 2>/dev/null)"
say "host_keys=\$(ls /etc/ssh/ssh_host_*_key 2>/dev/null | wc -l) machine_id=\$(wc -c </etc/machine-id)"
say "root_size_mib=\$(df -m --output=size / | tail -n 1 | tr -d ' ')"
say "token_in_journal=\$(journalctl -b -o cat | grep -c '$DISCORD_DUMMY')"
say "health=\$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:8080/health)"
say "system=\$(systemctl is-system-running) failed_units=\$(systemctl list-units --failed --plain --no-legend | awk '{print \$1}' | tr '\n' ' ')"
# systemd stops printing its own status lines on the console once a getty
# runs there, so the target is shown from its journal.
say "multi_user=\$(systemctl is-active multi-user.target)"
journalctl -b -o short-monotonic --no-pager | grep -m1 'Reached target multi-user.target' | sed 's/^/BOOT-TEST| journal: /'
systemctl status --no-pager -l -n 12 cubeguardian.service | sed 's/^/BOOT-TEST| /'
say "firstboot_start_us=\$(show cubeguardian-firstboot.service ExecMainStartTimestampMonotonic) firstboot_done_us=\$(show cubeguardian-firstboot.service ActiveEnterTimestampMonotonic) network_online_us=\$(show network-online.target ActiveEnterTimestampMonotonic)"
journalctl -b -o cat --no-pager -u cubeguardian-firstboot.service | sed 's/^/BOOT-TEST| firstboot: /'
# A clean stop (SIGTERM, STOPPING=1) should take seconds, not the unit's
# 90 s stop timeout.
t0=\$(cut -d' ' -f1 /proc/uptime)
systemctl stop cubeguardian.service
t1=\$(cut -d' ' -f1 /proc/uptime)
say "stop_seconds=\$(echo "\$t0 \$t1" | awk '{ printf "%.1f", \$2 - \$1 }') stop_result=\$(show cubeguardian.service Result)"
journalctl -b -o short-monotonic --no-pager -u cubeguardian.service | tail -n 6 | sed 's/^/BOOT-TEST| stop: /'
# Phase 2: the same Pi set up for SSH only. Nothing in the unit may require
# the Proxmox secret, and the key comes from the ssh_key credential.
cp /usr/local/sbin/cubeguardian-boot-test-ssh-only.toml /etc/cubeguardian/config.toml
mv /etc/cubeguardian/credentials/proxmox_token_secret /root/proxmox_token_secret.moved
say "ssh_only_check=\$(/usr/bin/cubeguardian check-config --config /etc/cubeguardian/config.toml >/dev/null 2>&1 && echo ok || echo refused)"
systemctl start cubeguardian.service
sleep 5
say "ssh_only_service=\$(systemctl is-active cubeguardian.service) ssh_only_result=\$(show cubeguardian.service Result) ssh_only_key=\$(journalctl -b -o cat -u cubeguardian.service | grep -c 'key from the systemd credential ssh_key')"
systemctl status --no-pager -l -n 6 cubeguardian.service | sed 's/^/BOOT-TEST| ssh-only: /'
say "end"
systemctl poweroff --no-block
EOF
debugfs_root() { debugfs -w -f - "$DISK?offset=$ROOT_OFF" >"$TMP/debugfs.log" 2>&1; }
debugfs_root <<EOF
write $TMP/boot-test.service /etc/systemd/system/cubeguardian-boot-test.service
sif /etc/systemd/system/cubeguardian-boot-test.service mode 0100644
sif /etc/systemd/system/cubeguardian-boot-test.service uid 0
sif /etc/systemd/system/cubeguardian-boot-test.service gid 0
write $TMP/boot-test.sh /usr/local/sbin/cubeguardian-boot-test
write $TMP/ssh-only.toml /usr/local/sbin/cubeguardian-boot-test-ssh-only.toml
sif /usr/local/sbin/cubeguardian-boot-test-ssh-only.toml mode 0100644
sif /usr/local/sbin/cubeguardian-boot-test-ssh-only.toml uid 0
sif /usr/local/sbin/cubeguardian-boot-test-ssh-only.toml gid 0
sif /usr/local/sbin/cubeguardian-boot-test mode 0100755
sif /usr/local/sbin/cubeguardian-boot-test uid 0
sif /usr/local/sbin/cubeguardian-boot-test gid 0
symlink /etc/systemd/system/multi-user.target.wants/cubeguardian-boot-test.service /etc/systemd/system/cubeguardian-boot-test.service
EOF
if grep -v -e '^debugfs' -e '^Allocated inode' "$TMP/debugfs.log" | grep -q .; then
    cat "$TMP/debugfs.log" >&2
    die "could not add the test unit to the root file system"
fi
debugfs -R "cat /etc/systemd/system/cubeguardian-boot-test.service" "$DISK?offset=$ROOT_OFF" 2>/dev/null |
    grep -q 'boot test report' || die "the test unit was not written"
debugfs -R "stat /etc/systemd/system/multi-user.target.wants/cubeguardian-boot-test.service" "$DISK?offset=$ROOT_OFF" 2>/dev/null |
    grep -q 'Type: symlink' || die "the test unit was not enabled"

# --- Boot ---------------------------------------------------------------------------
LOG="$TMP/console.log"
say "booting (timeout ${TIMEOUT}s; console log: $LOG)"
start=$(date +%s)
"$QEMU" -M virt -cpu cortex-a72 -smp "$SMP" -m 1024 -nic none -nographic -no-reboot \
    -kernel "$TMP/vmlinuz" -initrd "$TMP/initrd.img" \
    -append "root=LABEL=$ROOT_LABEL rootfstype=ext4 rw rootwait fsck.repair=yes net.ifnames=0 console=ttyAMA0 panic=10" \
    -drive "file=$DISK,format=raw,if=none,id=disk0,snapshot=on" -device virtio-blk-pci,drive=disk0 \
    </dev/null >"$LOG" 2>&1 &
QEMU_PID=$!
seen_report=0
while kill -0 "$QEMU_PID" 2>/dev/null; do
    elapsed=$(($(date +%s) - start))
    if [ "$elapsed" -ge "$TIMEOUT" ]; then
        tail -n 40 "$LOG" | tr -d '\r' >&2
        die "timed out after ${TIMEOUT}s ($(grep -q 'BOOT-TEST: begin' "$LOG" && echo 'the report did not finish' || echo 'the report never started'))"
    fi
    if [ "$seen_report" = 0 ] && grep -q 'BOOT-TEST: begin' "$LOG"; then
        seen_report=1
        say "booted, report started after ${elapsed}s (wall clock)"
    fi
    sleep 2
done
wait "$QEMU_PID" || true
QEMU_PID=""
elapsed=$(($(date +%s) - start))
say "the machine powered off after ${elapsed}s"

# --- Checks ----------------------------------------------------------------------
# Without carriage returns and colours, and without the spinner lines.
tr -d '\r' <"$LOG" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\x1b[M78]//g' |
    grep -v -E '\] (A )?[Jj]ob [^ ]+/(start|stop) ' >"$LOG.txt" || true
# (A report line may follow the getty's login prompt on the same line.)
value() { sed -n "s/^.*BOOT-TEST: .*\\b$1=\\([^ ]*\\).*/\\1/p" "$LOG.txt" | head -n 1; }
line() { grep -m1 "BOOT-TEST: $1" "$LOG.txt" | sed 's/^.*BOOT-TEST: //'; }
grep -q 'BOOT-TEST: end' "$LOG.txt" || {
    tail -n 60 "$LOG.txt" >&2
    die "no complete report on the console"
}
echo "--- console excerpt ---"
grep -E '^\[ *[0-9.]+\] (Linux version|Run /init|EXT4-fs \(vda2\): mounted)|Reached target.*Multi-User|firstboot|cubeguardian\.service|BOOT-TEST' "$LOG.txt" |
    grep -v -e 'Added by' -e 'Job cubeguardian' | cut -c1-220 || true
echo "-----------------------"

failures=0
passes=0
check() {
    if [ "$2" = "$3" ]; then
        say "ok: $1 ($2)"
        passes=$((passes + 1))
    else
        say "FAIL: $1: got '$2', want '$3'"
        failures=$((failures + 1))
    fi
}
check "systemd reached multi-user.target" \
    "$(value multi_user)/$(grep -q -e 'Reached target multi-user.target' -e 'Reached target.*Multi-User System' "$LOG.txt" && echo seen || echo unseen)" active/seen
check "first-boot unit ran" "$(value firstboot)/$(value firstboot_result)" active/success
check "cubeguardian.service active after 20 s" "$(value service)" active
check "no restart (no crash loop)" "$(value nrestarts)" 0
check "config installed (0644 root)" "$(value config | cut -d: -f1,2)" 644:root
check "discord_token installed (0600 root)" "$(value credential_discord_token)" 600:root
check "proxmox_token_secret.txt installed (0600 root, BOM and CRLF removed)" \
    "$(value credential_proxmox_token_secret)/$(line credential_proxmox_token_secret | sed -n 's/.*bytes=\([0-9]*\).*/\1/p')" 600:root/30
check "optional admin_token installed and handed to the service" \
    "$(value credential_admin_token)/$(value admin_page_disabled)" 600:root/0
check "optional ssh_key installed (0600 root, final newline kept)" \
    "$(value credential_ssh_key)/$(value ssh_key_newline)" 600:root/0a
check "credentials directory (0700 root)" "$(value credentials_dir)" 700:root
check "secrets and config erased from the FAT partition" "$(line fat_left | sed 's/^fat_left=//; s/ *$//')" \
    "LISEZ-MOI.txt README.txt cubeguardian.example.toml"
check "authorized_keys installed for root" "$(value authorized_keys)/$(value match)" 600:root/1
check "SSH host keys generated at first boot" "$(value host_keys)" 3
check "root file system grown to the disk" "$([ "$(value root_size_mib)" -gt 1000 ] 2>/dev/null && echo yes || echo "no ($(value root_size_mib) MiB)")" yes
check "the Discord token never in the journal" "$(value token_in_journal)" 0
status_text="$(line status_text | sed 's/^status_text=//')"
check "STATUS= says Discord is not connected" "$(grep -qi 'discord' <<<"$status_text" && ! grep -qi 'discord connected' <<<"$status_text" && echo yes || echo "no: $status_text")" yes
check "no failed unit" "$(line system | sed -n 's/.*failed_units=\(.*\)$/\1/p' | tr -d ' ')" ""
check "SSH-only setup (no [proxmox], no Proxmox secret) starts under the unit, key from the credential" \
    "$(value ssh_only_check)/$(value ssh_only_service)/$(value ssh_only_result)/$(value ssh_only_key)" ok/active/success/1

ready_us="$(value ready_us)"
start_us="$(value exec_start_us)"
userspace_us="$(value userspace_us)"
multi_us="$(value multi_user_us)"
ms() { awk -v u="$1" 'BEGIN { printf "%.1f s", u / 1000000 }'; }
if [[ "$ready_us" =~ ^[0-9]+$ ]] && [ "$ready_us" -gt 0 ]; then
    echo "boot time to READY=1 (emulated cortex-a72, monotonic clock since kernel start): $(ms "$ready_us")"
    echo "  kernel+initrd until systemd: $(ms "$userspace_us"); multi-user.target: $(ms "$multi_us");"
    echo "  first-boot unit: $(ms "$(value firstboot_start_us)") to $(ms "$(value firstboot_done_us)"); network-online.target: $(ms "$(value network_online_us)") (without a link, systemd-networkd-wait-online gives up after 30 s)"
    echo "  cubeguardian started at $(ms "$start_us"), READY=1 $(ms $((ready_us - start_us))) later"
    echo "  health endpoint answered: $(value health); STATUS=\"$status_text\""
    echo "  memory after 20 s: RSS $(value vm_rss_kb) kB (peak $(value vm_hwm_kb) kB), cgroup $(awk -v b="$(value memory_current)" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
    passes=$((passes + 1))
else
    say "FAIL: no READY=1 time stamp"
    failures=$((failures + 1))
fi
stop_seconds="$(value stop_seconds)"
echo "clean stop of cubeguardian.service: ${stop_seconds}s (result: $(value stop_result))"
if awk -v s="$stop_seconds" 'BEGIN { exit !(s + 0 < 30) }'; then
    passes=$((passes + 1))
else
    say "FAIL: cubeguardian.service took ${stop_seconds}s to stop (SIGTERM must end it in seconds, Discord reachable or not)"
    failures=$((failures + 1))
fi
echo "boot-test: $passes passed, $failures failed"
[ "$failures" -eq 0 ] || die "$failures check(s) failed (console log: $LOG.txt; BOOT_TEST_KEEP=1 keeps it)"
say "PASS"
