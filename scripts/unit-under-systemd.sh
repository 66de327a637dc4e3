#!/usr/bin/env bash
# Runs systemd/cubeguardian.service under a real systemd (this machine's,
# >= 251) as PID 1 of private namespaces, for machines where systemd is not
# PID 1 (containers, CI): checks that an SSH-only installation (no [proxmox],
# no Proxmox secret; discord_token and ssh_key only) starts, with the key
# from the ssh_key credential, and that without discord_token the service
# stops with exit 78 naming it, instead of systemd refusing the unit.
#
#   sudo scripts/unit-under-systemd.sh target/debug/cubeguardian
#
# Isolation: new PID, mount, network (loopback only), UTS, IPC and cgroup
# namespaces; the root is an overlay of / whose writes go to a tmpfs, /sys
# is read-only, /run and /tmp are fresh. Nothing is written to the host's
# files and no packet leaves the namespace. The unit is used as it is, plus
# a drop-in for the harness only: DefaultDependencies=no (no boot to wait
# for), PrivateUsers=no (a nested user namespace is refused here: 217/USER)
# and stderr to a file (no journald).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd -P)"
BIN="$(realpath "${1:?usage: $0 CUBEGUARDIAN_BINARY}")"
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (namespaces, mounts)" >&2; exit 1; }
SYSTEMD=/lib/systemd/systemd
version="$("$SYSTEMD" --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"
[ "${version:-0}" -ge 251 ] || { echo "error: systemd >= 251 needed (LoadCredential= of a directory)" >&2; exit 1; }

# Outside /tmp, which is a fresh tmpfs inside.
WORK="$(mktemp -d /var/tmp/cubeguardian-unit-test.XXXXXX)"
PID1=""
cleanup() {
    [ -z "$PID1" ] || kill -9 "$PID1" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
cp "$BIN" "$WORK/cubeguardian"
cp "$REPO/systemd/cubeguardian.service" "$WORK/"
ssh-keygen -q -t ed25519 -N '' -C unit-test -f "$WORK/ssh_key"
cp "$REPO/tests/data/ssh-only.toml" "$WORK/config.toml"

# PID 1 of the namespaces: systemd in a chroot on the overlay.
cat >"$WORK/pid1.sh" <<PID1_END
set -e
mkdir -p $WORK/rw $WORK/root
mount -t tmpfs tmpfs $WORK/rw
mkdir -p $WORK/rw/upper $WORK/rw/work
mount -t overlay overlay -o lowerdir=/,upperdir=$WORK/rw/upper,workdir=$WORK/rw/work $WORK/root
R=$WORK/root
mount -t proc proc \$R/proc
mount -t sysfs -o ro sysfs \$R/sys
mount -t cgroup2 none \$R/sys/fs/cgroup
mount --rbind /dev \$R/dev
mount -t tmpfs -o mode=1777 tmpfs \$R/dev/shm
mount -t tmpfs tmpfs \$R/run
mount -t tmpfs -o mode=1777 tmpfs \$R/tmp
printf '[Unit]\nDescription=unit test\n' >\$R/etc/systemd/system/unit-test.target
# systemd moves the credentials from the set-up process to the service's
# namespace by mount propagation.
mount --make-rshared \$R
exec chroot \$R env container=other $SYSTEMD --system --unit=unit-test.target
PID1_END
unshare --pid --fork --mount --net --uts --ipc --cgroup bash "$WORK/pid1.sh" >"$WORK/pid1.log" 2>&1 &
for _ in $(seq 100); do
    PID1="$(pgrep -f "^$SYSTEMD --system --unit=unit-test.target" | head -n 1 || true)"
    if [ -n "$PID1" ] && nsenter -t "$PID1" -a -r -w systemctl is-system-running >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done
[ -n "$PID1" ] || { cat "$WORK/pid1.log" >&2; echo "error: systemd did not start" >&2; exit 1; }

inside() { nsenter -t "$PID1" -a -r -w bash -s; }
inside <<SETUP_END
set -e
ip link set lo up
install -m 755 $WORK/cubeguardian /usr/bin/cubeguardian
install -m 644 $WORK/cubeguardian.service /etc/systemd/system/cubeguardian.service
install -d /etc/systemd/system/cubeguardian.service.d
printf '[Unit]\nDefaultDependencies=no\n[Service]\nPrivateUsers=no\nStandardError=append:/run/cubeguardian.log\n' \
    >/etc/systemd/system/cubeguardian.service.d/harness.conf
install -d /etc/cubeguardian
install -m 644 $WORK/config.toml /etc/cubeguardian/config.toml
install -d -m 700 /etc/cubeguardian/credentials
printf '%s' unit-test-dummy-token >/etc/cubeguardian/credentials/discord_token
install -m 600 $WORK/ssh_key /etc/cubeguardian/credentials/ssh_key
systemctl daemon-reload
SETUP_END

fail=0
check() {
    if [ "$2" = "$3" ]; then echo "ok: $1 ($2)"; else echo "FAIL: $1: got '$2', want '$3'"; fail=1; fi
}
state="$(inside <<'RUN_END'
systemctl start cubeguardian.service >/dev/null 2>&1
echo "$(systemctl show -p ActiveState --value cubeguardian.service)/$(grep -c 'key from the systemd credential ssh_key' /run/cubeguardian.log)"
RUN_END
)"
check "SSH-only setup: active (READY=1), key from the ssh_key credential" "$state" active/1
state="$(inside <<'RUN_END'
systemctl stop cubeguardian.service
rm /etc/cubeguardian/credentials/discord_token
: >/run/cubeguardian.log
systemctl start cubeguardian.service >/dev/null 2>&1
sleep 1
echo "$(systemctl show -p ExecMainStatus --value cubeguardian.service)/$(systemctl show -p NRestarts --value cubeguardian.service)/$(grep -c 'missing secret `discord_token`' /run/cubeguardian.log)"
RUN_END
)"
check "without discord_token: exit 78, no restart, the service names it" "$state" 78/0/1
if [ "$fail" != 0 ]; then
    inside <<<'cat /run/cubeguardian.log' >&2
    exit 1
fi
echo "PASS"
