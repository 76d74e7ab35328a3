"""Tests of the synthetic CDR generator (detector.synth): format, order, determinism, planted behaviour.

One small world (1,500 subscribers, 1 day, 60 fraud numbers) is generated once per module and shared;
it takes well under a second, so the whole file stays fast.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import re
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from detector.synth import (
    LABEL_COLUMNS,
    PROFILE_NAMES,
    TYPOLOGY_NAMES,
    GeneratorConfig,
    SyntheticStream,
    add_arguments,
    config_from_args,
    generate,
    iter_cdrs,
    iter_jsonl,
    iter_lines,
    labels,
)
from detector.synth.typologies import SCHEMES

SMALL = GeneratorConfig(seed=int(os.environ.get("SYNTH_TEST_SEED", "7")), subscribers=1_500, days=1.0, fraud_numbers=60)
"""The shared small world; SYNTH_TEST_SEED=N runs the file against another seed (robustness sweeps)."""
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
CELL = re.compile(r"^[0-9]{3}-[0-9]{2,3}-[0-9]{1,5}-[0-9]{1,9}$")
FIELDS = {"cdr_id", "record_type", "caller", "callee", "start_time", "duration_s", "disposition", "cell_id", "imei"}


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def luhn_ok(imei: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(imei)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2
            d = d // 10 + d % 10
        total += d
    return total % 10 == 0


@dataclass
class Generated:
    out: Path
    manifest: dict[str, Any]
    records: list[dict[str, Any]]
    label_rows: list[dict[str, str]]

    @property
    def fraud(self) -> dict[str, dict[str, str]]:
        return {r["number"]: r for r in self.label_rows if r["label"] == "fraud"}

    def by_typology(self, typology: str) -> list[str]:
        return [n for n, r in self.fraud.items() if r["typology"] == typology]

    def outbound(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.records:
            out[r["caller"]].append(r)
        return out

    def operations(self, typology: str) -> Iterator[dict[str, Any]]:
        return (op for op in self.manifest["fraud_operations"] if op["typology"] == typology)


def read_output(out: Path, name: str = "cdrs.jsonl") -> list[dict[str, Any]]:
    path = out / name
    raw = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return [orjson.loads(line) for line in raw.splitlines()]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    out = tmp_path_factory.mktemp("synth_small")
    seen: list[int] = []
    manifest = generate(SMALL, out, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == manifest["cdrs"]
    with (out / "labels.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return Generated(out, manifest, read_output(out), rows)


# ------------------------------------------------------------------------------------------ format


def test_every_record_is_valid(small: Generated) -> None:
    assert len(small.records) == small.manifest["cdrs"] > 10_000
    ids = set()
    for r in small.records:
        assert set(r) == FIELDS
        ids.add(r["cdr_id"])
        assert r["record_type"] in ("voice", "sms")
        assert E164.match(r["caller"]) and E164.match(r["callee"]), r
        assert r["caller"] != r["callee"], r
        assert isinstance(r["duration_s"], int) and 0 <= r["duration_s"] <= 3 * 3600, r
        assert r["disposition"] in ("answered", "busy", "no_answer", "failed")
        moment = datetime.fromisoformat(r["start_time"])
        assert moment.utcoffset() is not None
        if r["record_type"] == "sms":
            assert r["duration_s"] == 0 and r["disposition"] in ("answered", "failed")
        if r["disposition"] == "failed":
            assert r["duration_s"] == 0
        if r["disposition"] == "busy":
            assert r["duration_s"] <= 2
        assert r["cell_id"] is None or CELL.match(r["cell_id"]), r
        assert r["imei"] is None or (len(r["imei"]) == 15 and r["imei"].isdigit() and luhn_ok(r["imei"])), r
        assert (r["cell_id"] is None) == (r["imei"] is None), r
    assert len(ids) == len(small.records)


def test_records_match_the_cdr_json_schema(small: Generated) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from detector.schemas import load_schema

    validator = jsonschema.Draft202012Validator(load_schema("cdr"))
    for r in small.records[::50]:
        validator.validate(r)


def test_stream_is_sorted_by_event_time(small: Generated) -> None:
    times = [epoch(r["start_time"]) for r in small.records]
    assert all(a <= b for a, b in pairwise(times))
    assert small.manifest["first_event"] <= small.manifest["last_event"]


def test_offsets_are_home_except_abroad(small: Generated) -> None:
    home = "+00:00"  # +44 default: UTC
    fraud = set(small.fraud)
    offsets = Counter(r["start_time"][-6:] for r in small.records)
    assert offsets.most_common(1)[0][0] == home
    travellers = [
        r for r in small.records if r["cell_id"] and not r["cell_id"].startswith("234-") and r["caller"] not in fraud
    ]
    assert travellers, "some home subscribers travel and use foreign cells"
    assert any(r["start_time"][-6:] != home for r in travellers)


def test_labels_file(small: Generated) -> None:
    with (small.out / "labels.csv").open() as handle:
        assert handle.readline().strip() == ",".join(LABEL_COLUMNS)
    legit = [r for r in small.label_rows if r["label"] == "legit"]
    numbers = [r["number"] for r in small.label_rows]
    assert len(numbers) == len(set(numbers))
    for row in small.label_rows:
        assert E164.match(row["number"])
        if row["label"] == "fraud":
            assert row["typology"] in TYPOLOGY_NAMES
            assert datetime.fromisoformat(row["fraud_start"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        else:
            assert row["label"] == "legit" and row["typology"] in PROFILE_NAMES and row["fraud_start"] == ""
    # every honest entity is labeled: legit rows plus compromised subscribers (takeover victims, IRSF)
    compromised = sum(
        len(op["numbers"])
        for op in small.manifest["fraud_operations"]
        if op["typology"] == "takeover" or op["variant"].startswith("compromised")
    )
    assert compromised > 0
    assert len(legit) + compromised == SMALL.subscribers
    assert len(small.fraud) >= 50


def test_labels_are_readable_by_the_evaluator(small: Generated) -> None:
    from detector.evaluate import read_labels

    rows = read_labels(small.out / "labels.csv")
    assert len(rows) == len(small.label_rows)


def test_manifest(small: Generated) -> None:
    m = small.manifest
    on_disk = orjson.loads((small.out / "manifest.json").read_bytes())
    assert on_disk["cdrs"] == m["cdrs"] == len(small.records)
    assert m["seed"] == SMALL.seed and m["parameters"]["subscribers"] == SMALL.subscribers
    assert sum(m["cdrs_by_record_type"].values()) == m["cdrs"]
    assert set(m["fraud_numbers_by_typology"]) == set(TYPOLOGY_NAMES)
    assert sum(m["legit_by_profile"].values()) == sum(r["label"] == "legit" for r in small.label_rows)
    assert m["run"]["cdrs_per_second"] > 0


# ------------------------------------------------------------------------------------------ determinism and API


def test_same_seed_same_bytes_other_seed_other_bytes(small: Generated, tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "again")
    assert (tmp_path / "again" / "cdrs.jsonl").read_bytes() == (small.out / "cdrs.jsonl").read_bytes()
    assert (tmp_path / "again" / "labels.csv").read_bytes() == (small.out / "labels.csv").read_bytes()
    other = replace(SMALL, seed=SMALL.seed + 1, days=0.5)
    first = next(iter_jsonl(other))
    assert first != next(iter_jsonl(replace(SMALL, days=0.5)))


def test_iter_cdrs_equals_file(small: Generated) -> None:
    assert list(iter_cdrs(SMALL)) == small.records


def test_iter_lines_are_the_file_lines(small: Generated) -> None:
    lines = list(iter_lines(SMALL))
    assert lines == (small.out / "cdrs.jsonl").read_bytes().splitlines()


def test_small_chunks_stay_sorted_and_complete() -> None:
    """Callbacks and chained calls cross many chunk boundaries when chunks are five minutes."""
    config = replace(SMALL, days=0.75, subscribers=600, fraud_numbers=30, chunk_seconds=300)
    stream = SyntheticStream(config)
    times = np.concatenate([batch.t for batch in stream.batches()])
    assert len(times) > 1_000 and np.all(np.diff(times) >= 0)
    assert stream.max_pending > 0  # something really was held over


def test_fraud_intensity_scales_fraud_traffic() -> None:
    def fraud_calls(intensity: float) -> int:
        stream = SyntheticStream(
            replace(SMALL, days=0.75, subscribers=600, fraud_numbers=30, fraud_intensity=intensity)
        )
        fraud = np.concatenate([s.labeled for s in stream.world.schemes])
        return sum(int(np.isin(b.caller, fraud).sum()) for b in stream.batches())

    assert fraud_calls(0.3) < 0.6 * fraud_calls(1.0)


def test_labels_function_equals_file(small: Generated) -> None:
    assert [dict(zip(LABEL_COLUMNS, row)) for row in labels(SMALL)] == small.label_rows


def test_gzip_output(tmp_path: Path) -> None:
    config = replace(SMALL, days=0.5, gzip=True)
    manifest = generate(config, tmp_path)
    assert manifest["files"]["cdrs"] == "cdrs.jsonl.gz" and not (tmp_path / "cdrs.jsonl").exists()
    assert read_output(tmp_path, "cdrs.jsonl.gz") == list(iter_cdrs(config))


def test_zero_duration_convention() -> None:
    records = list(iter_cdrs(replace(SMALL, days=0.5, unanswered_duration="zero")))
    assert all(r["duration_s"] == 0 for r in records if r["disposition"] != "answered")
    assert any(r["duration_s"] > 0 for r in records)


def test_other_home_country_and_offset() -> None:
    config = replace(SMALL, days=0.5, country_code="1", subscribers=800, fraud_numbers=12)
    records = list(iter_cdrs(config))
    assert Counter(r["start_time"][-6:] for r in records).most_common(1)[0][0] == "-05:00"
    assert Counter(r["caller"][:2] for r in records).most_common(1)[0][0] == "+1"
    assert epoch(records[0]["start_time"]) >= epoch(config.start + "-05:00")


def test_cli_hook_round_trip(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    defaults = config_from_args(parser.parse_args(["--out", str(tmp_path)]))
    assert defaults == GeneratorConfig()
    args = parser.parse_args(
        [
            "--out",
            str(tmp_path),
            "--seed",
            "3",
            "--subscribers",
            "900",
            "--days",
            "0.5",
            "--typologies",
            "wangiri,irsf",
            "--gzip",
            "--target-cdrs",
            "50000",
            "--unanswered-duration",
            "zero",
            "--country-code",
            "+33",
        ]
    )
    config = config_from_args(args)
    assert (config.seed, config.subscribers, config.typologies, config.gzip, config.target_cdrs) == (
        3,
        900,
        ("wangiri", "irsf"),
        True,
        50_000,
    )
    assert config.country_code == "33" and config.unanswered_duration == "zero"
    no_out = argparse.ArgumentParser()
    add_arguments(no_out, include_out=False)
    assert "out" not in vars(no_out.parse_args([]))


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError):
        GeneratorConfig(typologies=("phishing",))
    with pytest.raises(ValueError):
        GeneratorConfig(days=0.2)  # no room for min_history_hours


def test_typology_registry_matches_config() -> None:
    assert tuple(SCHEMES) == TYPOLOGY_NAMES


def test_default_world_labels_every_typology_and_profile() -> None:
    rows = labels(GeneratorConfig())
    fraud = Counter(r[2] for r in rows if r[1] == "fraud")
    assert set(fraud) == set(TYPOLOGY_NAMES)
    assert sum(fraud.values()) >= 100
    assert set(r[2] for r in rows if r[1] == "legit") == set(PROFILE_NAMES)


def test_target_cdrs_sizes_the_world() -> None:
    config = GeneratorConfig(seed=5, days=0.5, target_cdrs=60_000)
    stream = SyntheticStream(config)
    count = sum(len(batch) for batch in stream.batches())
    assert 0.8 * 60_000 <= count <= 1.2 * 60_000


# ------------------------------------------------------------------------------------------ streaming


def _peak_memory_of_streaming(days: float) -> tuple[int, SyntheticStream]:
    stream = SyntheticStream(replace(SMALL, days=days, subscribers=500, fraud_numbers=12))
    tracemalloc.start()
    tracemalloc.reset_peak()
    for _ in stream.batches():
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, stream


def test_streaming_memory_does_not_grow_with_length() -> None:
    short_peak, short = _peak_memory_of_streaming(1.0)
    long_peak, long = _peak_memory_of_streaming(4.0)
    assert long.count > 2 * short.count  # (the default start is a Friday: weekends are quieter)
    assert long_peak < 1.5 * short_peak + 2_000_000
    assert long.max_chunk < 0.1 * long.count  # an hour's chunk, never the stream
    assert long.max_pending < 0.05 * long.count


# ------------------------------------------------------------------------------------------ planted behaviour


def test_fraud_starts_after_honest_history(small: Generated) -> None:
    start = epoch(small.manifest["start"])
    for row in small.fraud.values():
        assert epoch(row["fraud_start"]) >= start + SMALL.min_history_hours * 3600 - 1


def test_wangiri_one_ring_calls_and_callbacks(small: Generated) -> None:
    ops = list(small.operations("wangiri"))
    assert ops
    ringers = {n for op in ops for n in op["numbers"]}
    premium = {n for op in ops for n in op["revenue_numbers"]} | ringers
    rings = [r for r in small.records if r["caller"] in ringers]
    assert rings and all(r["duration_s"] <= 3 for r in rings)
    assert Counter(r["disposition"] for r in rings).most_common(1)[0][0] in ("no_answer", "failed")
    assert len({r["callee"] for r in rings}) > min(300, 0.5 * len(rings))  # a small world is rung repeatedly
    rung = {r["callee"] for r in rings}
    back = [r for r in small.records if r["callee"] in premium and r["caller"] in rung]
    assert back, "some rung subscribers call back"
    first_ring = min(epoch(r["start_time"]) for r in rings)
    assert all(epoch(r["start_time"]) > first_ring for r in back)
    assert np.median([r["duration_s"] for r in back if r["disposition"] == "answered"]) > 30


def test_simbox_sims_share_imeis_and_only_call_out(small: Generated) -> None:
    out = small.outbound()
    for op in small.operations("simbox"):
        sims = op["numbers"]
        imei_sims: dict[str, set[str]] = defaultdict(set)
        cells = set()
        for sim in sims:
            for r in out[sim]:
                imei_sims[r["imei"]].add(sim)
                cells.add(r["cell_id"])
        assert max(len(s) for s in imei_sims.values()) >= 2, "SIMs share handsets"
        assert len(cells) <= 3
        calls = [r for sim in sims for r in out[sim]]
        assert sum(r["record_type"] == "sms" for r in calls) < 0.05 * len(calls)
        inbound = sum(r["callee"] in set(sims) for r in small.records if r["caller"] not in set(sims))
        assert inbound < 0.02 * len(calls)
        answered = [r for r in calls if r["disposition"] == "answered"]
        assert len(answered) > 0.4 * len(calls)
        assert 20 < np.median([r["duration_s"] for r in answered]) < 600


def test_scam_farm_calls_many_distinct_people(small: Generated) -> None:
    out = small.outbound()
    for number in small.by_typology("scam_farm"):
        calls = [r for r in out[number] if epoch(r["start_time"]) >= epoch(small.fraud[number]["fraud_start"])]
        if len(calls) < 30:
            continue
        assert len({r["callee"] for r in calls}) > min(200, 0.5 * len(calls))  # a small world is called repeatedly
        voice = [r for r in calls if r["record_type"] == "voice"]
        assert sum(r["disposition"] == "answered" for r in voice) < 0.7 * len(voice)


def test_irsf_calls_premium_ranges(small: Generated) -> None:
    out = small.outbound()
    premium = tuple(small.manifest["premium_ranges"])
    for op in small.operations("irsf"):
        calls = [r for n in op["numbers"] for r in out[n] if r["callee"] in set(op["params"]["destinations"])]
        assert calls
        assert all(r["callee"].startswith(premium) for r in calls)
        assert sum(r["duration_s"] for r in calls) > 600


def test_takeover_changes_handset_and_place(small: Generated) -> None:
    out = small.outbound()
    checked = moved = 0
    for number in small.by_typology("takeover"):
        start = epoch(small.fraud[number]["fraud_start"])
        before = [r for r in out[number] if epoch(r["start_time"]) < start]
        after = [r for r in out[number] if epoch(r["start_time"]) >= start]
        if not before or not after:
            continue
        assert not {r["imei"] for r in before} & {r["imei"] for r in after}
        lac_before = {r["cell_id"].split("-")[2] for r in before}
        lac_after = {r["cell_id"].split("-")[2] for r in after}
        moved += bool(lac_after - lac_before)  # an honest wander may have touched the attacker's area before
        checked += 1
    assert checked >= 1 and moved >= 0.6 * checked


def test_robocall_dials_at_regular_intervals(small: Generated) -> None:
    out = small.outbound()
    checked = 0
    for number in small.by_typology("robocall"):
        times = np.array(sorted(epoch(r["start_time"]) for r in out[number]))
        if len(times) < 30:
            continue
        gaps = np.diff(times)
        step = np.median(gaps)
        regular = np.abs(gaps - step) <= max(4.0, 0.15 * step)
        assert regular.mean() > 0.8
        checked += 1
    assert checked >= 1


def test_hard_negatives_look_busy(small: Generated) -> None:
    out = small.outbound()
    profile = {r["number"]: r["typology"] for r in small.label_rows if r["label"] == "legit"}
    by_profile: dict[str, list[str]] = defaultdict(list)
    for number, name in profile.items():
        by_profile[name].append(number)
    courier_calls = [len(out[n]) for n in by_profile["courier"]]
    ordinary_calls = [len(out[n]) for n in by_profile["ordinary"]]
    assert np.median(courier_calls) > 8 * np.median(ordinary_calls)
    courier_cells = [len({r["cell_id"] for r in out[n]}) for n in by_profile["courier"] if out[n]]
    assert np.median(courier_cells) > 5
    agents = by_profile["call_centre"]
    assert np.median([len({r["callee"] for r in out[n]}) for n in agents]) > 30
    diaspora = [r for n in by_profile["international_caller"] for r in out[n] if not r["callee"].startswith("+44")]
    assert (
        diaspora
        and np.median(
            [r["duration_s"] for r in diaspora if r["disposition"] == "answered" and r["record_type"] == "voice"]
        )
        > 200
    )
