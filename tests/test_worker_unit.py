"""The worker's pure parts, without a broker: state codec round trips, packing, partitioning, and the batch
processor's topology against replay (an in-process stand-in for the Kafka hops)."""

from __future__ import annotations

import collections
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.features import HandsetState, NumberState
from detector.policy import Episode
from detector.worker.codec import (
    EPISODE_CODEC,
    HANDSET_CODEC,
    NUMBER_CODEC,
    Partitioner,
    StateLayoutError,
    pack,
    partition_for,
    unpack,
)
from detector.worker.processor import BatchProcessor, DictStore, InRecord


def _same(a: object, b: object) -> bool:
    return all(getattr(a, n) == getattr(b, n) for n in type(a).__slots__)  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6), st.integers(10**9, 10**12 - 1), st.floats(0, 3600), st.booleans(),
                          st.booleans()), max_size=40))
def test_number_state_round_trips(calls: list[tuple[float, int, float, bool, bool]]) -> None:
    s = NumberState()
    t = 1.7e9
    for dt, callee, dur, answered, voice in calls:
        t += dt
        s.on_outbound(t, 60, callee, dur, answered, False, voice, False, False, "356938035643809", "234-1-2-3")
        s.on_inbound(t, callee, dur, answered, voice, answered)
    back = NUMBER_CODEC.loads(NUMBER_CODEC.dumps(s))
    assert type(back) is NumberState and _same(s, back)


def test_handset_and_episode_round_trip() -> None:
    h = HandsetState()
    for i in range(20):
        h.on_call(1.7e9 + i * 60, 447700900000 + i % 5, True)
    assert _same(h, HANDSET_CODEC.loads(HANDSET_CODEC.dumps(h)))
    e = Episode()
    e.episode, e.start_t, e.last_t, e.level, e.typology = 2, 1.0, 5.0, 1, "wangiri"
    assert _same(e, EPISODE_CODEC.loads(EPISODE_CODEC.dumps(e)))


def test_codec_refuses_other_layouts() -> None:
    blob = HANDSET_CODEC.dumps(HandsetState())
    with pytest.raises(StateLayoutError):
        NUMBER_CODEC.loads(blob)
    with pytest.raises(StateLayoutError):
        NUMBER_CODEC.loads(NUMBER_CODEC.header + b"garbage")


def test_pack_and_partitioner() -> None:
    kind, events = unpack(pack("inbound", "w/1", [[1, "a"], [2, "b"]]))
    assert kind == "inbound" and events == [[1, "a"], [2, "b"]]
    with pytest.raises(ValueError):
        unpack(b'{"v": 99}')
    # murmur2 as the Java client: the reference value of Kafka's own partitioner tests.
    assert partition_for("+447700900123", 8) == Partitioner(8)("+447700900123")
    from aiokafka.partitioner import murmur2

    assert murmur2(b"21") & 0xFFFFFFFF == -973932308 & 0xFFFFFFFF


def simulate(lines: list[bytes], partitions: int = 6, chunk: int = 60) -> tuple[list[dict], BatchProcessor]:
    """The worker's topology in one process: per round, ``chunk`` CDRs per partition plus the internal
    messages the previous round produced (one hop = one round, as a fast broker would deliver them)."""
    stores = {"numbers": DictStore(), "handsets": DictStore(), "episodes": DictStore()}
    bp = BatchProcessor(partitions, stores)
    parts: dict[int, collections.deque[InRecord]] = collections.defaultdict(collections.deque)
    for line in lines:
        try:
            p = partition_for(orjson.loads(line)["caller"], partitions)
        except Exception:  # noqa: BLE001
            p = 0
        parts[p].append(InRecord("cdrs", p, len(parts[p]), line))
    pending: list[InRecord] = []
    alerts: list[dict] = []
    for _ in range(100_000):
        recs, pending = pending, []
        for p in range(partitions):
            for _ in range(min(chunk, len(parts[p]))):
                recs.append(parts[p].popleft())
        if not recs and not bp.held:
            break
        res = bp.process(recs, lag=lambda q: len(parts[q]), assigned=range(partitions))
        alerts += [orjson.loads(a) for _, a in res.alerts]
        pending = [InRecord(k, p, 0, v) for k, p, v in res.internal]
    return alerts, bp


def test_topology_matches_replay(tmp_path: Path) -> None:
    from detector.synth import GeneratorConfig, generate
    from tests.worker_helpers import compare, replay_alerts

    generate(GeneratorConfig(seed=7, subscribers=2_000, days=1.0, fraud_numbers=30), tmp_path)
    path = tmp_path / "cdrs.jsonl"
    lines = path.read_bytes().splitlines()
    bad = [b"not json", b'{"caller": "+447700900001"}']
    t0 = time.perf_counter()
    alerts, bp = simulate(lines[:500] + bad + lines[500:])
    c = compare(replay_alerts(path, tmp_path), alerts)
    print("in-process topology vs replay:", {k: v for k, v in c.items() if not isinstance(v, list)},
          f"{len(lines) / (time.perf_counter() - t0):,.0f} CDR/s")
    s = bp.stats
    assert s.consumed == len(lines) + 2 and s.processed == len(lines) and s.rejected_total == 2
    assert c["common"] >= 0.9 * c["replay_numbers"] and c["common"] >= 0.85 * c["worker_numbers"], c
    assert c["typology_equal"] == c["common"], c


def test_latency_starts_when_the_cdr_reached_kafka() -> None:
    from detector.worker.processor import MAX_QUEUED_S, InRecord, _arrival

    now = 1_800_000_000.0

    def rec(ts: float | None) -> InRecord:
        return InRecord("cdrs", 0, 0, b"", None, ts)

    assert _arrival(rec(now - 2.5), now) == now - 2.5  # faust gives seconds
    assert _arrival(rec((now - 2.5) * 1000.0), now) == now - 2.5  # a raw client gives milliseconds
    assert _arrival(rec(None), now) == now
    assert _arrival(rec(now + 30.0), now) == now  # a producer clock ahead of ours: no negative latency
    assert _arrival(rec(now - MAX_QUEUED_S - 1.0), now) == now  # a replayed backlog is not latency
