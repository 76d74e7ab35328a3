"""CLI: python -m load.gen5 --out DIR --seed N [--days 2] [--subscribers 20000] [--dirty]."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .core import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m load.gen5", description=__doc__)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--subscribers", type=int, default=20000)
    ap.add_argument("--dirty", action="store_true", help="mix ~0.2%% bad records into cdrs.jsonl")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data = generate(args.out, args.seed, args.days, args.subscribers, args.dirty)
    elapsed = time.perf_counter() - t0
    size = (Path(args.out) / "cdrs.jsonl").stat().st_size
    summary = {"elapsed_s": round(elapsed, 1), "cdrs_bytes": size, "records": data["records"],
               "lines": data["lines"], "labels": data["labels"], "labels_by_label": data["labels_by_label"],
               "fraud_variants": data["fraud_variants"], "dirty_records": data["dirty_records"]}
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
