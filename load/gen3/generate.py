"""Assembles the population and streams the windows to DIR/cdrs.jsonl, then writes labels.csv."""

from __future__ import annotations

import csv
import json
import math
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from . import numbering as nb
from .base import Actor, Window
from .business import CallCentre, Courier, TaxiDispatch
from .clock import HOUR_MS, IST, START_MS, rfc3339
from .fraud_farm import Robocall, ScamFarm, SimBox
from .fraud_intl import Irsf, Takeover, Wangiri
from .population import NumberPool, build_crowd
from .records import Labels, Sink
from .services import A2PSender, EnterpriseGateway, MissedCallService, SmallBusiness


def _n(k: int, per: float, low: int) -> int:
    return max(low, round(k / per))


def build(seed: int, subscribers: int, hours: float) -> tuple[list[Actor], Labels]:
    """Every actor of the stream, in a fixed order, and the label registry."""
    rng = random.Random(seed)
    labels = Labels()
    pool = NumberPool(rng)
    k = subscribers
    n_takeover = _n(k, 1000, 3)
    crowd, victims = build_crowd(rng, max(50, round(k * 0.93)), hours, pool, labels, n_takeover)
    actors: list[Actor] = [crowd]
    actors += [Courier(rng, pool, crowd, labels) for _ in range(_n(k, 135, 1))]
    actors += [CallCentre(rng, pool, crowd, labels, rng.randint(12, 50), hours) for _ in range(_n(k, 3500, 1))]
    actors += [TaxiDispatch(rng, pool, crowd, labels) for _ in range(_n(k, 2500, 1))]
    actors += [SmallBusiness(rng, pool, crowd, labels) for _ in range(_n(k, 100, 1))]
    actors += [EnterpriseGateway(rng, pool, crowd, labels) for _ in range(_n(k, 4000, 1))]
    banks = [f"+9192{rng.randrange(10**8):08d}" for _ in range(3)]
    otp = [(p.new_imei[0] + rng.randrange(5 * 60_000, 60 * 60_000), p.number)
           for p in crowd.people if p.new_imei is not None and rng.random() < 0.35]
    actors += [A2PSender(rng, crowd, labels, b, k * 0.002, otp[j::len(banks)]) for j, b in enumerate(banks)]
    actors += [MissedCallService(rng, crowd, labels, k * 0.001) for _ in range(2)]
    actors += [ScamFarm(rng, pool, crowd, labels, rng.randint(4, 10), hours) for _ in range(_n(k, 3500, 1))]
    actors += [SimBox(rng, pool, crowd, labels, rng.randint(6, 14), hours) for _ in range(_n(k, 4000, 1))]
    actors += [Robocall(rng, pool, crowd, labels, rng.randint(1, 5), hours) for _ in range(_n(k, 3000, 1))]
    actors += [Wangiri(rng, crowd, labels, rng.randint(2, 6), hours) for _ in range(_n(k, 4000, 1))]
    variants = ("burst", "slow", "pbx")
    actors += [Irsf(rng, pool, crowd, labels, variants[j % 3], hours) for j in range(_n(k, 800, 3))]
    actors += [Takeover(rng, crowd, labels, v, banks, hours) for v in victims]
    return actors, labels


def generate(out: Path, seed: int, subscribers: int = 20_000, hours: float = 48.0) -> dict[str, object]:
    """Write out/cdrs.jsonl, out/labels.csv and out/manifest.json; return the manifest."""
    t0 = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    actors, labels = build(seed, subscribers, hours)
    end = START_MS + int(hours * HOUR_MS)
    with open(out / "cdrs.jsonl", "w", encoding="ascii", newline="\n") as fh:
        sink = Sink(fh, end, seed)
        for i in range(math.ceil(hours)):
            w = Window(i, START_MS + i * HOUR_MS, min(end, START_MS + (i + 1) * HOUR_MS))
            rng = random.Random(seed * 1_000_003 + i)
            nrng = np.random.default_rng([seed, i])
            for a in actors:
                a.window(w, rng, nrng, sink)
            sink.flush(w.end)
        sink.buf.clear()  # anything left is after the end of the stream
    rows = _labels(out / "labels.csv", labels, sink.callers)
    manifest: dict[str, object] = {
        "generator": "load.gen3", "seed": seed, "subscribers": subscribers, "hours": hours,
        "start": rfc3339(START_MS, IST, False), "records": sink.written, "numbers_labelled": rows["rows"],
        "fraud_by_typology": rows["fraud"], "legit_by_profile": rows["legit"],
        "seconds": round(time.monotonic() - t0, 1), "country": "IN +91", "home_network": nb.HOME_MCCMNC,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _labels(path: Path, labels: Labels, callers: set[str]) -> dict[str, object]:
    fraud: Counter[str] = Counter()
    legit: Counter[str] = Counter()
    n = 0
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("number", "label", "typology", "fraud_start"))
        for number in sorted(set(labels.by_number) | callers):
            lab = labels.by_number.get(number)
            if lab is None:
                row = (number, "legit", "unlisted", "")
            elif not lab.onnet and number not in callers:
                continue
            else:
                start = "" if lab.fraud_start is None else rfc3339(lab.fraud_start, IST, False)
                row = (number, lab.label, lab.typology, start)
            (fraud if row[1] == "fraud" else legit)[row[2]] += 1
            w.writerow(row)
            n += 1
    return {"rows": n, "fraud": dict(sorted(fraud.items())), "legit": dict(sorted(legit.items()))}
