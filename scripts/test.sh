#!/usr/bin/env bash
# The whole test suite, real Kafka included, on a fresh machine: installs what it needs, then runs the core's
# unit tests on the mypyc-compiled core (scripts/compiled_tests.py) and the whole suite with pytest on the pure
# build.  Used as-is by README.md and by .ci/run.  Extra arguments go to the second pytest.
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

# The core's unit tests on the mypyc-compiled core, the build production runs: compiled into .cache/native/
# (reused while detector/ and setup.py are unchanged; tests/test_compiled.py reuses it too).  A failed build
# fails the run.  CDR_COMPILED_TESTS=0 leaves it out of a local run, never out of CI.
compiled=0
if [ "${CDR_COMPILED_TESTS:-1}" != 0 ] || [ -n "${CI:-}" ]; then
  .venv/bin/python scripts/compiled_tests.py -q || compiled=$?
fi

pure=0
.venv/bin/python -m pytest "$@" || pure=$?
if [ "$compiled" != 0 ]; then
  echo "test.sh: the compiled-core tests failed (exit $compiled): see scripts/compiled_tests.py above" >&2
fi
[ "$compiled" = 0 ] && exit "$pure"
exit "$compiled"
