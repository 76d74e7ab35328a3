"""End to end on a small generated world: generate -> replay -> evaluate, and hold the detector to floors.

The issue's full bars (precision and recall >= 0.95 on every typology, TTD <= 5/30 min) are measured on the
held-out seed by ``load/detection_report.py`` and reported in docs/detection.md, where the gaps are stated.
This test pins the floors the detector reaches today on a different, small seed, so a change that makes
detection worse fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detector import evaluate, synth
from detector.replay import run_replay
from detector.schemas import load_schema

SEED = 11


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    cfg = synth.GeneratorConfig(seed=SEED, subscribers=4_000, days=1.5, fraud_numbers=60)
    synth.generate(cfg, out)
    run_replay(str(out / "cdrs.jsonl"), out / "alerts.jsonl", out / "rejects.jsonl", out / "report.json",
               show_progress=False)
    return out


@pytest.fixture(scope="module")
def report(world: Path) -> evaluate.EvaluationReport:
    return evaluate.evaluate_files(world / "labels.csv", world / "alerts.jsonl", world / "cdrs.jsonl")


def test_alerts_validate_against_schema(world: Path) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema("alert"))
    lines = (world / "alerts.jsonl").read_text().splitlines()
    assert lines, "a world with 60 fraud numbers produced no alert"
    for line in lines:
        validator.validate(json.loads(line))


def test_no_record_lost(world: Path) -> None:
    rep = json.loads((world / "report.json").read_text())
    n_lines = sum(1 for _ in open(world / "cdrs.jsonl", "rb"))
    assert rep["consumed"] == n_lines
    assert rep["consumed"] == rep["processed"] + rep["rejected"] + rep["duplicates"]


def test_one_alert_per_number_per_episode(world: Path) -> None:
    seen: dict[tuple[str, int], list[str]] = {}
    for line in (world / "alerts.jsonl").read_text().splitlines():
        a = json.loads(line)
        seen.setdefault((a["number"], a["episode"]), []).append(a["severity"])
    order = ["low", "medium", "high", "critical"]
    for key, severities in seen.items():
        ranks = [order.index(s) for s in severities]
        assert ranks == sorted(set(ranks)), f"{key}: alerts again without escalating: {severities}"


def test_precision_and_honest_busy_callers(report: evaluate.EvaluationReport) -> None:
    d = report.to_dict()
    assert d["precision"] >= 0.95, d
    for profile in ("courier", "call_centre", "taxi_dispatch"):
        group = d["profiles"].get(profile)
        if group:
            assert group["false_alarms"] == 0, (profile, group)


@pytest.mark.parametrize("typology,floor", [("wangiri", 0.9), ("robocall", 0.9), ("scam_farm", 0.9),
                                            ("simbox", 0.7), ("irsf", 0.75), ("takeover", 0.6)])
def test_recall_floor(report: evaluate.EvaluationReport, typology: str, floor: float) -> None:
    stats = report.to_dict()["typologies"][typology]
    assert stats["count"] > 0
    assert stats["recall"] >= floor, stats


@pytest.mark.parametrize("typology", ["wangiri", "robocall"])
def test_fast_typologies_are_caught_within_minutes(report: evaluate.EvaluationReport, typology: str) -> None:
    stats = report.to_dict()["typologies"][typology]
    assert stats["ttd_minutes"]["median"] <= 15.0, stats


def test_bad_lines_between_good_ones_change_no_alert(world: Path, tmp_path: Path) -> None:
    """Rejected and duplicate lines are accounted for and have no effect on what the good records decide."""
    good = (world / "cdrs.jsonl").read_bytes().splitlines()
    bad_kinds = [
        b'{"cdr_id": "x", "caller": ',  # malformed JSON
        b'{"cdr_id":"b1","caller":"+447700900001","callee":"+447700900002","start_time":"2999-01-01T00:00:00Z",'
        b'"duration_s":5,"disposition":"answered"}',  # far in the future
        b'{"cdr_id":"b2","caller":"+447700900001","callee":"+447700900002","start_time":"2026-03-06T10:00:00Z",'
        b'"duration_s":5,"disposition":"hung_up"}',  # unknown enum
    ]
    dirty: list[bytes] = []
    injected = 0
    for i, line in enumerate(good):
        dirty.append(line)
        if i % 97 == 50:
            dirty.append(bad_kinds[injected % 3] if injected % 4 else line)  # every 4th: a duplicate of the last
            injected += 1
    (tmp_path / "dirty.jsonl").write_bytes(b"\n".join(dirty) + b"\n")
    run_replay(str(tmp_path / "dirty.jsonl"), tmp_path / "alerts.jsonl", tmp_path / "rejects.jsonl",
               tmp_path / "report.json", show_progress=False)
    ids = [json.loads(x)["alert_id"] for x in (world / "alerts.jsonl").read_text().splitlines()]
    dirty_ids = [json.loads(x)["alert_id"] for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert dirty_ids == ids
    clean = json.loads((world / "report.json").read_text())
    rep = json.loads((tmp_path / "report.json").read_text())
    assert rep["consumed"] == clean["consumed"] + injected
    assert rep["rejected"] + rep["duplicates"] == clean["rejected"] + clean["duplicates"] + injected


@pytest.fixture(scope="module")
def sequential_imei_report(world: Path, tmp_path_factory: pytest.TempPathFactory) -> evaluate.EvaluationReport:
    """The same world written with every device's IMEI a running serial (load/perturb.py)."""
    from load.perturb import perturb_dir

    out = tmp_path_factory.mktemp("seqimei")
    perturb_dir(world, out, "sequential-imei")
    run_replay(str(out / "cdrs.jsonl"), out / "alerts.jsonl", out / "rejects.jsonl", out / "report.json",
               show_progress=False)
    return evaluate.evaluate_files(out / "labels.csv", out / "alerts.jsonl", out / "cdrs.jsonl")


