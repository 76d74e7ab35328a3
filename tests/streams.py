"""Reading a generated stream back, for the tests of the generators (ours and the independent ones)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from detector import synth
from detector.schemas import load_schema


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON Lines CDR file, decoded."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def read_labels(path: Path) -> dict[str, dict[str, str]]:
    """A labels.csv (number,label,typology,fraud_start,...) keyed by number."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["number"]: row for row in csv.DictReader(fh)}


def schema_errors(records: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(index, message) of every way the records break schemas/cdr.schema.json, formats checked: [] if none."""
    validator = Draft202012Validator(load_schema("cdr"), format_checker=FormatChecker())
    return [(i, e.message) for i, r in enumerate(records) for e in validator.iter_errors(r)]


def small_world(out: Path, seed: int, subscribers: int = 1_500, fraud_numbers: int = 24) -> Path:
    """A one-day synthetic stream of ours into ``out`` (fraud after four hours of history), small enough for a
    module fixture: the end-to-end tests of replay, explain, the allowlist and the compiled core share it."""
    synth.generate(synth.GeneratorConfig(seed=seed, subscribers=subscribers, days=1.0,
                                         fraud_numbers=fraud_numbers, min_history_hours=4.0), out)
    return out


def replayed_alerts(stream: Path, out: Path) -> list[dict[str, Any]]:
    """The alerts ``replay`` writes for ``stream``/cdrs.jsonl (into ``out``), decoded: what a test compares to."""
    from detector.replay import run_replay

    run_replay(str(stream / "cdrs.jsonl"), out / "alerts.jsonl", show_progress=False)
    return read_records(out / "alerts.jsonl")
