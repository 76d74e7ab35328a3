"""Fast tests of load/gen6, the sixth (independent) CDR generator (Brazil, UTC-03:00), at a tiny size."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT), str(ROOT / "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from load.gen6 import generate  # noqa: E402
from streams import read_labels, read_records, schema_errors  # noqa: E402

# 500 subscribers for one day gives ~80k records and all six fraud typologies (checked for seeds 1-3, 5, 11, 12)
# in about half a second per run.
SMALL: dict[str, Any] = {"days": 1, "subscribers": 500}
TYPOLOGIES = {"scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall"}
FILES = ("cdrs.jsonl", "labels.csv", "labels_detail.csv", "manifest.json")
DAY0 = "2024-03-04"  # day 0 of the stream, a Monday
OFFSET = "-03:00"
E164 = re.compile(r"^\+[1-9][0-9]{2,14}$")
BR_MOBILE = re.compile(r"^\+55[1-9][0-9]9[0-9]{8}$")
CELL = re.compile(r"^724-05-[0-9]+-[0-9]+$")
CDR_ID = re.compile(r"^72405-20240304-[0-9]{7}$")
# numbers with an honest past before fraud_start (the hijack); every other fraud number is a dedicated fraud SIM
HONEST_PAST = {("irsf", "hacked_pbx"), ("irsf", "stolen_m2m_sim")}


def _make(factory: pytest.TempPathFactory, name: str, seed: int, dirty: bool = False) -> Path:
    out = factory.mktemp(name)
    generate(out, seed=seed, dirty=dirty, **SMALL)
    return out


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory, "gen6_a", 11)


@pytest.fixture(scope="module")
def run_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory, "gen6_b", 11)


@pytest.fixture(scope="module")
def run_dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make(tmp_path_factory, "gen6_dirty", 11, dirty=True)


@pytest.fixture(scope="module")
def recs(run: Path) -> list[dict[str, Any]]:
    return read_records(run / "cdrs.jsonl")


@pytest.fixture(scope="module")
def labels(run: Path) -> dict[str, dict[str, str]]:
    return read_labels(run / "labels.csv")


def test_same_seed_same_bytes(run: Path, run_again: Path) -> None:
    for name in FILES:
        assert (run / name).read_bytes() == (run_again / name).read_bytes(), name


def test_other_seed_differs(run: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=12, **SMALL)
    assert (tmp_path / "cdrs.jsonl").read_bytes() != (run / "cdrs.jsonl").read_bytes()
    assert (tmp_path / "labels.csv").read_bytes() != (run / "labels.csv").read_bytes()


def test_records_sorted_unique_and_in_the_day(recs: list[dict[str, Any]]) -> None:
    assert date.fromisoformat(DAY0).weekday() == 0  # the stream starts on a Monday
    assert len(recs) > 2000
    times = [datetime.fromisoformat(r["start_time"]) for r in recs]
    assert times == sorted(times)
    assert len({r["cdr_id"] for r in recs}) == len(recs)
    for r in recs:
        assert r["start_time"].startswith(f"{DAY0}T") and r["start_time"].endswith(OFFSET)
        assert CDR_ID.match(r["cdr_id"])
        assert E164.match(r["caller"]) and E164.match(r["callee"])
        assert r["record_type"] in ("voice", "sms")
        assert r["disposition"] in ("answered", "busy", "no_answer", "failed")
        assert r["duration_s"] >= 0
        if r["record_type"] == "sms" or r["disposition"] in ("busy", "failed"):
            assert r["duration_s"] == 0
        if "cell_id" in r:  # only a home-operator mobile SIM as caller carries cell and IMEI
            assert CELL.match(r["cell_id"])
            assert BR_MOBILE.match(r["caller"])
        if "imei" in r:
            assert re.fullmatch(r"[0-9]{15}", r["imei"]) and _luhn_ok(r["imei"])
    assert any("cell_id" in r for r in recs) and any("cell_id" not in r for r in recs)
    assert sum(r["record_type"] == "sms" for r in recs) > 100
    assert sum(r["caller"].startswith("+55") for r in recs) > 0.9 * len(recs)  # a Brazilian operator's switch


def test_labels_complete(run: Path, recs: list[dict[str, Any]], labels: dict[str, dict[str, str]]) -> None:
    callers = {r["caller"] for r in recs}
    assert callers <= set(labels)
    assert set(labels) == callers  # one row per caller, no more
    typologies = set()
    for row in labels.values():
        assert row["label"] in ("fraud", "legit")
        if row["label"] == "fraud":
            assert row["typology"] in TYPOLOGIES
            start = datetime.fromisoformat(row["fraud_start"])
            offset = start.utcoffset()
            assert offset is not None and offset.total_seconds() == -3 * 3600
            assert row["fraud_start"].endswith(OFFSET)
            # every campaign starts at least 6 h into the stream, within the one day generated
            assert datetime.fromisoformat(f"{DAY0}T06:00:00{OFFSET}") <= start
            assert start < datetime.fromisoformat(f"2024-03-05T00:00:00{OFFSET}")
            typologies.add(row["typology"])
        else:
            assert row["fraud_start"] == "" and row["typology"]
    assert typologies == TYPOLOGIES  # all six appear at this size and seed
    kinds = {row["typology"] for row in labels.values()}
    assert {"ordinary", "courier", "call_centre"} <= kinds
    with (run / "labels.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "number,label,typology,fraud_start"
    with (run / "labels_detail.csv").open(encoding="utf-8") as fh:
        assert fh.readline().strip() == "number,label,typology,fraud_start,variant"
    with (run / "labels_detail.csv").open(newline="", encoding="utf-8") as fh:
        detail = list(csv.DictReader(fh))
    assert [row["number"] for row in detail] == sorted(labels)
    for row in detail:
        assert row["variant"]
        assert {k: row[k] for k in ("number", "label", "typology", "fraud_start")} == labels[row["number"]]


def test_fraud_starts_before_fraud_activity(run: Path, recs: list[dict[str, Any]],
                                            labels: dict[str, dict[str, str]]) -> None:
    after: dict[str, int] = {}
    first: dict[str, str] = {}
    for r in recs:
        first.setdefault(r["caller"], r["start_time"])
        row = labels[r["caller"]]
        # same format and offset throughout, so the strings order like the times
        if row["label"] == "fraud" and r["start_time"] >= row["fraud_start"]:
            after[r["caller"]] = after.get(r["caller"], 0) + 1
    fraud = [n for n, row in labels.items() if row["label"] == "fraud"]
    # takeover victims may show nothing of their own after the swap; everyone else does something
    quiet = [n for n in fraud if n not in after]
    assert all(labels[n]["typology"] == "takeover" for n in quiet)
    # dedicated fraud SIMs have no past: their first record is at or after fraud_start
    with (run / "labels_detail.csv").open(newline="", encoding="utf-8") as fh:
        variant = {row["number"]: row["variant"] for row in csv.DictReader(fh)}
    for n in fraud:
        typ = labels[n]["typology"]
        if typ != "takeover" and (typ, variant[n]) not in HONEST_PAST:
            assert first[n] >= labels[n]["fraud_start"], (n, typ, variant[n])


def test_records_match_schema(recs: list[dict[str, Any]]) -> None:
    # every 7th record (~12k of ~86k; the full check takes seconds): each kind of record is common at this size
    assert schema_errors(recs[::7]) == []


def test_manifest(run: Path, labels: dict[str, dict[str, str]]) -> None:
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    n = sum(1 for _ in (run / "cdrs.jsonl").open(encoding="utf-8"))
    assert m["generator"] == "gen6-1" and m["seed"] == 11 and m["days"] == 1
    assert m["subscribers"] == SMALL["subscribers"] and m["dirty"] is False
    assert m["start"] == f"{DAY0}T00:00:00{OFFSET}"
    assert m["records"]["total"] == m["lines_written"] == n
    assert m["records"]["by_day"] == [n]
    assert sum(m["records"]["by_type"].values()) == n
    assert sum(m["records"]["by_disposition"].values()) == n
    assert set(m["records"]["fraud_records_by_typology"]) == TYPOLOGIES
    by_label = m["labels"]["by_label_typology"]
    assert sum(by_label.values()) == m["labels"]["numbers"] == len(labels)
    fraud = [row for row in labels.values() if row["label"] == "fraud"]
    assert m["labels"]["fraud_numbers"] == len(fraud)
    assert sum(m["labels"]["fraud_by_typology_variant"].values()) == len(fraud)
    for key, count in by_label.items():
        label, typ = key.split(":")
        assert count == sum(row["label"] == label and row["typology"] == typ for row in labels.values()), key
    assert m["dirty_lines"]["total"] == 0 and m["dirty_lines"]["by_kind"] == {}


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
    assert m["dirty"] is True
    assert m["dirty_lines"]["total"] == sum(m["dirty_lines"]["by_kind"].values()) == extra
    assert m["records"]["total"] == len(clean) and m["lines_written"] == len(dirty)
    for name in ("labels.csv", "labels_detail.csv"):
        assert (run / name).read_bytes() == (run_dirty / name).read_bytes(), name


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "load.gen6", "--out", str(out), "--seed", "5", "--days", "1",
                           "--subscribers", "300", "--dirty"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    m = json.loads(proc.stdout)
    assert m["generator"] == "gen6-1" and m["seed"] == 5 and m["subscribers"] == 300 and m["dirty"] is True
    assert m["records"]["total"] > 0 and m["dirty_lines"]["total"] > 0
    assert all((out / name).exists() for name in FILES)
    assert sum(1 for _ in (out / "cdrs.jsonl").open(encoding="utf-8")) == m["lines_written"]
