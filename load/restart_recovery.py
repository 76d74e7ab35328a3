"""Restart recovery, store=memory against store=rocksdb (docs/worker.md, "Store").

One worker per configuration (``memory``, ``rocksdb``, ``rocksdb:<state-cache-keys>``) drains the same
generated stream, stops (SIGTERM) and is started again on the same state directory; reported: the drain's
CDR/s, seconds from the restart to "assigned and tables recovered", changelog records faust's recovery read,
the numbers store's figures, and the worker's RSS after the drain and after recovery.  Starts its own local
Kafka broker on 127.0.0.1 (``detector.localkafka``) unless ``--bootstrap`` is given.

    python load/restart_recovery.py --out out/restart [--subscribers 20000 --days 1 --partitions 6]
        [--configs memory rocksdb rocksdb:20000]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detector.localkafka import LocalKafka  # noqa: E402
from detector.produce import ensure_topic, produce_lines  # noqa: E402
from detector.worker.launcher import WorkerProcess  # noqa: E402


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def wait(pred: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.2) + 2):
        if pred():
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    raise TimeoutError(f"{what}: not within {timeout:.0f}s")


def one_store(config: str, bootstrap: str, lines: list[bytes], out: Path, partitions: int) -> dict[str, Any]:
    store, _, cache = config.partition(":")
    extra = ["--store", store] + (["--state-cache-keys", cache] if cache else [])
    tag = f"{store}-{cache or 'default'}-{uuid.uuid4().hex[:6]}"
    topic, group = f"restart-{tag}", f"restart-g-{tag}"
    ensure_topic({"bootstrap.servers": bootstrap}, topic, partitions)
    produce_lines(lines, {"bootstrap.servers": bootstrap}, topic)

    def worker() -> WorkerProcess:
        return WorkerProcess(bootstrap, out, f"w-{tag}", topic=topic, group=group, alerts=f"{topic}-alerts",
                             dlq=f"{topic}-dlq", partitions=partitions, batch_size=2_000, extra=extra)

    def recovered(w: WorkerProcess) -> bool:
        h = w.health()
        return bool(h and h["tables_recovered"] and h["assigned_partitions"] == partitions)

    first = worker().start()
    try:
        wait(lambda: (h := first.health()) is not None and h["counts"]["processed"] > 0, 120, "started")
        t_first = time.monotonic()
        wait(lambda: (h := first.health()) is not None and h["counts"]["processed"] >= len(lines), 900, "drained")
        drain_s = time.monotonic() - t_first
        time.sleep(3.0)  # an epoch or two: everything flushed and committed
        rss_first = rss_mib(first.pid)
        h1 = first.health() or {}
        drained = h1.get("store", {}).get("numbers")
        rocksdb_mib = h1.get("store", {}).get("rocksdb_bytes")
        rocksdb_mib = None if rocksdb_mib is None else round(rocksdb_mib / 2**20, 1)
    finally:
        first.stop(signal.SIGTERM, timeout=60)
    second = worker().start()
    t0 = time.monotonic()
    try:
        wait(lambda: recovered(second), 600, "recovered")
        recovery_s = time.monotonic() - t0
        h = second.health() or {}
        rss_second = rss_mib(second.pid)
    finally:
        second.stop(signal.SIGTERM, timeout=60)
    st = h.get("store", {})
    return {"config": config, "drain_cdr_per_s": round(len(lines) / drain_s), "recovery_s": round(recovery_s, 2),
            "rss_mib_drained": rss_first, "rocksdb_mib_drained": rocksdb_mib, "rss_mib_recovered": rss_second,
            "changelog_records_read": sum(st.get("changelog_records_read", {}).values()),
            "numbers_drained": drained, "numbers_recovered": st.get("numbers")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--bootstrap", default=None)
    ap.add_argument("--subscribers", type=int, default=20_000)
    ap.add_argument("--days", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--configs", nargs="+", default=["memory", "rocksdb", "rocksdb:20000"])
    a = ap.parse_args()
    from detector.synth import GeneratorConfig, generate

    a.out.mkdir(parents=True, exist_ok=True)
    stream = a.out / "stream"
    if not (stream / "cdrs.jsonl").exists():
        generate(GeneratorConfig(seed=a.seed, subscribers=a.subscribers, days=a.days), stream)
    lines = (stream / "cdrs.jsonl").read_bytes().splitlines()
    with ExitStack() as stack:
        bootstrap = a.bootstrap or stack.enter_context(LocalKafka(partitions=a.partitions)).bootstrap
        results = [one_store(c, bootstrap, lines, a.out, a.partitions) for c in a.configs]
    body = {"cdrs": len(lines), "subscribers": a.subscribers, "partitions": a.partitions, "results": results}
    (a.out / "restart_recovery.json").write_text(json.dumps(body, indent=2))
    print(json.dumps(body, indent=2))


if __name__ == "__main__":
    main()
