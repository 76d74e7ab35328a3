"""Faults: a hung broker (back-pressure), a broker down for 20 s, a worker leaving while records flow, an
unusable state directory.  Nothing may be lost: every offset of the CDR topic is processed or rejected (DLQ)
or counted duplicate, and each worker's counts add up.

Workers are subprocesses (``python -m detector worker``); the broker tests use a broker of their own
(``local_kafka_factory``) or the session's; every wait is bounded.  Figures: docs/reliability.md.
"""

from __future__ import annotations

from typing import Iterator

import contextlib

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.worker_helpers import (
    ROOT,
    WorkerProc,
    committed,
    end_offsets,
    read_topic,
    unique,
    wait_caught_up,
    wait_for,
)

try:
    from tests.kafka_fixtures import kafka_bootstrap, local_kafka_factory  # noqa: F401
except ImportError:  # pragma: no cover - tests/ on sys.path instead of the repo root
    from kafka_fixtures import kafka_bootstrap, local_kafka_factory  # type: ignore[no-redef]  # noqa: F401

PARTITIONS = 4


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """~19.6k CDRs of the generator (seed 7, 1,000 subscribers, 1 day, 15 fraud numbers)."""
    from detector.synth import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("rel-stream")
    generate(GeneratorConfig(seed=7, subscribers=1_000, days=1.0, fraud_numbers=15), out)
    return (out / "cdrs.jsonl").read_bytes().splitlines()


def _topics(prefix: str) -> dict[str, str]:
    return {"topic": unique(f"{prefix}-cdrs"), "alerts": unique(f"{prefix}-alerts"), "dlq": unique(f"{prefix}-dlq"),
            "group": unique(f"{prefix}-g")}


def _worker(bootstrap: str, tmp: Path, name: str, t: dict[str, str], **kw: Any) -> WorkerProc:
    return WorkerProc(bootstrap, tmp, name, topic=t["topic"], group=t["group"], alerts=t["alerts"], dlq=t["dlq"],
                      partitions=PARTITIONS, **kw)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _check_accounted(reports: list[dict[str, Any]], bootstrap: str, t: dict[str, str], lines: list[bytes]) -> dict:
    """Every offset of the CDR topic processed or rejected by some worker; every produced cdr_id on the topic;
    each worker's counts add up.  Returns the figures."""
    ends = end_offsets(bootstrap, t["topic"])
    covered: dict[int, set[int]] = {p: set() for p in ends}
    totals = {"consumed": 0, "processed": 0, "rejected": 0, "duplicates": 0}
    for rep in reports:
        c = rep["counts"]
        assert c["consumed"] == c["processed"] + c["rejected"] + c["duplicates"] + rep["held_for_ordering"], c
        for k in totals:
            totals[k] += c[k]
        for p, spans in rep["coverage"].get(t["topic"], {}).items():
            for lo, hi in spans:
                covered[int(p)].update(range(lo, hi + 1))
    for p, hi in ends.items():
        missing = set(range(hi)) - covered[p]
        assert not missing, f"partition {p}: offsets never processed: {sorted(missing)[:20]}"
    on_topic = {orjson.loads(v)["cdr_id"] for _, v in read_topic(bootstrap, t["topic"], timeout=60)}
    produced = {orjson.loads(b)["cdr_id"] for b in lines}
    assert produced <= on_topic, f"{len(produced - on_topic)} produced cdr_ids never reached the topic"
    totals["offsets"] = sum(ends.values())
    totals["produced"] = len(lines)
    return totals


# -- broker hung (back-pressure), then down for 20 s ----------------------------------------------------------


