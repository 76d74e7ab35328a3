"""Bad records mixed into the stream only with --dirty (about 0.2 % of lines)."""
from __future__ import annotations

import json
import random
from collections import Counter

from .core import DirtyHook

KINDS = ("malformed_json", "missing_field", "wrong_type", "absurd_duration",
         "unknown_disposition", "year_2999", "duplicate_id")
REQUIRED = ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")


class Dirty(DirtyHook):
    """After each good line, with small probability, emit one bad line."""

    def __init__(self, seed: int, rate: float = 0.002) -> None:
        self.r = random.Random(seed * 7919 + 2999)
        self.rate = rate
        self.counts: Counter[str] = Counter()
        self.n = 0

    def __call__(self, line: str) -> list[str]:
        r = self.r
        if r.random() >= self.rate:
            return []
        kind = r.choice(KINDS)
        self.counts[kind] += 1
        self.n += 1
        rec = json.loads(line)
        if kind == "duplicate_id":
            if r.random() < 0.5:
                return [line]
            rec["callee"] = rec["callee"][:-2] + f"{r.randrange(100):02d}"
            if rec.get("record_type") != "sms":
                rec["duration_s"] = round(r.uniform(0, 600), 1)
            return [json.dumps(rec, separators=(",", ":"))]
        rec["cdr_id"] = f"BAD{self.n:08d}"
        if kind == "malformed_json":
            txt = json.dumps(rec, separators=(",", ":"))
            v = r.randrange(4)
            if v == 0:
                return [txt[: r.randrange(5, len(txt) - 1)]]
            if v == 1:
                return [txt.replace('"', "'")]
            if v == 2:
                return [txt[:-1] + ',"extra":}']
            return ["caller=" + rec["caller"] + ";callee=" + rec["callee"] + ";dur=12"]
        if kind == "missing_field":
            del rec[r.choice(REQUIRED)]
        elif kind == "wrong_type":
            v = r.randrange(5)
            if v == 0:
                rec["duration_s"] = str(rec["duration_s"])
            elif v == 1:
                rec["caller"] = int(rec["caller"][1:])
            elif v == 2:
                rec["start_time"] = 1763049600 + r.randrange(172800)
            elif v == 3:
                rec["disposition"] = r.randrange(4)
            else:
                rec["record_type"] = r.choice(("call", "mms", 3))
        elif kind == "absurd_duration":
            rec["duration_s"] = r.choice((-r.randint(1, 500), 10 ** r.randint(7, 10), 172800 + r.randint(1, 100000)))
        elif kind == "unknown_disposition":
            rec["disposition"] = r.choice(("ANSWERED", "cancelled", "congestion", "", "ok", "rejected"))
        elif kind == "year_2999":
            rec["start_time"] = "2999" + rec["start_time"][4:]
        return [json.dumps(rec, separators=(",", ":"))]
