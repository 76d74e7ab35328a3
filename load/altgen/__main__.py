"""python -m load.altgen --out DIR --seed N [--subscribers N --days D ...]"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .stream import DIRTY_KINDS, Config, generate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m load.altgen",
                                description="Independent labeled CDR stream generator (Mexican network).")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--subscribers", type=int, default=20000)
    p.add_argument("--days", type=float, default=2.0)
    p.add_argument("--start", default=Config.start, help="stream start, RFC 3339 (default %(default)s)")
    p.add_argument("--fraud-scale", type=float, default=1.0,
                   help="multiplies the number of fraud campaigns (default 1: ~100-150 fraud numbers per 20k subs)")
    p.add_argument("--dirty", type=float, default=0.0, metavar="FRACTION",
                   help="after each good record, add a bad one with this probability")
    p.add_argument("--dirty-kinds", default=",".join(DIRTY_KINDS),
                   help="comma-separated subset of: %(default)s")
    p.add_argument("--label-style", choices=("profile", "legit"), default="profile",
                   help="labels.csv legit rows: label=<profile>,typology='' (profile) or label=legit,"
                        "typology=<profile> (legit); labels.evaluate.csv always uses the latter")
    p.add_argument("--no-label-premium", action="store_true",
                   help="leave wangiri callback-only premium numbers out of the labels (listed in premium_numbers.csv)")
    p.add_argument("-q", "--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.subscribers < 50:
        p.error("--subscribers must be at least 50")
    if not 0 <= a.dirty < 1:
        p.error("--dirty must be in [0, 1)")
    kinds = tuple(k for k in a.dirty_kinds.split(",") if k)
    if not kinds or any(k not in DIRTY_KINDS for k in kinds):
        p.error(f"--dirty-kinds must be a non-empty subset of {','.join(DIRTY_KINDS)}")
    began = time.time()
    m = generate(Config(out=a.out, seed=a.seed, subscribers=a.subscribers, days=a.days, start=a.start,
                        fraud_scale=a.fraud_scale, dirty=a.dirty, label_style=a.label_style,
                        dirty_kinds=kinds, label_premium=not a.no_label_premium))
    if not a.quiet:
        print(json.dumps({"records": m["records"], "fraud_numbers": m["fraud_numbers_by_typology"],
                          "dirty": sum(m["dirty_records"].values()), "seconds": round(time.time() - began, 1)}),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
