"""The Kafka benchmark's steady-window arithmetic (load/bench_kafka.py) on made-up sample rows: no broker, no timing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "load"))

import bench_kafka as bk  # noqa: E402


def _rows(n_workers: int, per_worker_rate: float, *, rebalance_until: float, recovery_s: float,
          backlog: int, dt: float = 0.5, seconds: float = 60.0) -> list[dict[str, Any]]:
    """A drain: one worker owns everything until ``rebalance_until`` (the others join then), recovery during
    which nobody processes, then every worker processes ``per_worker_rate`` until its share is done."""
    rows = []
    done = [0.0] * n_workers
    cpu = [0.0] * n_workers
    share = backlog / n_workers
    for k in range(int(seconds / dt) + 1):
        t = k * dt
        joined = t >= rebalance_until
        recovering = joined and t < rebalance_until + recovery_s
        workers = []
        for i in range(n_workers):
            assigned = (8 // n_workers if joined else (8 if i == 0 else 0))
            if not recovering and assigned and done[i] < share and k > 0:
                done[i] = min(share, done[i] + per_worker_rate * dt)
                cpu[i] += 0.9 * dt
            workers.append({"processed": done[i], "lag": share - done[i], "assigned": assigned, "cpu_s": cpu[i]})
        rows.append({"t": t, "workers": workers, "processed": sum(done), "broker_cpu_s": 0.3 * t,
                     "self_cpu_s": 0.01 * t, "machine_cpu": (1.9 * t, 2.0 * t), "loadavg": 2.0})
    return rows


def test_steady_window_starts_after_the_last_rebalance_and_ends_before_the_tail() -> None:
    rows = _rows(2, 30_000, rebalance_until=2.0, recovery_s=5.0, backlog=2_000_000)
    w = bk.steady_window(rows, 2, settle_s=3.0)
    assert w is not None and not w["short"]
    assert w["t_from"] >= 2.0 + 5.0 - 0.5 + 3.0  # the last idle sample before progress, + settle_s
    assert all(x["lag_to"] > 0.05 * x["lag_from"] for x in w["per_worker"])
    assert w["rate"] == 60_000
    assert [x["rate"] for x in w["per_worker"]] == [30_000, 30_000]
    assert [x["cores"] for x in w["per_worker"]] == [0.9, 0.9]
    assert w["broker_cores"] == 0.3
    assert w["broker_us_per_cdr"] == round(1e6 * 0.3 / 60_000, 2)
    assert w["other_cores"] == round(1.9 - 1.8 - 0.3 - 0.01, 3)


def test_compare_windows_uses_the_same_records_of_the_one_worker_drain() -> None:
    two = _rows(2, 30_000, rebalance_until=2.0, recovery_s=5.0, backlog=2_000_000)
    one = _rows(1, 40_000, rebalance_until=0.0, recovery_s=0.0, backlog=2_000_000)
    d2 = {"workers": 2, "label": "current", "started_at": 1.0, "window": bk.steady_window(two, 2)}
    d1 = {"workers": 1, "label": "current", "started_at": 0.0, "window": bk.steady_window(one, 1)}
    result = {"drain": [d1, d2], "config": {"steady_settle_s": 3.0}}
    bk.compare_windows(result, {id(d1): one, id(d2): two})
    (m,) = d2["window"]["vs_one"]
    assert m["rate"] == 40_000 and m["ratio"] == 1.5
    table = "\n".join(bk.window_table(result))
    assert "1.50x" in table and "| current | 2 |" in table
    # one worker on 0.9 cores and the broker on 0.3, on a 2-core machine: at most 2 / 1.2 = 1.67x that rate here
    assert d1["window"]["machine_ceiling_x"] == 1.67 and "1.67x |" in table


def test_no_window_without_every_worker_assigned() -> None:
    rows = _rows(2, 30_000, rebalance_until=1e9, recovery_s=0.0, backlog=1_000_000)
    assert bk.steady_window(rows, 2) is None


def test_a_failed_probe_neither_restarts_nor_ends_the_window() -> None:
    rows = _rows(2, 30_000, rebalance_until=2.0, recovery_s=5.0, backlog=2_000_000)
    clean = bk.steady_window(rows, 2)
    k = next(i for i, r in enumerate(rows) if r["t"] == 20.0)
    w0 = rows[k]["workers"][0]
    rows[k] = {**rows[k], "workers": [{**w0, "assigned": None, "processed": 0}, rows[k]["workers"][1]]}
    assert bk.steady_window(rows, 2) == clean


def test_caller_shares_split_the_stream_by_the_partitions_a_worker_of_the_group_would_own() -> None:
    from detector.murmur import KeyPartitions

    callers = [f"+4477{i:08d}" for i in range(400)]
    lines = [b'{"caller": "%s", "cdr_id": "c%d"}' % (c.encode(), i) for i, c in enumerate(callers)]
    lines.append(b"{not json")
    shares = [list(bk.caller_share(iter(lines), 8, i, 2)) for i in range(2)]
    assert sorted(shares[0] + shares[1]) == sorted(lines)  # every line in exactly one share
    assert not set(shares[0]) & set(shares[1])
    assert b"{not json" in shares[0]
    owner = KeyPartitions(8)
    for i, share in enumerate(shares):
        parts = {owner(bk.orjson.loads(x)["caller"]) for x in share if x != b"{not json"}
        assert parts == set(range(4 * i, 4 * i + 4))  # each share = the callers of one half of the partitions