@pytest.mark.kafka
def test_broker_hung_then_down_20s_workers_recover_and_lose_nothing(
        local_kafka_factory: Any, lines: list[bytes], tmp_path: Path) -> None:
    from detector.produce import ensure_topic, produce_lines

    broker = local_kafka_factory(partitions=PARTITIONS)
    bs = broker.bootstrap
    t = _topics("outage")
    ensure_topic({"bootstrap.servers": bs}, t["topic"], PARTITIONS)
    # Phase 0: a backlog of 8,000 records already on the topic; the rest fed at 600/s during the faults.
    backlog, rest = lines[:8_000], lines[8_000:]
    assert produce_lines(backlog, {"bootstrap.servers": bs}, t["topic"]).failed == 0
    fed: dict[str, Any] = {}

    def feed() -> None:
        fed["res"] = produce_lines(rest, {"bootstrap.servers": bs, "message.timeout.ms": 180_000}, t["topic"],
                                   rate=600)

    workers = [_worker(bs, tmp_path, f"o{i}", t, batch_size=500) for i in range(2)]
    feeder = threading.Thread(target=feed, daemon=True)
    figures: dict[str, Any] = {}
    samples: list[dict[str, Any]] = []
    try:
        for w in workers:
            w.start()
        wait_for(lambda: all((h := w.health()) is not None and h["assigned_partitions"] > 0 for w in workers), 60,
                 "both workers assigned")
        rss0 = [_rss_mb(w.proc.pid) for w in workers]  # type: ignore[union-attr]
        feeder.start()
        # Phase 1: broker hung (SIGSTOP) for 8 s mid-backlog: deliveries stall, the workers must wait (at
        # most MAX_PENDING_BATCHES batches in flight), not read on and buffer.
        time.sleep(1.0)
        broker.pause()
        t_pause = time.monotonic()
        for _ in range(16):
            time.sleep(0.5)
            for w in workers:
                h = w.health()
                samples.append({"phase": "hung", "w": w.name, "pending": h and h["pending_batches"],
                                "rss": _rss_mb(w.proc.pid)})  # type: ignore[union-attr]
        broker.resume()
        figures["hung_s"] = round(time.monotonic() - t_pause, 1)
        # Phase 2: broker killed (SIGKILL), down 20 s, restarted with the same data dir.
        time.sleep(3.0)
        broker.kill()
        t_down = time.monotonic()
        for _ in range(20):
            time.sleep(1.0)
            for w in workers:
                h = w.health()
                samples.append({"phase": "down", "w": w.name, "status": h and h["status"],
                                "broker": h and h["broker"], "rss": _rss_mb(w.proc.pid)})  # type: ignore[union-attr]
        broker.restart(timeout=90)
        t_up = time.monotonic()
        figures["down_s"] = round(t_up - t_down, 1)
        assert all(w.alive() for w in workers), "a worker died while the broker was away"
        feeder.join(timeout=120)
        assert not feeder.is_alive()
        assert fed["res"].failed == 0, fed["res"].summary()
        wait_caught_up(workers, bs, t["group"], t["topic"], 150)
        figures["recover_s"] = round(time.monotonic() - t_up, 1)
        after = [w.health() for w in workers]
        rss1 = [_rss_mb(w.proc.pid) for w in workers]  # type: ignore[union-attr]
    except Exception:
        for w in workers:
            print(f"--- {w.name} ---\n{w.log_tail(40)}")
        print(broker.log_tail() if hasattr(broker, "log_tail") else "")
        raise
    finally:
        for w in workers:
            w.stop()
    reports = [w.final_report() for w in workers]
    totals = _check_accounted(reports, bs, t, lines)
    hung = [s for s in samples if s["phase"] == "hung"]
    down = [s for s in samples if s["phase"] == "down"]
    figures.update(totals, rss_start_mb=[round(x) for x in rss0], rss_end_mb=[round(x) for x in rss1],
                   rss_max_hung_mb=round(max(s["rss"] for s in hung)),
                   max_pending_hung=max((s["pending"] or 0) for s in hung),
                   outages=[h["broker"]["outages"] for h in after if h],
                   down_total_s=[h["broker"]["down_total_s"] for h in after if h])
    print("outage figures:", json.dumps(figures))
    # Bounded while hung: at most MAX_PENDING_BATCHES (8) + the batch in hand; memory did not run away.
    from detector.worker.app import MAX_PENDING_BATCHES

    assert figures["max_pending_hung"] <= MAX_PENDING_BATCHES + 1
    assert max(s["rss"] for s in hung) < max(rss0) + 150
    # The outage shows: health turned degraded with broker.reachable false, and counts one outage.
    assert any(s["status"] == "degraded" and s["broker"] and not s["broker"]["reachable"] for s in down), down[-4:]
    assert all(h is not None and h["broker"]["reachable"] and h["broker"]["outages"] >= 1 for h in after), after
    assert all(h is not None and h["status"] == "ok" and h["lag"] == 0 for h in after), after
    # Reconnected on their own (same processes), lag drained in bounded time, every record accounted for.
    assert totals["processed"] + totals["rejected"] + totals["duplicates"] >= len(lines)
    assert figures["recover_s"] < 150


# -- a worker leaves while records flow ---------------------------------------------------------------------


