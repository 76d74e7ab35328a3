"""Benchmark of the stream worker through a real Kafka broker: throughput, CDR-to-alert latency, scaling.

    python load/bench_kafka.py --out out/bench-kafka            # full run, ~10 min on 2 cores
    python load/bench_kafka.py --out out/bench-kafka-q --quick  # ~3 min
    python load/bench_kafka.py --out DIR --profile-only         # only the in-process hot-path profile

One run: start a local broker (:class:`detector.localkafka.LocalKafka`, or ``--bootstrap`` for an external
one), generate one stream with the project's generator, then, each phase on fresh topics and a fresh group:

1. **Backlog drain**, 1 then 2 workers: pre-produce N CDRs (load/driver.py, as fast as possible), start the
   workers (separate processes, free ports), sample their ``/health`` and ``/metrics`` every 0.5 s until they
   processed N.  Sustained rate = CDRs processed between 10 % and 90 % of N / the time between (so start-up,
   group join and the tail are left out).
2. **Latency at offered rates**, 1 (and 2) workers: the driver feeds the topic at fixed rates, one step each
   (5k, 20k CDR/s, then a bounded search for the highest rate where the consumer lag stays flat), the
   backlog is drained between steps.  CDR-to-alert latency two ways:
   *end to end* = Kafka CreateTime of the alert message (set by the worker's producer) - CreateTime of the
   triggering CDR's message (set by the driver's producer), both on this machine's clock, read after the
   phase from the alert topic and the CDR topic (``trigger_cdr_id``); and the worker's own
   ``cdr_to_alert_latency_seconds`` histogram (quantiles interpolated from buckets), which starts when the
   worker *read* the CDR, so it leaves out time spent queued on the broker.
3. The naive per-call river pipeline (``load/bench_replay.run_naive``) on a prefix of the same stream, so the
   throughput figures have a ratio beside them (its rate is per CPU-second on one core, in this process).
4. A pyinstrument profile of the worker's batch step (:class:`detector.worker.processor.BatchProcessor`
   with dict stores, in-process, batches of ``--batch-size``), to say what limits the rate.

Worker RSS and CPU seconds come from /proc (psutil if installed); tracked numbers from ``/metrics``.
Output in ``--out``: ``result.json``, ``results.md``, ``throughput.png``, ``latency_phases.png``,
``latency_vs_rate.png``, ``profile.txt``, worker logs.  Every wait is bounded in time and count.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import threading
import time
import uuid
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
if os.environ.get("BENCH_CODE_DIR"):  # the child of batch_step_on: ``detector`` is that build's, whatever comes next
    sys.path.insert(0, os.environ["BENCH_CODE_DIR"])
    import detector  # noqa: E402,F401

from bench_replay import _machine, run_naive  # noqa: E402
from driver import Schedule, drive, file_lines  # noqa: E402

from detector.murmur import KeyPartitions  # noqa: E402
from detector.produce import ensure_topic  # noqa: E402
from detector.settings import Settings  # noqa: E402
from detector.worker.launcher import WorkerProcess  # noqa: E402

SAMPLE_S = 0.5
STEADY_WINDOW_S = 5.0
_CDR_ID = re.compile(rb'"cdr_id"\s*:\s*"([^"]+)"')


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# -- process probes ---------------------------------------------------------------------------------------

def rss_bytes(pid: int) -> int | None:
    try:
        import psutil  # type: ignore[import-not-found]

        return int(psutil.Process(pid).memory_info().rss)
    except ImportError:
        pass
    except Exception:  # noqa: BLE001
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of ``pid`` (its threads included), from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


#: JVM thread names (``/proc/PID/task/*/comm``, 15 characters) -> the group a broker's CPU is reported under
_JVM_GROUPS = (("C1 CompilerThre", "jit"), ("C2 CompilerThre", "jit"), ("GC Thread", "gc"), ("G1 ", "gc"),
               ("VM Thread", "gc"), ("data-plane-kafk", "requests"))


def thread_cpu_groups(pid: int) -> dict[str, float] | None:
    """CPU seconds of a broker JVM's threads by group: ``jit`` (the compiler threads: the broker warming up),
    ``gc``, ``requests`` (network and request-handler threads) and ``other`` (log cleaner, controller, ...)."""
    out = {"jit": 0.0, "gc": 0.0, "requests": 0.0, "other": 0.0}
    tck = os.sysconf("SC_CLK_TCK")
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for t in tasks:
        try:
            comm = Path(f"/proc/{pid}/task/{t}/comm").read_text().strip()
            f = Path(f"/proc/{pid}/task/{t}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended
        group = next((g for prefix, g in _JVM_GROUPS if comm.startswith(prefix)), "other")
        out[group] += (int(f[11]) + int(f[12])) / tck
    return out


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, all cores, from /proc/stat (busy = total -
    idle - iowait): what every process used, the other work on the machine included."""
    try:
        f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    tck = os.sysconf("SC_CLK_TCK")
    total = sum(f[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return (total - f[3] - f[4]) / tck, total / tck


def parse_metrics(text: str) -> dict[str, Any]:
    """The few series this benchmark reads from a worker's /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, Any] = {"latency_buckets": {}}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            n = s.name
            if n == "cdr_detector_records_processed_total":
                out["processed"] = s.value
            elif n == "cdr_detector_records_consumed_total":
                out["consumed"] = s.value
            elif n == "cdr_detector_cdr_to_alert_latency_seconds_bucket":
                out["latency_buckets"][float(s.labels["le"])] = s.value
            elif n == "cdr_detector_tracked_numbers":
                out["tracked_numbers"] = s.value
            elif n == "cdr_detector_state_bytes":
                out["state_bytes"] = s.value
            elif n == "cdr_detector_alerts_total":
                out["alerts"] = out.get("alerts", 0.0) + s.value
    return out


def hist_quantile(q: float, buckets: dict[float, float]) -> float | None:
    """PromQL histogram_quantile over cumulative buckets {le: count}."""
    if not buckets:
        return None
    les = sorted(buckets)
    total = buckets[les[-1]]
    if total <= 0:
        return None
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le in les:
        c = buckets[le]
        if c >= rank:
            if math.isinf(le):
                return prev_le  # above the highest finite bucket: its bound is all one can say
            return prev_le + (le - prev_le) * ((rank - prev_c) / (c - prev_c) if c > prev_c else 0.0)
        prev_le, prev_c = le, c
    return prev_le


def bucket_delta(a: dict[float, float], b: dict[float, float]) -> dict[float, float]:
    return {le: b.get(le, 0.0) - a.get(le, 0.0) for le in b}


def sum_buckets(items: list[dict[float, float]]) -> dict[float, float]:
    out: dict[float, float] = {}
    for d in items:
        for le, c in d.items():
            out[le] = out.get(le, 0.0) + c
    return out


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(math.ceil(q * len(v))) - 1))
    return v[k]


# -- workers ------------------------------------------------------------------------------------------------

#: Where the workers import ``detector`` from: the repository (pure Python) or, with ``--compiled``, a scratch
#: copy with the mypyc-compiled core (load/native_build.py), as the production image runs it.
CORE_DIR: Path = ROOT


class Worker(WorkerProcess):
    """The shared worker launcher (:mod:`detector.worker.launcher`) with the benchmark's settings: free health and
    metrics ports, ``warn`` logs, the code in :data:`CORE_DIR`."""

    def __init__(self, bootstrap: str, out: Path, name: str, *, topic: str, group: str, alerts: str, dlq: str,
                 partitions: int, batch_size: int, batch_timeout_s: float, code_dir: Path | None = None) -> None:
        super().__init__(bootstrap, out, name, topic=topic, group=group, alerts=alerts, dlq=dlq,
                         partitions=partitions, batch_size=batch_size, batch_timeout_s=batch_timeout_s,
                         metrics_port=None, log_level="warn", code_dir=code_dir or CORE_DIR)

    def metrics(self) -> dict[str, Any] | None:
        text = self.metrics_text()
        return parse_metrics(text) if text else None


class Sampler(threading.Thread):
    """Every SAMPLE_S: per worker lag/processed (/health), metrics, RSS, CPU; bounded by ``max_s``."""

    def __init__(self, workers: list[Worker], max_s: float, broker_pid: int | None = None) -> None:
        super().__init__(daemon=True)
        self.workers = workers
        self.max_s = max_s
        self.broker_pid = broker_pid
        self.samples: list[dict[str, Any]] = []
        self.stop_evt = threading.Event()
        self.t0 = time.time()
        self.lock = threading.Lock()

    def sample(self) -> dict[str, Any]:
        now = time.time()
        row: dict[str, Any] = {"t": round(now - self.t0, 3), "epoch": now, "workers": []}
        for w in self.workers:
            h = w.health() or {}
            m = w.metrics() or {}
            row["workers"].append({
                "processed": m.get("processed", (h.get("counts") or {}).get("processed", 0)),
                "lag": h.get("lag"),
                "assigned": h.get("assigned_partitions"),
                "held": h.get("held_for_ordering"),
                "tracked_numbers": m.get("tracked_numbers"),
                "state_bytes": m.get("state_bytes"),
                "latency_buckets": m.get("latency_buckets", {}),
                "alerts": m.get("alerts", 0.0),
                "rss": rss_bytes(w.pid),
                "cpu_s": cpu_seconds(w.pid),
            })
        if self.broker_pid:
            row["broker_cpu_s"] = cpu_seconds(self.broker_pid)
            row["broker_rss"] = rss_bytes(self.broker_pid)
            row["broker_threads"] = thread_cpu_groups(self.broker_pid)
        row["machine_cpu"] = machine_cpu()
        row["self_cpu_s"] = cpu_seconds(os.getpid())  # this benchmark (the sampler's probes)
        row["loadavg"] = round(os.getloadavg()[0], 2)
        row["processed"] = sum(x["processed"] or 0 for x in row["workers"])
        lags = [x["lag"] for x in row["workers"] if x["lag"] is not None]
        row["lag"] = sum(lags) if lags else None
        return row

    def run(self) -> None:
        deadline = time.monotonic() + self.max_s
        for _ in range(int(self.max_s / SAMPLE_S) + 2):
            if self.stop_evt.is_set() or time.monotonic() > deadline:
                break
            t = time.monotonic()
            row = self.sample()
            with self.lock:
                self.samples.append(row)
            self.stop_evt.wait(max(0.0, SAMPLE_S - (time.monotonic() - t)))

    def last(self) -> dict[str, Any] | None:
        with self.lock:
            return self.samples[-1] if self.samples else None

    def finish(self) -> list[dict[str, Any]]:
        self.stop_evt.set()
        self.join(timeout=10)
        return self.samples


class PySpy(threading.Thread):
    """``py-spy record --native`` of one worker for ``seconds``, started once the workers together processed
    ``after`` records (so start-up and recovery are left out).  Collapsed stacks (``--format raw``) go to
    ``path``; their sample counts are what the profile figures in docs/benchmarks.md are shares of.  Sampling
    costs the worker a little CPU, so a profiled run's rates are not figures to compare."""

    def __init__(self, worker: Worker, path: Path, seconds: float, sampler: Sampler, after: float) -> None:
        super().__init__(daemon=True)
        self.worker, self.path, self.seconds, self.sampler, self.after = worker, path, seconds, sampler, after

    def run(self) -> None:
        import shutil
        import subprocess

        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        started = wait_until(lambda: (self.sampler.last() or {}).get("processed", 0) >= self.after, 300, 0.25)
        if not started or not self.worker.alive():
            return
        extra = [] if os.environ.get("PYSPY_NO_NATIVE") else ["--native"]
        if os.environ.get("PYSPY_IDLE"):  # where the threads wait, too (stacks per thread)
            extra += ["--idle", "--threads"]
        cmd = [exe, "record", *extra, "--rate", "200", "--format", "raw", "--duration", str(int(self.seconds)),
               "--pid", str(self.worker.pid), "--output", str(self.path)]
        try:
            subprocess.run(cmd, capture_output=True, timeout=self.seconds + 60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log(f"py-spy on {self.worker.name} failed: {exc}")


def wait_until(pred: Any, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        if pred():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return False


def start_workers(n: int, bootstrap: str, out: Path, tag: str, partitions: int, batch_size: int,
                  batch_timeout_s: float, topic: str, code_dir: Path | None = None) -> tuple[list[Worker], dict[str, str]]:
    names = {"topic": topic, "group": unique(f"bench-{tag}"), "alerts": unique(f"alerts-{tag}"),
             "dlq": unique(f"dlq-{tag}")}
    ws = [Worker(bootstrap, out, f"{tag}-w{i + 1}", topic=topic, group=names["group"], alerts=names["alerts"],
                 dlq=names["dlq"], partitions=partitions, batch_size=batch_size, batch_timeout_s=batch_timeout_s,
                 code_dir=code_dir)
          for i in range(n)]
    for w in ws:
        w.start()
    return ws, names


def stop_workers(ws: list[Worker]) -> list[dict[str, Any]]:
    reports = []
    for w in ws:
        w.stop()
        try:
            reports.append(json.loads(w.report.read_text()))
        except (OSError, ValueError):
            reports.append({})
    return reports


def _check_alive(ws: list[Worker]) -> None:
    for w in ws:
        if not w.alive():
            tail = "\n".join(w.log_path.read_text(errors="replace").splitlines()[-30:])
            raise RuntimeError(f"worker {w.name} exited ({w.proc.returncode if w.proc else '?'}):\n{tail}")


def _time_at(samples: list[dict[str, Any]], target: float) -> float | None:
    """Interpolated time (s) at which the summed processed count reached ``target``."""
    prev = None
    for s in samples:
        if s["processed"] >= target:
            if prev is None or s["processed"] == prev["processed"]:
                return s["t"]
            f = (target - prev["processed"]) / (s["processed"] - prev["processed"])
            return prev["t"] + f * (s["t"] - prev["t"])
        prev = s
    return None


def _cpu_share(samples: list[dict[str, Any]], t_a: float, t_b: float, i: int | None) -> float | None:
    """Average cores used between t_a and t_b by worker i (None: the broker)."""
    a = min(samples, key=lambda s: abs(s["t"] - t_a))
    b = min(samples, key=lambda s: abs(s["t"] - t_b))
    if b["t"] <= a["t"]:
        return None
    if i is None:
        ca, cb = a.get("broker_cpu_s"), b.get("broker_cpu_s")
    else:
        ca, cb = a["workers"][i]["cpu_s"], b["workers"][i]["cpu_s"]
    if ca is None or cb is None:
        return None
    return round((cb - ca) / (b["t"] - a["t"]), 3)


def _slim(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Samples without the bucket maps (kept small in result.json)."""
    out = []
    for s in samples:
        out.append({**{k: v for k, v in s.items() if k != "workers"},
                    "workers": [{k: v for k, v in w.items() if k != "latency_buckets"} for w in s["workers"]]})
    return out


#: The stream adapter's files (not the detection core): what ``--worker-ref`` takes from another ref.
ADAPTER_PATHS = ("detector/worker", "detector/engine.py", "detector/metrics_export.py", "detector/produce.py",
                 "detector/localkafka.py")


def tree_from_ref(ref: str, dest: Path, compiled: bool, worker_ref: str | None = None) -> Path:
    """``detector/`` and ``setup.py`` of git ``ref`` in ``dest`` (mypyc-compiled if asked): the code a phase's
    workers import, so that a baseline and the current code are measured in one run on one broker.
    ``worker_ref``: the adapter's files (:data:`ADAPTER_PATHS`) from that ref instead, over ``ref``'s core."""
    import io
    import subprocess
    import tarfile

    dest.mkdir(parents=True, exist_ok=True)
    for r, paths in ((ref, ("detector", "setup.py")), (worker_ref, ADAPTER_PATHS)):
        if r is None:
            continue
        blob = subprocess.run(["git", "-C", str(ROOT), "archive", r, *paths], capture_output=True,
                              check=True, timeout=120).stdout
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            tar.extractall(dest, filter="data")
    if compiled:
        proc = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=dest, capture_output=True,
                              text=True, timeout=900, env={**os.environ, "CDR_DETECTOR_COMPILE": "1"})
        if proc.returncode != 0:
            raise RuntimeError(f"mypyc build of {ref} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return dest


# -- phase 1: backlog drain -------------------------------------------------------------------------------

def caller_share(lines: Iterable[bytes], partitions: int, share: int, shares: int) -> Iterator[bytes]:
    """The lines whose caller falls in ``share`` of ``shares`` equal runs of partitions (murmur2, as the producer
    keys them): what one worker of ``shares`` would own in a group, as a stream of its own.  Unparseable lines go
    to share 0 (a worker's rejects are part of its work)."""
    owner = KeyPartitions(partitions)
    for line in lines:
        try:
            caller = orjson.loads(line).get("caller")
        except (orjson.JSONDecodeError, AttributeError):
            caller = None
        mine = (owner(caller) * shares // partitions == share) if isinstance(caller, str) else share == 0
        if mine:
            yield line


def phase_drain(n_workers: int, records: int, stream: Path, bootstrap: str, out: Path, a: argparse.Namespace,
                broker_pid: int | None, code_dir: Path | None = None, label: str = "",
                independent: bool = False) -> dict[str, Any]:
    """Drain ``records`` pre-produced CDRs with ``n_workers`` in one group; or, ``independent``, with ``n_workers``
    separate one-worker groups, each on a topic of its own holding the callers of 1/n of the partitions (the same
    records in all): no cross-worker hops and no shared group, so what the group's own traffic costs shows by
    comparison (session 10: nothing; the pair did better than two independent workers)."""
    tag = f"{'warmup-' if label == 'warmup' else 'base-' if label else ''}drain{n_workers}{'i' if independent else ''}"
    cfg = {"bootstrap.servers": bootstrap}
    shares = n_workers if independent else 1
    topics = [unique(f"cdrs-{tag}{f'-{i}' if independent else ''}") for i in range(shares)]
    prods = []
    for i, topic in enumerate(topics):
        ensure_topic(cfg, topic, a.partitions)
        lines: Iterable[bytes] = islice(file_lines(str(stream)), records)
        if independent:
            lines = caller_share(lines, a.partitions, i, shares)
        log(f"{tag}: pre-producing {'a share of ' if independent else ''}{records:,} CDRs to {topic}")
        prod = drive(lines, cfg, topic, Schedule(), count=records, duration_s=300)
        if prod.errors or (not independent and prod.sent < records):
            raise RuntimeError(f"pre-produce failed: {prod.line()}")
        log(f"{tag}: {prod.line()}")
        prods.append(prod)
    if sum(p.sent for p in prods) != records:
        raise RuntimeError(f"pre-produce sent {sum(p.sent for p in prods):,} of {records:,} records")
    prod = prods[0]
    if independent:
        ws, names = [], {"topics": topics}
        for i, topic in enumerate(topics):
            w, nm = start_workers(1, bootstrap, out, f"{tag}-{i + 1}", a.partitions, a.batch_size,
                                  a.batch_timeout_s, topic, code_dir)
            ws += w
            names[f"group{i + 1}"] = nm["group"]
    else:
        ws, names = start_workers(n_workers, bootstrap, out, tag, a.partitions, a.batch_size, a.batch_timeout_s,
                                  topics[0], code_dir)
    flush_s = Settings.load(env=os.environ).state_flush_s  # the workers' epoch (they inherit this environment)
    sampler = Sampler(ws, max_s=a.drain_timeout + 70 + a.idle_s + flush_s, broker_pid=broker_pid)
    t_start = time.time()
    sampler.start()
    spies = [PySpy(w, out / f"{w.name}.pyspy.txt", a.py_spy, sampler, 0.1 * records)
             for w in ws] if a.py_spy and not label else []
    for spy in spies:
        spy.start()
    try:
        def done() -> bool:
            _check_alive(ws)
            s = sampler.last()
            return s is not None and s["processed"] >= records

        finished = wait_until(done, a.drain_timeout + 30, interval=0.5)
        time.sleep(1.0)
        if a.idle_s > 0:  # the last epoch's flush and commits first, then the idle cost of each process
            time.sleep(flush_s + 2.0 + a.idle_s)
        for spy in spies:
            spy.join(timeout=a.py_spy + 60)
    finally:
        samples = sampler.finish()
        reports = stop_workers(ws)
    t10 = _time_at(samples, 0.1 * records)
    t90 = _time_at(samples, 0.9 * records)
    t_first = next((s["t"] for s in samples if s["processed"] > 0), None)
    t_all = _time_at(samples, records)
    rate = 0.8 * records / (t90 - t10) if t10 is not None and t90 is not None and t90 > t10 else None
    last = samples[-1] if samples else {"workers": []}
    per_worker = []
    for i, w in enumerate(ws):
        lw = last["workers"][i] if i < len(last["workers"]) else {}
        per_worker.append({
            "name": w.name, "processed": lw.get("processed"), "rss_bytes": lw.get("rss"),
            "tracked_numbers": lw.get("tracked_numbers"), "state_bytes_metric": lw.get("state_bytes"),
            "cpu_cores_10_90": _cpu_share(samples, t10, t90, i) if t10 and t90 else None,
            "final_counts": (reports[i] or {}).get("counts"),
        })
    res = {
        "workers": n_workers, "independent": independent, "records": records, "names": names,
        "produce": prod.to_dict() | {"samples": None, "sent": sum(p.sent for p in prods)},
        "code": str(code_dir or CORE_DIR), "label": label or "current",
        "finished": finished, "t_first_processed_s": t_first, "t_all_processed_s": t_all,
        "t10_s": t10, "t90_s": t90, "rate_10_90": rate,
        "rate_per_worker": rate / n_workers if rate else None,
        "rate_first_to_all": records / (t_all - t_first) if t_all and t_first is not None and t_all > t_first else None,
        "broker_cpu_cores_10_90": _cpu_share(samples, t10, t90, None) if t10 and t90 else None,
        "broker_rss_bytes": last.get("broker_rss"),
        "per_worker": per_worker, "started_at": t_start, "samples": _slim(samples),
    }
    res["steady"] = steady_rate(samples, n_workers)
    if a.idle_s > 0 and samples and finished:  # cores used with nothing to do (timers, heartbeats, /metrics polls)
        t_end = samples[-1]["t"]
        res["idle_cores"] = {"workers": [_cpu_share(samples, t_end - a.idle_s, t_end, i) for i in range(n_workers)],
                             "broker": _cpu_share(samples, t_end - a.idle_s, t_end, None)}
        log(f"{tag}: idle cores {res['idle_cores']}")
    res["window"] = steady_window(samples, n_workers, a.steady_settle_s)
    res["window_samples"] = samples  # full rows (for rate_between); dropped before result.json
    wd = res["window"]
    if wd:
        log(f"{tag}: steady window {wd['t_from']:.1f}-{wd['t_to']:.1f} s ({wd['seconds']:.1f} s"
            f"{', SHORT' if wd['short'] else ''}): {wd['rate']:,} CDR/s [" +
            ", ".join(f"{w['rate']:,}/s on {w['cores']} cores" for w in wd["per_worker"]) +
            f"], broker {wd['broker_cores']} cores ({wd['broker_us_per_cdr']} us/CDR, "
            f"{wd['broker_us_per_cdr_without_jit']} without the JIT; {wd['broker_cores_by_thread']}), machine busy "
            f"{wd['machine_busy_cores']} of {wd['machine_cores']}, other {wd['other_cores']}, load {wd['loadavg']}")
    else:
        log(f"{tag}: no steady window with all {n_workers} worker(s) assigned and busy")
    r = f"{rate:,.0f}" if rate else "n/a"
    log(f"{tag}: steady {res['steady']}")
    log(f"{tag}: {r} CDR/s (10-90%), all processed at {t_all} s; CPU "
        + ", ".join(f"{p['name']} {p['cpu_cores_10_90']}" for p in per_worker)
        + f", broker {res['broker_cpu_cores_10_90']}")
    return res


def steady_rate(samples: list[dict[str, Any]], n_workers: int, window: float = STEADY_WINDOW_S) -> dict[str, Any] | None:
    """The best ``window``-second stretch in which every worker processed records: its rate, the cores the
    workers used and CDR per worker CPU-second.  With several workers the 10-90 % window of a short backlog
    can include the start-up rebalance and the changelog recovery that follows it (workers busy, nothing
    processed); this figure leaves that out (and says so: it is the best stretch, not an average)."""
    best = None
    for i, a in enumerate(samples):
        for b in samples[i + 1:]:
            if b["t"] - a["t"] < window:
                continue
            ok = all((wb["processed"] or 0) > (wa["processed"] or 0) for wa, wb in zip(a["workers"], b["workers"]))
            cpu = [(wb["cpu_s"] or 0) - (wa["cpu_s"] or 0) for wa, wb in zip(a["workers"], b["workers"])]
            dt = b["t"] - a["t"]
            if ok and len(a["workers"]) == n_workers and sum(cpu) > 0:
                rate = (b["processed"] - a["processed"]) / dt
                if best is None or rate > best["rate"]:
                    best = {"rate": round(rate), "t_from": a["t"], "t_to": b["t"],
                            "cores": [round(c / dt, 3) for c in cpu],
                            "per_cpu_s": round((b["processed"] - a["processed"]) / sum(cpu))}
            break
    return best


def _delta(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    va, vb = a.get(key), b.get(key)
    return None if va is None or vb is None else vb - va


def _carried(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of ``rows`` in which a probe that failed (a worker's /health or /metrics not answering in time on a
    busy machine: ``assigned`` None, ``processed`` falling back to 0) keeps that worker's previous value."""
    out: list[dict[str, Any]] = []
    for r in rows:
        ws = [dict(w) for w in r["workers"]]
        if out:
            for w, pw in zip(ws, out[-1]["workers"]):
                if w.get("assigned") is None:
                    w["assigned"] = pw.get("assigned")
                if (w.get("processed") or 0) < (pw.get("processed") or 0):
                    w["processed"] = pw["processed"]
        out.append({**r, "workers": ws, "processed": sum(w.get("processed") or 0 for w in ws)})
    return out


def steady_window(samples: list[dict[str, Any]], n_workers: int, settle_s: float = 3.0,
                  tail_frac: float = 0.05, min_s: float = 10.0) -> dict[str, Any] | None:
    """The drain's steady stretch with every worker assigned and busy, averaged (not a best pick).

    Start: after the *last* change of any worker's assigned partitions (the start-up rebalances), the first
    sample from which every worker's processed count rose over two consecutive samples (its changelog
    recovery is over), plus ``settle_s``.  End: the last sample before any worker's lag fell to ``tail_frac`` of
    what it was at the start (the first worker to run out of backlog ends the window: after that the other one
    runs alone).  Over that window: the total and per-worker rates, the cores each worker, the broker, this
    benchmark and the whole machine used (utime+stime deltas from /proc; ``other_cores`` = machine - workers -
    broker - benchmark, i.e. everything else running here), CPU microseconds per CDR, and the load average.
    ``short`` says the window is under ``min_s`` (the backlog was too small for a steady figure)."""
    rows = _carried([s for s in samples if len(s["workers"]) == n_workers])
    if len(rows) < 4:
        return None
    assigned = [tuple(w.get("assigned") for w in r["workers"]) for r in rows]
    last_change = max((i for i in range(1, len(rows)) if assigned[i] != assigned[i - 1]), default=0)
    if not all((x or 0) > 0 for x in assigned[last_change]):
        return None

    def busy(i: int) -> bool:
        return all((rows[i + k + 1]["workers"][w]["processed"] or 0) > (rows[i + k]["workers"][w]["processed"] or 0)
                   for k in (0, 1) for w in range(n_workers))

    i0 = next((i for i in range(last_change, len(rows) - 2) if busy(i)), None)
    if i0 is None:
        return None
    ia = next((i for i in range(i0, len(rows)) if rows[i]["t"] >= rows[i0]["t"] + settle_s), None)
    if ia is None:
        return None
    a = rows[ia]
    lag_a = [w.get("lag") for w in a["workers"]]
    ib = len(rows) - 1
    for j in range(ia + 1, len(rows)):
        ws = rows[j]["workers"]
        tail = any(la is not None and w.get("lag") is not None and w["lag"] <= tail_frac * la
                   for la, w in zip(lag_a, ws))
        stalled = j >= 2 and all(ws[k]["processed"] == rows[j - 2]["workers"][k]["processed"] for k in range(n_workers))
        if tail or stalled or assigned[j] != assigned[ia]:
            ib = j - 1
            break
    b = rows[ib]
    dt = b["t"] - a["t"]
    if dt <= 0:
        return None
    n = b["processed"] - a["processed"]
    per_worker = []
    worker_cpu = 0.0
    for k in range(n_workers):
        wa, wb = a["workers"][k], b["workers"][k]
        nk = (wb["processed"] or 0) - (wa["processed"] or 0)
        ck = (wb["cpu_s"] or 0) - (wa["cpu_s"] or 0)
        worker_cpu += ck
        per_worker.append({"rate": round(nk / dt), "cores": round(ck / dt, 3),
                           "per_cpu_s": round(nk / ck) if ck > 0 else None,
                           "assigned": wa.get("assigned"), "lag_from": wa.get("lag"), "lag_to": wb.get("lag")})
    broker = _delta(a, b, "broker_cpu_s")
    groups = None
    if a.get("broker_threads") and b.get("broker_threads"):
        groups = {g: round((b["broker_threads"][g] - a["broker_threads"][g]) / dt, 3) for g in b["broker_threads"]}
    me = _delta(a, b, "self_cpu_s")
    mach = None
    if a.get("machine_cpu") and b.get("machine_cpu"):
        mach = (b["machine_cpu"][0] - a["machine_cpu"][0], b["machine_cpu"][1] - a["machine_cpu"][1])
    # /proc/stat's total counts every core: cores available = total / dt
    busy_cores = mach[0] / dt if mach else None
    other = busy_cores - (worker_cpu + (broker or 0) + (me or 0)) / dt if busy_cores is not None else None
    return {
        "t_from": a["t"], "t_to": b["t"], "seconds": round(dt, 2), "short": dt < min_s,
        "processed_from": a["processed"], "processed_to": b["processed"], "records": n,
        "rate": round(n / dt), "per_worker": per_worker,
        "worker_cores": round(worker_cpu / dt, 3),
        "per_worker_cpu_s": round(n / worker_cpu) if worker_cpu > 0 else None,
        "worker_us_per_cdr": round(1e6 * worker_cpu / n, 2) if n > 0 else None,
        "broker_cores": round(broker / dt, 3) if broker is not None else None,
        "broker_us_per_cdr": round(1e6 * broker / n, 2) if broker is not None and n > 0 else None,
        "broker_cores_by_thread": groups,
        "broker_us_per_cdr_without_jit": round(1e6 * (broker / dt - groups["jit"]) * dt / n, 2)
        if broker is not None and groups and n > 0 else None,
        "bench_cores": round(me / dt, 3) if me is not None else None,
        "machine_busy_cores": round(busy_cores, 3) if busy_cores is not None else None,
        "machine_cores": round(mach[1] / dt, 2) if mach else None,
        "other_cores": round(other, 3) if other is not None else None,
        # How many times this rate the whole machine would give at this window's CPU per CDR (workers and
        # broker; nothing else running): for a 1-worker drain, the most any number of workers can scale to here.
        "machine_ceiling_x": round(mach[1] / (worker_cpu + broker), 2)
        if mach and broker is not None and worker_cpu + broker > 0 else None,
        "loadavg": [a.get("loadavg"), b.get("loadavg")],
    }


def rate_between(samples: list[dict[str, Any]], p_from: float, p_to: float) -> dict[str, Any] | None:
    """Rate and cores of a drain over the stretch in which its summed processed count went from ``p_from`` to
    ``p_to`` (to compare another drain's steady window on the same records of the same stream)."""
    t_a, t_b = _time_at(samples, p_from), _time_at(samples, p_to)
    if t_a is None or t_b is None or t_b <= t_a:
        return None
    n_workers = len(samples[-1]["workers"]) if samples else 0
    cores = [_cpu_share(samples, t_a, t_b, i) for i in range(n_workers)]
    return {"t_from": round(t_a, 2), "t_to": round(t_b, 2), "rate": round((p_to - p_from) / (t_b - t_a)),
            "worker_cores": cores, "broker_cores": _cpu_share(samples, t_a, t_b, None)}


def compare_windows(result: dict[str, Any], samples: dict[int, list[dict[str, Any]]]) -> None:
    """For every drain with several workers and a steady window: each 1-worker drain of the same code (label)
    over the same records (the same summed processed counts, so the same stretch of the stream), and the
    ratio of the rates.  Written into the drain's ``window["vs_one"]``."""
    for key in ("drain", "drain_baseline"):
        drains = result.get(key) or []
        ones = [d for d in drains if d["workers"] == 1 and id(d) in samples]
        for d in drains:
            w = d.get("window")
            if d["workers"] < 2 or not w:
                continue
            w["vs_one"] = []
            for o in ones:
                m = rate_between(samples[id(o)], w["processed_from"], w["processed_to"])
                if m:
                    m["ratio"] = round(w["rate"] / m["rate"], 3) if m["rate"] else None
                    m["one_started_at"] = o["started_at"]
                    w["vs_one"].append(m)


def _workers_label(drain: dict[str, Any], short: bool = False) -> str:
    n = drain["workers"]
    if drain.get("independent"):
        return f"{n} independent" if short else f"{n} independent one-worker groups"
    return str(n) if short else f"{n} worker(s)"


def window_table(result: dict[str, Any]) -> list[str]:
    """The steady windows of the drains as markdown rows."""
    lines = ["", f"Steady windows (every worker assigned and busy, after the last rebalance's recovery + "
             f"{result['config'].get('steady_settle_s', 3.0)} s, until the first worker's lag is down to 5 %; "
             "cores from /proc utime+stime over the window; other = machine busy - workers - broker - benchmark):",
             "", "| code | workers | window s | records | CDR/s | per worker CDR/s | worker cores | CDR per worker "
             "CPU-s | broker cores | broker us/CDR | machine busy / other cores | load avg | 1 worker, same records | ratio | "
             "machine cores / (worker + broker cores) |",
             "|---|---:|---:|---:|---:|---|---|---:|---:|---:|---|---|---:|---:|---:|"]
    for key in ("drain_baseline", "drain"):
        for d in result.get(key) or []:
            w = d.get("window")
            if not w:
                lines.append(f"| {d.get('label', 'current')} | {_workers_label(d, True)} | no window | | | | | | | | | | | | |")
                continue
            vs = w.get("vs_one") or []
            lines.append(
                f"| {d.get('label', 'current')} | {_workers_label(d, True)} | {w['seconds']:.1f}{' (short)' if w['short'] else ''} | "
                f"{w['records']:,.0f} | {w['rate']:,} | {', '.join(format(x['rate'], ',') for x in w['per_worker'])} | "
                f"{', '.join(format(x['cores'], '.2f') for x in w['per_worker'])} | {_f(w['per_worker_cpu_s'])} | "
                f"{_f(w['broker_cores'], '{:.2f}')} | {_f(w['broker_us_per_cdr'], '{:.1f}')} | "
                f"{_f(w['machine_busy_cores'], '{:.2f}')} / {_f(w['other_cores'], '{:.2f}')} | "
                f"{w['loadavg'][0]}-{w['loadavg'][1]} | {', '.join(_f(x['rate']) for x in vs)} | "
                f"{', '.join(_f(x['ratio'], '{:.2f}x') for x in vs)} | {_f(w.get('machine_ceiling_x'), '{:.2f}x')} |")
    return lines


# -- phase 2: latency at offered rates ---------------------------------------------------------------------

def lag_is_flat(samples: list[dict[str, Any]], rate: float) -> tuple[bool, float, float]:
    """Flat: the lag's growth over the step's last two thirds is under 3 % of the offered rate and the
    final lag is under 2 s of traffic.  Returns (flat, slope msgs/s, last lag)."""
    pts = [(s["t"], s["lag"]) for s in samples if s.get("lag") is not None]
    if len(pts) < 4:
        return False, float("nan"), float("nan")
    pts = pts[len(pts) // 3:]
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    ml = sum(v for _, v in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    slope = sum((t - mt) * (v - ml) for t, v in pts) / var if var > 0 else 0.0
    last = float(pts[-1][1])
    return (slope < 0.03 * rate and last < 2.0 * rate), slope, last


def phase_latency(n_workers: int, stream: Path, bootstrap: str, out: Path, a: argparse.Namespace,
                  broker_pid: int | None, code_dir: Path | None = None, label: str = "") -> dict[str, Any]:
    tag = f"{'base-' if label else ''}lat{n_workers}"
    topic = unique(f"cdrs-{tag}")
    cfg = {"bootstrap.servers": bootstrap}
    ensure_topic(cfg, topic, a.partitions)
    ws, names = start_workers(n_workers, bootstrap, out, tag, a.partitions, a.batch_size, a.batch_timeout_s, topic,
                              code_dir)
    sampler = Sampler(ws, max_s=a.phase_budget + 120, broker_pid=broker_pid)
    sampler.start()
    lines = file_lines(str(stream))  # one iterator through the phase: each step continues the stream
    steps: list[dict[str, Any]] = []
    phase_deadline = time.monotonic() + a.phase_budget
    try:
        ok = wait_until(lambda: (_check_alive(ws) or True) and all(
            (h := w.health()) is not None and h.get("assigned_partitions", 0) > 0 for w in ws)
            and sum((w.health() or {}).get("assigned_partitions", 0) for w in ws) == a.partitions, 90, 0.5)
        if not ok:
            raise RuntimeError(f"{tag}: workers did not get their partitions within 90 s")
        log(f"{tag}: {n_workers} worker(s) assigned; stepping rates")

        def run_step(rate: float) -> dict[str, Any]:
            before = sampler.sample()
            t_a = time.time()
            s = drive(lines, cfg, topic, Schedule.fixed(rate), duration_s=a.step_s)
            t_b = time.time()
            during = [x for x in list(sampler.samples) if t_a <= x["epoch"] <= t_b]
            flat, slope, last_lag = lag_is_flat(during, rate)
            drained = wait_until(lambda: (_check_alive(ws) or True) and (l := sampler.last()) is not None
                                 and l["epoch"] > time.time() - 1.5 and l["lag"] == 0, a.drain_between, 0.5)
            time.sleep(1.5)  # the internal hops of the last records, and their alerts
            after = sampler.sample()
            hb = bucket_delta(sum_buckets([w["latency_buckets"] for w in before["workers"]]),
                              sum_buckets([w["latency_buckets"] for w in after["workers"]]))
            proc = after["processed"] - before["processed"]
            step = {
                "offered_rate": rate, "achieved_rate": s.achieved_rate, "sent": s.sent, "driver_late_max_s": s.late_max_s,
                "t_start": t_a, "t_end": t_b, "lag_flat": flat, "lag_slope_per_s": round(slope, 1),
                "lag_at_end": last_lag, "drained_after": drained, "processed_in_step_and_drain": proc,
                "worker_hist_p50_s": hist_quantile(0.5, hb), "worker_hist_p99_s": hist_quantile(0.99, hb),
                "worker_hist_count": hb.get(float("inf"), 0.0),
                "cpu_cores": [_cpu_share(during, during[0]["t"], during[-1]["t"], i) if len(during) > 2 else None
                              for i in range(len(ws))],
                "broker_cpu_cores": _cpu_share(during, during[0]["t"], during[-1]["t"], None) if len(during) > 2 else None,
            }
            log(f"{tag}: step {rate:,.0f}/s: achieved {s.achieved_rate:,.0f}/s, lag {'flat' if flat else 'GROWING'} "
                f"(slope {slope:,.0f}/s, end {last_lag:,.0f}), worker hist p99 {step['worker_hist_p99_s']}, "
                f"cpu {step['cpu_cores']}, drained {drained}")
            steps.append(step)
            return step

        tested: dict[float, bool] = {}
        for rate in a.rates:
            if time.monotonic() > phase_deadline:
                break
            tested[rate] = run_step(rate)["lag_flat"]
        for _ in range(a.search_steps):  # bounded search for the highest flat rate
            if time.monotonic() > phase_deadline:
                break
            lo = max((r for r, f in tested.items() if f), default=0.0)
            hi = min((r for r, f in tested.items() if not f and r > lo), default=None)
            if hi is None:
                nxt = lo * 1.5
            else:
                nxt = round((lo + hi) / 2 / 500) * 500
                if hi - lo <= 1000 or nxt in tested or nxt <= 0:
                    break
            tested[nxt] = run_step(nxt)["lag_flat"]
    finally:
        samples = sampler.finish()
        reports = stop_workers(ws)
    flat_rates = [r for r, f in tested.items() if f] if steps else []
    e2e = end_to_end_latency(bootstrap, topic, names["alerts"], steps)
    for st, lat in zip(steps, e2e["per_step"]):
        st.update(lat)
    last = samples[-1] if samples else {"workers": []}
    return {
        "workers": n_workers, "names": names, "steps": steps, "label": label or "current",
        "highest_flat_rate": max(flat_rates) if flat_rates else None,
        "alerts_total": e2e["alerts"], "alerts_matched": e2e["matched"],
        "per_worker": [{"name": w.name, "rss_bytes": (last["workers"][i] if i < len(last["workers"]) else {}).get("rss"),
                        "tracked_numbers": (last["workers"][i] if i < len(last["workers"]) else {}).get("tracked_numbers"),
                        "final_counts": (reports[i] or {}).get("counts")} for i, w in enumerate(ws)],
        "samples": _slim(samples),
    }


def end_to_end_latency(bootstrap: str, cdr_topic: str, alert_topic: str, steps: list[dict[str, Any]],
                       timeout: float = 120.0) -> dict[str, Any]:
    """Alert CreateTime - triggering CDR CreateTime, per step (by the CDR's produce time)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    def read(topic: str) -> Iterator[Any]:
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("bench-read"), "enable.auto.commit": False,
                      "log_level": 3})
        try:
            md = c.list_topics(topic, timeout=10)
            ends = {}
            for p in md.topics[topic].partitions:
                lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                if hi > lo:
                    ends[p] = hi
            if not ends:
                return
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
            done: set[int] = set()
            deadline = time.monotonic() + timeout
            while len(done) < len(ends) and time.monotonic() < deadline:
                for m in c.consume(5000, timeout=0.5):
                    if m.error():
                        continue
                    yield m
                    if m.offset() + 1 >= ends[m.partition()]:
                        done.add(m.partition())
        finally:
            c.close()

    alerts: list[tuple[str, float]] = []
    for m in read(alert_topic):
        try:
            body = json.loads(m.value())
        except ValueError:
            continue
        alerts.append((body.get("trigger_cdr_id"), m.timestamp()[1] / 1000.0))
    want = {cid for cid, _ in alerts if cid}
    produced: dict[str, float] = {}
    if want:
        for m in read(cdr_topic):
            v = m.value()
            mm = _CDR_ID.search(v) if v else None
            if mm:
                cid = mm.group(1).decode()
                if cid in want and cid not in produced:
                    produced[cid] = m.timestamp()[1] / 1000.0
    per_step = []
    for st in steps:
        lat = [t_alert - produced[cid] for cid, t_alert in alerts
               if cid in produced and st["t_start"] <= produced[cid] <= st["t_end"] + 0.5]
        per_step.append({"e2e_alerts": len(lat), "e2e_p50_s": quantile(lat, 0.5), "e2e_p99_s": quantile(lat, 0.99),
                         "e2e_max_s": max(lat) if lat else None})
    return {"alerts": len(alerts), "matched": sum(1 for cid, _ in alerts if cid in produced), "per_step": per_step}


# -- profile of the hot path -------------------------------------------------------------------------------

#: Records per epoch in the in-process step: what one 2 s epoch of the worker held at ~30,000 CDR/s (kept so
#: figures stay comparable across runs; the worker's default epoch is 5 s since session 5, see Settings).
STEP_EPOCH_RECORDS = 60_000


def batch_step(stream: Path, records: int, batch_size: int, partitions: int, profile_out: Path | None = None,
               epoch_records: int = STEP_EPOCH_RECORDS) -> dict[str, Any]:
    """The worker's batch step in this process: :class:`BatchProcessor` on dict stores, internal events fed back
    as the next batch's records (as the topics would), and, as the worker does, every key changed in an epoch of
    ``epoch_records`` encoded once with the changelog codec at its end (no Kafka, no produce).  CPU-seconds of
    the loop; under pyinstrument (``profile_out``: profile.txt/html there) when it is installed."""
    from detector.produce import caller_key
    from detector.worker.codec import CODECS
    from detector.worker.processor import BatchProcessor, DictStore, InRecord

    class EncodingStore(DictStore):
        """A dict store that encodes what it persists, as the worker's changelog writes do."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.dumps_all = CODECS[name].dumps_all
            self.bytes = 0

        def persist(self, keys: list[str], partitions: list[int], values: list[Any]) -> None:
            self.writes += len(keys)
            self.bytes += sum(map(len, self.dumps_all([v for v in values if v is not None])))

    stores = {name: EncodingStore(name) for name in CODECS}
    bp = BatchProcessor(partitions, stores, max_hold_s=0.0)
    part = bp.part
    recs = []
    for i, ln in enumerate(islice(file_lines(str(stream)), records)):
        ln = ln.rstrip(b"\n")
        k = caller_key(ln)
        recs.append(InRecord("cdrs", part(k.decode()) if k else 0, i, ln, k))

    def run() -> int:
        pending: list[InRecord] = []
        alerts = since = 0
        for off in range(0, len(recs) + batch_size, batch_size):
            batch = pending + recs[off: off + batch_size]
            res = bp.process(batch, assigned=range(partitions), flush=off >= len(recs), flush_state=False)
            alerts += len(res.alerts)
            pending = [InRecord(kind, p, 0, v) for kind, p, v in res.internal]
            since += batch_size
            if since >= epoch_records or off >= len(recs):
                since = 0
                bp.flush_state()
        return alerts

    Profiler = None
    if profile_out is not None:
        try:
            from pyinstrument import Profiler
        except ImportError:
            pass
    c0 = time.process_time()
    if Profiler is not None:
        prof = Profiler(interval=0.001)
        prof.start()
        alerts = run()
        prof.stop()
        (profile_out / "profile.txt").write_text(prof.output_text(unicode=False, color=False, show_all=False))
        try:
            (profile_out / "profile.html").write_text(prof.output_html())
        except Exception:  # noqa: BLE001
            pass
    else:
        alerts = run()
    cpu = time.process_time() - c0
    import detector.stages

    return {"records": len(recs), "batch_size": batch_size, "epoch_records": epoch_records, "cpu_s": cpu,
            "rate_cpu": len(recs) / cpu, "alerts": alerts, "profiled": Profiler is not None,
            "compiled_core": not detector.stages.__file__.endswith(".py"),
            "state_writes": sum(st.writes for st in stores.values()),
            "state_bytes_written": sum(st.bytes for st in stores.values())}


def batch_step_on(code_dir: Path, stream: Path, records: int, batch_size: int, partitions: int,
                  profile_out: Path | None = None) -> dict[str, Any]:
    """:func:`batch_step` on the ``detector`` package in ``code_dir`` (the compiled core with ``--compiled``), in a
    child process so that this process's pure-Python import does not shadow it."""
    import subprocess

    if code_dir == ROOT:
        return batch_step(stream, records, batch_size, partitions, profile_out)
    args = json.dumps([str(stream), records, batch_size, partitions, str(profile_out) if profile_out else None])
    proc = subprocess.run([sys.executable, __file__, "--batch-step-json", args], capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "BENCH_CODE_DIR": str(code_dir)})
    if proc.returncode != 0:
        raise RuntimeError(f"in-process batch step failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- output --------------------------------------------------------------------------------------------------

def _rate_series(samples: list[dict[str, Any]], window: float = 1.0) -> tuple[list[float], list[float]]:
    ts, rs = [], []
    j = 0
    for i, s in enumerate(samples):
        while j < i and s["t"] - samples[j]["t"] > window:
            j += 1
        if j < i and s["t"] > samples[j]["t"]:
            ts.append(s["t"])
            rs.append((s["processed"] - samples[j]["processed"]) / (s["t"] - samples[j]["t"]))
    return ts, rs


def plots(result: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    naive = result["naive"]["rate"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for ph in result["drain"]:
        t0 = ph["t_first_processed_s"] or 0.0
        ts, rs = _rate_series(ph["samples"])
        ax1.plot([t - t0 for t in ts], rs, label=f"{ph['workers']} worker(s): {ph['rate_10_90'] or 0:,.0f}/s (10-90%)")
        lt = [(s["t"] - t0, s["lag"]) for s in ph["samples"] if s["lag"] is not None]
        ax2.plot([x for x, _ in lt], [y for _, y in lt], label=f"{ph['workers']} worker(s)")
    ax1.axhline(naive, color="grey", ls="--", label=f"naive river per-call (1 core, CPU): {naive:,.0f}/s")
    ax1.axhline(50_000, color="red", ls=":", label="issue bar: 50,000/s per worker")
    ax1.set_ylabel("CDR/s processed (1 s window)")
    ax1.set_title(f"Backlog drain of {result['config']['drain_records']:,} CDRs ({result['config']['partitions']} partitions)")
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    ax2.set_ylabel("consumer lag (messages)")
    ax2.set_xlabel("seconds since first CDR processed")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=110)
    plt.close(fig)

    if result["latency"]:
        fig, axes = plt.subplots(len(result["latency"]), 1, figsize=(9, 3.6 * len(result["latency"])), squeeze=False)
        for ax, ph in zip(axes[:, 0], result["latency"]):
            s0 = ph["samples"][0]["epoch"] if ph["samples"] else 0
            ts, rs = _rate_series(ph["samples"])
            ax.plot(ts, rs, label="processed CDR/s", color="tab:blue")
            for st in ph["steps"]:
                ax.hlines(st["offered_rate"], st["t_start"] - s0, st["t_end"] - s0, color="black", lw=2)
                ax.axvspan(st["t_start"] - s0, st["t_end"] - s0, color="green" if st["lag_flat"] else "red", alpha=0.08)
            ax.set_ylabel("CDR/s (black: offered)")
            ax2 = ax.twinx()
            lt = [(s["t"], s["lag"]) for s in ph["samples"] if s["lag"] is not None]
            ax2.plot([x for x, _ in lt], [y for _, y in lt], color="tab:orange", label="lag")
            ax2.set_ylabel("consumer lag (messages)", color="tab:orange")
            ax.set_title(f"{ph['workers']} worker(s): offered-rate steps (green: lag flat, red: growing)")
            ax.set_xlabel("seconds")
            ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / "latency_phases.png", dpi=110)
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(8, 5))
        for ph, c in zip(result["latency"], ("tab:blue", "tab:green", "tab:purple")):
            st = sorted(ph["steps"], key=lambda x: x["offered_rate"])
            xs = [x["offered_rate"] for x in st]
            for key, ls, lab in (("e2e_p50_s", "-", "e2e p50"), ("e2e_p99_s", "-", "e2e p99"),
                                 ("worker_hist_p99_s", ":", "worker histogram p99")):
                pts = [(x, s[key]) for x, s in zip(xs, st) if s.get(key) is not None]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], ls=ls, marker="o" if "p99" in key else "s",
                            color=c, alpha=0.5 if "p50" in key else 1.0, label=f"{ph['workers']} worker(s) {lab}")
        ax.axhline(1.0, color="red", ls=":", label="issue bar: p99 < 1 s at 20,000/s")
        ax.set_yscale("log")
        ax.set_xlabel("offered CDR/s")
        ax.set_ylabel("CDR-to-alert latency, s (log)")
        ax.set_title("CDR-to-alert latency against offered rate")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, which="both")
        fig.tight_layout()
        fig.savefig(out / "latency_vs_rate.png", dpi=110)
        plt.close(fig)


def _f(x: Any, fmt: str = "{:,.0f}") -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def _per_cpu(phase: dict[str, Any]) -> float | None:
    """CDRs per worker CPU-second over the 10-90 % window of a drain phase."""
    cores = [w["cpu_cores_10_90"] for w in phase["per_worker"]]
    if not phase["rate_10_90"] or not cores or any(c is None for c in cores) or sum(cores) <= 0:
        return None
    return phase["rate_10_90"] / sum(cores)


def markdown(result: dict[str, Any]) -> str:
    naive = result["naive"]["rate"]
    m = result["machine"]
    la = result.get("loadavg_start")
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; broker {result['broker']}; "
             f"load average at start {_f(la[0] if la else None, '{:.2f}')} (other work on the machine).",
             f"Stream: {result['stream']}. Partitions {result['config']['partitions']}, batch_size "
             f"{result['config']['batch_size']}, batch_timeout_s {result['config']['batch_timeout_s']}.", "",
             "| figure | value | vs naive per-call river (1 core, CPU-s) |", "|---|---:|---:|"]
    d1 = {p["workers"]: p for p in result["drain"] if not p.get("independent")}
    for p in sorted(result["drain"], key=lambda p: (p["workers"], bool(p.get("independent")))):
        n, rate = p["workers"], p["rate_10_90"]
        cpu = ", ".join(_f(w["cpu_cores_10_90"], "{:.2f}") for w in p["per_worker"])
        lines.append(f"| backlog drain, {_workers_label(p)}: CDR/s (10-90 %) [worker cores: {cpu}; broker "
                     f"{_f(p['broker_cpu_cores_10_90'], '{:.2f}')}; {_f(_per_cpu(p))} per worker CPU-s] | {_f(rate)} | "
                     f"{_f(rate / naive if rate else None, '{:.2f}x')} |")
        if n > 1 and rate:
            lines.append(f"| per worker, {n} workers | {_f(rate / n)} | {_f(rate / n / naive, '{:.2f}x')} |")
    if 1 in d1 and 2 in d1 and d1[1]["rate_10_90"] and d1[2]["rate_10_90"]:
        lines.append(f"| scaling 2 workers / 1 worker | {d1[2]['rate_10_90'] / d1[1]['rate_10_90']:.2f}x | |")
    for p in result["drain"]:
        if p.get("independent") and 1 in d1 and d1[1]["rate_10_90"] and p["rate_10_90"]:
            lines.append(f"| {_workers_label(p)} / 1 worker (the ceiling for the group's scaling) | "
                         f"{p['rate_10_90'] / d1[1]['rate_10_90']:.2f}x | |")
    lines.append(f"| naive per-call river pipeline (in process, no Kafka) | {_f(naive)} | 1.00x |")
    base = {p["workers"]: p for p in result.get("drain_baseline") or [] if not p.get("independent")}
    lines.append(f"| in-process batch step (BatchProcessor, dict stores, no Kafka; CPU-s) | "
                 f"{_f(result['profile'].get('rate_unprofiled'))} | "
                 f"{_f((result['profile'].get('rate_unprofiled') or 0) / naive, '{:.2f}x')} |")
    for ph in result.get("latency_baseline", []) + result["latency"]:
        lines.append(f"| highest offered rate with flat lag, {ph['workers']} worker(s), {ph.get('label', 'current')} | {_f(ph['highest_flat_rate'])} | "
                     f"{_f((ph['highest_flat_rate'] or 0) / naive, '{:.2f}x')} |")
    for p in result["drain"]:
        for w in p["per_worker"]:
            tn = w["tracked_numbers"]
            lines.append(f"| {w['name']}: RSS after drain / tracked numbers | {_f(w['rss_bytes'] / 2**20 if w['rss_bytes'] else None, '{:,.0f} MiB')}"
                         f" / {_f(tn)} | |")
    if base:
        ref = result["config"].get("baseline_ref")
        cur = result["config"].get("tree_ref") or "working tree"
        if result["config"].get("worker_ref"):
            cur += f"` with the worker adapter of `{result['config']['worker_ref']}"
        lines += ["", f"Same run, same broker and stream: baseline = workers of `{ref}`, current = `{cur}`.", "",
                  "| workers | window | baseline CDR/s | baseline CDR/worker-CPU-s | current CDR/s | current CDR/worker-CPU-s | "
                  "ratio | ratio per CPU-s |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for n in sorted(base):
            b, c = base[n], d1.get(n)
            if c is None:
                continue
            bc, cc = _per_cpu(b), _per_cpu(c)
            lines.append(f"| {n} | 10-90 % | {_f(b['rate_10_90'])} | {_f(bc)} | {_f(c['rate_10_90'])} | {_f(cc)} | "
                         f"{_f(c['rate_10_90'] / b['rate_10_90'] if b['rate_10_90'] and c['rate_10_90'] else None, '{:.2f}x')} | "
                         f"{_f(cc / bc if bc and cc else None, '{:.2f}x')} |")
            bs, cs = b.get("steady"), c.get("steady")
            if bs and cs:
                lines.append(f"| {n} | best {STEADY_WINDOW_S:.0f} s, all workers busy | {_f(bs['rate'])} | {_f(bs['per_cpu_s'])} | "
                             f"{_f(cs['rate'])} | {_f(cs['per_cpu_s'])} | {cs['rate'] / bs['rate']:.2f}x | "
                             f"{cs['per_cpu_s'] / bs['per_cpu_s']:.2f}x |")
    if result["drain"] or result.get("drain_baseline"):
        lines += window_table(result)
    if not (result.get("latency_baseline") or result["latency"]):
        return "\n".join(lines) + "\n"
    lines += ["", "| code | workers | offered CDR/s | achieved | lag | e2e p50 s | e2e p99 s | e2e alerts | worker-hist p50 s | worker-hist p99 s | worker cores | broker cores |",
              "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|---:|"]
    for ph in result.get("latency_baseline", []) + result["latency"]:
        for st in sorted(ph["steps"], key=lambda x: x["offered_rate"]):
            lines.append(
                f"| {ph.get('label', 'current')} | {ph['workers']} | {_f(st['offered_rate'])} | {_f(st['achieved_rate'])} | "
                f"{'flat' if st['lag_flat'] else 'growing ' + _f(st['lag_slope_per_s']) + '/s'} | "
                f"{_f(st.get('e2e_p50_s'), '{:.3f}')} | {_f(st.get('e2e_p99_s'), '{:.3f}')} | {st.get('e2e_alerts', 0)} | "
                f"{_f(st['worker_hist_p50_s'], '{:.3f}')} | {_f(st['worker_hist_p99_s'], '{:.3f}')} | "
                f"{', '.join(_f(c, '{:.2f}') for c in st['cpu_cores'])} | {_f(st['broker_cpu_cores'], '{:.2f}')} |")
    return "\n".join(lines) + "\n"


# -- main ------------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--quick", action="store_true", help="small settings (~3 min)")
    ap.add_argument("--compiled", action="store_true",
                    help="run the workers on the mypyc-compiled core (as deploy/Dockerfile builds it)")
    ap.add_argument("--tree-ref", help="workers run this git ref's detector/ (git archive) instead of the working tree")
    ap.add_argument("--worker-ref", help="with --tree-ref: the adapter (detector/worker, engine, metrics_export, "
                    "produce, localkafka) from this ref over the tree's core (isolates a worker change)")
    ap.add_argument("--baseline-ref", help="also drain with workers of this git ref, in the same run, for ratios")
    ap.add_argument("--bootstrap", help="use this broker instead of starting a LocalKafka")
    ap.add_argument("--input", type=Path, help="CDR file (default: generate one into --out)")
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--drain-records", type=int, default=None, help="backlog size (default 400k; quick 100k)")
    ap.add_argument("--drain-timeout", type=float, default=180.0)
    ap.add_argument("--drain-workers", default="1,2",
                    help="worker counts to drain with, in order; 'Ni' = N independent one-worker groups, each on a "
                         "topic with the callers of 1/N of the partitions (no cross-worker hops, no shared group)")
    ap.add_argument("--latency-workers", default=None, help="default 1,2 (quick: 1)")
    ap.add_argument("--rates", default="5000,20000", help="fixed offered rates, CDR/s")
    ap.add_argument("--search-steps", type=int, default=None, help="extra rates searched (default 3; quick 1)")
    ap.add_argument("--step-s", type=float, default=None, help="seconds per rate step (default 15; quick 8)")
    ap.add_argument("--drain-between", type=float, default=40.0, help="max wait for lag 0 between steps")
    ap.add_argument("--phase-budget", type=float, default=None, help="max seconds of steps per latency phase")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--batch-timeout-s", type=float, default=0.1)
    ap.add_argument("--baseline-records", type=int, default=100_000)
    ap.add_argument("--profile-records", type=int, default=None, help="default 100k (quick 30k)")
    ap.add_argument("--profile-only", action="store_true")
    ap.add_argument("--py-spy", type=float, default=0.0, metavar="SECONDS",
                    help="sample each drain worker of the current code with py-spy (--native unless PYSPY_NO_NATIVE is set; "
                         "with PYSPY_IDLE=1 also idle stacks, per thread) for this long, "
                         "from 10%% of the backlog on: <tag>-w<i>.pyspy.txt (collapsed stacks) in --out")
    ap.add_argument("--steady-settle-s", type=float, default=3.0,
                    help="the steady window starts this long after the last rebalance's recovery (see steady_window)")
    ap.add_argument("--code-dir", type=Path, help="workers import detector from this directory (e.g. a compiled "
                    "tree from load/native_build.py) instead of building one")
    ap.add_argument("--broker-prop", action="append", default=[], metavar="KEY=VALUE",
                    help="server.properties entry for the LocalKafka broker (repeatable)")
    ap.add_argument("--worker-env", action="append", default=[], metavar="KEY=VALUE",
                    help="environment variable for the workers, e.g. CDR_STATE_FLUSH_S=10 (repeatable)")
    ap.add_argument("--warmup-records", type=int, default=0,
                    help="drain this many records with one worker before the measured phases, not reported (the "
                         "broker JVM's JIT compiler otherwise spends ~0.04 cores in the first drain)")
    ap.add_argument("--idle-s", type=float, default=0.0,
                    help="after each drain (and its last epoch's flush), measure the cores each worker and the broker "
                         "use idle for this long (the fixed cost of a process: timers, heartbeats, polls)")
    a = ap.parse_args(argv)
    q = a.quick
    broker_props = dict(kv.split("=", 1) for kv in a.broker_prop)
    worker_env = dict(kv.split("=", 1) for kv in a.worker_env)
    os.environ.update(worker_env)  # the launcher passes this process's environment to the workers
    a.drain_records = a.drain_records or (100_000 if q else 400_000)
    a.latency_workers = a.latency_workers or ("1" if q else "1,2")
    a.search_steps = a.search_steps if a.search_steps is not None else (1 if q else 3)
    a.step_s = a.step_s or (8.0 if q else 15.0)
    a.phase_budget = a.phase_budget or (90.0 if q else 150.0)
    a.profile_records = a.profile_records or (30_000 if q else 100_000)
    a.rates = [float(x) for x in a.rates.split(",") if x.strip()]
    drain_workers = [(int(x.strip().rstrip("i")), x.strip().endswith("i")) for x in a.drain_workers.split(",")
                     if x.strip()]
    lat_workers = [int(x) for x in a.latency_workers.split(",") if x.strip() and int(x) > 0]  # "0": none
    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    t_run = time.monotonic()
    global CORE_DIR
    if a.code_dir:
        CORE_DIR = a.code_dir.resolve()
        log(f"workers import detector from {CORE_DIR}")
    elif a.tree_ref or a.worker_ref:
        tree = a.tree_ref or "HEAD"
        log(f"workers run the tree of {tree}" + (f" with the adapter of {a.worker_ref}" if a.worker_ref else "")
            + (", compiled" if a.compiled else ""))
        CORE_DIR = tree_from_ref(tree, out / "tree-current", a.compiled, a.worker_ref)
    elif a.compiled:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from native_build import build_compiled

        log("building the mypyc-compiled core for the workers")
        CORE_DIR = build_compiled(out / "native")
    baseline_dir = None
    if a.baseline_ref:
        log(f"baseline workers: the tree of {a.baseline_ref}{', compiled' if a.compiled else ''}")
        baseline_dir = tree_from_ref(a.baseline_ref, out / "tree-baseline", a.compiled)

    # the stream: big enough for the drain and for every latency phase's steps
    need = max(a.drain_records, int(sum(a.rates) * a.step_s + a.search_steps * 15_000 * a.step_s) + 50_000,
               a.baseline_records, a.profile_records)
    if a.input:
        stream = a.input
        stream_desc = str(a.input)
    else:
        from detector import synth

        gen_dir = out / "stream"
        if not (gen_dir / "cdrs.jsonl").exists() or json.loads((gen_dir / "manifest.json").read_text()).get(
                "bench_need", 0) < need:
            log(f"generating ~{need:,} CDRs (seed {a.seed}) into {gen_dir}")
            man = synth.generate(synth.GeneratorConfig(seed=a.seed, days=2.0, target_cdrs=int(need * 1.05),
                                                            min_history_hours=1.0), gen_dir)
            man = json.loads((gen_dir / "manifest.json").read_text())
            man["bench_need"] = need
            (gen_dir / "manifest.json").write_text(json.dumps(man))
        stream = gen_dir / "cdrs.jsonl"
        stream_desc = (f"detector.synth seed {a.seed}, 2 days, target {int(need * 1.05):,} CDRs, fraud from hour 1 "
                       "(so the first, slow rate step already sees alerts)")

    result: dict[str, Any] = {"machine": _machine(), "stream": stream_desc, "broker": None,
                              "config": {"partitions": a.partitions, "batch_size": a.batch_size,
                                         "batch_timeout_s": a.batch_timeout_s, "drain_records": a.drain_records,
                                         "rates": a.rates, "step_s": a.step_s, "quick": q,
                                         "compiled_core": a.compiled, "tree_ref": a.tree_ref,
                                         "steady_settle_s": a.steady_settle_s,
                                         "warmup_records": a.warmup_records,
                                         "worker_ref": a.worker_ref,
                                         "baseline_ref": a.baseline_ref, "code_dir": str(a.code_dir or ""),
                                         "broker_props": broker_props, "worker_env": worker_env,
                                         "argv": sys.argv[1:] if argv is None else argv},
                              "drain": [], "drain_baseline": [], "latency": [], "latency_baseline": [],
                              "loadavg_start": os.getloadavg()}
    log("profiling the batch step in-process")
    result["profile"] = batch_step_on(CORE_DIR, stream, a.profile_records, a.batch_size, a.partitions, out)
    result["profile"]["rate_unprofiled"] = batch_step_on(CORE_DIR, stream, a.profile_records, a.batch_size,
                                                         a.partitions)["rate_cpu"]
    log(f"batch step in-process: {result['profile']['rate_unprofiled']:,.0f} CDR/s (CPU), profile in profile.txt")
    log(f"naive river pipeline on {a.baseline_records:,} CDRs")
    result["naive"] = run_naive([ln for ln in islice(file_lines(str(stream)), a.baseline_records)])
    log(f"naive: {result['naive']['rate']:,.0f} CDR/s (CPU)")
    if a.profile_only:
        (out / "result.json").write_text(json.dumps(result, indent=1, default=str))
        return 0

    kafka = None
    broker_pid = None
    if a.bootstrap:
        bootstrap = a.bootstrap
        result["broker"] = f"external {bootstrap}"
    else:
        from detector.localkafka import KAFKA_VERSION, LocalKafka

        kafka = LocalKafka(partitions=a.partitions, heap="1g", server_properties=broker_props).start(timeout=120)
        bootstrap = kafka.bootstrap
        broker_pid = kafka.pid
        result["broker"] = f"LocalKafka {KAFKA_VERSION} (1 JVM, heap 1g) on the same machine"
        log(f"broker up at {bootstrap}")
    drain_samples: dict[int, list[dict[str, Any]]] = {}  # id(drain result) -> its full sample rows
    try:
        if a.warmup_records > 0:  # the broker's JIT compiles its hot paths here, not in the first measured drain
            res = phase_drain(1, a.warmup_records, stream, bootstrap, out, a, broker_pid, None, "warmup")
            res.pop("window_samples")
            result["warmup"] = {k: res.get(k) for k in ("records", "rate_10_90", "broker_cpu_cores_10_90", "window")}
        for n, independent in drain_workers:
            if baseline_dir is not None and not independent:  # baseline first, then current: same broker, stream
                res = phase_drain(n, a.drain_records, stream, bootstrap, out, a, broker_pid, baseline_dir, "baseline")
                drain_samples[id(res)] = res.pop("window_samples")
                result["drain_baseline"].append(res)
            res = phase_drain(n, a.drain_records, stream, bootstrap, out, a, broker_pid, independent=independent)
            drain_samples[id(res)] = res.pop("window_samples")
            result["drain"].append(res)
            compare_windows(result, drain_samples)
            (out / "result.json").write_text(json.dumps(result, indent=1, default=str))
        for n in lat_workers:
            if baseline_dir is not None:
                result["latency_baseline"].append(phase_latency(n, stream, bootstrap, out, a, broker_pid,
                                                                baseline_dir, "baseline"))
            result["latency"].append(phase_latency(n, stream, bootstrap, out, a, broker_pid))
            (out / "result.json").write_text(json.dumps(result, indent=1, default=str))
    finally:
        if kafka is not None:
            result["broker_rss_end"] = kafka.rss_bytes()
            kafka.stop()
    result["elapsed_s"] = time.monotonic() - t_run
    result["loadavg_end"] = os.getloadavg()
    (out / "result.json").write_text(json.dumps(result, indent=1, default=str))
    (out / "results.md").write_text(markdown(result))
    try:
        plots(result, out)
    except ImportError as exc:  # matplotlib is the optional 'load' extra: say so, keep the figures written
        log(f"PNG plots skipped ({exc}): pip install -e '.[load]' to draw them; result.json and results.md "
            f"are in {out}")
    print(markdown(result))
    log(f"done in {result['elapsed_s']:.0f} s; output in {out}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--batch-step-json"]:  # the child of batch_step_on
        _s, _n, _b, _p, _o = json.loads(sys.argv[2])
        print(json.dumps(batch_step(Path(_s), _n, _b, _p, Path(_o) if _o else None)))
        sys.exit(0)
    sys.exit(main())
