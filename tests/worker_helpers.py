"""Helpers for the worker tests: worker subprocesses, reading topics, comparing alerts with replay.

Every wait here is bounded in time and count; all traffic goes to the test broker (127.0.0.1).
"""

from __future__ import annotations

import collections
import os
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

import orjson

from detector.localkafka import free_port  # noqa: F401  (re-exported for the tests)
from detector.worker.launcher import WorkerProcess

ROOT = Path(__file__).resolve().parents[1]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class WorkerProc(WorkerProcess):
    """The shared launcher (:class:`detector.worker.launcher.WorkerProcess`) with the tests' defaults: the
    repository's code, 200-record batches, metrics off, ``info`` logs."""

    def __init__(self, bootstrap: str, tmp: Path, name: str, *, topic: str, group: str, alerts: str, dlq: str,
                 partitions: int, batch_size: int = 200, extra: Iterable[str] = ()) -> None:
        super().__init__(bootstrap, tmp, name, topic=topic, group=group, alerts=alerts, dlq=dlq,
                         partitions=partitions, batch_size=batch_size, batch_timeout_s=0.1, metrics_port=0,
                         log_level="info", extra=extra, code_dir=ROOT)


def wait_for(predicate: Any, timeout: float, what: str, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("probe"), "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10)
        out = {}
        for p in md.topics[topic].partitions:
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            out[p] = hi
        return out
    finally:
        c.close()


def committed(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        md = c.list_topics(topic, timeout=10)
        tps = [TopicPartition(topic, p) for p in md.topics[topic].partitions]
        return {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
    finally:
        c.close()


def read_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> list[tuple[bytes | None, bytes]]:
    """Every message now in ``topic`` (read from the beginning to the end offsets at call time)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    ends = end_offsets(bootstrap, topic)
    want = {p: hi for p, hi in ends.items() if hi > 0}
    out: list[tuple[bytes | None, bytes]] = []
    if not want:
        return out
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"), "enable.auto.commit": False})
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in want])
        done: set[int] = set()
        deadline = time.monotonic() + timeout
        while len(done) < len(want) and time.monotonic() < deadline:
            for m in c.consume(1000, timeout=0.5):
                if m.error():
                    continue
                out.append((m.key(), m.value()))
                if m.offset() + 1 >= want[m.partition()]:
                    done.add(m.partition())
        if len(done) < len(want):
            raise TimeoutError(f"read {len(out)} messages of {topic}, partitions {set(want) - done} unfinished")
    finally:
        c.close()
    return out


def wait_caught_up(workers: list[WorkerProc], bootstrap: str, group: str, topic: str, timeout: float) -> None:
    """Until the group has committed the CDR topic to its end (and the internal hops have drained)."""
    ends = end_offsets(bootstrap, topic)

    def done() -> bool:
        got = committed(bootstrap, group, topic)
        if any(got.get(p, -1) < hi for p, hi in ends.items() if hi > 0):
            return False
        healths = [w.health() for w in workers if w.alive()]
        return all(h is not None and h["lag"] == 0 and h["held_for_ordering"] == 0 for h in healths)

    wait_for(done, timeout, f"group {group} to finish {topic}")
    time.sleep(2.0)  # the last internal hops (inbound, handset evidence) and their alerts


def produce_file(bootstrap: str, path: Path, topic: str, partitions: int, extra: Iterable[bytes] = ()) -> int:
    from detector.produce import ensure_topic, produce_lines

    ensure_topic({"bootstrap.servers": bootstrap}, topic, partitions)
    lines = list(path.read_bytes().splitlines()) + list(extra)
    res = produce_lines(lines, {"bootstrap.servers": bootstrap}, topic)
    assert res.failed == 0, res.summary()
    return res.produced


def replay_alerts(path: Path, tmp: Path) -> list[dict[str, Any]]:
    from detector.replay import run_replay

    out = tmp / f"replay-{uuid.uuid4().hex[:6]}.jsonl"
    run_replay(str(path), out, show_progress=False, summary_stream=open(os.devnull, "w"))
    return [orjson.loads(line) for line in out.read_bytes().splitlines() if line.strip()]


def first_typology(alerts: Iterable[dict[str, Any]]) -> dict[str, str]:
    """number -> typology of its first alert (by detection time)."""
    out: dict[str, tuple[str, str]] = {}
    for a in alerts:
        prev = out.get(a["number"])
        if prev is None or a["detected_at"] < prev[0]:
            out[a["number"]] = (a["detected_at"], a["typology"])
    return {k: v[1] for k, v in out.items()}


def compare(replay: list[dict[str, Any]], worker: list[dict[str, Any]]) -> dict[str, Any]:
    r, w = first_typology(replay), first_typology(worker)
    common = set(r) & set(w)
    ids_r = {a["alert_id"] for a in replay}
    ids_w = {a["alert_id"] for a in worker}
    by_number = collections.Counter(a["number"] for a in worker)
    return {
        "replay_numbers": len(r),
        "worker_numbers": len(w),
        "common": len(common),
        "only_replay": sorted(set(r) - set(w)),
        "only_worker": sorted(set(w) - set(r)),
        "typology_equal": sum(r[k] == w[k] for k in common),
        "alert_ids_common": len(ids_r & ids_w),
        "replay_alert_ids": len(ids_r),
        "worker_alerts": len(worker),
        "max_alerts_per_number": max(by_number.values(), default=0),
    }
