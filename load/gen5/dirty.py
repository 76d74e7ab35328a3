"""Bad lines mixed into the stream with --dirty, drawn from their own random stream."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from .rand import rng_for

KINDS = ("malformed_json", "missing_field", "wrong_type", "negative_duration", "absurd_duration",
         "unknown_disposition", "bad_time", "year_2999", "duplicate_id", "out_of_order")
RATE = 0.002
REQUIRED = ("cdr_id", "caller", "callee", "start_time", "duration_s", "disposition")


class Dirt:
    """Decides after each clean line whether to add a bad one; the clean lines are never touched."""

    def __init__(self, seed: int, fmt: Any) -> None:
        self.rng = rng_for(seed, "dirty")
        self.fmt = fmt
        self.counts = {k: 0 for k in KINDS}
        self.recent: deque[str] = deque(maxlen=5000)
        self.serial = 0

    def after(self, line: str, t: int) -> str | None:
        rng = self.rng
        self.recent.append(line)
        if rng.random() >= RATE:
            return None
        kind = KINDS[rng.randrange(len(KINDS))]
        self.counts[kind] += 1
        self.serial += 1
        rec: dict[str, Any] = json.loads(line)
        if kind != "duplicate_id":
            rec["cdr_id"] = f"C263{self.serial:010d}"  # own namespace: never equal to a clean id
        if kind == "malformed_json":
            text = json.dumps(rec, separators=(",", ":"))
            cut = rng.randrange(4)
            if cut == 0:
                return text[: rng.randrange(5, len(text) - 2)] + "\n"
            if cut == 1:
                return text[:-1] + ",}\n"
            if cut == 2:
                return text.replace('"', "'") + "\n"
            return text + "}\n"
        if kind == "missing_field":
            del rec[REQUIRED[rng.randrange(len(REQUIRED))]]
        elif kind == "wrong_type":
            which = rng.randrange(4)
            if which == 0:
                rec["duration_s"] = str(rec["duration_s"])
            elif which == 1:
                rec["caller"] = int(rec["caller"][1:])
            elif which == 2:
                rec["start_time"] = 1736722800 + t
            else:
                rec["disposition"] = rng.randrange(4)
        elif kind == "negative_duration":
            rec["duration_s"] = -rng.randint(1, 3600)
        elif kind == "absurd_duration":
            rec["duration_s"] = rng.choice((999999, 172801 * 3, 10 ** 9, 31536000))
        elif kind == "unknown_disposition":
            rec["disposition"] = rng.choice(("ANSWERED", "cancelled", "congestion", "", "unknown", "NO ANSWER"))
        elif kind == "bad_time":
            ts: str = rec["start_time"]
            rec["start_time"] = rng.choice((
                ts[:10] + " " + ts[11:19], ts[:19], ts[:19] + "+0100",
                f"{ts[8:10]}.{ts[5:7]}.{ts[:4]} {ts[11:19]}", ts[:5] + "02-30" + ts[10:],
                ts[:11] + "25" + ts[13:], "yesterday",
            ))
        elif kind == "year_2999":
            rec["start_time"] = "2999" + rec["start_time"][4:]
        elif kind == "duplicate_id":
            old = self.recent[rng.randrange(len(self.recent))]
            if rng.random() < 0.5:
                return old
            rec = json.loads(old)
            rec["duration_s"] = rec["duration_s"] + rng.randint(1, 30)
        elif kind == "out_of_order":
            rec["start_time"] = self.fmt(max(0, t - rng.randint(120, 600)))
        return json.dumps(rec, separators=(",", ":")) + "\n"
