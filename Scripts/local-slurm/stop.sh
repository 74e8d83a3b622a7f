#!/usr/bin/env bash
# Copy of the shared stop-local-slurm.sh, kept in the repository so CI (a fresh clone) has it.
# stop-local-slurm.sh -- stop the single-node Slurm cluster started by
# start-local-slurm.sh.  Only processes named in the PID files that
# start-local-slurm.sh manages in $LOCAL_SLURM_DIR are signalled (and only if
# the PID still runs the expected executable); a munged that the start script
# found already running is left alone.  Jobs still queued or running in the
# local cluster are cancelled first.  Idempotent; safe to run when nothing is
# running.  Logs and /etc/slurm/slurm.conf are left in place.
#
# Optional environment variables (same meaning as for start-local-slurm.sh):
#   LOCAL_SLURM_DIR      default /tmp/local-slurm
#   LOCAL_SLURM_CONF     default /etc/slurm/slurm.conf (used by squeue/scancel)
#   LOCAL_SLURM_TIMEOUT  max seconds to wait for each daemon to exit (default 30)

set -uo pipefail

DIR="${LOCAL_SLURM_DIR:-/tmp/local-slurm}"
TIMEOUT="${LOCAL_SLURM_TIMEOUT:-30}"
[ -z "${LOCAL_SLURM_CONF:-}" ] || export SLURM_CONF="$LOCAL_SLURM_CONF"

log() { printf '[stop-local-slurm] %s\n' "$*" >&2; }
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/daemons.sh"

[ "$(id -u)" -eq 0 ] || { log "ERROR: must run as root"; exit 1; }

exe_of() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }



rc=0
# stop_daemon <name> <pidfile> <executable>
stop_daemon() {
    local name="$1" pidfile="$2" exe="$3" pid
    pid="$(pid_of "$pidfile" "$exe")"
    if [ -z "$pid" ]; then
        if [ -e "$pidfile" ]; then
            log "$name: not running (removing stale $pidfile)"
            rm -f "$pidfile"
        else
            log "$name: not running"
        fi
        return 0
    fi
    log "$name: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((TIMEOUT * 10))); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "$name: pid $pid still alive after ${TIMEOUT}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
        if alive "$pid"; then log "$name: ERROR: pid $pid did not exit"; rc=1; return 0; fi
    fi
    rm -f "$pidfile"
    log "$name: stopped"
}

ctld_pid="$(pid_of "$DIR/slurmctld.pid" "$(exe_of slurmctld)")"
slurmd_pid="$(pid_of "$DIR/slurmd.pid" "$(exe_of slurmd)")"

# Cancel whatever is still queued/running in this throwaway cluster so that no
# job processes (slurmstepd + tasks) outlive slurmd.
if [ -n "$ctld_pid" ] && [ -n "$slurmd_pid" ] && command -v squeue >/dev/null; then
    jobs="$(squeue -h -o '%A' 2>/dev/null | tr '\n' ' ')"
    if [ -n "${jobs// /}" ]; then
        log "cancelling jobs: $jobs"
        # shellcheck disable=SC2086
        scancel $jobs 2>/dev/null || true
        for _ in $(seq 1 $((TIMEOUT * 4))); do
            [ -z "$(squeue -h -t PD,R,CG,S -o '%A' 2>/dev/null)" ] && break
            sleep 0.25
        done
    fi
fi

stop_daemon slurmd    "$DIR/slurmd.pid"    "$(exe_of slurmd)"
stop_daemon slurmctld "$DIR/slurmctld.pid" "$(exe_of slurmctld)"
# $DIR/munged.pid exists only if start-local-slurm.sh started munged itself.
stop_daemon munged    "$DIR/munged.pid"    "$(exe_of munged)"

exit "$rc"
