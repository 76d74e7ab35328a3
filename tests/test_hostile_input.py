"""Hostile and broken input: >= 100,000 messages through the parser and through a real worker, each kind of
bad record with its reason code, and a stream whose clock is hours off the wall clock.

The per-field parser cases (each reason with a concrete record, hypothesis on bytes/text/objects) are in
``tests/test_parse.py``; this file adds volume (random bytes mixed with mutated and valid records) and the
worker path: what the DLQ says about every message a producer can put on the topic.
"""

from __future__ import annotations

import json
import random
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detector.parse import MAX_MESSAGE_BYTES, CdrParser
from detector.records import REJECT_REASONS, Cdr, Reject
from tests.worker_helpers import WorkerProc, free_port, read_topic, unique, wait_for

try:
    from tests.kafka_fixtures import kafka_bootstrap  # noqa: F401
except ImportError:  # pragma: no cover - tests/ on sys.path instead of the repo root
    from kafka_fixtures import kafka_bootstrap  # type: ignore[no-redef]  # noqa: F401

PARTITIONS = 4
N_WORKER = 100_000

# -- message factory ------------------------------------------------------------------------------------------


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _record(i: int, t: float, rng: random.Random, callers: list[str]) -> dict[str, Any]:
    return {"cdr_id": f"h-{i}", "record_type": rng.choice(["voice", "sms"]), "caller": rng.choice(callers),
            "callee": f"+4477009{rng.randrange(100_000):05d}", "start_time": _iso(t),
            "duration_s": rng.randrange(0, 600), "disposition": rng.choice(["answered", "busy", "no_answer"]),
            "imei": f"35{rng.randrange(10**12):012d}", "cell_id": f"c{rng.randrange(500)}"}


def _dumps(d: dict[str, Any]) -> bytes:
    return json.dumps(d, separators=(",", ":")).encode()


#: category -> the reason codes it may get (None: processed).  Where the parser decides, the test also
#: checks the worker's reason equals the parser's own answer for those bytes.
EXPECTED: dict[str, set[str] | None] = {
    "valid": None,
    "duplicate": {"duplicate"},
    "misrouted": {"misrouted"},
    "random_bytes": {"malformed_json", "encoding", "not_an_object", "too_large"},
    "mutated": set(REJECT_REASONS) - {"duplicate", "misrouted", "late"},  # or processed (a harmless flip)
    "huge": {"too_large"},
    "huge_900k": {"too_large"},
    "deep_json": {"malformed_json"},
    "deep_in_record": {"malformed_json"},
    "enormous_string": {"wrong_type", "bad_number"},
    "number_as_string": {"wrong_type"},
    "nan_infinity": {"malformed_json"},
    "control_chars": {"wrong_type", "bad_number", "bad_field"},
    "invalid_utf8": {"encoding"},
    "year_1970": {"time_out_of_range"},
    "year_2999": {"time_out_of_range"},
    "tombstone_like": {"malformed_json", "not_an_object"},
}


def _mutate(b: bytes, rng: random.Random) -> bytes:
    buf = bytearray(b)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(3)
        pos = rng.randrange(len(buf)) if buf else 0
        if op == 0 and buf:
            buf[pos] = rng.randrange(256)
        elif op == 1:
            del buf[pos:pos + rng.randrange(1, 20)]
        else:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
    return bytes(buf)


