"""Self-check of a generated directory: schema, order, labels, per-variant volumes.

python -m load.gen6.check DIR [--sample 20000]

Validates a random sample of clean lines against schemas/cdr.schema.json (with
jsonschema if installed, formats checked), checks that start_time never goes
backwards and cdr_ids are unique, that every caller has a label row and that
fraud numbers without an honest past do not call before their fraud_start,
and prints per typology:variant volumes so the shapes can be eyeballed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "cdr.schema.json"
HONEST_PAST = {"hacked_pbx", "stolen_m2m_sim", "sim_swap_bank", "sim_swap_contacts", "stolen_phone"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--sample", type=int, default=20000)
    a = ap.parse_args(argv)
    d = Path(a.dir)
    labels = {}
    with (d / "labels_detail.csv").open(newline="", encoding="utf-8") as fh:
        rd = csv.DictReader(fh)
        assert rd.fieldnames == ["number", "label", "typology", "fraud_start", "variant"], rd.fieldnames
        for row in rd:
            labels[row["number"]] = row
    with (d / "labels.csv").open(encoding="utf-8") as fh:
        assert fh.readline() == "number,label,typology,fraud_start\n"
    problems: list[str] = []
    try:
        from jsonschema import Draft202012Validator, FormatChecker
        validator = Draft202012Validator(json.loads(SCHEMA.read_text()), format_checker=FormatChecker())
    except ImportError:
        validator = None
        print("jsonschema not installed: schema check skipped")
    rng = random.Random(0)
    ids: set[str] = set()
    last = None
    n = bad = 0
    callers: set[str] = set()
    per_num = Counter()
    first_call: dict[str, str] = {}
    variant_recs = Counter()
    variant_disp = defaultdict(Counter)
    variant_nocell = Counter()
    imeis_per_num = defaultdict(set)
    cells_per_num = defaultdict(set)
    callees_per_num = defaultdict(set)
    with (d / "cdrs.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            try:
                r = json.loads(line)
                ts = datetime.fromisoformat(r["start_time"])
                if not isinstance(r["cdr_id"], str) or r["cdr_id"] in ids or ts.year > 2100:
                    raise ValueError
                if not all(isinstance(r[k], str) for k in ("caller", "callee", "disposition", "record_type")):
                    raise TypeError
                if r["disposition"] not in ("answered", "busy", "no_answer", "failed") or \
                        r["record_type"] not in ("voice", "sms") or not 0 <= r["duration_s"] <= 172800:
                    raise ValueError
                if last is not None and (last - ts).total_seconds() > 60:
                    raise ValueError("late record")  # --dirty's out-of-order copies
                if validator is not None and rng.random() < a.sample / 1_000_000:
                    errs = [e.message for e in validator.iter_errors(r)]
                    if errs:
                        raise ValueError(errs)
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            n += 1
            ids.add(r["cdr_id"])
            if last is not None and ts < last:
                problems.append(f"out of order at {r['cdr_id']}") if len(problems) < 20 else None
            last = ts if last is None or ts > last else last
            c = r["caller"]
            callers.add(c)
            lab = labels.get(c)
            if lab is None:
                problems.append(f"unlabelled caller {c}")
                continue
            key = f"{lab['label']}:{lab['typology']}:{lab['variant'].split('/')[0]}"
            per_num[c] += 1
            first_call.setdefault(c, r["start_time"])
            variant_recs[key] += 1
            variant_disp[key][r["record_type"] + ":" + r["disposition"]] += 1
            if not r.get("cell_id"):
                variant_nocell[key] += 1
            if lab["label"] == "fraud" or lab["typology"] not in ("ordinary", "offnet", "offnet_foreign"):
                if r.get("imei"):
                    imeis_per_num[c].add(r["imei"])
                if r.get("cell_id"):
                    cells_per_num[c].add(r["cell_id"])
                callees_per_num[c].add(r["callee"])
    missing_rows = [x for x in callers if x not in labels]
    extra_rows = [x for x in labels if x not in callers]
    for num, lab in labels.items():
        if lab["label"] == "fraud":
            if not lab["fraud_start"]:
                problems.append(f"fraud without fraud_start {num}")
            elif lab["variant"] not in HONEST_PAST and num in first_call:
                if datetime.fromisoformat(first_call[num]) < datetime.fromisoformat(lab["fraud_start"]):
                    problems.append(f"{num} ({lab['variant']}) calls before its fraud_start")
        elif lab["fraud_start"]:
            problems.append(f"legit with fraud_start {num}")
    print(f"records ok: {n}, bad or late lines: {bad}, callers: {len(callers)}, label rows: {len(labels)}, "
          f"unlabelled: {len(missing_rows)}, rows never calling: {len(extra_rows)}")
    nums_by_key = Counter()
    for num, lab in labels.items():
        nums_by_key[f"{lab['label']}:{lab['typology']}:{lab['variant'].split('/')[0]}"] += 1
    print(f"\n{'label:typology:variant':58} {'nums':>6} {'recs':>8} {'rec/num':>8} {'nocell%':>7} "
          f"{'callees/num':>11} {'cells/num':>9} {'imeis/num':>9}  top outcomes")
    for key in sorted(nums_by_key):
        nn = nums_by_key[key]
        nums = [x for x, lab in labels.items() if f"{lab['label']}:{lab['typology']}:{lab['variant'].split('/')[0]}" == key]
        rc = variant_recs[key]

        def avg(m):
            return sum(len(m.get(x, ())) for x in nums) / max(1, nn)
        top = ", ".join(f"{k}={v / max(1, rc):.0%}" for k, v in variant_disp[key].most_common(3))
        print(f"{key:58} {nn:6d} {rc:8d} {rc / max(1, nn):8.1f} {variant_nocell[key] / max(1, rc):7.0%} "
              f"{avg(callees_per_num):11.1f} {avg(cells_per_num):9.1f} {avg(imeis_per_num):9.2f}  {top}")
    for p in problems[:30]:
        print("PROBLEM:", p)
    return 1 if (problems or missing_rows) else 0


if __name__ == "__main__":
    sys.exit(main())
