"""Parse-only throughput: raw CDR lines -> ``Cdr`` (or ``Reject``), pure Python and mypyc-compiled.

    python load/bench_parse.py [--records 300000] [--input FILE] [--repeat 3] [--no-compiled] [--json OUT]

Times, in CPU seconds on one pinned core, over the same lines in the same process:

* ``orjson.loads`` alone (the floor: JSON decoding, no validation),
* ``CdrParser.from_dict`` on the decoded objects (validation and the ``Cdr`` alone),
* ``CdrParser.parse`` one line at a time (what ``Engine.feed`` does).

Results are dropped as they come, as the engine drops each ``Cdr`` once processed (holding them all would add
the garbage collector's scans of a growing heap to the figures).  The best of ``--repeat`` runs is reported (the machine is
shared, so the minimum CPU time is the least disturbed one).  The compiled figures come from a child process
that imports a mypyc build of the core made by ``load/native_build.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def measure(lines: list[bytes], repeat: int) -> dict[str, Any]:
    import orjson

    import detector.parse as parse_mod
    from detector.parse import CdrParser

    n = len(lines)
    out: dict[str, Any] = {"records": n, "module": parse_mod.__file__}

    def loads_only() -> None:
        loads = orjson.loads
        for raw in lines:
            loads(raw)

    objs = [orjson.loads(raw) for raw in lines]

    def validate_only() -> None:
        from_dict = CdrParser().from_dict
        for obj in objs:
            from_dict(obj)

    def per_line() -> None:
        parse = CdrParser().parse
        for raw in lines:
            parse(raw)

    out["orjson_loads_rate"] = n / _best(loads_only, repeat)
    out["from_dict_rate"] = n / _best(validate_only, repeat)
    out["parse_rate"] = n / _best(per_line, repeat)
    parse = CdrParser().parse
    out["rejects"] = sum(1 for raw in lines if type(parse(raw)).__name__ == "Reject")
    return out


def _lines(path: Path, limit: int) -> list[bytes]:
    out: list[bytes] = []
    with open(path, "rb") as fh:
        for line in fh:
            out.append(line.rstrip(b"\n"))
            if len(out) >= limit:
                break
    return out


def _compiled(path: Path, records: int, repeat: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from native_build import build_compiled

    dest = build_compiled(Path(tempfile.mkdtemp(prefix="cdr-native-")))
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[4]); import bench_parse as b; "
        "import detector.parse as p; assert p.__file__.endswith('.so'), p.__file__; "
        "print(json.dumps(b.measure(b._lines(b.Path(sys.argv[1]), int(sys.argv[2])), int(sys.argv[3]))))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path), str(records), str(repeat), str(HERE)],
                          env={**os.environ, "PYTHONPATH": str(dest)}, capture_output=True, text=True, cwd=dest)
    if proc.returncode != 0:
        raise RuntimeError(f"compiled run failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _show(name: str, r: dict[str, Any]) -> None:
    print(f"{name:<9} orjson.loads {r['orjson_loads_rate']:>10,.0f}/s   from_dict {r['from_dict_rate']:>10,.0f}/s   "
          f"parse {r['parse_rate']:>10,.0f}/s   [{r['records']:,} lines, {r['rejects']:,} rejects]")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--input", type=Path, help="CDR JSON Lines (default: generate with seed 99)")
    ap.add_argument("--seed", type=int, default=99)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is kept")
    ap.add_argument("--no-compiled", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from bench_replay import _ensure_stream, _machine, _pin_one_core

    pinned = _pin_one_core()
    path = _ensure_stream(args.input, args.records, args.seed)
    lines = _lines(path, args.records)
    result: dict[str, Any] = {"machine": {**_machine(), "affinity": pinned}, "input": str(path),
                              "pure": measure(lines, args.repeat)}
    del lines
    print(f"machine: {result['machine']['cpu']} ({pinned}); load average {os.getloadavg()[0]:.2f}")
    _show("pure", result["pure"])
    if not args.no_compiled:
        result["compiled"] = _compiled(path, args.records, args.repeat)
        _show("compiled", result["compiled"])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
