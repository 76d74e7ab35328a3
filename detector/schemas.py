"""JSON Schemas (2020-12) of the detector's input (CDR) and output (alert) records.

One source of truth: ``schemas/*.schema.json`` at the repository root is what people read, review and
edit.  The installed package cannot reach the repository root, so a byte-identical copy lives in
``detector/_schemas/`` and is shipped as package data; ``tests/test_schemas.py`` fails when the two
differ (fix: ``cp schemas/*.schema.json detector/_schemas/``).  A copy checked by a test was chosen over a
symlink (lost on some checkouts and in sdists) and over a build hook (more machinery than two files need).

The schemas are for contract tests and for consumers; the runtime parser does its own cheaper checks
and does not need ``jsonschema``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_NAMES: tuple[str, ...] = ("cdr", "alert")
_PACKAGE_DIR = "_schemas"


def schema_filename(name: str) -> str:
    """File name of schema ``name`` ("cdr" or "alert"), the same in ``schemas/`` and the package."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    return f"{name}.schema.json"


def load_schema(name: str) -> dict[str, Any]:
    """Return schema ``name`` ("cdr" or "alert") as a fresh dict, read from the installed package.

    A fresh dict each call, so a caller that mutates it cannot corrupt what another caller sees.
    """
    resource = resources.files("detector").joinpath(_PACKAGE_DIR, schema_filename(name))
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema
