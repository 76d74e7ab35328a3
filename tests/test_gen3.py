"""load.gen3, the independent third generator: determinism, schema, order, labels, streaming."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load.gen3 import generate  # noqa: E402
from load.gen3.records import Sink  # noqa: E402
from streams import read_labels, read_records, schema_errors  # noqa: E402

SUBS, HOURS = 600, 16.0
TYPOLOGIES = {"scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall"}


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen3") / "a"
    generate(out, seed=11, subscribers=SUBS, hours=HOURS)
    return out


def _ts(text: object) -> float:
    assert isinstance(text, str)
    return datetime.fromisoformat(text.replace("z", "Z")).timestamp()


def test_same_seed_same_bytes_other_seed_differs(stream: Path, tmp_path: Path) -> None:
    again = tmp_path / "b"
    generate(again, seed=11, subscribers=SUBS, hours=HOURS)
    for name in ("cdrs.jsonl", "labels.csv"):
        assert (again / name).read_bytes() == (stream / name).read_bytes()
    other = tmp_path / "c"
    generate(other, seed=12, subscribers=SUBS, hours=HOURS)
    assert (other / "cdrs.jsonl").read_bytes() != (stream / "cdrs.jsonl").read_bytes()


def test_every_record_matches_the_schema(stream: Path) -> None:
    records = read_records(stream / "cdrs.jsonl")
    assert len(records) > 5000
    assert schema_errors(records) == []
    assert len({r["cdr_id"] for r in records}) == len(records)


def test_records_are_sorted_by_instant_and_vary_in_form(stream: Path) -> None:
    records = read_records(stream / "cdrs.jsonl")
    times = [_ts(r["start_time"]) for r in records]
    assert all(a <= b for a, b in zip(times, times[1:]))
    assert any(str(r["start_time"]).endswith("+05:30") for r in records)
    assert any(r.get("imei", "x") is None for r in records)  # explicit null
    assert any("imei" not in r for r in records)  # absent
    assert any("cell_id" not in r or r["cell_id"] is None for r in records)
    assert any(r.get("record_type") == "sms" for r in records)
    assert any("record_type" not in r for r in records)  # voice by default


def test_labels_cover_all_typologies_with_history(stream: Path) -> None:
    labels = read_labels(stream / "labels.csv")
    records = read_records(stream / "cdrs.jsonl")
    fraud = {n: r for n, r in labels.items() if r["label"] == "fraud"}
    assert {r["typology"] for r in fraud.values()} == TYPOLOGIES
    for r in labels.values():
        assert r["label"] in ("fraud", "legit")
        assert (r["fraud_start"] != "") == (r["label"] == "fraud")
        assert r["typology"] != "unlisted"
    callers = {str(r["caller"]) for r in records}
    assert callers <= set(labels)
    for number, row in fraud.items():
        start = _ts(row["fraud_start"])
        mine = [_ts(r["start_time"]) for r in records if r["caller"] == number or r["callee"] == number]
        assert any(t >= start for t in mine), number
        if row["typology"] == "takeover":
            assert any(t < start for t in mine), f"takeover {number} has no honest history"


def test_stream_is_flushed_hour_by_hour(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[int] = []
    real = Sink.flush

    def spy(self: Sink, until_ms: int) -> None:
        held.append(len(self.buf))
        real(self, until_ms)

    monkeypatch.setattr(Sink, "flush", spy)
    manifest = generate(tmp_path / "s", seed=3, subscribers=SUBS, hours=HOURS)
    total = manifest["records"]
    assert isinstance(total, int) and total > 0
    assert len(held) >= HOURS
    assert max(held) < total / 4


def test_command_line(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    res = subprocess.run([sys.executable, "-m", "load.gen3", "--out", str(out), "--seed", "5",
                          "--subscribers", "300", "--hours", "4"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["records"] > 0
    assert (out / "cdrs.jsonl").stat().st_size > 0 and (out / "labels.csv").exists()