def hostile_stream(n: int, seed: int, t0: float) -> list[tuple[str, bytes]]:
    """``n`` messages, ~35% valid CDRs (event times rising from ``t0``), the rest of every bad kind."""
    rng = random.Random(seed)
    callers = [f"+4477001{k:05d}" for k in range(3_000)]
    out: list[tuple[str, bytes]] = []
    valid: list[bytes] = []
    t = t0
    bad_kinds = [k for k in EXPECTED if k not in ("valid", "huge_900k")]
    for i in range(n):
        if i % 20_000 == 7:
            out.append(("huge_900k", b'{"cdr_id":"' + b"A" * 900_000 + b'"}'))
            continue
        if rng.random() < 0.35 or not valid:
            t += 0.05
            b = _dumps(_record(i, t, rng, callers))
            valid.append(b)
            out.append(("valid", b))
            continue
        kind = rng.choice(bad_kinds)
        base = _record(i, t, rng, callers)
        if kind == "duplicate":
            b = rng.choice(valid[-500:])
        elif kind == "misrouted":
            t += 0.05
            b = _dumps(base)
        elif kind == "random_bytes":
            b = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        elif kind == "mutated":
            b = _mutate(rng.choice(valid[-100:]), rng)
        elif kind == "huge":
            b = _dumps({**base, "padding": "x" * (MAX_MESSAGE_BYTES + rng.randrange(1, 50_000))})
        elif kind == "deep_json":
            d = rng.randrange(1_100, 2_700)  # deeper than orjson allows (1024), under the size limit
            b = rng.choice([b"[" * d + b"]" * d, b'{"a":' * d + b"1" + b"}" * d])
        elif kind == "deep_in_record":
            b = _dumps({**base, "extra": "Q"}).replace(b'"Q"', b"[" * 1_500 + b"]" * 1_500)
        elif kind == "enormous_string":
            field = rng.choice(["cdr_id", "caller", "callee"])
            b = _dumps({**base, field: "+" + "9" * rng.randrange(300, 15_000)})
        elif kind == "number_as_string":
            b = _dumps({**base, "duration_s": str(base["duration_s"])})
        elif kind == "nan_infinity":
            b = _dumps({**base, "duration_s": "@@"}).replace(b'"@@"', rng.choice([b"NaN", b"Infinity", b"-Infinity",
                                                                                 b"1e999"]))
        elif kind == "control_chars":
            field = rng.choice(["cdr_id", "caller", "cell_id", "imei"])
            b = _dumps({**base, field: str(base[field])[:4] + rng.choice(["\x00", "\x1b[31m", "\x07", "\u202e"])
                        + str(base[field])[4:]})
        elif kind == "invalid_utf8":
            b = _dumps({**base, "cdr_id": "@@"}).replace(b"@@", rng.choice([b"\xc3\x28", b"\xff\xfe", b"\xed\xa0\x80",
                                                                          b"\xe2\x82"]))
        elif kind == "year_1970":
            b = _dumps({**base, "start_time": _iso(rng.randrange(0, 86_400 * 365))})
        elif kind == "year_2999":
            b = _dumps({**base, "start_time": f"2999-{rng.randrange(1, 13):02d}-01T00:00:00Z"})
        elif kind == "tombstone_like":
            b = rng.choice([b"", b" ", b"null", b"[]", b"{", b"\n"])
            b = b if b.strip() else b"null"
        else:  # pragma: no cover
            raise AssertionError(kind)
        out.append((kind, b))
    return out


# -- the parser, >= 100,000 records ------------------------------------------------------------------------------


def test_parser_survives_100k_mixed_records() -> None:
    parser = CdrParser()
    rng = random.Random(11)
    msgs = hostile_stream(60_000, seed=3, t0=1_790_000_000.0)
    msgs += [("random_bytes", rng.randbytes(rng.randrange(0, 400))) for _ in range(25_000)]
    valid = [b for k, b in msgs if k == "valid"]
    msgs += [("mutated", _mutate(rng.choice(valid), rng)) for _ in range(20_000)]
    assert len(msgs) >= 100_000
    seen: dict[str, dict[str, int]] = {}
    t0 = time.perf_counter()
    for kind, b in msgs:
        r = parser.parse(b)
        assert type(r) in (Cdr, Reject)
        outcome = "cdr" if type(r) is Cdr else r.reason
        if type(r) is Reject:
            assert r.reason in REJECT_REASONS and isinstance(r.detail, str) and len(r.detail) < 400
        seen.setdefault(kind, {}).setdefault(outcome, 0)
        seen[kind][outcome] += 1
    took = time.perf_counter() - t0
    print(f"{len(msgs):,} records parsed in {took:.1f}s:", json.dumps(seen, sort_keys=True))
    assert seen["valid"] == {"cdr": seen["valid"]["cdr"]}
    for kind in ("huge", "huge_900k", "deep_json", "deep_in_record", "number_as_string", "nan_infinity",
                 "invalid_utf8", "year_1970", "enormous_string", "control_chars"):
        allowed = EXPECTED[kind]
        assert allowed is not None and set(seen[kind]) <= allowed, (kind, seen[kind])
    # The parser itself accepts 2999 (a valid RFC 3339 instant); admission refuses it (see the worker test).
    assert set(seen["year_2999"]) == {"cdr"}
    assert set(seen["random_bytes"]) <= EXPECTED["random_bytes"] | {"missing_field"}


@settings(max_examples=3_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b'{"cdr_id":', b'"caller":"+447700900001"', b'"start_time":"2999-01-01T00:00:00Z"',
                     b'"duration_s":NaN', b'"duration_s":"30"', b"\x00", b"\xff", b"[" * 2000, b"}", b",",
                     b'"x":"' + b"y" * 20_000 + b'"', b'"start_time":"1970-01-01T00:00:00Z"', b"1e999"])),
    max_size=12))
