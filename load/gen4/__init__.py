"""gen4: an independent synthetic CDR generator (Philippine mobile operator).

One home operator (MCC-MNC 515-02, +63, Asia/Manila UTC+08:00) seen from its
own switch: subscribers' outbound calls/SMS and inbound traffic from other
networks and abroad.  Legitimate profiles include hard negatives; fraud
covers scam farms, wangiri, SIM boxes, IRSF, SIM-swap takeover and robocalls.

Legitimate profiles: ordinary, dual_sim, diaspora_family, frequent_international,
seafarer_family, traveller, new_handset, courier, small_business, load_retailer,
taxi_driver, call_centre, taxi_dispatch, clinic_reminder, pbx_trunk; outside
callers offnet_contact, foreign_contact, offnet_courier, offnet_telemarketer,
a2p_sender.  Fraud variants (labels_detail.csv): scam_farm {rotating_handsets,
phone_per_sim, slow, smishing}; wangiri {burst_sequential, burst_random,
slow_rotating, sms_lure}; simbox {classic, rotating_bank, imei_spoof_slow,
mobile}; irsf {stolen_line, low_and_slow, pbx_hack, subscription,
subscription_parallel}; takeover {wallet_drain, contacts_scam, monetise,
delayed_contacts}; robocall {sequential_sim, spoofed_rotating,
spoofed_neighbour, random_dialler}.  Unanswered calls carry their ring time
in duration_s; SMS have duration 0 and disposition answered (delivered) or
failed.

Usage: ``python -m load.gen4 --out DIR --seed N [--days 2] [--subscribers 20000] [--dirty]``
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from . import fraud, legit
from .core import START, UTC_OFFSET
from .dirty import Dirty
from .world import World

__all__ = ["generate"]
VERSION = "gen4-1"


def generate(out: str | Path, seed: int, days: int = 2, subscribers: int = 20000,
             dirty: bool = False) -> dict[str, Any]:
    """Write cdrs.jsonl, labels.csv, labels_detail.csv and manifest.json into out."""
    if days < 1 or subscribers < 200:
        raise ValueError("need days >= 1 and subscribers >= 200")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".gen4_tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    w = World(seed, days, subscribers, tmp)
    centres = legit.CallCentres(w)
    taxis = legit.TaxiDispatch(w)
    clinics = legit.ClinicReminders(w)
    pbx = legit.PbxTrunks(w)
    w.build_people(max(100, subscribers - len(w.subs)))
    legit.setup_a2p(w)
    plan = fraud.prepare(w, pbx.trunks)
    legit.setup_people(w)
    legit.people_traffic(w)
    legit.courier_traffic(w)
    legit.shop_traffic(w)
    centres.run()
    taxis.run()
    clinics.run()
    pbx.run()
    legit.a2p_traffic(w)
    legit.offnet_businesses(w)
    fraud.run(w, plan)
    hook = Dirty(seed) if dirty else None
    n = w.sink.merge(out / "cdrs.jsonl", hook)
    always = {s.number for s in w.subs}
    rows = w.reg.write(out, w.clock, w.sink.callers, always)
    shutil.rmtree(tmp, ignore_errors=True)
    by_label = Counter(r.label for r in rows)
    by_typ = Counter(f"{r.label}:{r.typology}" for r in rows)
    by_var = Counter(f"{r.typology}:{r.variant}" for r in rows if r.label == "fraud")
    manifest: dict[str, Any] = {
        "generator": VERSION, "seed": seed, "days": days, "subscribers_requested": subscribers,
        "home_lines": len(w.subs), "country": "PH", "country_code": "+63",
        "operator_mcc_mnc": "515-02", "utc_offset": UTC_OFFSET,
        "start": START.isoformat(), "records": n,
        "dirty_records": (sum(hook.counts.values()) if hook else 0),
        "dirty_kinds": dict(sorted(hook.counts.items())) if hook else {},
        "labels": dict(sorted(by_label.items())),
        "typologies": dict(sorted(by_typ.items())),
        "fraud_variants": dict(sorted(by_var.items())),
        "dropped_outside_window": w.sink.dropped,
    }
    with open(out / "manifest.json", "w", encoding="ascii") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest
