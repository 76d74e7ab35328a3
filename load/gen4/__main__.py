"""Command line: python -m load.gen4 --out DIR --seed N [--days 2] [--subscribers 20000] [--dirty]."""
from __future__ import annotations

import argparse
import json
import sys
import time

from . import generate


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate, print the manifest."""
    ap = argparse.ArgumentParser(prog="python -m load.gen4", description=__doc__)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--subscribers", type=int, default=20000)
    ap.add_argument("--dirty", action="store_true", help="mix ~0.2%% bad records into cdrs.jsonl")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    m = generate(a.out, a.seed, a.days, a.subscribers, a.dirty)
    json.dump(m, sys.stdout, indent=2)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
