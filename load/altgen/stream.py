"""Build the world, merge the per-entity streams and write cdrs.jsonl, labels and a manifest."""

from __future__ import annotations

import csv
import heapq
import json
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from .entity import drive
from .fraud import Fraud
from .legit import Legit, Population, assign_profiles, behaviour
from .world import CellPlan, Numbering, rfc3339

TYPOLOGIES = ("scam_farm", "wangiri", "simbox", "irsf", "takeover", "robocall")
DIRTY_KINDS = ("malformed_json", "missing_field", "unknown_enum", "absurd_duration", "far_future",
               "duplicate_id", "bad_number")


@dataclass
class Config:
    out: Path
    seed: int = 1
    subscribers: int = 20000
    days: float = 2.0
    start: str = "2026-11-20T06:00:00+00:00"  # Friday 00:00 in Mexico City
    fraud_scale: float = 1.0
    dirty: float = 0.0
    label_style: str = "profile"  # labels.csv: "profile" (label = profile name) or "legit" (label = legit)
    label_premium: bool = True  # label wangiri callback-only premium numbers that received a callback
    dirty_kinds: tuple[str, ...] = DIRTY_KINDS


def _campaigns(rng: random.Random, n_subs: int, fraud_scale: float) -> dict[str, int]:
    s = n_subs / 20000 * fraud_scale
    return {
        "scam_farm": max(1, round(rng.uniform(2, 3.5) * s)),
        "wangiri": max(1, round(rng.uniform(2, 4) * s)),
        "simbox": max(1, round(rng.uniform(2, 3) * s)),
        "irsf": max(1, round(rng.uniform(12, 20) * s)),
        "takeover": max(1, round(rng.uniform(12, 20) * s)),
        "robocall": max(1, round(rng.uniform(3, 5) * s)),
    }