def test_phones_numbered_in_sequence_are_not_one_bank(report: evaluate.EvaluationReport,
                                                       sequential_imei_report: evaluate.EvaluationReport) -> None:
    """A stream whose IMEIs run in sequence (a counter in another generator, one batch of phones in a network)
    must not make neighbouring strangers one SIM bank: while a block of ten serials counted as one device,
    such a rewrite of synth seed 1 alerted 60 couriers (precision 0.60)."""
    clean, seq = report.to_dict(), sequential_imei_report.to_dict()
    assert seq["precision"] >= 0.95, seq
    assert seq["false_positives"] <= clean["false_positives"] + 2, (clean["false_positives"], seq["profiles"])
    for profile in ("courier", "call_centre", "taxi_dispatch"):
        group = seq["profiles"].get(profile)
        if group:
            assert group["false_alarms"] == 0, (profile, group)


def test_a_feed_written_as_calls_end_loses_no_record_and_alerts_the_same_numbers(world: Path, tmp_path: Path) -> None:
    """A switch writes each record as its call ends, so a long call comes behind every record written during
    it (load/perturb.py ``end-order``).  None of them is late: the admission judged lateness on the start
    alone and refused every call longer than its tolerance (15 min), IRSF's long calls abroad among them."""
    from load.perturb import perturb_dir

    perturb_dir(world, tmp_path, "end-order")
    run_replay(str(tmp_path / "cdrs.jsonl"), tmp_path / "alerts.jsonl", tmp_path / "rejects.jsonl",
               tmp_path / "report.json", show_progress=False)
    clean, ended = (json.loads((d / "report.json").read_text()) for d in (world, tmp_path))
    assert ended["consumed"] == clean["consumed"]
    assert ended["rejected_by_reason"] == clean["rejected_by_reason"], ended["rejected_by_reason"]

    def alerted(d: Path) -> set[str]:
        return {json.loads(line)["number"] for line in (d / "alerts.jsonl").read_text().splitlines()}

    assert alerted(tmp_path) == alerted(world)


def test_a_stream_logged_in_utc_decides_as_written_locally_given_the_networks_offset(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """A switch that logs UTC for a +05:30 network: with ``home_utc_offset_min=330`` the detector makes the
    same decisions as on the stream written in local time; without it office hours look like night."""
    from load.perturb import perturb_dir

    from detector.pipeline import DetectorConfig

    local = tmp_path_factory.mktemp("local")
    synth.generate(synth.GeneratorConfig(seed=5, subscribers=2_000, days=1.0, fraud_numbers=30,
                                         utc_offset_min=330), local)
    utc = tmp_path_factory.mktemp("utc")
    perturb_dir(local, utc, "utc")

    def decisions(src: Path, cfg: DetectorConfig | None) -> set[tuple[str, str, str]]:
        out = src / f"alerts-{cfg.home_utc_offset_min if cfg else 'none'}.jsonl"
        run_replay(str(src / "cdrs.jsonl"), out, None, None, show_progress=False, config=cfg)
        alerts = [json.loads(line) for line in out.read_text().splitlines()]
        return {(a["number"], a["typology"], a["trigger_cdr_id"]) for a in alerts}

    # Callers abroad are written in their own local time; a UTC log loses that, so their hours (and the online
    # model's evidence, which reads them) may differ: the network's own numbers must decide the same.
    elsewhere = {r["caller"] for r in map(json.loads, (local / "cdrs.jsonl").read_text().splitlines())
                 if not r["start_time"].endswith("+05:30")}

    def own(found: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        return {d for d in found if d[0] not in elsewhere}

    as_written = decisions(local, None)
    assert own(as_written) and len(elsewhere) < 1_000
    assert own(decisions(utc, DetectorConfig(home_utc_offset_min=330))) == own(as_written)
    assert own(decisions(utc, None)) != own(as_written)  # the hour of day matters, so the setting is not a no-op
