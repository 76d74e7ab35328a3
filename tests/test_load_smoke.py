"""Smoke test of the load driver (load/driver.py) against the test broker: a tiny stream, not a benchmark.

Checks the summary's shape, that every record sent arrived on the topic (sum of end offsets), that the keys
are callers partitioned with murmur2 (what the worker requires), and that pacing and the bounds hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from worker_helpers import end_offsets, read_topic, unique

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "load"))

pytestmark = pytest.mark.kafka

SUMMARY_KEYS = {"topic", "schedule", "sent", "delivered", "errors", "null_keys", "duration_s", "send_s",
                "achieved_rate", "stopped_by", "late_max_s", "started_at", "samples"}


def test_driver_cli_generated_stream_all_records_arrive(kafka_bootstrap: str, tmp_path: Path) -> None:
    topic = unique("load-smoke")
    summary_path = tmp_path / "summary.json"
    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, str(ROOT / "load" / "driver.py"), "--bootstrap", kafka_bootstrap, "--topic", topic,
         "--partitions", "4", "--generate", "--target-cdrs", "4000", "--seed", "3", "--count", "3000",
         "--duration", "25", "--summary", str(summary_path), "--quiet"],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert time.monotonic() - t0 < 30
    summary = json.loads(summary_path.read_text())
    assert set(summary) == SUMMARY_KEYS
    printed = json.loads(out.stdout.strip().splitlines()[-1])
    assert printed["sent"] == summary["sent"]
    assert summary["sent"] == 3000 and summary["delivered"] == 3000 and summary["errors"] == 0
    assert summary["stopped_by"] == "count"
    assert summary["schedule"]["mode"] == "fast"
    assert summary["achieved_rate"] > 0 and summary["send_s"] > 0
    ends = end_offsets(kafka_bootstrap, topic)
    assert len(ends) == 4
    assert sum(ends.values()) == 3000

    # keyed by caller, in the partition murmur2 gives the caller (what the worker checks)
    from detector.produce import caller_key
    from detector.worker.codec import Partitioner

    part = Partitioner(4)
    msgs = read_topic(kafka_bootstrap, topic)
    assert len(msgs) == 3000
    assert all(k is not None and k == caller_key(v) for k, v in msgs)
    assert len({part(k.decode()) for k, _ in msgs if k}) == 4


def test_driver_paced_and_bounded_by_time(kafka_bootstrap: str, tmp_path: Path) -> None:
    from driver import Schedule, drive, file_lines, generated_lines

    from detector.produce import ensure_topic

    stream = tmp_path / "cdrs.jsonl"
    stream.write_bytes(b"\n".join(generated_lines(4000, seed=5)) + b"\n")
    topic = unique("load-smoke-rate")
    cfg = {"bootstrap.servers": kafka_bootstrap}
    ensure_topic(cfg, topic, 2)
    s = drive(file_lines(str(stream)), cfg, topic, Schedule.fixed(2000), duration_s=1.0)
    assert s.stopped_by == "duration"
    assert 1500 <= s.sent <= 2300, s.line()
    assert s.errors == 0 and s.delivered == s.sent
    assert sum(end_offsets(kafka_bootstrap, topic).values()) == s.sent
    assert s.samples and s.samples[-1][1] == s.sent

    ramp = Schedule.ramp(1000, 3000, 1.0)  # 2,000 messages in 1 s, then the ramp ends
    assert ramp.due(0) == 0.0 and ramp.due(10**9) == float("inf")
    topic2 = unique("load-smoke-ramp")
    ensure_topic(cfg, topic2, 2)
    r = drive(file_lines(str(stream)), cfg, topic2, ramp, duration_s=10.0)
    assert r.stopped_by == "end of ramp"
    assert 1900 <= r.sent <= 2100, r.line()
    assert sum(end_offsets(kafka_bootstrap, topic2).values()) == r.sent