def generate(cfg: Config) -> dict:
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    start = datetime.fromisoformat(cfg.start.replace("Z", "+00:00"))
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    t0 = float(int(start.timestamp()))
    t1 = t0 + cfg.days * 86400
    rng = random.Random(f"altgen:{cfg.seed}")
    numbering = Numbering(random.Random(f"{cfg.seed}:numbers"))
    cells = CellPlan(random.Random(f"{cfg.seed}:cells"))
    pop = Population(random.Random(f"{cfg.seed}:population"), numbering, cells, cfg.subscribers, t0, t1)
    profile_counts = assign_profiles(pop, random.Random(f"{cfg.seed}:profiles"), t0, t1)
    legit = Legit(pop, t0, t1)
    fraud = Fraud(pop, legit, random.Random(f"{cfg.seed}:fraud"), t0, t1)

    fraud_entities = []
    campaigns = []
    premium: list[str] = []
    plan = _campaigns(rng, cfg.subscribers, cfg.fraud_scale)
    for typ in TYPOLOGIES:
        made = 0
        attempt = 0
        while made < plan[typ] and attempt < plan[typ] + 10:
            tag = f"{cfg.seed}:{typ}:{attempt}"
            attempt += 1
            result = getattr(fraud, typ)(tag)
            entities, desc = result[0], result[1]
            if typ == "wangiri":
                premium.extend(result[2])
            if not entities:
                continue
            made += 1
            desc["numbers"] = [fn.number for fn, _ in entities]
            campaigns.append(desc)
            fraud_entities.extend(entities)

    # labels: every subscriber (profile) and every fraud number
    labels: dict[str, tuple[str, str, str]] = {}
    for s in pop.subs:
        labels[s.number] = (s.profile, "", "")
    for number in pop.foreign_callers:
        labels[number] = ("foreign_relative", "", "")
    for fn, _ in fraud_entities:
        labels[fn.number] = ("fraud", fn.typology, rfc3339(fn.fraud_start, fn.offset_min))

    # streams: one per subscriber, one per fraud number
    streams = []
    for s in pop.subs:
        streams.append(drive(s.idx, behaviour(legit, s)(s, random.Random(f"{cfg.seed}:L:{s.idx}")), int(t1)))
    base = len(pop.subs)
    for j, (_, run) in enumerate(fraud_entities):
        streams.append(drive(base + j, run(), int(t1)))

    dirty_rng = random.Random(f"{cfg.seed}:dirty")
    dirty_counts = {k: 0 for k in DIRTY_KINDS}
    n = 0
    callers: dict[str, int] = {}
    per_typology_records = {t: 0 for t in TYPOLOGIES}
    fraud_number_typ = {fn.number: fn.typology for fn, _ in fraud_entities}
    prefix = f"mx{cfg.seed}-"
    premium_set = set(premium)
    premium_first: dict[str, str] = {}
    with (out / "cdrs.jsonl").open("w", encoding="utf-8") as fh:
        write = fh.write
        last_line = ""
        last_id = ""
        for t, gid, k, ev in heapq.merge(*streams):
            if t < t0:
                continue
            _, rtype, caller, callee, dur, disp, off, cell, handset = ev
            if caller == callee:
                continue
            cdr_id = f"{prefix}{n:09d}"
            if dur and cell is not None and cell[4:7] == "030":
                dur = dur + (n % 10) / 10  # this operator's switch writes tenths of a second
            rec = {"cdr_id": cdr_id, "record_type": rtype, "caller": caller, "callee": callee,
                   "start_time": rfc3339(t, off), "duration_s": dur, "disposition": disp}
            if cell is not None:
                rec["cell_id"] = cell
            if handset is not None:
                rec["imei"] = handset
            line = json.dumps(rec, separators=(",", ":"))
            write(line + "\n")
            n += 1
            callers[caller] = callers.get(caller, 0) + 1
            if callee in premium_set and callee not in premium_first:
                premium_first[callee] = rec["start_time"]
            typ = fraud_number_typ.get(caller)
            if typ is not None:
                per_typology_records[typ] += 1
            if cfg.dirty > 0 and dirty_rng.random() < cfg.dirty:
                kind = dirty_rng.choice(cfg.dirty_kinds)
                dirty_counts[kind] += 1
                write(_dirty(dirty_rng, kind, rec, line, last_id, n) + "\n")
            last_line, last_id = line, cdr_id

    unlabeled = sorted(c for c in callers if c not in labels)
    if unlabeled:  # should not happen; kept loud rather than silently labelled
        raise RuntimeError(f"{len(unlabeled)} calling numbers have no label, e.g. {unlabeled[:3]}")

    if cfg.label_premium:  # fraud from the first callback they receive (before it they are not in the stream)
        for number, first in premium_first.items():
            labels[number] = ("fraud", "wangiri", first)
    _write_labels(out / "labels.csv", labels, cfg.label_style)
    _write_labels(out / "labels.evaluate.csv", labels, "legit")
    with (out / "premium_numbers.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "role", "first_callback", "labelled"])
        for p in sorted(premium_set):
            w.writerow([p, "wangiri_callback_destination", premium_first.get(p, ""),
                        "yes" if cfg.label_premium and p in premium_first else "no"])

    fraud_counts = {t: sum(1 for row in labels.values() if row[0] == "fraud" and row[1] == t) for t in TYPOLOGIES}
    manifest = {
        "generator": "load.altgen",
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
        "window": [rfc3339(int(t0), 0), rfc3339(int(t1), 0)],
        "records": n,
        "dirty_records": dirty_counts,
        "subscribers_by_profile": profile_counts,
        "fraud_numbers_by_typology": fraud_counts,
        "fraud_records_by_typology": per_typology_records,
        "calling_numbers": len(callers),
        "campaigns": campaigns,
        "wangiri_premium_numbers": {"total": len(premium_set), "called_back": len(premium_first),
                                    "labelled": len(premium_first) if cfg.label_premium else 0},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _write_labels(path: Path, labels: dict[str, tuple[str, str, str]], style: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["number", "label", "typology", "fraud_start"])
        for number in sorted(labels):
            label, typ, fs = labels[number]
            if label != "fraud" and style == "legit":
                label, typ = "legit", label
            w.writerow([number, label, typ, fs])


def _dirty(rng: random.Random, kind: str, rec: dict, line: str, last_id: str, n: int) -> str:
    """One bad record in the neighbourhood of ``rec``; cdr_ids of bad records start with 'bad-'."""
    bad = dict(rec)
    bad["cdr_id"] = f"bad-{n:09d}"
    if kind == "malformed_json":
        cut = line.replace(rec["cdr_id"], bad["cdr_id"])
        variant = rng.randrange(4)
        if variant == 0:
            return cut[: rng.randint(1, len(cut) - 2)]
        if variant == 1:
            return cut.replace('"', "'")
        if variant == 2:
            return cut[:-1] + ',}'
        return cut + "}"
    if kind == "missing_field":
        del bad[rng.choice(("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition"))]
    elif kind == "unknown_enum":
        if rng.random() < 0.5:
            bad["disposition"] = rng.choice(("congestion", "ANSWERED", "rejected", "", "unknown"))
        else:
            bad["record_type"] = rng.choice(("mms", "data", "fax", "VOICE"))
    elif kind == "absurd_duration":
        bad["duration_s"] = rng.choice((-7, -0.5, 999_999_999, 200_000, 1e12))
    elif kind == "far_future":
        bad["start_time"] = "2999" + rec["start_time"][4:]
    elif kind == "duplicate_id":
        if rng.random() < 0.5 or not last_id:
            return line  # the same record delivered twice
        bad["cdr_id"] = last_id  # a different record reusing an id
        bad["duration_s"] = rec["duration_s"] + 1
    elif kind == "bad_number":
        field = rng.choice(("caller", "callee"))
        bad[field] = rng.choice(("00" + rec[field][1:], rec[field][1:], "+52-55-1234", "+", "anonymous"))
    return json.dumps(bad, separators=(",", ":"))
