"""Throughput of the embedded replay against a naive per-call river pipeline, in one run on one core.

    python load/bench_replay.py --records 1000000 [--input FILE] [--json OUT.json]

Both pipelines read the same JSON Lines bytes.  The baseline is what one would write first with river: parse
each line with the standard json module, keep per-caller river statistics, and score + learn every call with
HalfSpaceTrees.  The figure that matters is the ratio, measured in the same process on the same machine.
The baseline is timed on a prefix of the stream (it is slow); rates are records per second of CPU time on
one core (the process is pinned to one CPU where the OS allows).  Both run with the cyclic-GC thresholds the
``replay`` command sets (``detector.pipeline.GC_THRESHOLDS``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def _pin_one_core() -> str:
    try:
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to cpu {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def _machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _ensure_stream(path: Path | None, records: int, seed: int) -> Path:
    """Use ``path`` or generate a stream of at least ``records`` CDRs with the project's generator."""
    if path is not None:
        return path
    from detector import synth

    out = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    synth.generate(synth.GeneratorConfig(seed=seed, days=2.0, target_cdrs=int(records * 1.02)), out)
    return out / "cdrs.jsonl"


def _lines(path: Path, limit: int) -> list[bytes]:
    out: list[bytes] = []
    with open(path, "rb") as fh:
        for line in fh:
            out.append(line)
            if len(out) >= limit:
                break
    return out


def run_detector_compiled(path: Path, records: int) -> dict[str, float]:
    """The same measurement in a child process that imports the mypyc-compiled core."""
    sys.path.insert(0, str(Path(__file__).parent))
    from native_build import build_compiled

    dest = build_compiled(Path(tempfile.mkdtemp(prefix="cdr-native-")))
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[3]); import bench_replay as b; "
        "import detector.features as f; assert f.__file__.endswith('.so'), f.__file__; "
        "print(json.dumps(b.run_detector(b._lines(b.Path(sys.argv[1]), int(sys.argv[2])))))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path), str(records), str(Path(__file__).parent)],
                         env={**os.environ, "PYTHONPATH": str(dest)}, capture_output=True, text=True, cwd=dest)
    if out.returncode != 0:
        raise RuntimeError(f"compiled run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _tune_gc() -> None:
    """The cyclic-GC thresholds ``cdr-detector replay`` and the worker set (``detector.pipeline.GC_THRESHOLDS``),
    for both pipelines: each is measured as it would run in a process of its own."""
    from detector.pipeline import tune_gc_for_long_lived_state

    tune_gc_for_long_lived_state()


def run_detector(lines: list[bytes]) -> dict[str, float]:
    from detector.engine import Engine
    from detector.replay import replay

    _tune_gc()
    engine = Engine()
    sink: list[bytes] = []
    t0 = time.process_time()
    result = replay(iter(lines), sink.append, None, engine, None)
    cpu = time.process_time() - t0
    mem, ser = engine.detector.state_bytes()
    return {
        "records": len(lines),
        "cpu_s": cpu,
        "rate": len(lines) / cpu,
        "alerts": len(sink),
        "tracked_numbers": result.tracked_numbers,
        "state_bytes_per_number_in_memory": mem,
        "state_bytes_per_number_serialized": ser,
    }


def run_naive(lines: list[bytes]) -> dict[str, float]:
    """Per call: json.loads, per-caller river stats, HalfSpaceTrees score_one + learn_one."""
    from datetime import datetime

    from river import anomaly, stats

    _tune_gc()
    hst = anomaly.HalfSpaceTrees(n_trees=10, height=8, window_size=250, seed=7)
    per_caller: dict[str, dict[str, object]] = defaultdict(
        lambda: {"n": stats.Count(), "dur": stats.Mean(), "unans": stats.Mean(), "callees": set()}
    )
    t0 = time.process_time()
    scored = 0
    for raw in lines:
        try:
            rec = json.loads(raw)
            datetime.fromisoformat(rec["start_time"])
            st = per_caller[rec["caller"]]
            st["n"].update(1)  # type: ignore[attr-defined]
            st["dur"].update(float(rec["duration_s"]))  # type: ignore[attr-defined]
            st["unans"].update(0.0 if rec["disposition"] == "answered" else 1.0)  # type: ignore[attr-defined]
            callees = st["callees"]
            callees.add(rec["callee"])  # type: ignore[attr-defined]
        except (ValueError, KeyError, TypeError):
            continue
        n = st["n"].get()  # type: ignore[attr-defined]
        x = {
            "volume": min(1.0, n / 1000.0),
            "duration": min(1.0, st["dur"].get() / 3600.0),  # type: ignore[attr-defined]
            "unanswered": st["unans"].get(),  # type: ignore[attr-defined]
            "spread": len(callees) / n,  # type: ignore[arg-type]
        }
        hst.score_one(x)
        hst.learn_one(x)
        scored += 1
    cpu = time.process_time() - t0
    return {"records": len(lines), "cpu_s": cpu, "rate": len(lines) / cpu, "scored": scored}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000, help="CDRs through the detector (default 1M)")
    ap.add_argument("--baseline-records", type=int, default=100_000,
                    help="CDRs through the naive pipeline (a prefix of the same stream; default 100k)")
    ap.add_argument("--input", type=Path, help="CDR file to use (default: generate one)")
    ap.add_argument("--seed", type=int, default=99, help="generator seed when generating")
    ap.add_argument("--json", type=Path, help="write the result here")
    ap.add_argument("--no-compiled", action="store_true", help="skip the mypyc-compiled build of the core")
    args = ap.parse_args(argv)

    pinned = _pin_one_core()
    path = _ensure_stream(args.input, args.records, args.seed)
    lines = _lines(path, args.records)
    if len(lines) < args.records:
        print(f"note: stream has only {len(lines):,} records", file=sys.stderr)
    naive = run_naive(lines[: args.baseline_records])
    det = run_detector(lines)
    del lines
    native = None if args.no_compiled else run_detector_compiled(path, args.records)
    result = {
        "machine": {**_machine(), "affinity": pinned},
        "input": str(path),
        "detector": det,
        "detector_compiled": native,
        "naive_river_hst": naive,
        "ratio": det["rate"] / naive["rate"],
        "ratio_compiled": native["rate"] / naive["rate"] if native else None,
    }
    print(f"machine: {result['machine']['cpu']} ({pinned})")
    print(f"detector replay : {det['records']:>10,} CDRs  {det['rate']:>10,.0f} CDR/s (CPU)  "
          f"{det['alerts']:,} alerts  {det['tracked_numbers']:,} numbers  "
          f"{det['state_bytes_per_number_in_memory']:.0f} B/number in memory, "
          f"{det['state_bytes_per_number_serialized']:.0f} B serialized")
    if native:
        print(f"detector (mypyc): {native['records']:>10,} CDRs  {native['rate']:>10,.0f} CDR/s (CPU)  "
              f"{native['alerts']:,} alerts  {native['state_bytes_per_number_in_memory']:.0f} B/number in memory, "
              f"{native['state_bytes_per_number_serialized']:.0f} B serialized")
    print(f"naive river HST : {naive['records']:>10,} CDRs  {naive['rate']:>10,.0f} CDR/s (CPU)")
    print(f"ratio           : {result['ratio']:.1f}x pure Python"
          + (f", {result['ratio_compiled']:.1f}x compiled" if native else ""))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
