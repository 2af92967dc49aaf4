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
  local cmdline tries=0
  while :; do
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ -z "$cmdline" ]] || break
    # An empty command line: the process is inside an exec (launch's setsid -> nohup -> java: the kernel shows no
    # arguments for a few milliseconds, measured in a quarter of reads made just after the fork) or a zombie. Right
    # after a launch that read made start.sh take a starting broker for one that had exited.
    [[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]] || return 1
    ((++tries < 100)) || return 1
    sleep 0.02
  done
  [[ "$cmdline" == *"$state_dir"* ]] || return 1
  echo "$pid"
}

wait_gone() { # <pid> <seconds>
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