@pytest.mark.kafka
def test_worker_removed_while_records_flow_counts_add_up(kafka_bootstrap: str, lines: list[bytes],
                                                         tmp_path: Path) -> None:
    from detector.produce import ensure_topic, produce_lines

    t = _topics("remove")
    part = lines[:8_000]
    ensure_topic({"bootstrap.servers": kafka_bootstrap}, t["topic"], PARTITIONS)
    fed: dict[str, Any] = {}
    feeder = threading.Thread(target=lambda: fed.setdefault(
        "res", produce_lines(part, {"bootstrap.servers": kafka_bootstrap}, t["topic"], rate=800)), daemon=True)
    a, b = (_worker(kafka_bootstrap, tmp_path, n, t, batch_size=200) for n in ("stay", "leave"))
    try:
        a.start()
        b.start()
        wait_for(lambda: all((h := w.health()) is not None and h["assigned_partitions"] > 0 for w in (a, b)), 60,
                 "both assigned")
        feeder.start()
        wait_for(lambda: (h := b.health()) is not None and h["counts"]["processed"] > 500, 60, "b has work")
        t_leave = time.monotonic()
        code = b.stop(signal.SIGTERM, timeout=30)
        leave_s = time.monotonic() - t_leave
        assert code == 0, b.log_tail()
        wait_for(lambda: (h := a.health()) is not None and h["assigned_partitions"] == PARTITIONS, 60,
                 "a takes every partition")
        feeder.join(timeout=60)
        assert not feeder.is_alive() and fed["res"].failed == 0
        wait_caught_up([a], kafka_bootstrap, t["group"], t["topic"], 90)
    except Exception:
        for w in (a, b):
            print(f"--- {w.name} ---\n{w.log_tail(40)}")
        raise
    finally:
        a.stop()
        b.stop()
    ra, rb = a.final_report(), b.final_report()
    totals = _check_accounted([ra, rb], kafka_bootstrap, t, part)
    # Exactly, from the final counts (the same numbers as the metrics): nothing left held at the end.
    for rep in (ra, rb):
        c = rep["counts"]
        assert rep["held_for_ordering"] == 0
        assert c["consumed"] == c["processed"] + c["rejected"] + c["duplicates"], c
    # The leaver's acked work is committed: the stayer re-read at most what was in flight.
    reread = totals["processed"] - len(part)
    print("remove figures:", json.dumps({**totals, "leave_s": round(leave_s, 1), "reprocessed": reread,
                                         "stay": ra["counts"]["processed"], "leave": rb["counts"]["processed"]}))
    assert rb["counts"]["processed"] > 0 and ra["counts"]["processed"] > 0
    assert committed(kafka_bootstrap, t["group"], t["topic"]) == end_offsets(kafka_bootstrap, t["topic"])


# -- unusable state directory / store ----------------------------------------------------------------------------


def _run_worker(args: list[str], timeout: float = 60, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``path``: a directory imported from before the repository (to hide an installed package)."""
    pythonpath = str(ROOT) if path is None else f"{path}{os.pathsep}{ROOT}"
    return subprocess.run([sys.executable, "-m", "detector", "worker", "--bootstrap-servers", "127.0.0.1:1",
                           "--metrics-port", "0", "--web-port", "0", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, "PYTHONPATH": pythonpath})


@contextlib.contextmanager
def _tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A tiny tmpfs of our own (root only): a full or read-only disk without touching the real one."""
    where.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True,
                          text=True, timeout=10)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip()[:200]})")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], capture_output=True, timeout=10)


@pytest.mark.parametrize("kind", ["under_a_file", "in_proc", "read_only_dir", "read_only_fs", "full_disk"])
def test_unusable_state_dir_is_a_clear_error_and_exit_2(kind: str, tmp_path: Path) -> None:
    if kind in ("read_only_fs", "full_disk"):
        options = "size=64k,ro" if kind == "read_only_fs" else "size=16k"
        with _tmpfs(tmp_path / "mnt", options) as mnt:
            if kind == "full_disk":
                with open(mnt / "filler", "wb", buffering=0) as fh:  # fill it to the last byte
                    with contextlib.suppress(OSError):
                        for _ in range(64):
                            fh.write(b"x" * 4096)
                with pytest.raises(OSError):  # really full
                    (mnt / "probe").write_bytes(b"x" * 4096)
            state = mnt / "state" if kind == "read_only_fs" else mnt
            proc = _run_worker(["--state-dir", str(state)])
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert f"state directory '{state}' is not usable" in proc.stderr
        assert "Traceback" not in proc.stderr
        return
    if kind == "under_a_file":
        (tmp_path / "file").write_text("x")
        state = tmp_path / "file" / "state"
    elif kind == "in_proc":
        state = Path("/proc/cdr-detector-state")
    else:
        if os.geteuid() == 0:
            pytest.skip("root ignores directory permissions")
        state = tmp_path / "ro"
        state.mkdir()
        state.chmod(0o500)
    proc = _run_worker(["--state-dir", str(state)])
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"state directory '{state}' is not usable" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "file").is_dir()  # nothing created or clobbered


def test_rocksdb_store_unavailable_is_a_clear_error(tmp_path: Path) -> None:
    # rocksdict is installed with the test extra: a package of that name that fails to import stands in for
    # a machine without it.
    hide = tmp_path / "hide" / "rocksdict"
    hide.mkdir(parents=True)
    (hide / "__init__.py").write_text('raise ImportError("No module named \'rocksdict\'")\n')
    proc = _run_worker(["--store", "rocksdb", "--state-dir", str(tmp_path / "st")], path=hide.parent)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "store=rocksdb needs the 'rocksdict' package" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "st").exists()  # refused before anything was created
