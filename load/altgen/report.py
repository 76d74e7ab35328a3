"""Which altgen variants the detector caught: python -m load.altgen.report DIR [--alerts DIR/alerts.jsonl]

Joins manifest.json (campaign parameters and numbers) with the detector's alerts and prints, per campaign,
how many numbers were alerted, with which typology first, and the false alarms per legit profile with the
typology they were given.  Reads only the generator's own outputs and the alert file.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path


def _t(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m load.altgen.report")
    p.add_argument("dir", type=Path)
    p.add_argument("--alerts", type=Path)
    a = p.parse_args(argv)
    manifest = json.loads((a.dir / "manifest.json").read_text())
    first: dict[str, dict] = {}
    with (a.alerts or a.dir / "alerts.jsonl").open() as fh:
        for line in fh:
            al = json.loads(line)
            cur = first.get(al["number"])
            if cur is None or _t(al["detected_at"]) < _t(cur["detected_at"]):
                first[al["number"]] = al
    with (a.dir / "labels.csv").open(newline="") as fh:
        labels = {r["number"]: r for r in csv.DictReader(fh)}
    print("campaign variants (detected/numbers, first alert typologies):")
    skip = {"typology", "numbers"}
    for c in manifest["campaigns"]:
        nums = c["numbers"]
        got = [first[n]["typology"] for n in nums if n in first]
        params = ", ".join(f"{k}={v}" for k, v in c.items() if k not in skip)
        print(f"  {c['typology']:9s} {len(got):2d}/{len(nums):<2d} {dict(Counter(got)) or '-'!s:28s} {params}")
    prem_path = a.dir / "premium_numbers.csv"
    if prem_path.exists():
        with prem_path.open(newline="") as fh:
            prem = [r["number"] for r in csv.DictReader(fh) if r.get("labelled") == "yes"]
        got = [first[n]["typology"] for n in prem if n in first]
        print(f"  wangiri premium (callback-only, labelled) {len(got)}/{len(prem)} {dict(Counter(got)) or '-'}")
    print("false alarms (profile: first alert typology counts):")
    fa: dict[str, Counter] = {}
    for n, al in first.items():
        row = labels.get(n)
        prof = "unlabelled" if row is None else (row["label"] if row["label"] not in ("fraud", "legit")
                                                 else row["typology"] if row["label"] == "legit" else None)
        if prof is not None:
            fa.setdefault(prof, Counter())[al["typology"]] += 1
    for prof, cnt in sorted(fa.items()):
        print(f"  {prof:22s} {sum(cnt.values()):3d} {dict(cnt)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
