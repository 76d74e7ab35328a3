"""gen6: an independent synthetic CDR generator (Brazil, home operator 724-05).

generate(out_dir, seed=1, days=2, subscribers=20000, dirty=False) -> manifest

Module map (each docstring says why it is built the way it is):
    numbering   Brazilian numbering plan, foreign and premium ranges, cells, IMEIs
    world       clock, hourly rhythms, random streams, label registry
    people      ordinary subscribers and international callers
    businesses  busy-but-honest numbers (hard negatives)
    fraud       the six fraud typologies
    common      diallers and target lists shared by businesses and fraud
    output      JSON Lines writer, dirty lines
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from . import businesses, fraud, people
from .output import format_day, rfc3339, write_day
from .world import DAY, World

GENERATOR = "gen6-1"


def generate(out_dir, seed: int = 1, days: int = 2, subscribers: int = 20000, dirty: bool = False) -> dict:
    """Build the world, write cdrs.jsonl day by day, then labels and the manifest."""
    if days < 1 or subscribers < 200:
        raise ValueError("need days >= 1 and subscribers >= 200")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    w = World(seed, days, subscribers)
    people.build(w)
    actors = businesses.build(w)
    w.services = businesses.services(w)
    camps = fraud.build(w)

    by_type: Counter = Counter()
    by_disp: Counter = Counter()
    dirt: Counter = Counter()
    per_day = []
    callers: set[str] = set()
    fraud_records: Counter = Counter()
    early: list[str] = []          # fraud numbers seen calling before their fraud_start (must stay empty for new SIMs)
    spill: list[tuple] = []        # records that spilled past midnight belong to the next day
    labels = w.labels
    with (out / "cdrs.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for d in range(days):
            recs = spill
            people.day(w, d, recs)
            businesses.day(w, actors, d, recs)
            fraud.day(w, camps, d, recs)
            end = (d + 1) * DAY
            spill = [r for r in recs if r[0] >= end]
            recs = [r for r in recs if d * DAY <= r[0] < end]
            recs.sort(key=lambda r: r[0])
            for r in recs:
                c = r[2]
                callers.add(c)
                by_type[r[1]] += 1
                by_disp[r[5]] += 1
                lab = labels.get(c)
                if lab is None:
                    raise RuntimeError(f"unlabelled caller {c}")
                if lab[0] == "fraud":
                    if r[0] >= lab[3]:
                        fraud_records[lab[1]] += 1
            lines = format_day(recs, d)
            dirt_rng = w.stream("dirty", d) if dirty else None
            write_day(fh, lines, [r[0] for r in recs], dirt_rng, dirt)
            per_day.append(len(lines))
            del recs, lines

    header = ["number", "label", "typology", "fraud_start"]
    label_counts: Counter = Counter()
    fraud_variants: Counter = Counter()
    legit_variants: Counter = Counter()
    quirks: Counter = Counter()
    with (out / "labels.csv").open("w", encoding="utf-8", newline="") as f1, \
            (out / "labels_detail.csv").open("w", encoding="utf-8", newline="") as f2:
        c1, c2 = csv.writer(f1, lineterminator="\n"), csv.writer(f2, lineterminator="\n")
        c1.writerow(header)
        c2.writerow(header + ["variant"])
        for num in sorted(callers):
            label, typ, variant, start = labels[num]
            fs = rfc3339(w, start) if label == "fraud" else ""
            c1.writerow([num, label, typ, fs])
            c2.writerow([num, label, typ, fs, variant])
            label_counts[f"{label}:{typ}"] += 1
            if label == "fraud":
                fraud_variants[f"{typ}:{variant}"] += 1
            else:
                if typ not in ("offnet", "offnet_foreign"):
                    legit_variants[f"{typ}:{variant.split('/')[0]}"] += 1
                if "/" in variant:  # handset and mobility quirks of ordinary people
                    for quirk in variant.split("/", 1)[1].split("+"):
                        quirks[quirk] += 1

    manifest = {
        "generator": GENERATOR,
        "seed": seed,
        "days": days,
        "subscribers": subscribers,
        "dirty": dirty,
        "start": rfc3339(w, 0),
        "world": "Brazil, home operator 724-05, local time UTC-03:00, day 0 is a Monday",
        "records": {
            "total": sum(per_day),  # clean records (dirty lines are counted under dirty_lines)
            "by_day": per_day,
            "by_type": dict(sorted(by_type.items())),
            "by_disposition": dict(sorted(by_disp.items())),
            "fraud_records_by_typology": dict(sorted(fraud_records.items())),
        },
        "dirty_lines": {"total": sum(dirt.values()), "by_kind": dict(sorted(dirt.items()))},
        "lines_written": sum(per_day) + sum(dirt.values()),
        "labels": {
            "numbers": len(callers),
            "by_label_typology": dict(sorted(label_counts.items())),
            "fraud_numbers": sum(v for k, v in label_counts.items() if k.startswith("fraud:")),
            "fraud_by_typology_variant": dict(sorted(fraud_variants.items())),
            "legit_by_typology_variant": dict(sorted(legit_variants.items())),
            "legit_handset_mobility_quirks": dict(sorted(quirks.items())),
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest
