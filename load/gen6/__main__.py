"""CLI: python -m load.gen6 --out DIR --seed N [--days 2] [--subscribers 20000] [--dirty]"""

from __future__ import annotations

import argparse
import json
import sys

from . import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m load.gen6", description=__doc__)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--subscribers", type=int, default=20000)
    ap.add_argument("--dirty", action="store_true", help="add ~0.2%% bad lines between the clean ones")
    a = ap.parse_args(argv)
    manifest = generate(a.out, seed=a.seed, days=a.days, subscribers=a.subscribers, dirty=a.dirty)
    json.dump(manifest, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
