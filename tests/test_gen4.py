"""Fast checks of the gen4 synthetic CDR generator (tiny size)."""
from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from load.gen4 import generate  # noqa: E402
from streams import read_labels, read_records, schema_errors  # noqa: E402

TYPOLOGIES = {"scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall"}
START = datetime.fromisoformat("2025-11-14T00:00:00+08:00")


def _run(dirpath: Path, seed: int = 11, dirty: bool = False) -> dict[str, object]:
    return generate(dirpath, seed=seed, days=1, subscribers=500, dirty=dirty)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("gen4a")
    _run(d)
    return d


def _digest(d: Path) -> str:
    h = hashlib.sha256()
    for name in ("cdrs.jsonl", "labels.csv", "manifest.json"):
        h.update((d / name).read_bytes())
    return h.hexdigest()


def test_deterministic(out: Path, tmp_path: Path) -> None:
    _run(tmp_path / "again")
    assert _digest(out) == _digest(tmp_path / "again")
    _run(tmp_path / "other", seed=12)
    assert _digest(out) != _digest(tmp_path / "other")


def test_sorted_unique_ids(out: Path) -> None:
    recs = read_records(out / "cdrs.jsonl")
    assert len(recs) > 1000
    times = [datetime.fromisoformat(str(r["start_time"])) for r in recs]
    assert times == sorted(times)
    assert times[0] >= START and times[-1] < START + timedelta(days=1)
    assert all(str(r["start_time"]).endswith("+08:00") for r in recs)
    assert len({r["cdr_id"] for r in recs}) == len(recs)


def test_labels_complete(out: Path) -> None:
    labels = read_labels(out / "labels.csv")
    with open(out / "labels.csv", encoding="ascii") as f:
        assert f.readline().strip() == "number,label,typology,fraud_start"
    callers = {str(r["caller"]) for r in read_records(out / "cdrs.jsonl")}
    assert callers <= labels.keys()
    for row in labels.values():
        assert row["label"] in ("fraud", "legit")
        if row["label"] == "fraud":
            assert row["typology"] in TYPOLOGIES
            assert datetime.fromisoformat(row["fraud_start"]) >= START + timedelta(hours=6)
        else:
            assert row["typology"] and row["fraud_start"] == ""
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["records"] == len(read_records(out / "cdrs.jsonl"))
    assert manifest["seed"] == 11


def test_schema_valid(out: Path) -> None:
    assert schema_errors(read_records(out / "cdrs.jsonl")) == []


def test_every_typology_present(out: Path) -> None:
    labels = read_labels(out / "labels.csv")
    fraud_callers = {str(r["caller"]) for r in read_records(out / "cdrs.jsonl") if labels[str(r["caller"])]["label"] == "fraud"}
    seen = {labels[n]["typology"] for n in fraud_callers}
    assert seen == TYPOLOGIES
    legit = {row["typology"] for row in labels.values() if row["label"] == "legit"}
    assert {"ordinary", "courier", "call_centre", "taxi_dispatch", "clinic_reminder", "pbx_trunk"} <= legit


def test_dirty_only_when_asked(out: Path, tmp_path: Path) -> None:
    clean = (out / "cdrs.jsonl").read_text().splitlines()
    for line in clean:
        json.loads(line)
    _run(tmp_path / "dirty", dirty=True)
    dirty = (tmp_path / "dirty" / "cdrs.jsonl").read_text().splitlines()
    extra = len(dirty) - len(clean)
    assert 0 < extra < 0.01 * len(clean)
    assert set(clean) <= set(dirty)
