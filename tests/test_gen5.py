"""Fast tests of load/gen5, the fifth (independent) CDR generator, at a tiny size."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT), str(ROOT / "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from load.gen5 import generate  # noqa: E402
from streams import read_labels, read_records, schema_errors  # noqa: E402

SMALL: dict[str, Any] = {"days": 1, "subscribers": 500}
TYPOLOGIES = {"scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall"}
FILES = ("cdrs.jsonl", "labels.csv", "labels_detail.csv", "manifest.json")
E164 = re.compile(r"^\+[1-9][0-9]{2,14}$")
CELL = re.compile(r"^[0-9]{3}-[0-9]{2,3}-[0-9]+-[0-9]+$")


def _make(factory: pytest.TempPathFactory, name: str, seed: int, dirty: bool = False) -> Path:
    out = factory.mktemp(name)
    generate(out, seed=seed, dirty=dirty, **SMALL)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory, "gen5_a", 11)


@pytest.fixture(scope="module")
def run_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory, "gen5_b", 11)


@pytest.fixture(scope="module")
def run_dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory, "gen5_dirty", 11, dirty=True)


def test_same_seed_same_bytes(run: Path, run_again: Path) -> None:
    for name in FILES:
        assert (run / name).read_bytes() == (run_again / name).read_bytes(), name


def test_other_seed_differs(run: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=12, **SMALL)
    assert (tmp_path / "cdrs.jsonl").read_bytes() != (run / "cdrs.jsonl").read_bytes()
    assert (tmp_path / "labels.csv").read_bytes() != (run / "labels.csv").read_bytes()


def test_records_sorted_unique_and_in_the_day(run: Path) -> None:
    recs = read_records(run / "cdrs.jsonl")
    assert len(recs) > 2000
    times = [datetime.fromisoformat(r["start_time"]) for r in recs]
    assert times == sorted(times)
    assert len({r["cdr_id"] for r in recs}) == len(recs)
    for r in recs:
        assert r["start_time"].startswith("2025-01-13T") and r["start_time"].endswith("+01:00")
        assert E164.match(r["caller"]) and E164.match(r["callee"])
        assert r["record_type"] in ("voice", "sms")
        assert r["disposition"] in ("answered", "busy", "no_answer", "failed")
        assert r["duration_s"] >= 0
        if r["record_type"] == "sms":
            assert r["duration_s"] == 0
        if "cell_id" in r:
            assert CELL.match(r["cell_id"])
        if "imei" in r:
            assert re.fullmatch(r"[0-9]{15}", r["imei"])
    assert any("cell_id" in r for r in recs) and any("cell_id" not in r for r in recs)
    assert sum(r["record_type"] == "sms" for r in recs) > 100


def test_labels_complete(run: Path) -> None:
    recs = read_records(run / "cdrs.jsonl")
    labels = read_labels(run / "labels.csv")
    callers = {r["caller"] for r in recs}
    assert callers <= set(labels)
    assert set(labels) == callers  # one row per caller, no more
    typologies = set()
    for num, row in labels.items():
        assert row["label"] in ("fraud", "legit")
        if row["label"] == "fraud":
            assert row["typology"] in TYPOLOGIES
            start = datetime.fromisoformat(row["fraud_start"])
            offset = start.utcoffset()
            assert offset is not None and offset.total_seconds() == 3600
            assert start >= datetime.fromisoformat("2025-01-13T06:00:00+01:00")
            typologies.add(row["typology"])
        else:
            assert row["fraud_start"] == "" and row["typology"]
    assert typologies == TYPOLOGIES
    kinds = {row["typology"] for row in labels.values()}
    assert {"courier", "call_centre"} <= kinds
    with (run / "labels_detail.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "number,label,typology,fraud_start,variant"


def test_fraud_starts_before_fraud_activity(run: Path) -> None:
    recs = read_records(run / "cdrs.jsonl")
    labels = read_labels(run / "labels.csv")
    after: dict[str, int] = {}
    for r in recs:
        row = labels[r["caller"]]
        if row["label"] == "fraud" and r["start_time"] >= row["fraud_start"]:
            after[r["caller"]] = after.get(r["caller"], 0) + 1
    fraud = [n for n, row in labels.items() if row["label"] == "fraud"]
    # takeover victims may show nothing of their own after the swap; everyone else does something
    quiet = [n for n in fraud if n not in after]
    assert all(labels[n]["typology"] == "takeover" for n in quiet)


def test_records_match_schema(run: Path) -> None:
    assert schema_errors(read_records(run / "cdrs.jsonl")) == []


def test_manifest(run: Path) -> None:
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    n = sum(1 for _ in (run / "cdrs.jsonl").open(encoding="utf-8"))
    assert m["generator"] == "gen5-1" and m["seed"] == 11 and m["days"] == 1
    assert m["records"] == m["lines"] == n
    assert sum(m["labels"].values()) == len(read_labels(run / "labels.csv"))
    assert all(v == 0 for v in m["dirty_records"].values())


def test_dirty_adds_bad_lines_and_keeps_clean_ones(run: Path, run_dirty: Path) -> None:
    clean = (run / "cdrs.jsonl").read_text(encoding="utf-8").splitlines()
    dirty = (run_dirty / "cdrs.jsonl").read_text(encoding="utf-8").splitlines()
    extra = len(dirty) - len(clean)
    assert extra > 0 and extra < 0.01 * len(clean)
    i = 0
    for line in dirty:  # the clean lines appear in the dirty file, in order, unchanged
        if i < len(clean) and line == clean[i]:
            i += 1
    assert i == len(clean)
    m = json.loads((run_dirty / "manifest.json").read_text(encoding="utf-8"))
    assert sum(m["dirty_records"].values()) == extra
    assert (run / "labels.csv").read_bytes() == (run_dirty / "labels.csv").read_bytes()


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "load.gen5", "--out", str(out), "--seed", "5", "--days", "1",
                           "--subscribers", "300", "--dirty"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["records"] > 0
    assert all((out / name).exists() for name in FILES)
