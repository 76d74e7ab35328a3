"""The engine: parse -> admit -> detect with accounting, and the JSON it hands to the outside."""

from __future__ import annotations

import copyreg
import pickle
import random
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from detector.admission import AdmissionConfig, EventClock
from detector.codec import MAX_RAW_IN_REJECT, alert_to_dict, alert_to_json, reject_to_dict
from detector.engine import Engine
from detector.features import NumberState, state_fields
from detector.parse import TimeParser, format_time
from detector.pipeline import load_state
from detector.records import REJECT_REASONS, SEVERITIES, Alert, Cdr, Reject
from detector.schemas import load_schema

T0 = datetime(2024, 5, 1, 12, tzinfo=timezone.utc).timestamp()
ALERT_VALIDATOR = Draft202012Validator(load_schema("alert"), format_checker=Draft202012Validator.FORMAT_CHECKER)
EMITTED = T0 + 86_400.0


def line(cdr_id: str, t: float, caller: str = "+447911123456", callee: str = "+447700900123", **extra: Any) -> bytes:
    rec: dict[str, Any] = {
        "cdr_id": cdr_id,
        "caller": caller,
        "callee": callee,
        "start_time": format_time(t, 60),
        "duration_s": 35.0,
        "disposition": "answered",
    }
    rec.update(extra)
    return orjson.dumps(rec)


