"""Optional native build of the hot core with mypyc; everything else is in pyproject.toml.

``CDR_DETECTOR_COMPILE=1 pip install .`` compiles the pure-Python core modules listed below to C extensions
(2-3x the throughput; the same code, the same decisions: tests/test_compiled.py compares them, and
scripts/compiled_tests.py runs the core's unit tests on the compiled build).  Without the
variable the package installs as plain Python.  Use it for non-editable installs only: a compiled module
shadows its .py file, so an editable compiled install would not see source edits.
"""

import os

from setuptools import setup

COMPILED = [
    "detector/records.py",
    "detector/sketches.py",
    "detector/numbering.py",
    "detector/parse.py",
    "detector/admission.py",
    "detector/features.py",
    "detector/typologies.py",
    "detector/stages.py",
    "detector/policy.py",
    "detector/pipeline.py",
    "detector/engine.py",
    "detector/replay.py",
    "detector/binfields.py",
    "detector/statevalues.py",
    "detector/murmur.py",  # Kafka's key partitioner for the worker, as a machine-int loop
]

ext_modules = []
if os.environ.get("CDR_DETECTOR_COMPILE") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify([*COMPILED, "--no-site-packages", "--ignore-missing-imports"], opt_level="3")

setup(ext_modules=ext_modules)
