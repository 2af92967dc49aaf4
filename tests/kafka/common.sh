# Shared by start.sh and stop.sh (sourced, not run). Layout of a state directory:
#   ports.env            ZK_PORT / KAFKA_PORT, fixed at first start so a restarted broker keeps its address
#   zookeeper.properties server.properties log4j.properties
#   zookeeper/ kafka-logs/   data (ZooKeeper snapshots, Kafka partitions)
#   zookeeper.pid kafka.pid watchdog.pid   one pid each
#   zookeeper.out kafka.out  process output (kafka.out.prev: the previous broker run)
#   bootstrap            the bootstrap address, once the broker is up

kafka_scripts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Manual use shares one per-user directory so start.sh twice finds the running broker; tests pass their own.
default_state_dir="${TMPDIR:-/tmp}/cgdmer-kafka-$(id -u)"

log() { echo "kafka-test-broker: $*" >&2; }
die() { local code=$1; shift; log "$*"; exit "$code"; }

# A pid file names our process only while that process's command line mentions this state directory; a pid recycled
# by the OS for something else is never signalled.
pid_of() { # <name> -> pid on stdout when alive and ours
  local file="$state_dir/$1.pid" pid
  [[ -f "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$state_dir" || return 1
  echo "$pid"
}

# Runs a command detached, its output in <name>.out (the previous run's kept as <name>.out.prev), and writes its pid to
# <name>.pid. setsid: its own session, so a Ctrl-C to the caller doesn't reach it. The command line must mention the
# state directory (pid_of recognises it by that).
launch() { # <name> <command> [args...]
  local name=$1; shift
  [[ -f "$state_dir/$name.out" ]] && mv -f "$state_dir/$name.out" "$state_dir/$name.out.prev"
  setsid nohup "$@" >"$state_dir/$name.out" 2>&1 </dev/null &
  local pid=$! expected deadline=$((SECONDS + 5))
  expected="$(printf '%s ' "$@")"
  # The pid file is written once the command itself runs. Until then /proc shows the forking shell's command line,
  # or none at all while setsid and nohup exec (measured: a quarter of reads made just after the fork), and pid_of
  # would take the process that is starting for one that has exited.
  while [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" != "$expected" ]] && kill -0 "$pid" 2>/dev/null &&
    ((SECONDS < deadline)); do
    sleep 0.01
  done
  echo "$pid" >"$state_dir/$name.pid"
}

wait_gone() { # <pid> <seconds>
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
