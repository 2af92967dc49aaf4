#!/usr/bin/env bash
# Stops what start.sh started in a state directory.
#
#   stop.sh [--state-dir DIR] [--broker-only] [--kill] [--keep-data] [--timeout SECONDS]
#
# default        stop the broker (SIGTERM: controlled shutdown, logs flushed), then ZooKeeper, then delete DIR.
# --broker-only  stop only the broker and keep ZooKeeper and all data: start.sh brings it back on the same port
#                (a broker outage as clients see it).
# --kill         SIGKILL instead of SIGTERM (a crash: no controlled shutdown, nothing flushed by the broker;
#                with --broker-only the data stays for a restart).
# --keep-data    with a full stop, leave DIR on disk (for reading the logs afterwards).
# --timeout      seconds to wait for each graceful exit before falling back to SIGKILL (default 30).
# Idempotent: stopping what is not running succeeds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

state_dir="$default_state_dir" broker_only=0 signal=TERM keep_data=0 timeout=30
while (($#)); do
  case "$1" in
    --state-dir) state_dir="${2:?}"; shift 2 ;;
    --broker-only) broker_only=1; shift ;;
    --kill) signal=KILL; shift ;;
    --keep-data) keep_data=1; shift ;;
    --timeout) timeout="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die 2 "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -d "$state_dir" ]] || { log "nothing to stop: $state_dir does not exist"; exit 0; }
state_dir="$(cd "$state_dir" && pwd)"

stop_one() { # <name>
  local pid
  pid="$(pid_of "$1")" || { rm -f "$state_dir/$1.pid"; return 0; }
  # The watchdog runs this script by exec, so its pid may be ours.
  [[ "$pid" != "$$" ]] || { rm -f "$state_dir/$1.pid"; return 0; }
  kill -"$signal" "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$timeout"; then
    log "$1 (pid $pid) ignored SIG$signal for ${timeout}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die 1 "$1 (pid $pid) survived SIGKILL"
  fi
  rm -f "$state_dir/$1.pid"
}

stop_one kafka
rm -f "$state_dir/bootstrap"
((broker_only)) && exit 0

# The watchdog first, so it does not race us into a second stop.sh.
signal=TERM stop_one watchdog
stop_one zookeeper
if ((keep_data)); then
  log "stopped; data kept in $state_dir"
else
  rm -rf -- "$state_dir"
fi
