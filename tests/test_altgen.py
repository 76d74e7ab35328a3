"""The independent generator load.altgen: schema-valid, ordered, labelled, deterministic, dirty knob honest."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

from load.altgen import Config, generate  # noqa: E402
from load.altgen.stream import DIRTY_KINDS, TYPOLOGIES  # noqa: E402
from streams import read_labels, read_records, schema_errors  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(seed=1, subscribers=1200, days=1.25)


def _instant(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("altgen")
    generate(Config(out=out, **SMALL))
    return out


def test_every_line_matches_the_schema(small: Path) -> None:
    records = read_records(small / "cdrs.jsonl")
    assert len(records) > 10_000
    assert schema_errors(records) == []
    assert all(r["record_type"] in ("voice", "sms") for r in records)
    assert all(len(r["imei"]) == 15 for r in records if "imei" in r)
    offsets = {r["start_time"][-6:] for r in records}
    assert {"-06:00", "-08:00", "-05:00", "-07:00"} <= offsets  # home time zones
    assert len(offsets) >= 6  # plus roaming / foreign callers


def test_sorted_by_time_with_unique_ids(small: Path) -> None:
    records = read_records(small / "cdrs.jsonl")
    times = [_instant(r["start_time"]) for r in records]
    assert times == sorted(times)
    ids = [r["cdr_id"] for r in records]
    assert len(set(ids)) == len(ids)


def test_every_calling_number_is_labelled_and_typologies_present(small: Path) -> None:
    records = read_records(small / "cdrs.jsonl")
    labels = read_labels(small / "labels.csv")
    callers = {r["caller"] for r in records}
    assert callers - set(labels) == set()
    fraud = {n: row for n, row in labels.items() if row["label"] == "fraud"}
    assert {row["typology"] for row in fraud.values()} == set(TYPOLOGIES)
    for row in labels.values():
        if row["label"] == "fraud":
            assert row["typology"] in TYPOLOGIES and row["fraud_start"]
        else:
            assert row["typology"] == "" and row["fraud_start"] == ""
    # fraud_start is the time of the number's first fraudulent record, which is in the stream
    starts = {(r["caller"], _instant(r["start_time"])) for r in records if r["caller"] in fraud}
    with (small / "premium_numbers.csv").open(newline="") as fh:
        premium = {row["number"]: row for row in csv.DictReader(fh)}
    callbacks = {(r["callee"], _instant(r["start_time"])) for r in records if r["callee"] in premium}
    for number, row in fraud.items():
        if number in premium:  # wangiri callback-only destination: fraud from its first callback
            assert row["typology"] == "wangiri" and premium[number]["labelled"] == "yes"
            assert (number, _instant(row["fraud_start"])) in callbacks
            assert min(t for n, t in callbacks if n == number) == _instant(row["fraud_start"])
        else:
            assert (number, _instant(row["fraud_start"])) in starts, number
    assert all((row["labelled"] == "yes") == (n in fraud) for n, row in premium.items())
    legit_profiles = {row["label"] for row in labels.values() if row["label"] != "fraud"}
    assert {"ordinary", "courier", "call_centre", "taxi_dispatch", "international_caller",
            "small_business", "roaming", "hotline"} <= legit_profiles
    # the evaluator-style file carries the same numbers with label legit/fraud
    alt = read_labels(small / "labels.evaluate.csv")
    assert set(alt) == set(labels)
    assert {row["label"] for row in alt.values()} == {"fraud", "legit"}


def test_deterministic_for_a_seed(small: Path, tmp_path: Path) -> None:
    generate(Config(out=tmp_path / "again", **SMALL))
    for name in ("cdrs.jsonl", "labels.csv", "manifest.json"):
        if name == "manifest.json":
            a = json.loads((small / name).read_text())
            b = json.loads((tmp_path / "again" / name).read_text())
            a["config"].pop("out"), b["config"].pop("out")
            assert a == b
        else:
            assert (small / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    generate(Config(out=tmp_path / "other", **{**SMALL, "seed": SMALL["seed"] + 1}))
    assert (tmp_path / "other" / "cdrs.jsonl").read_bytes() != (small / "cdrs.jsonl").read_bytes()


def test_dirty_knob_injects_what_it_says(small: Path, tmp_path: Path) -> None:
    manifest = generate(Config(out=tmp_path / "dirty", dirty=0.02, **SMALL))
    counts = manifest["dirty_records"]
    assert set(counts) == set(DIRTY_KINDS) and all(v > 0 for v in counts.values())
    clean_lines = (small / "cdrs.jsonl").read_text().splitlines()
    lines = (tmp_path / "dirty" / "cdrs.jsonl").read_text().splitlines()
    assert len(lines) == len(clean_lines) + sum(counts.values())
    assert 0.01 < sum(counts.values()) / len(clean_lines) < 0.03
    schema = json.loads((ROOT / "schemas" / "cdr.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    # the good records are exactly the clean stream; the extra ones are what the manifest says they are
    clean = set(clean_lines)
    extra = [line for line in lines if line not in clean]
    kept = [line for i, line in enumerate(lines) if line in clean and (i == 0 or lines[i - 1] != line)]
    assert kept == clean_lines  # same good records, same order: bad ones are only added
    seen = {k: 0 for k in DIRTY_KINDS}
    ids = set()
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            seen["malformed_json"] += 1
            continue
        if line in clean:
            if rec["cdr_id"] in ids:
                seen["duplicate_id"] += 1  # exact re-delivery of a good record
            ids.add(rec["cdr_id"])
            continue
        if rec.get("cdr_id") in ids:
            seen["duplicate_id"] += 1  # different content under an existing id
            continue
        if any(k not in rec for k in ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")):
            kind = "missing_field"
        elif rec["start_time"].startswith("2999"):
            kind = "far_future"  # schema-valid on its face; only a clock check catches it
        elif not (0 <= rec["duration_s"] <= 172800):
            kind = "absurd_duration"
        elif rec["disposition"] not in ("answered", "busy", "no_answer", "failed") or \
                rec.get("record_type") not in ("voice", "sms"):
            kind = "unknown_enum"
        else:
            kind = "bad_number"
        seen[kind] += 1
        assert rec["cdr_id"].startswith("bad-") if "cdr_id" in rec else kind == "missing_field"
        if kind != "far_future" and not list(validator.iter_errors(rec)):
            pytest.fail(f"dirty record passes the schema: {line}")
    assert len(extra) <= sum(counts.values())
    assert seen == counts
    labels = read_labels(tmp_path / "dirty" / "labels.csv")
    assert not any(n.startswith("bad-") for n in labels)
    assert labels == read_labels(small / "labels.csv")  # bad records add no labels


def test_cli_runs(tmp_path: Path) -> None:
    from load.altgen.__main__ import main

    assert main(["--out", str(tmp_path / "cli"), "--seed", "3", "--subscribers", "300", "--days", "0.5", "-q",
                 "--label-style", "legit"]) == 0
    labels = read_labels(tmp_path / "cli" / "labels.csv")
    assert {row["label"] for row in labels.values()} <= {"fraud", "legit"}


def test_dirty_kinds_restricts_the_bad_records(tmp_path: Path) -> None:
    from load.altgen.__main__ import main

    out = tmp_path / "kinds"
    assert main(["--out", str(out), "--seed", "5", "--subscribers", "300", "--days", "0.5", "-q",
                 "--dirty", "0.05", "--dirty-kinds", "far_future,duplicate_id"]) == 0
    counts = json.loads((out / "manifest.json").read_text())["dirty_records"]
    assert counts["far_future"] > 0 and counts["duplicate_id"] > 0
    assert sum(v for k, v in counts.items() if k not in ("far_future", "duplicate_id")) == 0
    with pytest.raises(SystemExit):
        main(["--out", str(out), "--dirty", "0.1", "--dirty-kinds", "nonsense"])
