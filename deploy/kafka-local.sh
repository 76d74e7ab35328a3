#!/usr/bin/env bash
# Run a real Apache Kafka broker (KRaft, one node, 127.0.0.1) from Maven Central jars -- no Docker.
# Needs java (17+) and mvn on PATH; the first run downloads the jars (~45 MB) into
# ~/.cache/cdr-detector/kafka-<version>/libs (or $CDR_KAFKA_CACHE).
#
#   deploy/kafka-local.sh                      # free port, printed on start; Ctrl-C stops it
#   deploy/kafka-local.sh --port 9092 --partitions 4
#   deploy/kafka-local.sh --set log.retention.hours=1 --run-dir /tmp/kafka-keep
#
# Then, in another shell: export CDR_KAFKA_BOOTSTRAP=127.0.0.1:9092  (the tests use that broker).
# See docs/kafka-local.md.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if [[ -x "$repo/.venv/bin/python" ]]; then python="$repo/.venv/bin/python"; else python="python3"; fi
fi
cd "$repo"
exec "$python" -m detector.localkafka run "$@"
