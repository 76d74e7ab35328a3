"""Reading a generated stream back, for the tests of the generators (ours and the independent ones)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON Lines CDR file, decoded."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    """A labels.csv (number,label,typology,fraud_start,...) keyed by number."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["number"]: row for row in csv.DictReader(fh)}
