#!/usr/bin/env bash
# Deploys a new CubeGuardian binary to the Pi over SSH, and rolls it back if
# the service does not come up healthy.
#
# Usage: deploy.sh BINARY USER@HOST [PORT]
#
# Steps, each announced on stderr:
#   1. upload BINARY next to the current one (<bin>.new);
#   2. run `<bin>.new check-config --config <config>` on the Pi; if it fails,
#      remove the upload and stop: nothing has been switched;
#   3. keep the current binary as <bin>.prev and atomically move the new one
#      into place (`mv -f` within one directory is a rename);
#   4. `systemctl restart` the unit;
#   5. wait until the unit is active and the health URL answers 2xx;
#   6. if it does not within the timeout: move <bin>.prev back, restart
#      again, and exit non-zero (the failed binary is kept as <bin>.failed).
#
# Environment (defaults in brackets):
#   DEPLOY_SSH_KEY            private key file for SSH (required)
#   DEPLOY_KNOWN_HOSTS        known_hosts file holding the Pi's host key
#                             (required; unknown or changed keys are refused)
#   DEPLOY_REMOTE_BIN         [/usr/bin/cubeguardian] the binary on the Pi
#   DEPLOY_REMOTE_CONFIG      [/etc/cubeguardian/config.toml]
#   DEPLOY_SERVICE            [cubeguardian] the systemd unit
#   DEPLOY_HEALTH_URL         [http://127.0.0.1:8080/health], fetched on the Pi
#   DEPLOY_HEALTH_TIMEOUT     [60] seconds to wait for a healthy service
#   DEPLOY_HEALTH_INTERVAL    [2] seconds between health checks
#   DEPLOY_REMOTE_PATH_PREFIX [] directories put before PATH on the Pi (tests
#                             use it to supply stand-in systemctl and curl)
#   DEPLOY_REMOTE_SUDO        [] command the remote steps run under when the
#                             SSH user is not root, e.g. "sudo -n"
#   DEPLOY_CONNECT_TIMEOUT    [15] seconds for the SSH connection
#
# Exit status: 0 deployed and healthy; 1 deployment failed (the Pi runs the
# previous binary if there was one); 2 rollback failed too; 64 usage error.
set -euo pipefail

readonly EX_FAILED=1
readonly EX_ROLLBACK_FAILED=2
readonly EX_USAGE=64

say() { printf 'deploy: %s\n' "$*" >&2; }
die() {
    local status=$1
    shift
    say "error: $*"
    exit "$status"
}
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit "$EX_USAGE"
}

[ $# -ge 2 ] && [ $# -le 3 ] || usage
binary=$1
target=$2
port=${3:-22}

remote_bin=${DEPLOY_REMOTE_BIN:-/usr/bin/cubeguardian}
remote_config=${DEPLOY_REMOTE_CONFIG:-/etc/cubeguardian/config.toml}
service=${DEPLOY_SERVICE:-cubeguardian}
health_url=${DEPLOY_HEALTH_URL:-http://127.0.0.1:8080/health}
health_timeout=${DEPLOY_HEALTH_TIMEOUT:-60}
health_interval=${DEPLOY_HEALTH_INTERVAL:-2}
path_prefix=${DEPLOY_REMOTE_PATH_PREFIX:-}
remote_sudo=${DEPLOY_REMOTE_SUDO:-}
connect_timeout=${DEPLOY_CONNECT_TIMEOUT:-15}

[ -f "$binary" ] || die "$EX_USAGE" "binary '$binary' does not exist or is not a file"
case $target in
    ?*@?*) ;;
    *) die "$EX_USAGE" "target '$target' must look like USER@HOST" ;;
esac
case $port in
    '' | *[!0-9]*) die "$EX_USAGE" "port '$port' is not a number" ;;
esac
for number in "$health_timeout" "$health_interval" "$connect_timeout"; do
    case $number in
        '' | *[!0-9]*) die "$EX_USAGE" "timeouts must be whole seconds, got '$number'" ;;
    esac
done
[ -n "${DEPLOY_SSH_KEY:-}" ] || die "$EX_USAGE" "set DEPLOY_SSH_KEY to the SSH private key file"
[ -r "$DEPLOY_SSH_KEY" ] || die "$EX_USAGE" "cannot read the SSH key '$DEPLOY_SSH_KEY'"
[ -n "${DEPLOY_KNOWN_HOSTS:-}" ] ||
    die "$EX_USAGE" "set DEPLOY_KNOWN_HOSTS to a known_hosts file with the Pi's host key (keys are never accepted blindly)"
[ -s "$DEPLOY_KNOWN_HOSTS" ] || die "$EX_USAGE" "known_hosts file '$DEPLOY_KNOWN_HOSTS' is missing or empty"

new_bin="$remote_bin.new"
prev_bin="$remote_bin.prev"
failed_bin="$remote_bin.failed"

# Strict host key checking against our file only; key authentication only;
# no prompts. Command-line options override anything in ~/.ssh/config.
ssh_opts=(
    -p "$port"
    -i "$DEPLOY_SSH_KEY"
    -o IdentitiesOnly=yes
    -o BatchMode=yes
    -o PasswordAuthentication=no
    -o StrictHostKeyChecking=yes
    -o UpdateHostKeys=no
    -o "UserKnownHostsFile=$DEPLOY_KNOWN_HOSTS"
    -o GlobalKnownHostsFile=/dev/null
    -o "ConnectTimeout=$connect_timeout"
    -o ServerAliveInterval=10
    -o ServerAliveCountMax=3
    -o LogLevel=ERROR
)

# Runs a POSIX sh script on the Pi with the given arguments. The script
# arrives on sh's stdin, so the arguments are the only thing the remote
# login shell parses; they are quoted for it here.
remote_script() {
    local script=$1
    shift
    local command="sh -s --" arg
    for arg in "$path_prefix" "$@"; do
        command+=" $(printf '%q' "$arg")"
    done
    if [ -n "$remote_sudo" ]; then
        command="$remote_sudo $command"
    fi
    ssh "${ssh_opts[@]}" "$target" "$command" <<<"$script"
}

# Every remote script starts with this: fail on errors, and put the
# configured prefix before PATH.
readonly prelude='set -eu
if [ -n "$1" ]; then PATH="$1:$PATH"; export PATH; fi
shift'

# --- 1. upload ------------------------------------------------------------
say "uploading $binary to $target:$new_bin (port $port)"
upload_cmd="umask 022 && cat > $(printf '%q' "$new_bin.part") && chmod 0755 $(printf '%q' "$new_bin.part") && mv -f $(printf '%q' "$new_bin.part") $(printf '%q' "$new_bin")"
if [ -n "$remote_sudo" ]; then
    upload_cmd="$remote_sudo sh -c $(printf '%q' "$upload_cmd")"
fi
if ! ssh "${ssh_opts[@]}" "$target" "$upload_cmd" <"$binary"; then
    die "$EX_FAILED" "upload to $target:$new_bin failed (SSH key, host key in $DEPLOY_KNOWN_HOSTS, or permissions?); nothing was switched"
fi

# --- 2. check the configuration with the new binary -----------------------
say "checking $remote_config with the new binary on the Pi"
if ! remote_script "$prelude"'
new=$1 config=$2
"$new" check-config --config "$config"' "$new_bin" "$remote_config"; then
    remote_script "$prelude"'
rm -f "$1"' "$new_bin" || true
    die "$EX_FAILED" "the new binary rejects $remote_config (check-config failed); removed $new_bin, nothing was switched"
fi

# --- 3. atomic switch ------------------------------------------------------
say "switching: $remote_bin -> $prev_bin, $new_bin -> $remote_bin"
switch_output=$(remote_script "$prelude"'
bin=$1 new=$2 prev=$3
if [ -e "$bin" ]; then
    # A hard link keeps the running binary under the .prev name without
    # a moment where $bin is missing; copy where links are not possible.
    rm -f "$prev"
    ln "$bin" "$prev" 2>/dev/null || cp -p "$bin" "$prev"
    echo had-previous
else
    rm -f "$prev"
    echo no-previous
fi
mv -f "$new" "$bin"' "$remote_bin" "$new_bin" "$prev_bin") ||
    die "$EX_FAILED" "switching binaries on the Pi failed; check $remote_bin and $new_bin by hand"
have_previous=no
[ "$switch_output" = had-previous ] && have_previous=yes
[ "$have_previous" = yes ] || say "there was no previous binary at $remote_bin: a rollback will not be possible"

# Restarts the unit and waits until it is active and healthy. The loop runs
# on the Pi, so one SSH session covers the whole wait.
restart_and_wait() {
    remote_script "$prelude"'
service=$1 url=$2 timeout=$3 interval=$4
systemctl restart "$service" || { echo "deploy (on the Pi): systemctl restart $service failed" >&2; exit 3; }
deadline=$(( $(date +%s) + timeout ))
while :; do
    if systemctl is-active --quiet "$service" &&
        curl -fsS --max-time 5 -o /dev/null "$url"; then
        exit 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        state=$(systemctl is-active "$service" 2>/dev/null || true)
        echo "deploy (on the Pi): after ${timeout}s the unit is ${state:-unknown} and $url does not answer 2xx" >&2
        exit 4
    fi
    sleep "$interval"
done' "$service" "$health_url" "$health_timeout" "$health_interval"
}

# --- 4./5. restart and wait for health -------------------------------------
say "restarting $service and waiting up to ${health_timeout}s for it to be active and $health_url to answer"
if restart_and_wait; then
    say "success: $service runs the new binary and is healthy"
    exit 0
fi

# --- 6. rollback -----------------------------------------------------------
if [ "$have_previous" != yes ]; then
    die "$EX_ROLLBACK_FAILED" "the new binary is not healthy and there is no previous binary to roll back to"
fi
say "the new binary is not healthy: rolling back to $prev_bin (the failed one is kept as $failed_bin)"
if ! remote_script "$prelude"'
bin=$1 prev=$2 failed=$3
rm -f "$failed"
ln "$bin" "$failed" 2>/dev/null || cp -p "$bin" "$failed"
mv -f "$prev" "$bin"' "$remote_bin" "$prev_bin" "$failed_bin"; then
    die "$EX_ROLLBACK_FAILED" "rollback failed: could not move $prev_bin back to $remote_bin"
fi
say "restarting $service with the previous binary"
if restart_and_wait; then
    die "$EX_FAILED" "deployment failed; rolled back, $service runs the previous binary and is healthy"
fi
die "$EX_ROLLBACK_FAILED" "deployment failed and the previous binary is not healthy either after the rollback; look at 'journalctl -u $service' on the Pi"
