"""Command line: python -m load.gen3 --out DIR --seed N [--subscribers K] [--hours H]."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .generate import generate


def main(argv: list[str] | None = None) -> int:
    """Parse flags, generate, print the manifest."""
    ap = argparse.ArgumentParser(prog="python -m load.gen3", description=__doc__)
    ap.add_argument("--out", type=Path, required=True, help="output directory (created)")
    ap.add_argument("--seed", type=int, required=True, help="random seed (same seed, same bytes)")
    ap.add_argument("--subscribers", type=int, default=20_000,
                    help="population size (default 20000; records scale about linearly, ~50 per subscriber-day)")
    ap.add_argument("--hours", type=float, default=48.0, help="stream length in hours (default 48)")
    args = ap.parse_args(argv)
    if args.subscribers < 200 or not 1 <= args.hours <= 24 * 14:
        ap.error("need --subscribers >= 200 and 1 <= --hours <= 336")
    manifest = generate(args.out, args.seed, args.subscribers, args.hours)
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