def test_parser_hypothesis_fragments_mixed_with_hostile_pieces(parts: list[bytes]) -> None:
    r = CdrParser().parse(b"".join(parts))
    assert type(r) is Cdr or (type(r) is Reject and r.reason in REJECT_REASONS)


# -- the worker: >= 100,000 messages, every one accounted for ------------------------------------------------


def _produce_tracked(bootstrap: str, topic: str, msgs: list[tuple[str, bytes]]) -> dict[tuple[int, int], int]:
    """Produce with delivery reports; (partition, offset) -> index in ``msgs``.  Misrouted ones go to a
    partition that does not own their caller; everything else keyed by caller (murmur2) or unkeyed."""
    from confluent_kafka import Producer

    from detector.produce import caller_key
    from detector.worker.codec import Partitioner

    part = Partitioner(PARTITIONS)
    where: dict[tuple[int, int], int] = {}
    failed: list[str] = []

    def cb(i: int) -> Any:
        def done(err: Any, msg: Any) -> None:
            if err is not None:
                failed.append(str(err))
            else:
                where[(msg.partition(), msg.offset())] = i
        return done

    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 20,
                  "queue.buffering.max.messages": 200_000, "enable.idempotence": True, "log_level": 3,
                  "message.max.bytes": 1_000_000 + 10_000})
    for i, (kind, b) in enumerate(msgs):
        key = caller_key(b)
        kw: dict[str, Any] = {}
        if kind == "misrouted":
            assert key is not None
            kw["partition"] = (part(key.decode()) + 1) % PARTITIONS
        for _ in range(10_000):
            try:
                p.produce(topic, b, key, on_delivery=cb(i), **kw)
                break
            except BufferError:
                p.poll(0.01)
        if not i % 1000:
            p.poll(0)
    assert p.flush(120) == 0
    assert not failed, failed[:3]
    return where


@pytest.mark.kafka
def test_worker_accounts_for_100k_hostile_messages(kafka_bootstrap: str, tmp_path: Path) -> None:
    from detector.produce import ensure_topic

    msgs = hostile_stream(N_WORKER, seed=5, t0=time.time() - 3_600)
    t = {"topic": unique("hostile-cdrs"), "alerts": unique("hostile-alerts"), "dlq": unique("hostile-dlq"),
         "group": unique("hostile-g")}
    ensure_topic({"bootstrap.servers": kafka_bootstrap}, t["topic"], PARTITIONS)
    t_prod = time.monotonic()
    where = _produce_tracked(kafka_bootstrap, t["topic"], msgs)
    t_prod = time.monotonic() - t_prod
    assert len(where) == N_WORKER
    w = WorkerProc(kafka_bootstrap, tmp_path, "hostile", topic=t["topic"], group=t["group"], alerts=t["alerts"],
                   dlq=t["dlq"], partitions=PARTITIONS, batch_size=2_000)
    w.start()
    t_run = time.monotonic()
    try:
        def done() -> bool:
            h = w.health()
            return h is not None and h["counts"]["consumed"] == N_WORKER and h["held_for_ordering"] == 0
        wait_for(done, 120, "the worker to consume every message", interval=1.0)
        t_run = time.monotonic() - t_run
    except Exception:
        print(w.log_tail(40))
        raise
    finally:
        w.stop()
    c = w.final_report()["counts"]
    print(f"produced {N_WORKER:,} in {t_prod:.1f}s, consumed in {t_run:.1f}s:", json.dumps(c, sort_keys=True))
    assert c["consumed"] == N_WORKER == c["processed"] + c["rejected"] + c["duplicates"], c
    log = w.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]

    # Every message: processed, or in the DLQ once with the expected reason.
    dlq = [orjson.loads(v) for _, v in read_topic(kafka_bootstrap, t["dlq"], timeout=60)]
    assert len(dlq) == c["rejected"] + c["duplicates"]
    by_pos: dict[tuple[int, int], str] = {}
    for d in dlq:
        pos = (d["source"]["partition"], d["source"]["offset"])
        assert d["source"]["topic"] == t["topic"] and pos not in by_pos
        assert d["reason"] in REJECT_REASONS and d["detail"]
        by_pos[pos] = d["reason"]
    parser = CdrParser()
    outcomes: dict[str, dict[str, int]] = {}
    wrong: list[Any] = []
    for pos, i in where.items():
        kind, b = msgs[i]
        got = by_pos.get(pos, "processed")
        outcomes.setdefault(kind, {}).setdefault(got, 0)
        outcomes[kind][got] += 1
        allowed = EXPECTED[kind]
        ok = got == "processed" if allowed is None else got in allowed
        if kind in ("random_bytes", "huge", "huge_900k", "deep_json", "deep_in_record", "enormous_string",
                    "number_as_string", "nan_infinity", "control_chars", "invalid_utf8", "year_1970",
                    "tombstone_like", "mutated"):
            r = parser.parse(b)
            expect = "processed" if type(r) is Cdr else r.reason
            if kind == "mutated" and expect == "processed":
                ok = got in ("processed", "duplicate", "late", "time_out_of_range", "misrouted")
            else:
                ok = ok and got == expect
        if not ok:
            wrong.append((kind, got, b[:120]))
    print("outcomes by kind:", json.dumps(outcomes, sort_keys=True))
    assert not wrong, wrong[:10]
    assert len(where) - len(by_pos) == c["processed"]
    assert outcomes["valid"] == {"processed": outcomes["valid"]["processed"]}
    garbage = sum(n for k, v in outcomes.items() if k != "valid" for n in v.values())
    assert garbage >= 0.5 * N_WORKER


