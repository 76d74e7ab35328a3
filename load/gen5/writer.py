"""Formats sorted events as JSON lines, adds dirt if asked, and writes labels and the manifest."""

from __future__ import annotations

import csv
import json
from operator import itemgetter
from pathlib import Path
from typing import Any

from .dirty import KINDS, Dirt
from .sink import DISPOSITIONS, Event, Label
from .timefmt import Clock

_RT = ('"voice"', '"sms"')
_T0 = itemgetter(0)


class Writer:
    """Streams one day's events at a time to cdrs.jsonl; remembers who appeared as a caller."""

    def __init__(self, path: Path, clock: Clock, dirt: Dirt | None) -> None:
        self.fh = path.open("w", encoding="utf-8", newline="\n")
        self.clock = clock
        self.dirt = dirt
        self.n = 0
        self.lines = 0
        self.callers: set[str] = set()
        self.by_type = [0, 0]
        self.by_disp = [0, 0, 0, 0]

    def write(self, events: list[Event]) -> None:
        events.sort(key=_T0)  # stable: ties keep the (deterministic) order of generation
        fmt = self.clock.fmt
        out: list[str] = []
        dirt = self.dirt
        n = self.n
        for t, rt, a, b, dur, disp, cell, imei in events:
            n += 1
            head = (f'{{"cdr_id":"C262{n:010d}","record_type":{_RT[rt]},"caller":"{a}","callee":"{b}",'
                    f'"start_time":"{fmt(t)}","duration_s":{dur},"disposition":"{DISPOSITIONS[disp]}"')
            if cell is None:
                line = head + "}\n"
            elif imei is None:
                line = f'{head},"cell_id":"{cell}"}}\n'
            else:
                line = f'{head},"cell_id":"{cell}","imei":"{imei}"}}\n'
            out.append(line)
            self.callers.add(a)
            self.by_type[rt] += 1
            self.by_disp[disp] += 1
            if dirt is not None:
                bad = dirt.after(line, t)
                if bad is not None:
                    out.append(bad)
            if len(out) >= 20000:
                self.lines += len(out)
                self.fh.writelines(out)
                out = []
        self.lines += len(out)
        self.fh.writelines(out)
        self.n = n

    def close(self) -> None:
        self.fh.close()


def write_labels(out: Path, labels: dict[str, Label], callers: set[str], clock: Clock) -> dict[str, int]:
    """labels.csv and labels_detail.csv for every caller; returns counts by label:typology."""
    missing = [c for c in callers if c not in labels]
    if missing:
        raise RuntimeError(f"{len(missing)} callers have no label, e.g. {sorted(missing)[:3]}")
    counts: dict[str, int] = {}
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as f1, \
            (out / "labels_detail.csv").open("w", newline="", encoding="utf-8") as f2:
        w1 = csv.writer(f1, lineterminator="\n")
        w2 = csv.writer(f2, lineterminator="\n")
        w1.writerow(("number", "label", "typology", "fraud_start"))
        w2.writerow(("number", "label", "typology", "fraud_start", "variant"))
        for num in sorted(callers):
            lab = labels[num]
            kind = "fraud" if lab.fraud else "legit"
            start = clock.fmt(lab.start) if lab.fraud and lab.start is not None else ""
            w1.writerow((num, kind, lab.typology, start))
            w2.writerow((num, kind, lab.typology, start, lab.variant))
            key = f"{kind}:{lab.typology}"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def variant_counts(labels: dict[str, Label], callers: set[str]) -> dict[str, int]:
    """Callers per fraud typology:variant."""
    out: dict[str, int] = {}
    for num in callers:
        lab = labels[num]
        if lab.fraud:
            key = f"{lab.typology}:{lab.variant}"
            out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


def manifest(meta: dict[str, Any], writer: Writer, label_counts: dict[str, int],
             variants: dict[str, int], dirt: Dirt | None) -> dict[str, Any]:
    """The manifest.json content (deterministic: no timings, no paths)."""
    return {
        **meta,
        "records": writer.n,
        "lines": writer.lines,
        "records_by_type": {"voice": writer.by_type[0], "sms": writer.by_type[1]},
        "records_by_disposition": dict(zip(("answered", "busy", "no_answer", "failed"), writer.by_disp)),
        "callers": len(writer.callers),
        "labels": label_counts,
        "labels_by_label": {
            "fraud": sum(v for k, v in label_counts.items() if k.startswith("fraud:")),
            "legit": sum(v for k, v in label_counts.items() if k.startswith("legit:")),
        },
        "fraud_variants": variants,
        "dirty_records": dict(dirt.counts) if dirt is not None else {k: 0 for k in KINDS},
    }


def write_manifest(out: Path, data: dict[str, Any]) -> None:
    (out / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
