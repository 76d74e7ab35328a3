#!/usr/bin/env bash
# The whole test suite, real Kafka included, on a fresh machine: installs what it needs, then runs pytest.
# Used as-is by README.md and by .ci/run.  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# promtool (and the Prometheus server for the scrape test) come from Debian's "prometheus" package.
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing Debian package prometheus (promtool)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "test.sh: promtool missing and cannot apt-get install prometheus; its tests will fail in CI" >&2
  fi
fi

# The Kafka broker runs from Maven Central jars: it needs Java 17+ and Maven.
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing Java 17 and Maven" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q -U pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

# The Kafka broker's jars, resolved from Maven Central into a cache (skipped when already cached or when
# CDR_KAFKA_BOOTSTRAP names an external broker).
if [ -z "${CDR_KAFKA_BOOTSTRAP:-}" ]; then
  .venv/bin/python -m detector.localkafka fetch
fi

exec .venv/bin/python -m pytest "$@"
