"""Shared pytest configuration.  Kafka fixtures live in kafka_fixtures.py (session-scoped broker)."""

import importlib
import importlib.machinery
import os

import pytest

from kafka_fixtures import *  # noqa: F401,F403  (fixtures: kafka_bootstrap, kafka_topic, ...)


def _compiled_core() -> list[str]:
    """With ``CDR_EXPECT_COMPILED=mod,mod,...`` (set by scripts/compiled_tests.py): where each of those modules
    was imported from; refuses the run unless every one is an extension module (a mypyc build), so a run meant
    for the compiled core cannot quietly test the .py sources (a stray ``detector/`` first on sys.path)."""
    names = [n for n in os.environ.get("CDR_EXPECT_COMPILED", "").split(",") if n]
    if not names:
        return []
    found = [(n, getattr(importlib.import_module(n), "__file__", None) or "?") for n in names]
    pure = [f"{n} ({f})" for n, f in found if not f.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))]
    from detector.sketches import COMPILED

    if pure or not COMPILED:
        raise pytest.UsageError(f"CDR_EXPECT_COMPILED: not the compiled core: {pure or 'sketches.COMPILED False'}")
    return [f for _, f in found]


def pytest_configure(config: pytest.Config) -> None:
    config._cdr_compiled = _compiled_core()  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> str | None:
    files = getattr(config, "_cdr_compiled", [])
    if files:
        return f"core: mypyc-compiled, {len(files)} modules from {os.path.dirname(os.path.dirname(files[0]))}"
    return None