def fraud_stream(seed: int = 3, n: int = 3_000) -> list[bytes]:
    """Honest background traffic, one wangiri number ringing strangers, and a SIM-box handset with six SIMs."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = T0 + 2.0 * i
        out.append(line(f"bg{i}", t, f"+4479{rng.randrange(10**6):08d}", f"+4479{rng.randrange(10**6):08d}",
                        duration_s=round(rng.uniform(5, 300), 3), cell_id=f"234-10-1-{rng.randrange(50)}",
                        disposition=rng.choice(["answered", "answered", "no_answer", "busy"])))
        if i % 20 == 0:
            out.append(line(f"wg{i}", t + 1, "+2321234567", f"+4479{rng.randrange(10**8):08d}", duration_s=3,
                            disposition="no_answer", imei="35123456789012"))
        if i % 15 == 0:
            out.append(line(f"sb{i}", t + 1.5, f"+4479{i // 15 % 6:08d}", f"+4479{rng.randrange(10**8):08d}",
                            duration_s=round(rng.uniform(30, 200), 1), imei="86000000000000", cell_id="234-10-2-7"))
    return out


def feed_all(engine: Engine, lines: list[bytes], start: int = 0) -> list[Alert]:
    alerts: list[Alert] = []
    for n, raw in enumerate(lines, start):
        out = engine.feed(raw, n)
        if isinstance(out, list):
            alerts.extend(out)
    return alerts


@pytest.fixture(scope="module")
def planted_alerts() -> list[Alert]:
    engine = Engine()
    alerts = feed_all(engine, fraud_stream())
    assert engine.counts.balanced()
    return alerts


@pytest.fixture(scope="module")
def synth_lines() -> list[bytes]:
    """A small synthetic world (honest population plus planted operations of every typology)."""
    from detector.synth import GeneratorConfig, iter_jsonl

    config = GeneratorConfig(seed=1, subscribers=500, days=1.0, fraud_numbers=12)
    return [raw for chunk in iter_jsonl(config) for raw in chunk.splitlines() if raw]


@pytest.fixture(scope="module")
def synth_alerts(synth_lines: list[bytes]) -> list[Alert]:
    engine = Engine()
    alerts = feed_all(engine, synth_lines)
    assert engine.counts.balanced() and engine.counts.processed > 0.99 * len(synth_lines)
    return alerts


@pytest.fixture(scope="module")
def fraud_alerts(planted_alerts: list[Alert], synth_alerts: list[Alert]) -> list[Alert]:
    """Alerts of many typologies and severities."""
    return planted_alerts + synth_alerts


# ------------------------------------------------------------------------------------ accounting


def test_mix_of_good_bad_duplicate_and_late_lines_is_accounted_for() -> None:
    engine = Engine()
    good = [line(f"g{i}", T0 + 10 * i) for i in range(200)]
    lines: list[tuple[bytes, str]] = []
    rng = random.Random(1)
    for i, raw in enumerate(good):
        lines.append((raw, "processed"))
        if i % 10 == 3:
            lines.append((rng.choice(good[max(0, i - 5):i + 1]), "duplicate"))
        if i % 17 == 5:
            lines.append((b'{"cdr_id": "x", "caller": ', "malformed_json"))
        if i % 19 == 7:
            lines.append((line(f"bad{i}", T0 + 10 * i, caller="0044"), "bad_number"))
        if i % 23 == 11:
            lines.append((line(f"late{i}", T0 + 10 * i - 3_600), "late"))
        if i % 29 == 13:
            lines.append((line(f"fut{i}", T0 + 10 * i + 3 * 86_400), "time_out_of_range"))
        if i % 31 == 17:
            lines.append((b"\xff\xfe", "encoding"))
    expected = Counter(kind for _, kind in lines)
    for n, (raw, kind) in enumerate(lines):
        out = engine.feed(raw, n)
        if kind == "processed":
            assert isinstance(out, list)
        else:
            assert isinstance(out, Reject) and out.reason == kind and out.line == n
        assert engine.counts.balanced()
    counts = engine.counts
    assert counts.consumed == len(lines)
    assert counts.processed == expected["processed"] == 200
    assert counts.duplicates == expected["duplicate"]
    rejected = {k: v for k, v in expected.items() if k not in ("processed", "duplicate")}
    assert dict(counts.rejected) == rejected
    assert counts.rejected_total == sum(rejected.values())
    d: dict[str, Any] = counts.to_dict()
    assert d["consumed"] == d["processed"] + d["rejected"] + d["duplicates"]
    assert d["rejected_by_reason"] == dict(sorted(rejected.items()))


def test_the_same_line_three_times_is_processed_once_and_counted_twice_as_duplicate() -> None:
    engine = Engine()
    raw = line("once", T0)
    assert isinstance(engine.feed(raw), list)
    for _ in range(2):
        out = engine.feed(raw)
        assert isinstance(out, Reject) and out.reason == "duplicate" and out.raw == raw
    assert (engine.counts.consumed, engine.counts.processed, engine.counts.duplicates) == (3, 1, 2)
    assert engine.counts.rejected_total == 0


def test_feed_cdr_counts_itself_and_shares_admission_with_feed() -> None:
    engine = Engine()
    cdr = engine.parser.parse(line("x", T0))
    assert isinstance(cdr, Cdr)
    assert engine.feed_cdr(cdr) == []
    out = engine.feed(line("x", T0))
    assert isinstance(out, Reject) and out.reason == "duplicate"
    assert (engine.counts.consumed, engine.counts.processed, engine.counts.duplicates) == (2, 1, 1)


def test_wall_clock_guard_through_the_engine() -> None:
    engine = Engine()
    out = engine.feed(line("f", datetime(2999, 1, 1, tzinfo=timezone.utc).timestamp()), 1, wall_now=T0)
    assert isinstance(out, Reject) and out.reason == "time_out_of_range"
    assert isinstance(engine.feed(line("ok", T0 - 60), 2, wall_now=T0), list)
    assert engine.counts.balanced() and engine.counts.processed == 1


def test_str_lines_are_accepted() -> None:
    engine = Engine()
    assert isinstance(engine.feed(line("s", T0).decode()), list)
    out = engine.feed(line("s", T0).decode())
    assert isinstance(out, Reject) and out.reason == "duplicate" and isinstance(out.raw, bytes)


JUMP = AdmissionConfig().jump_after
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("good"), st.integers(0, 120)),  # seconds after the previous good line
        st.tuples(st.just("dup"), st.integers(0, 10**6)),  # repeat one of the lines processed so far
        st.tuples(st.just("late"), st.integers(901, 86_400)),  # this far behind the newest good line (ended too)
        st.tuples(st.just("future"), st.integers(86_401, 10**8)),
        st.tuples(st.just("garbage"), st.binary(max_size=80)),
        st.tuples(st.just("cdr"), st.integers(0, 60)),  # through feed_cdr
    ),
    max_size=80,
).filter(lambda ops: sum(kind == "future" for kind, _ in ops) < JUMP)  # longer runs move the stream: next test


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_accounting_balances_after_every_message(ops: list[tuple[str, Any]]) -> None:
    engine = Engine()
    anchor = line("anchor", T0)
    assert engine.feed(anchor, -1) == []  # the watermark starts at T0
    seen: list[bytes] = [anchor]
    t = T0
    fed = 1
    for n, (kind, arg) in enumerate(ops):
        before = engine.counts.processed, engine.counts.duplicates, engine.counts.rejected_total
        if kind == "cdr":
            t += arg
            cdr = engine.parser.parse(line(f"cdr{n}", t))
            assert isinstance(cdr, Cdr)
            out = engine.feed_cdr(cdr, line=n)
        else:
            if kind == "good":
                t += arg
                raw = line(f"g{n}", t, callee=f"+4477009{n:05d}", disposition="no_answer", duration_s=2)
            elif kind == "dup":
                raw = seen[arg % len(seen)]
            elif kind == "late":
                raw = line(f"l{n}", t - arg, duration_s=0)
            elif kind == "future":
                raw = line(f"f{n}", t + arg)
            else:
                raw = arg
            out = engine.feed(raw, n)
            if isinstance(out, list):
                seen.append(raw)  # only processed lines are repeated: a refused one may be fine later
        fed += 1
        assert engine.counts.consumed == fed
        after = engine.counts.processed, engine.counts.duplicates, engine.counts.rejected_total
        delta = tuple(a - b for a, b in zip(after, before))
        assert engine.counts.balanced()
        if isinstance(out, list):
            assert delta == (1, 0, 0)
        else:
            assert isinstance(out, Reject) and out.reason in REJECT_REASONS
            assert delta == ((0, 1, 0) if out.reason == "duplicate" else (0, 0, 1))
            assert out.line == n
        if kind in ("good", "cdr"):
            assert isinstance(out, list)
        elif kind == "late":
            assert isinstance(out, Reject) and out.reason == "late"
        elif kind == "future":
            assert isinstance(out, Reject) and out.reason == "time_out_of_range"
        elif kind == "dup":
            # duplicates are recognised before the event-time checks, and all lines lie within the dedup horizon
            assert isinstance(out, Reject) and out.reason == "duplicate"


def test_accounting_when_the_stream_resumes_after_a_long_gap() -> None:
    """A 25 h outage: the first jump_after - 1 lines after it are refused and counted, then the stream goes on."""
    engine = Engine()
    before = [line(f"b{i}", T0 + 10 * i) for i in range(20)]
    resume = T0 + 25 * 3_600
    after = [line(f"a{i}", resume + 10 * i) for i in range(200)]
    outs = [engine.feed(raw, n) for n, raw in enumerate(before + after)]
    reasons = [o.reason if isinstance(o, Reject) else None for o in outs]
    assert reasons == [None] * 20 + ["time_out_of_range"] * (JUMP - 1) + [None] * (200 - JUMP + 1)
    counts = engine.counts
    assert counts.balanced() and counts.consumed == 220
    assert counts.processed == 220 - (JUMP - 1) and dict(counts.rejected) == {"time_out_of_range": JUMP - 1}
    assert engine.feed(after[-1]).reason == "duplicate"  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------ alerts


def test_planted_stream_alerts_only_the_planted_numbers(planted_alerts: list[Alert]) -> None:
    numbers = {a.number for a in planted_alerts}
    assert "+2321234567" in numbers
    assert {a.typology for a in planted_alerts if a.number == "+2321234567"} == {"wangiri"}
    planted = {"+2321234567"} | {f"+4479{k:08d}" for k in range(6)}
    assert numbers <= planted  # no honest background number is alerted


def test_handset_sim_count_reaches_the_numbers_state() -> None:
    engine = Engine()
    feed_all(engine, fraud_stream(n=600))
    numbers = engine.detector.numbers
    t = T0 + 2.0 * 600
    sims = [numbers[f"+4479{k:08d}"].shared_handset(t) for k in range(6)]
    assert max(sims) == 6 and min(sims) >= 2  # the later SIMs saw more SIMs on the shared handset
    assert numbers["+2321234567"].shared_handset(t) == 0  # its handset has one SIM
    assert numbers[f"+4479{0:08d}"].shared_handset(t + 86_400.0) == 0  # evidence expires after a day


def test_alert_json_validates_against_the_schema(fraud_alerts: list[Alert]) -> None:
    assert len({a.typology for a in fraud_alerts}) >= 2
    for alert in fraud_alerts:
        doc = alert_to_dict(alert, emitted_at=EMITTED)
        errors = [e.message for e in ALERT_VALIDATOR.iter_errors(doc)]
        assert not errors, (doc, errors)
        assert orjson.loads(alert_to_json(alert, emitted_at=EMITTED)) == doc
        assert ALERT_VALIDATOR.is_valid(alert_to_dict(alert))  # wall-clock emitted_at
        parsed = TimeParser().parse(doc["detected_at"])  # type: ignore[arg-type]
        assert parsed is not None
        assert parsed[0] == pytest.approx(alert.detected_at, abs=1e-3) and parsed[1] == alert.offset_min


def test_alerts_follow_the_episode_rules(fraud_alerts: list[Alert]) -> None:
    ids = [a.alert_id for a in fraud_alerts]
    assert len(ids) == len(set(ids))
    level: dict[tuple[str, int], int] = {}
    for a in fraud_alerts:
        key = (a.number, a.episode)
        lv = SEVERITIES.index(a.severity)
        if key in level:
            assert a.escalation and lv > level[key]
        else:
            assert not a.escalation
        level[key] = lv


def test_engine_is_deterministic_and_resumes_from_a_pickle(synth_lines: list[bytes], synth_alerts: list[Alert]) -> None:
    assert synth_alerts
    half = len(synth_lines) // 2
    engine = Engine()
    first = feed_all(engine, synth_lines[:half])
    resumed = pickle.loads(pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL))
    second = feed_all(resumed, synth_lines[half:], half)
    again = first + second
    assert [alert_to_dict(a, EMITTED) for a in again] == [alert_to_dict(a, EMITTED) for a in synth_alerts]
    assert resumed.counts.consumed == len(synth_lines) and resumed.counts.balanced()


class _PreFixLayout(pickle.Pickler):
    """Pickles an Engine the way the code before commit 80915ec did: NumberState without ``tv_last`` and
    EventClock without ``_ahead_t``/``_ahead_n`` (a slotted object pickles as the dict of its slots).

    Checked against a state file really written by the pre-fix code (git archive 80915ec~1): it loads, and
    its first voice call of a known number raises the same AttributeError.
    """

    ADDED: dict[type, tuple[str, ...]] = {NumberState: ("tv_last",), EventClock: ("_ahead_t", "_ahead_n")}

    def reducer_override(self, obj: Any) -> Any:
        added = self.ADDED.get(type(obj))
        if added is None:
            return NotImplemented
        state = {name: getattr(obj, name) for name in state_fields(type(obj)) if name not in added}
        return copyreg.__newobj__, (type(obj),), (None, state)  # type: ignore[attr-defined]


def test_a_state_saved_before_the_layout_change_is_refused_or_resumes(tmp_path: Any) -> None:
    engine = Engine()
    for i in range(20):  # no IMEI: no HandsetState in the state
        assert isinstance(engine.feed(line(f"c{i}", T0 + 60 * i, callee=f"+4477009{i:05d}")), list)
    path = tmp_path / "old.state"
    with open(path, "wb") as fh:
        # format 1: what pipeline.STATE_FORMAT was when such files were written
        _PreFixLayout(fh, protocol=pickle.HIGHEST_PROTOCOL).dump({"format": 1, "kind": "Engine", "state": engine})
    try:
        resumed = load_state(path, Engine)
    except ValueError:
        return  # refused cleanly: fine
    out = resumed.feed(line("next", T0 + 3_600))  # the same caller calls again
    assert isinstance(out, list)
    far = resumed.feed(line("far", T0 + 3 * 86_400, caller="+447911000001"))
    assert isinstance(far, Reject) and far.reason == "time_out_of_range"


# ------------------------------------------------------------------------------------ rejects


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"not json", "malformed_json"),
        (line("r", T0, caller="447911123456"), "bad_number"),
        (line("r", T0, duration_s="35"), "wrong_type"),
        (b"[]", "not_an_object"),
        (line("r", T0, pad="x" * 20_000), "too_large"),
    ],
)
def test_reject_dicts_carry_reason_detail_and_line(raw: bytes, reason: str) -> None:
    engine = Engine()
    out = engine.feed(raw, 41)
    assert isinstance(out, Reject)
    doc = reject_to_dict(out)
    assert doc["reason"] == reason and doc["line"] == 41
    assert isinstance(doc["detail"], str) and doc["detail"]
    assert isinstance(doc["raw"], str) and len(doc["raw"]) <= 4 * MAX_RAW_IN_REJECT
    assert doc["raw_truncated"] is (len(raw) > MAX_RAW_IN_REJECT)
    if not doc["raw_truncated"]:
        assert doc["raw"] == raw.decode()
    orjson.dumps(doc)


def test_duplicate_and_late_reject_dicts() -> None:
    engine = Engine()
    engine.feed(line("a", T0), 1)
    dup = engine.feed(line("a", T0), 2)
    late = engine.feed(line("b", T0 - 7_200), 3)
    assert isinstance(dup, Reject) and isinstance(late, Reject)
    d, l_ = reject_to_dict(dup), reject_to_dict(late)
    assert (d["reason"], d["line"]) == ("duplicate", 2) and "already processed" in str(d["detail"])
    assert (l_["reason"], l_["line"]) == ("late", 3) and "behind" in str(l_["detail"])
    assert d["raw"] == line("a", T0).decode()


def test_reject_without_line_has_no_line_key_and_invalid_utf8_raw_is_escaped() -> None:
    out = Engine().feed(b'{"cdr_id": "\xff"}')
    assert isinstance(out, Reject) and out.reason == "encoding"
    doc = reject_to_dict(out)
    assert "line" not in doc
    assert doc["raw"] == '{"cdr_id": "\\xff"}'
    orjson.dumps(doc)