# -- clock skew ------------------------------------------------------------------------------------------------


def _skewed_lines(n: int, skew_s: float, tag: str) -> list[bytes]:
    rng = random.Random(len(tag))
    callers = [f"+4477002{k:05d}" for k in range(300)]
    t0 = time.time() + skew_s - n * 0.2
    return [_dumps(_record(i, t0 + i * 0.2, rng, callers) | {"cdr_id": f"{tag}-{i}"}) for i in range(n)]


def _metric(port: int, name: str) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name == name:
                return float(s.value)
    return None


@pytest.mark.kafka
def test_clock_skew_hours_ahead_and_behind_is_processed_and_measured(kafka_bootstrap: str, tmp_path: Path) -> None:
    from detector.produce import ensure_topic, produce_lines

    n = 2_000
    runs = {"ahead": 3 * 3_600.0, "behind": -5 * 3_600.0}
    workers: dict[str, tuple[WorkerProc, int]] = {}
    for name, skew in runs.items():
        t = {"topic": unique(f"skew-{name}"), "alerts": unique("skew-alerts"), "dlq": unique("skew-dlq"),
             "group": unique("skew-g")}
        ensure_topic({"bootstrap.servers": kafka_bootstrap}, t["topic"], PARTITIONS)
        res = produce_lines(_skewed_lines(n, skew, name), {"bootstrap.servers": kafka_bootstrap}, t["topic"])
        assert res.failed == 0
        port = free_port()
        w = WorkerProc(kafka_bootstrap, tmp_path, f"skew-{name}", topic=t["topic"], group=t["group"],
                       alerts=t["alerts"], dlq=t["dlq"], partitions=PARTITIONS, batch_size=500,
                       extra=["--metrics-port", str(port)])
        workers[name] = (w, port)
    try:
        for w, _ in workers.values():
            w.start()
        found: dict[str, dict[str, Any]] = {}
        for name, (w, port) in workers.items():
            wait_for(lambda w=w: (h := w.health()) is not None and h["counts"]["consumed"] == n
                     and h["held_for_ordering"] == 0, 90, f"{name} worker to consume")
            h = w.health()
            assert h is not None
            found[name] = {"health": h, "lag_gauge": _metric(port, "cdr_detector_event_time_lag_seconds"),
                           "last_event": _metric(port, "cdr_detector_last_event_timestamp_seconds"),
                           "now": time.time()}
    except Exception:
        for w, _ in workers.values():
            print(f"--- {w.name} ---\n{w.log_tail(30)}")
        raise
    finally:
        for w, _ in workers.values():
            w.stop()
    print({k: {"skew": v["health"]["event_time_skew_s"], "lag": v["lag_gauge"],
               "last_event_minus_now": None if v["last_event"] is None else v["last_event"] - v["now"]}
           for k, v in found.items()})
    for name, skew in runs.items():
        f = found[name]
        c = f["health"]["counts"]
        # Hours of skew either way: every record is processed on event time (nothing rejected as too late
        # or too far ahead: the stream's own clock is what counts, the wall clock only guards > 7 days).
        assert c["processed"] == n and c["rejected"] == 0, c
        # The skew is measured (health: signed, now - newest event time) ...
        assert abs(f["health"]["event_time_skew_s"] + skew) < 600, (name, f["health"]["event_time_skew_s"])
        # ... and exported: the newest event time is the stream's, hours off the wall clock.
        assert f["last_event"] is not None and abs((f["last_event"] - f["now"]) - skew) < 600
    # Behind: the event-time lag gauge shows the 5 h.  Ahead: the lag gauge cannot go below 0.
    assert abs(found["behind"]["lag_gauge"] - 5 * 3_600) < 600
    assert found["ahead"]["lag_gauge"] == 0.0
