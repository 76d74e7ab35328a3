"""The core's unit tests against the mypyc-compiled core, the build production runs (deploy/Dockerfile).

    .venv/bin/python scripts/compiled_tests.py [PYTEST ARGS]

Builds the compiled core into ``.cache/native/<key>`` (load/native_build.py; reused while detector/, setup.py
and the toolchain are unchanged) and runs CORE_TESTS with ``PYTHONPATH=BUILD:REPO`` from a working directory
outside the repository: ``python -m pytest`` puts its working directory first on ``sys.path``, and from the
repository root the source tree's ``detector/`` would shadow the build.  BUILD before REPO: ``detector`` comes
from the build, ``tests`` and ``load`` (which the tests import) from the repository.
``CDR_EXPECT_COMPILED`` makes tests/conftest.py refuse to run unless every compiled module was imported from
its extension, so this run cannot silently test the pure build.  A build failure is an error (exit 1), never
a skip.  The Kafka and worker tests run on the pure build only (scripts/test.sh runs the whole suite after
this).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "load"))
from native_build import cached_build, compiled_modules  # noqa: E402

#: The tests of the compiled modules (setup.py's COMPILED): the parser, admission, features, typologies, the
#: stages, policy, engine and replay, and end-to-end detection on a synthetic stream.
CORE_TESTS = (
    "test_parse.py", "test_admission.py", "test_features.py", "test_typologies.py", "test_site.py",
    "test_policy.py", "test_engine.py", "test_home_network.py", "test_model.py", "test_replay.py",
    "test_detection.py", "test_hostile_input.py", "test_schemas.py", "test_explain.py",
)


def main(argv: list[str]) -> int:
    t0 = time.monotonic()
    build = cached_build()
    t1 = time.monotonic()
    print(f"compiled core: {build} ({t1 - t0:.0f} s to build or reuse)", flush=True)
    scratch = ROOT / ".cache" / "compiled-run"  # the working directory: no detector/ here
    scratch.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(build), str(ROOT)]),
           "CDR_EXPECT_COMPILED": ",".join(compiled_modules())}
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "not kafka",
           *(str(ROOT / "tests" / name) for name in CORE_TESTS), *argv]
    rc = subprocess.run(cmd, cwd=scratch, env=env).returncode
    print(f"compiled core tests: exit {rc}, {time.monotonic() - t1:.0f} s", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
